import Foundation
import Testing

/// A detached tmux session on its own server, running one command in a `sh` wrapper that
/// records `stty -g` before and after the command and its exit status.
final class TmuxSession {
    let socket: String
    let directory: URL
    static let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    init(command: [String], width: Int, height: Int) throws {
        guard let tmux = Self.tmux else { throw BackgroundError(message: "tmux is not installed (apt-get install tmux)") }
        socket = "netlab-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let d = directory.path
        // sh, not bash: bash's readline would repair a broken terminal and hide the bug.
        let script =
            "trap true INT QUIT; stty -g > \(d)/before; \(quoted); echo $? > \(d)/rc.tmp; stty -g > \(d)/after; mv \(d)/rc.tmp \(d)/rc; sleep 120"
        // The tmux server outlives this call and keeps every descriptor it inherits: a pipe
        // of Foundation's Process (this call's own, or another test's) would then never reach
        // end of file and that wait would hang. So spawn directly, close everything above
        // stderr in the child (python3's closerange), unblock every signal (this process's
        // threads block some, and a blocked mask is inherited: Ctrl-C must behave as for a
        // person), then exec tmux.
        let closeAndExec =
            "import os, signal, sys; os.closerange(3, 1 << 16); "
            + "signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        let status = spawnAndWait([
            python3, "-c", closeAndExec, tmux, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", String(width),
            "-y", String(height), "-e", "LANG=C.UTF-8", "sh", "-c", script,
        ])
        guard status == 0 else { throw BackgroundError(message: "tmux new-session failed with status \(status)") }
        try self.tmux("set-option", "-g", "escape-time", "0")
    }

    /// Runs a program with stdio on /dev/null and returns its exit status.
    private func spawnAndWait(_ arguments: [String]) -> Int32 {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 0 }  // reaped elsewhere: it has exited
        }
        return (status >> 8) & 0xFF
    }

    @discardableResult
    func tmux(_ arguments: String...) throws -> String {
        let result = try run(Self.tmux!, ["-L", socket] + arguments)
        return result.out
    }

    func send(_ keys: String...) throws {
        _ = try run(Self.tmux!, ["-L", socket, "send-keys"] + keys)
    }

    /// Types text literally, then Enter.
    func typeLine(_ text: String) throws {
        _ = try run(Self.tmux!, ["-L", socket, "send-keys", "-l", text])
        try send("Enter")
    }

    /// The screen as text; `-J` joins lines the terminal wrapped (a program's long output line
    /// is one line again, so an awaited phrase is found wherever the width cut it).
    var screen: String { (try? tmux("capture-pane", "-p", "-J")) ?? "" }

    /// The screen with its colours and attributes as SGR escape sequences.
    var styledScreen: String { (try? tmux("capture-pane", "-p", "-e")) ?? "" }

    /// Polls the screen every 50 ms until `condition` holds, for at most `seconds`.
    @discardableResult
    func waitFor(_ what: String, within seconds: Double = 10, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let text = screen
            if condition(text) { return text }
            if Date() > deadline { throw BackgroundError(message: "timed out waiting for \(what); screen:\n\(text)") }
            usleep(50_000)
        }
    }

    /// Waits for a phrase as a person reads it: on one row, or carried over the console's own
    /// wrap inside a pane (where the cut falls depends on a pid's or a port's width).
    @discardableResult
    func waitFor(_ needle: String, within seconds: Double = 10) throws -> String {
        let words = Self.collapsed(needle)
        return try waitFor("\"\(needle)\"", within: seconds) { text in
            text.contains(needle) || Self.paneTexts(text).contains { $0.contains(words) }
        }
    }

    /// Each boxed pane's rows read top to bottom as one line of words: a row `│A…││B…│` has
    /// pane 0 `A…` and pane 1 `B…`; rows are joined with a space and runs of spaces collapsed.
    static func paneTexts(_ screen: String) -> [String] {
        var panes: [[String]] = []
        for row in screen.split(separator: "\n", omittingEmptySubsequences: false) where row.hasPrefix("│") {
            let cells = row.split(separator: "│", omittingEmptySubsequences: false)
            for (index, cell) in cells.enumerated() where index % 2 == 1 {
                let pane = index / 2
                while panes.count <= pane { panes.append([]) }
                panes[pane].append(String(cell))
            }
        }
        return panes.map { collapsed($0.joined(separator: " ")) }
    }

    static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }

    /// The console on loopback at free ports, its TCP server on (and waited for), with
    /// `arguments` after the defaults and `environment` (`NAME=value`) before it; returns the
    /// session and the TCP port (the UDP server's too).
    /// `port`: the TCP and UDP servers' port (a free one if nil); `clipboard`: tmux keeps
    /// OSC 52 copies (set-clipboard).
    /// `prefix`: what runs the console (`setpriv ...`: as another user).
    static func console(
        _ arguments: [String] = [], environment: [String] = [], port: UInt16? = nil, width: Int = 80, height: Int = 24,
        clipboard: Bool = false, prefix: [String] = []
    ) throws -> (TmuxSession, UInt16) {
        let port = try port ?? freePort()
        let session = try TmuxSession(
            command: prefix + ["/usr/bin/env"] + environment + [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
                "--http-port", "\(try freePort())", "--servers", "tcp",
            ] + arguments,
            width: width, height: height)
        if clipboard { _ = try session.tmux("set-option", "-g", "set-clipboard", "on") }
        try session.waitForServer("TCP", port: port, "ON")
        return (session, port)
    }

    /// Waits for a server's state in the status bar, in its roomy (`TCP :12000  ON`) or its
    /// 80-column (`TCP:12000  ON`) form.
    @discardableResult
    func waitForServer(_ engine: String, port: UInt16, _ state: String, within seconds: Double = 10) throws -> String {
        try waitFor("\(engine) :\(port)  \(state)", within: seconds) {
            $0.contains("\(engine) :\(port)  \(state)") || $0.contains("\(engine):\(port)  \(state)")
        }
    }

    /// The exit status once the command has ended.
    func exitStatus(within seconds: Double = 10) throws -> Int32 {
        let rc = directory.appendingPathComponent("rc")
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: rc.path) {
            if Date() > deadline { throw BackgroundError(message: "the console did not exit; screen:\n\(screen)") }
            usleep(50_000)
        }
        let text = try String(contentsOf: rc, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text) ?? -1
    }

    /// True when `stty -g` after the command equals the one before.
    var sttyRestored: Bool {
        let before = try? String(contentsOf: directory.appendingPathComponent("before"), encoding: .utf8)
        let after = try? String(contentsOf: directory.appendingPathComponent("after"), encoding: .utf8)
        return before != nil && before == after
    }

    /// `alternate_on cursor_flag keypad_flag`: "0 1 0" is a restored terminal.
    var terminalFlags: String {
        ((try? tmux("display-message", "-p", "#{alternate_on} #{cursor_flag} #{keypad_flag}")) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func resize(width: Int, height: Int) throws {
        try tmux("resize-window", "-x", String(width), "-y", String(height))
    }

    deinit {
        _ = try? run(Self.tmux!, ["-L", socket, "kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite struct TmuxReadingTests {
    /// A phrase the console wrapped inside its pane is read whole; the pane beside it does not
    /// break it, and a phrase split between two panes is not invented.
    @Test func panesAreReadAsWords() {
        let screen = """
            ┌ Client ──────┐┌ Timeline ─┐
            │12:00 the     ││#1 call    │
            │      client  ││#2 wire    │
            │talks         ││           │
            └──────────────┘└───────────┘
            """
        let panes = TmuxSession.paneTexts(screen)
        #expect(panes == ["12:00 the client talks", "#1 call #2 wire"])
        #expect(!panes.contains { $0.contains("the #1") })
    }
}
