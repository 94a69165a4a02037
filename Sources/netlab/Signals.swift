import Foundation

enum Signals {
    /// Unblocks signals the process relies on to stop. A blocked mask is inherited through
    /// exec: a parent that blocks SIGTERM in its spawning thread (some test runners, some
    /// supervisors) would otherwise leave a server that can only be killed with SIGKILL.
    static func unblock(_ numbers: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
