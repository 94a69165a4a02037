import Foundation
import Testing

/// The console on loopback with its TCP server on `port`, waited for until it is ON.
private func tcpConsole(port: UInt16, _ extra: [String], width: Int, height: Int, clipboard: Bool = false) throws -> TmuxSession {
    try TmuxSession.console(extra, port: port, width: width, height: height, clipboard: clipboard).0
}

/// The real console binary in a real (tmux) terminal, read back as a person sees it.
@Suite(.serialized) struct ConsoleEndToEndTests {
    @Test func classroomDemo() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())",
                "--servers", "none",
            ],
            width: 120, height: 40)
        try session.waitForServer("TCP", port: port, "OFF")
        try session.waitForServer("UDP", port: port, "OFF")

        // Question 1: TCP with its server OFF is refused; F2 turns it on and the same line works.
        try session.typeLine("hello")
        try session.waitFor("Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:\(port)")
        try session.send("F2")
        try session.waitForServer("TCP", port: port, "ON")
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")

        // Question 2: UDP with its server OFF gets no reply; F3 turns it on.
        try session.send("F5")
        try session.waitFor("client: UDP -> 127.0.0.1:\(port)")
        try session.typeLine(":timeout 0.5")
        try session.typeLine("hi")
        try session.waitFor("No reply within 0.5 s. Nothing listening?")
        try session.send("F3")
        try session.waitForServer("UDP", port: port, "ON")
        try session.typeLine("hi there")
        try session.waitFor("UDP <- HI THERE")

        // Question 3: a wrong port: UDP silent, TCP refused.
        let wrong = port == 65535 ? port - 1 : port + 1
        try session.typeLine(":port \(wrong)")
        try session.typeLine("lost")
        try session.waitFor("silence on the wrong port") { screen in
            guard let sent = screen.range(of: "UDP -> 127.0.0.1:\(wrong) lost") else { return false }
            return screen[sent.upperBound...].contains("No reply within 0.5 s")
        }
        try session.typeLine(":proto tcp")
        try session.typeLine("lost")
        try session.waitFor("nothing is listening on 127.0.0.1:\(wrong)")

        // The detail shows what explains the newest exchange, tshark -x style: with the capture
        // on (root), the RST that refused it; without, the bytes of the newest message.
        if geteuid() == 0 {
            try session.waitFor("wire RST/ACK, 54 bytes on the wire")
            try session.waitFor("nothing listens on TCP 127.0.0.1:\(wrong): the kernel answered the SYN with RST")
        } else {
            try session.waitFor("6c 6f 73 74")
        }

        // Too small, then back.
        try session.resize(width: 20, height: 6)
        try session.waitFor("Make me bigger")
        try session.resize(width: 120, height: 40)
        try session.waitForServer("TCP", port: port, "ON")

        try session.send("F10")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    @Test func ctrlCRestoresTheTerminal() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [netlabBinary.path, "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())"], width: 80, height: 24)
        try session.waitForServer("TCP", port: port, "ON")
        try session.send("C-c")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    /// Without F-keys: Esc then a digit (Alt-digit) is the F-key, `?` opens the help, Ctrl-S
    /// does not freeze the screen (no flow control), Ctrl-Q quits and restores the terminal.
    @Test func keysForTerminalsThatKeepTheFunctionKeys() throws {
        let port = try freePort()
        let session = try tcpConsole(port: port, [], width: 80, height: 24)
        try session.send("Escape", "2")  // F2: the TCP server off
        try session.waitForServer("TCP", port: port, "OFF")
        try session.send("M-2")  // Alt-2: on again
        try session.waitForServer("TCP", port: port, "ON")
        try session.send("?")
        try session.waitFor("Help: lines 1-20 of")
        try session.send(
            "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown", "PageDown",
            "PageDown")
        try session.waitFor("any other key closes this help")
        try session.send("x")
        try session.send("C-s")
        try session.send("-l", "still typing")
        try session.waitFor("TCP> still typing")
        try session.send("C-q")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    /// `--log FILE`: every event as one JSON object per line, as it happens.
    @Test func eventLogIsJSONLines() throws {
        let port = try freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("events.jsonl").path
        let session = try tcpConsole(port: port, ["--log", file], width: 80, height: 24)
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line parses as JSON")
        let events = objects.map { "\($0["role"] ?? "") \($0["event"] ?? "")" }
        #expect(events.first == "server listening")
        for wanted in [
            "client connecting", "client connected", "client sent", "server accepted", "server received",
            "server sent", "client received",
        ] {
            #expect(events.contains(wanted), "\(wanted) in \(events)")
        }
        let reply = try #require(objects.first { $0["role"] as? String == "client" && $0["event"] as? String == "received" })
        #expect(reply["hex"] as? String == "48454c4c4f")
        #expect(reply["call"] as? String == "recv")
        if geteuid() == 0 {
            #expect(events.contains("wire wire"))
            // The frames' text numbers as the screen does: the server's SYN/ACK is seq 0 ack 1
            // (it read the kernel's random initial numbers).
            let texts = objects.filter { $0["role"] as? String == "wire" }.compactMap { $0["text"] as? String }
            let synAck = texts.first { $0.hasPrefix("127.0.0.1:\(port) > ") && $0.contains(" SYN/ACK ") }
            #expect(synAck?.contains("SYN/ACK seq 0 ack 1 win ") == true, "\(texts)")
        }
        let bad = try run(netlabBinary.path, ["--log", "/nonexistent-dir/x.jsonl"])
        #expect(bad.status == 1)
        #expect(
            bad.stderr
                == "netlab: cannot open --log /nonexistent-dir/x.jsonl: No such file or directory; choose a file in a folder you can write to\n")
    }

    /// A 404's body, read at 80x24: the response as text, scrolled inside the message.
    @Test func aScrolled404BodyAsText() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(try freePort())", "--udp-port", "\(try freePort())",
                "--http-port", "\(port)", "--servers", "http",
            ], width: 80, height: 24)
        try session.waitForServer("HTTP", port: port, "ON")
        try session.typeLine(":proto http")
        try session.typeLine("/missing")
        try session.waitFor("HTTP <- 404 Not Found")
        try session.send("Tab", "Tab", "C-t")
        try session.waitFor("HTTP/1.1 404 Not Found")
        try session.waitFor("lines 1-2 of 10: PgUp PgDn scroll")
        // A page is the two lines shown less one of overlap: every line is reached (it used
        // to go 1-2, 5-6, 9-10), and the end stops the paging.
        for first in 2...9 {
            try session.send("PageDown")
            try session.waitFor("lines \(first)-\(first + 1) of 10: PgUp PgDn scroll")
        }
        try session.waitFor("<body><h1>404 Not Found</h1><p>/missing is not on this server</p>")
        try session.send("PageDown")
        try session.send("PageUp")
        try session.waitFor("lines 8-9 of 10: PgUp PgDn scroll")
        try session.send("PageDown")
        try session.waitFor("lines 9-10 of 10: PgUp PgDn scroll")
        try session.send("C-t")  // back to hex
        try session.waitFor("0000  48 54 54 50 2f 31 2e 31 20 34 30 34")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// The shown message's hex dump, without pane borders: to the clipboard with OSC 52 (tmux
    /// keeps it in its paste buffer) and to a file that text2pcap reads.
    @Test func copyAndSaveTheShownMessage() throws {
        let port = try freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try tcpConsole(port: port, ["--no-wire"], width: 100, height: 30, clipboard: true)
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")
        try session.typeLine(":copy")
        try session.waitFor("copied the hex dump of")
        let dump = "0000  48 45 4c 4c 4f                                    HELLO\n"
        #expect(try session.tmux("show-buffer") == dump)
        let file = directory.appendingPathComponent("reply.hex").path
        try session.typeLine(":save \(file)")
        try session.waitFor("saved the hex dump of")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == dump)
        let pcap = directory.appendingPathComponent("reply.pcap").path
        #expect(try run("/usr/bin/text2pcap", ["-q", file, pcap]).status == 0)
        let read = try run("/usr/bin/tshark", ["-r", pcap, "-T", "fields", "-e", "frame.len"])
        #expect(read.out == "5\n")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// The mouse in tmux (which reports it as xterm's X10 sequence): a click on a key-bar item
    /// runs it; with --no-mouse netlab never asks for mouse reports, so the terminal keeps the
    /// mouse for selecting text.
    @Test(arguments: [true, false])
    func clickingTheKeyBar(mouse: Bool) throws {
        let port = try freePort()
        let session = try tcpConsole(port: port, ["--no-wire"] + (mouse ? [] : ["--no-mouse"]), width: 80, height: 24)
        // "F1 Help F2 TCP ...": column 9 of the last row is F2; press and release there.
        func report(_ button: Int) -> String {
            "\u{1B}[M" + String(UnicodeScalar(UInt8(32 + button))) + String(UnicodeScalar(UInt8(32 + 10))) + String(UnicodeScalar(UInt8(32 + 24)))
        }
        // Whether netlab asked the terminal for mouse reports (tmux knows: mouse_any_flag).
        let asked = try session.tmux("display-message", "-p", "#{mouse_any_flag}").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(asked == (mouse ? "1" : "0"))
        if mouse {
            try session.send("-l", report(0) + report(3))
            try session.waitForServer("TCP", port: port, "OFF")
        }
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// The console measures characters as the terminal does (wcwidth): after five rockets,
    /// each two columns wide, the cursor stands after them (it stood at column 11 when the
    /// console's own table counted 🚀 as one column).
    @Test func widthsAgreeWithTheTerminal() throws {
        let port = try freePort()
        let session = try tcpConsole(port: port, ["--no-wire"], width: 80, height: 24)
        try session.send("-l", "🚀🚀🚀🚀🚀")
        try session.waitFor("TCP> 🚀🚀🚀🚀🚀")
        // "│TCP> " is six columns, then 5 x 2.
        #expect(try session.tmux("display-message", "-p", "#{cursor_x}").trimmingCharacters(in: .whitespacesAndNewlines) == "16")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    @Test func quitCommandAndUnknownCommandHint() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [netlabBinary.path, "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())", "--servers", "tcp"],
            width: 80, height: 24)
        try session.waitForServer("UDP", port: port, "OFF")
        try session.typeLine(":frobnicate")
        try session.waitFor("unknown command :frobnicate; try :help for the list")
        try session.typeLine(":quit")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    @Test func portInUseShowsInTheLogNotACrash() throws {
        let holder = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try holder.port()
        defer { _ = holder.interrupt() }
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())",
            ], width: 120, height: 30)
        // Held by another program: named, and netlab's server stays OFF (the client talks to it).
        try session.waitFor("EADDRINUSE")
        try session.waitForServer("TCP", port: port, "OFF")
        try session.waitFor("TCP port \(port) is taken by netlab tcp-server --host 127.0.0.1 --port 0 (pid \(holder.process.processIdentifier))")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}

