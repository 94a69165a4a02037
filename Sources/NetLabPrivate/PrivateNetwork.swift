import CNetLabPrivate
import Foundation
import Glibc

/// `netlab --private` and `netlab shell`: netlab in a network of its own (a new user and
/// network namespace; netlab brings its loopback up with NetLabSockets' `Loopback`), where capturing needs no root: the calling user is
/// root there, over that network only. The only importer of the namespace shim.
public enum PrivateNetwork {
    /// Set in the environment of a netlab running in its private network.
    public static let marker = "NETLAB_PRIVATE"
    /// Where the netlab inside writes host b's runtime file (its folder is the user's outside).
    static let runtimeBVariable = "NETLAB_RUNTIME_B"

    /// Whether this process runs in netlab's private network.
    public static var isInside: Bool { getenv(marker).map { String(cString: $0) == "1" } ?? false }

    public struct Failure: Error, Sendable {
        public var message: String
        /// The exit code: 64 for usage, 77 when the kernel does not allow it, 1 otherwise.
        public var code: Int32
    }

    /// `--private` in netlab's arguments (before a `--`, which ends netlab's own): the
    /// arguments without it, or nil when it is not there.
    public static func strip(_ arguments: [String]) -> [String]? {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        guard let index = arguments[..<end].firstIndex(of: "--private") else { return nil }
        var rest = arguments
        rest.remove(at: index)
        return rest
    }

    // MARK: Starting one

    /// Runs netlab again with `arguments` (argv[0] first) in a new private network and waits
    /// for it: its exit status (128 + the signal that ended it). The running netlab's path is
    /// read from /proc/self/exe, so `swift run` and an installed netlab alike re-run themselves.
    public static func run(_ arguments: [String]) throws(Failure) -> Int32 {
        let path = executablePath() ?? arguments[0]
        var environment = ProcessInfo.processInfo.environment
        environment[marker] = "1"
        // Host b's runtime file is written from inside, where the user is root: named here.
        let runtimeB = runtimeFile(host: "b")
        environment[runtimeBVariable] = runtimeB
        let pid = try spawn(arguments: arguments, environment: environment) { report, argv, envp in
            netlab_private_spawn(path, argv, envp, report)
        }
        let runtime = runtimeFile()
        try? writeRuntime(pid: pid, to: runtime)
        defer {
            removeRuntime(runtime, ifItNames: pid)
            // Host b's holder ended with this netlab; another netlab --private may have written
            // the file since (a new one started while this one was ending): left to it.
            if let text = try? String(contentsOfFile: runtimeB, encoding: .utf8),
                let holder = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                kill(holder, 0) != 0, errno == ESRCH
            {
                unlink(runtimeB)
            }
        }
        return wait(for: pid)
    }

    /// The running `netlab --private` this user started (named by the runtime file), whose
    /// network `join` enters; fails with what to do when there is none.
    public static func running(host: String = "a") throws(Failure) -> pid_t {
        let file = runtimeFile(host: host)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let target = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            target > 0, kill(target, 0) == 0 || errno == EPERM
        else {
            if host != "a", (try? running()) != nil {
                throw Failure(
                    message: "the running private network has no host \(host) (\(file) names none that is alive): "
                        + "start it with netlab --private --hosts 2", code: 69)
            }
            throw Failure(
                message: "no private network is running for this user (\(file) names none that is alive): start one with netlab --private",
                code: 69)
        }
        return target
    }

