import CNetLabPrivate
import Foundation
import Glibc

/// `:shell`: a program given the terminal in the foreground, as a job-control shell gives it:
/// a process group of its own made the terminal's foreground before it runs, so Ctrl-C and
/// Ctrl-Z reach it and not netlab; netlab takes the terminal back when it ends. It runs in
/// netlab's network (the private one with `--private`: it inherits it).
public enum ForegroundShell {
    /// The user's shell: `$SHELL`, else /bin/sh.
    public static var command: [String] {
        let shell = ProcessInfo.processInfo.environment["SHELL"] ?? ""
        return [shell.isEmpty || access(shell, X_OK) != 0 ? "/bin/sh" : shell]
    }

    public enum Outcome: Equatable {
        /// Its exit status (128 + the signal that ended it).
        case ended(Int32)
        /// It could not start: the errno.
        case failed(Int32)
    }

    /// Runs `arguments` on the terminal (stdin) and waits for it.
    public static func run(_ arguments: [String]) -> Outcome {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // netlab is a background process while it runs: the hand-overs of the terminal must
        // not stop it (SIGTTOU), so that signal is ignored around them.
        let previous = signal(SIGTTOU, SIG_IGN)
        defer { signal(SIGTTOU, previous) }
        let pid = argv.withUnsafeMutableBufferPointer { netlab_foreground_spawn(arguments[0], $0.baseAddress, environ, 0) }
        guard pid > 0 else { return .failed(errno) }
        _ = setpgid(pid, pid)
        _ = tcsetpgrp(0, pid)
        var status: Int32 = 0
        while true {
            guard waitpid(pid, &status, WUNTRACED) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            // Stopped (a read while not yet the foreground, or Ctrl-Z in a program that is not
            // a job-control shell): given the terminal again and continued, never left waiting.
            guard status & 0xff == 0x7f else { break }
            _ = tcsetpgrp(0, pid)
            kill(pid, SIGCONT)
        }
        _ = tcsetpgrp(0, getpgrp())
        let code = PrivateNetwork.exitStatus(status)
        return code == 127 && access(arguments[0], X_OK) != 0 ? .failed(ENOENT) : .ended(code)
    }
}
