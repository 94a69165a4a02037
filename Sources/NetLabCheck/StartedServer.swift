import Foundation
import Glibc
import NetLabCore
import NetLabSockets
import Synchronization

/// The server under test, started by netlab (`netlab check --start CMD`): run by `/bin/sh -c`
/// in a process group of its own (so the whole of it is stopped, a shell's children too), its
/// output kept in a file, judged listening when /proc says its port is (no probe connection,
/// which would use up a one-client server). Before each check it is running, started again if
/// it exited; after each, what happened to it is told (a crash is not a missing server).
public final class StartedServer: Sendable {
    public let command: String
    public let port: UInt16
    private let type: SocketType
    /// Seconds a start has to listen.
    private let startWait: Double
    private let output: String
    private let state = Mutex<State>(State())

    private struct State {
        var pid: pid_t = 0
        /// Where this run's output starts in the file (what it printed since its start).
        var outputStart: UInt64 = 0
        var starts = 0
        /// Why it could not be started again (then nothing more is tried).
        var gaveUp: String?
    }

    /// The process group being run, for a signal handler that must stop it (0: none).
    private static let running = Atomic<Int32>(0)

    public init(command: String, port: UInt16, kind: LabEvent.Engine, startWait: Double = 5) {
        self.command = command
        self.port = port
        type = kind == .udp ? .datagram : .stream
        self.startWait = startWait
        output = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-start-\(getpid())-\(UUID().uuidString.prefix(8)).out").path
    }

    deinit {
        stop()
        unlink(output)
    }

    /// Starts it and waits until it listens; nil when it does, else why not in a sentence.
    public func start() -> String? {
        state.withLock { state in
            state.starts += 1
            var info = stat()
            state.outputStart = stat(output, &info) == 0 ? UInt64(info.st_size) : 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setpgroup(&attributes, 0)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
            let words: [String] = ["/bin/sh", "-c", command]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            defer { for word in argv { free(word) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
            guard spawned == 0 else { return "could not start /bin/sh (\(String(cString: strerror(spawned))))" }
            state.pid = pid
            Self.running.store(pid, ordering: .relaxed)
            return nil
        } ?? waitUntilListening()
    }

    /// Polls /proc (every 20 ms, `startWait` at most) until the port is the server's.
    private func waitUntilListening() -> String? {
        let deadline = Date().addingTimeInterval(startWait)
        while Date() < deadline {
            if PortHolder.isListening(port: port, type) { return nil }
            if let ended = reap() { return "it \(ended) before it listened on \(what)\(lastWords)" }
            usleep(20_000)
        }
        return "it did not listen on \(what) within \(ClientFailure.format(startWait)) s\(lastWords)"
    }

    private var what: String { "\(type == .stream ? "TCP" : "UDP") port \(port)" }

    /// `exited with status 1`, `was killed by Segmentation fault (signal 11)`, once it has
    /// ended (nil: running).
    private func reap() -> String? {
        state.withLock { state in
            guard state.pid > 0 else { return "had ended" }
            var status: Int32 = 0
            guard waitpid(state.pid, &status, WNOHANG) == state.pid else { return nil }
            state.pid = 0
            Self.running.store(0, ordering: .relaxed)
            let signal = status & 0x7f
            if signal != 0 { return "was killed by \(String(cString: strsignal(signal))) (signal \(signal))" }
            return "exited with status \((status >> 8) & 0xff)"
        }
    }

    /// `: it printed "IndexError: index out of range"`: the last line this run of it wrote, if any.
    private var lastWords: String {
        guard let handle = FileHandle(forReadingAtPath: output) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: state.withLock { $0.outputStart })
        guard let data = try? handle.readToEnd() else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            return ""
        }
        let shown = line.count > 120 ? String(line.prefix(117)) + "..." : String(line)
        return ": it printed \"\(TerminalSafe.controls(shown))\""
    }

    /// Between checks (and after the last): waits until the server listens again or has
    /// ended (a one-client server closes its socket and exits after its reply), says how it
    /// ended, and, when `restart`, starts it again. `ended` belongs to the check just run;
    /// `notReady` says why the next check cannot run (then none can: it stays said).
    public func settle(restart: Bool) -> (ended: String?, notReady: String?) {
        if let gaveUp = state.withLock({ $0.gaveUp }) { return (nil, gaveUp) }
        let deadline = Date().addingTimeInterval(startWait)
        // A server finishes with a client after the check has closed its side (it reads the
        // end, then closes, or crashes on it): its connections are waited for, as long as a
        // start may take (one it never closes is its own business), so a crash is told with
        // its check. (A second was too short on a loaded machine: a crash on the last
        // client's close was once told with the next check.)
        let busyUntil = deadline
        var ended: String?
        while ended == nil {
            if let how = reap() {
                ended = how
                break
            }
            if PortHolder.isListening(port: port, type),
                type == .datagram || Date() > busyUntil || !PortHolder.hasOpenConnections(port: port)
            {
                return (nil, nil)
            }
            guard Date() < deadline else {
                return (nil, giveUp("it runs but no longer listens on \(what) (\(ClientFailure.format(startWait)) s waited)"))
            }
            usleep(10_000)
        }
        // What it printed last says why only when it failed (a clean exit printed its banner).
        let said = "the server \(ended!) during this check" + (ended == "exited with status 0" ? "" : lastWords)
        guard restart else { return (said, nil) }
        guard let why = start() else { return (said + "; netlab started it again for the next", nil) }
        let waiting = PortHolder.timeWaitWithoutListener(port: port)
        if type == .stream, waiting > 0 {
            return (
                said,
                giveUp(
                    "it had ended and could not bind \(what) again: \(waiting) connection\(waiting == 1 ? "" : "s") it closed first "
                        + "wait\(waiting == 1 ? "s" : "") in TIME_WAIT (up to 60 s); setsockopt(SO_REUSEADDR) before bind() lets a "
                        + "restarted server bind at once\(lastWords)")
            )
        }
        return (said, giveUp("it had ended and did not start again: \(why)"))
    }

    /// Stops trying: the sentence stays, for every check left.
    private func giveUp(_ sentence: String) -> String {
        stop()
        state.withLock { $0.gaveUp = sentence }
        return sentence
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after a second.
    public func stop() {
        let pid = state.withLock { state -> pid_t in
            defer { state.pid = 0 }
            return state.pid
        }
        Self.running.store(0, ordering: .relaxed)
        guard pid > 0 else { return }
        kill(-pid, SIGTERM)
        for _ in 0..<50 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// For a signal handler (Ctrl-C while checking): the server's group is stopped too.
    public static func stopRunningFromSignalHandler() {
        let group = running.load(ordering: .relaxed)
        if group > 0 { kill(-group, SIGTERM) }
    }
}