    /// Runs the program at `path` with `arguments` (argv[0] first) in `target`'s private
    /// network and waits for it: its exit status.
    public static func join(_ target: pid_t, path: String, arguments: [String]) throws(Failure) -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        environment[marker] = "1"
        let pid = try spawn(arguments: arguments, environment: environment) { report, argv, envp in
            netlab_private_join(target, path, argv, envp, report)
        }
        return wait(for: pid)
    }

    // MARK: What the kernel allows

    /// Whether a private network can be made here, tried for real (`/bin/true` run in one):
    /// a kernel setting or a container's policy may forbid it.
    public static func canBeMade() -> Bool {
        guard
            let pid = try? spawn(
                arguments: ["/bin/true"], environment: [:],
                { report, argv, envp in
                    netlab_private_spawn("/bin/true", argv, envp, report)
                })
        else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0
    }

    /// Why this kernel will not let an unprivileged user make a private network, with the
    /// one-time fix; nil when nothing says it forbids it.
    public static func forbidden() -> String? {
        func value(_ path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if value("/proc/sys/kernel/unprivileged_userns_clone") == 0 {
            return "kernel.unprivileged_userns_clone is 0, so only root may make user namespaces; "
                + "once, as root: sysctl -w kernel.unprivileged_userns_clone=1"
        }
        if value("/proc/sys/user/max_user_namespaces") == 0 {
            return "user.max_user_namespaces is 0, so no user namespace may be made; once, as root: sysctl -w user.max_user_namespaces=15000"
        }
        if value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1 {
            return "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns is 1); "
                + "once, as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give netlab an AppArmor profile "
                + "that allows userns"
        }
        return nil
    }

    /// What to do when capturing is refused (no root, no CAP_NET_RAW): `--private` where the
    /// kernel allows it (or why it does not), then the one-time setcap for the binary that is
    /// running (read from /proc/self/exe, so it is right for `swift run` too).
    public static func captureAdvice() -> String {
        let path = executablePath().map(shellQuoted) ?? "\"$(command -v netlab)\""
        let setcap = "or once: sudo setcap cap_net_raw,cap_net_admin=eip \(path) (or run netlab as root)"
        if isInside {
            return "even in netlab's private network, where this user is root: something above it (a container's policy) "
                + "keeps CAP_NET_RAW from it; \(setcap)"
        }
        if let forbidden = forbidden() { return "netlab --private cannot help on this machine: \(forbidden); \(setcap)" }
        return "try netlab --private (a network of its own, where capturing needs no root; netlab shell runs your programs in it), "
            + setcap
    }

    /// `text` as one shell word (single quotes, unless it needs none).
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-+".unicodeScalars.contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The running netlab's own path (`/proc/self/exe`), for the lines that tell a user what to run.
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: The runtime file

    /// Where a private netlab leaves its pid for `netlab shell`: $XDG_RUNTIME_DIR/netlab-private.pid,
    /// else /tmp/netlab-UID/private.pid (a folder only this user may enter).
    /// The runtime file naming host a's netlab (`netlab-private.pid`) or host b's holder
    /// (`netlab-private-b.pid`).
    static func runtimeFile(host: String = "a") -> String {
        let suffix = host == "a" ? "" : "-\(host)"
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, access(runtime, W_OK) == 0 {
            return runtime + "/netlab-private\(suffix).pid"
        }
        return "/tmp/netlab-\(getuid())/private\(suffix).pid"
    }

    static func writeRuntime(pid: Int32, to file: String) throws {
        let folder = (file as NSString).deletingLastPathComponent
        if folder.hasPrefix("/tmp/netlab-") {
            mkdir(folder, 0o700)
            var info = stat()
            // Someone else's folder (made first to catch the file): not used.
            guard lstat(folder, &info) == 0, info.st_uid == getuid(), info.st_mode & S_IFMT == S_IFDIR else {
                throw CocoaError(.fileWriteNoPermission)
            }
        }
        try "\(pid)\n".write(toFile: file, atomically: true, encoding: .utf8)
    }

    static func removeRuntime(_ file: String, ifItNames pid: Int32) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) == pid
        else { return }
        unlink(file)
    }

    // MARK: Processes

    private static func spawn(
        arguments: [String], environment: [String: String],
        _ start: (Int32, UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<UnsafeMutablePointer<CChar>?>) -> pid_t
    ) throws(Failure) -> pid_t {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw Failure(message: "cannot make a pipe: \(String(cString: strerror(errno)))", code: 1) }
        // Close-on-exec (set before the fork, which runs no Swift): only a failed step writes to it.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        defer { close(ends[0]) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let pid = argv.withUnsafeBufferPointer { a in envp.withUnsafeBufferPointer { e in start(ends[1], a.baseAddress!, e.baseAddress!) } }
        let forkError = errno
        close(ends[1])
        guard pid > 0 else { throw Failure(message: "cannot start a process: \(String(cString: strerror(forkError)))", code: 1) }
        var message: [Int32] = [0, 0]
        let count = read(ends[0], &message, 8)
        guard count == 8 else { return pid }  // the exec closed the pipe: it runs
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw failure(step: message[0], errno: message[1], program: arguments[0])
    }

    /// A failed step in words, with what to do.
    static func failure(step: Int32, errno code: Int32, program: String) -> Failure {
        let reason = "\(String(cString: strerror(code))) (errno \(code))"
        switch Int(step) {
        case Int(NETLAB_PRIVATE_UNSHARE):
            if let forbidden = forbidden() { return Failure(message: "cannot make a private network: \(forbidden)", code: 77) }
            return Failure(
                message: "cannot make a private network: the kernel refused a new user and network namespace: \(reason); "
                    + "a container may forbid it (docker run --security-opt seccomp=unconfined), or run netlab as root instead",
                code: 77)
        case Int(NETLAB_PRIVATE_SETGROUPS), Int(NETLAB_PRIVATE_UID_MAP), Int(NETLAB_PRIVATE_GID_MAP):
            return Failure(message: "cannot map this user into the private network: \(reason)", code: 77)
        case Int(NETLAB_PRIVATE_JOIN_USER), Int(NETLAB_PRIVATE_JOIN_NET):
            return Failure(message: "cannot join the running private network: \(reason); is it this user's?", code: 77)
        default:
            return Failure(message: "cannot run \(program) in the private network: \(reason)", code: code == ENOENT ? 127 : 126)
        }
    }

    /// Waits for `pid`, passing SIGTERM and SIGHUP on (Ctrl-C reaches it from the terminal):
    /// its exit status, or 128 + the signal that ended it.
    static func wait(for pid: pid_t) -> Int32 {
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        forwardTo = pid
        signal(SIGTERM) { signal in kill(PrivateNetwork.forwardTo, signal) }
        signal(SIGHUP) { signal in kill(PrivateNetwork.forwardTo, signal) }
        // A parent may have started netlab with them blocked (a test runner's threads do).
        var passed = sigset_t()
        sigemptyset(&passed)
        sigaddset(&passed, SIGTERM)
        sigaddset(&passed, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &passed, nil)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitStatus(status)
    }

    /// A wait status as a shell reports it: the exit status, or 128 + the signal.
    static func exitStatus(_ status: Int32) -> Int32 {
        let signalled = status & 0x7f
        return signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
    }

    /// The child a signal is passed to (set once, before the handlers that read it).
    nonisolated(unsafe) static var forwardTo: pid_t = 0
}