/// Colours as they reach a (tmux) terminal, read back with `capture-pane -e`.
@Suite(.serialized) struct ConsoleThemeEndToEndTests {
    /// Every SGR parameter list on the screen, with `38;5;N` and `48;5;N` kept whole.
    static func colours(_ styled: String) -> Set<String> {
        var found: Set<String> = []
        var rest = Substring(styled)
        while let start = rest.range(of: "\u{1b}[") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "m") else { break }
            let params = rest[..<end].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            var i = 0
            while i < params.count {
                let p = Int(params[i]) ?? 0
                if p == 38 || p == 48, i + 2 < params.count, params[i + 1] == "5" {
                    found.insert("\(p);5;\(params[i + 2])")
                    i += 3
                    continue
                }
                if (30...37).contains(p) || (40...47).contains(p) || (90...97).contains(p) || (100...107).contains(p) {
                    found.insert(String(p))
                }
                i += 1
            }
            rest = rest[end...]
        }
        return found
    }

    func console(_ environment: [String], _ arguments: [String]) throws -> (TmuxSession, UInt16) {
        try TmuxSession.console(arguments, environment: environment, width: 100, height: 30)
    }

    @Test func aThemesPaletteReachesTheScreenAndF6SwitchesLive() throws {
        let (session, _) = try console(["TERM=xterm-256color"], ["--theme", "classroom-light"])
        let light = Self.colours(session.styledScreen)
        // classroom-light: black (16) on white (231), ON chip on dark green (22), OFF on dark red (124).
        #expect(light.isSuperset(of: ["38;5;16", "48;5;231", "48;5;22", "48;5;124"]), "\(light)")
        try session.send("F6")
        try session.waitFor("theme: high-contrast")
        let high = Self.colours(session.styledScreen)
        // high-contrast: bright green ON chip (palette 10: SGR 102), nothing of classroom-light left.
        #expect(high.contains("102") || high.contains("48;5;10"), "\(high)")
        #expect(!high.contains("48;5;231"))
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    @Test func eightColourTerminalsGetTheNearestBasicColours() throws {
        let (session, _) = try console(["TERM=screen"], ["--theme", "classroom-light"])
        let colours = Self.colours(session.styledScreen)
        #expect(!colours.contains { $0.contains(";5;") }, "no 256-colour values on an 8-colour terminal: \(colours)")
        // Dark green stays green (42), dark red stays red (41), white paper (47).
        #expect(colours.isSuperset(of: ["42", "41", "47"]), "\(colours)")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    @Test func noColorMeansNoColourAtAll() throws {
        let (session, port) = try console(["TERM=xterm-256color", "NO_COLOR=1"], [])
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")
        let styled = session.styledScreen
        #expect(Self.colours(styled).isEmpty, "\(Self.colours(styled))")
        // Meaning survives in attributes: reverse (7) for the status bar, bold (1) for ON.
        #expect(styled.contains("\u{1b}[7m") || styled.contains(";7m"))
        #expect(styled.contains("\u{1b}[1m") || styled.contains(";1m"))
        #expect(session.screen.contains("UDP :\(port)  OFF"))
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    @Test func presenterModeShowsTheOutcomeAsABanner() throws {
        let (session, port) = try console([], ["--presenter"])
        try session.typeLine("hello")
        try session.waitFor("banner HELLO") { $0.contains("█   █ █████ █     █      ███") }
        try session.typeLine(":port \(port == 65535 ? port - 1 : port + 1)")
        try session.typeLine("hello")
        try session.waitFor("banner REFUSED") { $0.contains("████  █████ █████ █   █  ████ █████ ████") }
        try session.send("F7")
        // The normal layout names the client's target in the status bar; presenter mode does not.
        try session.waitFor("the normal layout") { !$0.contains("netlab presenter") && $0.contains("client: TCP -> ") }
        try session.waitFor("Connection refused (ECONNREFUSED)")
        #expect(!session.screen.contains("█████"), "the normal layout has no banner")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}

/// The ladder as a person sees it: the real console in tmux at 80x24, the lab's first question.
@Suite(.serialized) struct LadderOnScreenTests {
    @Test func theRefusalAsALadderAt80x24() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port",
                "\(try freePort())", "--servers", "none",
            ], width: 80, height: 24)
        try session.waitForServer("TCP", port: port, "OFF")
        try session.typeLine("hello")
        try session.waitFor("Connection refused (ECONNREFUSED)")
        try session.typeLine(":view ladder")
        let screen = try session.waitFor("the ladder's refusal") { $0.contains("[connect() ECONNREFUSED]") }
        let lines = screen.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("┌ Timeline: ladder") }, "\(screen)")
        #expect(lines.contains { $0.hasPrefix("│ client :") && $0.contains("server :\(port) │") }, "\(screen)")
        if screen.contains("WIRE  on") {
            // With the capture on, the RST that answered the SYN, from the server's lifeline back.
            #expect(lines.contains { $0.contains("◀") && $0.contains(" RST/ACK ") }, "\(screen)")
        }
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}
