import Foundation
import Glibc
import NetLabCore

/// `:shell`: a program given the terminal in the foreground, as a job-control shell gives it:
/// a process group of its own made the terminal's foreground, so Ctrl-C and Ctrl-Z reach it
/// and not netlab; netlab takes the terminal back when it ends.
enum ForegroundShell {
    /// The user's shell: `$SHELL`, else /bin/sh.
    static var command: [String] {
        let shell = ProcessInfo.processInfo.environment["SHELL"] ?? ""
        return [shell.isEmpty || access(shell, X_OK) != 0 ? "/bin/sh" : shell]
    }

    enum Outcome {
        /// Its exit status (128 + the signal that ended it).
        case ended(Int32)
        /// It could not start.
        case failed(Errno)
    }

    /// Runs `arguments` on the terminal and waits for it.
    static func run(_ arguments: [String]) -> Outcome {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group; the signals netlab ignores or blocks are its own again.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGCHLD] {
            sigaddset(&defaults, number)
        }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = posix_spawn(&pid, arguments[0], nil, &attributes, &argv, environ)
        guard started == 0 else { return .failed(Errno(started)) }
        // netlab is a background process while the shell runs: taking the terminal back must
        // not stop it (SIGTTOU), so that signal is ignored around the hand-overs.
        let previous = signal(SIGTTOU, SIG_IGN)
        _ = tcsetpgrp(0, pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        _ = tcsetpgrp(0, getpgrp())
        signal(SIGTTOU, previous)
        let signalled = status & 0x7f
        return .ended(signalled == 0 ? (status >> 8) & 0xff : 128 + signalled)
    }
}
