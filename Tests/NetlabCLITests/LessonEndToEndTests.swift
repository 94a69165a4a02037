import Foundation
import Glibc
import Testing

/// Each shipped lesson on the real binary in tmux at 80x24, as a room sees it: with capture
/// rights (root: the pane cites the frames by number, and they are that exchange's frames in
/// the saved timeline) and without (as nobody: the calls alone, and the pane says so).
@Suite(.serialized) struct LessonEndToEndTests {
    /// Capture on (root) and off (nobody, or this user when not root).
    static let wireModes: [Bool] = geteuid() == 0 ? [true, false] : [false]
    static let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    func console(wire: Bool, _ arguments: [String] = []) throws -> (TmuxSession, UInt16) {
        try TmuxSession.console(arguments, prefix: wire || geteuid() != 0 ? [] : Self.nobody)
    }

    /// The lesson pane's words (the first boxed pane), spaces collapsed.
    func pane(_ session: TmuxSession) -> String { TmuxSession.paneTexts(session.screen).first ?? "" }

    /// The session as `:save` writes it (root only: nobody cannot write where this test reads).
    func saved(_ session: TmuxSession) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try session.typeLine(":save \(path)")
        // The file, once written whole (the line that says so may not fit the lesson's pane).
        try session.waitFor("the saved file") { _ in
            (try? String(contentsOfFile: path, encoding: .utf8))?.contains("## Timeline") == true
        }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The rows of the saved timeline (`#N HH:MM:SS.mmm lane text`) whose text matches.
    func rows(_ text: String, _ pattern: String) throws -> [String] {
        let regex = try Regex(pattern)
        return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("#") && $0.contains(regex) }
    }

    /// Opens lesson `number` and its first step.
    func open(_ number: Int, _ session: TmuxSession) throws {
        try session.typeLine(":lesson \(number)")
        try session.waitFor("Enter: the first step")
        try session.send("Enter")
        try session.waitFor("step 1 of")
    }

    /// Runs the step shown with the room's `votes`, and waits for its verdict.
    func step(_ session: TmuxSession, votes: String, verdict: String) throws {
        if !votes.isEmpty {
            try session.typeLine(votes)
            try session.waitFor("The room:")
        }
        try session.send("Enter")
        try session.waitFor(verdict, within: 15)
    }

    /// Lesson 1: refused, cited by the RST of this flow and the SYN it answered.
    @Test(arguments: wireModes) func tcpBeforeServer(wire: Bool) throws {
        let (session, port) = try console(wire: wire)
        try open(1, session)
        try session.waitForServer("TCP", port: port, "OFF")
        try session.waitFor("The TCP server is off. The client will send hello to port \(port).")
        try step(session, votes: "rrn", verdict: "It was REFUSED: r (refused at once). The room: 2 of 3 right.")
        if wire {
            try session.waitFor("the wire shows why:")
            let words = pane(session)
            let match = try #require(
                words.firstMatch(of: try Regex("the wire shows why: #(\\d+) RST/ACK from 127.0.0.1:\(port) answered the SYN \\(#(\\d+)\\)")),
                "\(session.screen)")
            let (rst, syn) = (String(match.output[1].substring!), String(match.output[2].substring!))
            let text = try saved(session)
            #expect(text.contains(try Regex("\n#\(syn) \\S+ wire SYN 127.0.0.1:\\d+ > 127.0.0.1:\(port) ")), "\(text)")
            #expect(text.contains(try Regex("\n#\(rst) \\S+ wire RST/ACK 127.0.0.1:\(port) > 127.0.0.1:\\d+ ")), "\(text)")
        } else {
            try session.waitFor("Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:\(port)")
            try session.waitFor("The wire is off here: the calls alone explain it")
        }
        try session.send("Enter")
        try session.waitForServer("TCP", port: port, "ON")
        try step(session, votes: "", verdict: "It was HELLO: a (an answer).")
        if wire {
            // Each why beside the capture of its own run: step 1's RST answering the SYN (above);
            // step 2's handshake, the message and its reply, and a FIN each way.
            let text = try saved(session)
            #expect(text.contains("why: connect() sends a SYN. No socket listens on the port, so the kernel answers the SYN itself with an RST"))
            #expect(text.contains("why: The SYN reaches a listening socket: the handshake completes (SYN, SYN/ACK, ACK), the message"))
            let port = "127.0.0.1:\(port)"
            #expect(try rows(text, "wire SYN/ACK \(port) > ").count == 1, "\(text)")
            #expect(try rows(text, "wire PSH/ACK 5 B 127\\.0\\.0\\.1:\\d+ > \(port)").count == 1)
            #expect(try rows(text, "wire PSH/ACK 5 B \(port) > ").count == 1)
            #expect(try rows(text, "wire FIN/ACK \(port) > ").count == 1 && rows(text, "wire FIN/ACK 127\\.0\\.0\\.1:\\d+ > \(port)").count == 1)
        }
        try session.send("Enter")
        try session.waitFor("The lesson is over. The room's predictions: 2 of 3 right.")
        try session.send("Enter")
        try session.waitFor("lesson 1 ended")
    }

    /// Lesson 2: an unconnected client's silence, a connected one's refusal, then the answer.
    @Test(arguments: wireModes) func udpBeforeServer(wire: Bool) throws {
        let (session, port) = try console(wire: wire)
        try open(2, session)
        try step(session, votes: "nnr", verdict: "It was NO REPLY: n (nothing: it waits until it gives up). The room: 2 of 3 right.")
        if wire {
            try session.waitFor(
                "came back for the datagram (#\\d+); an unconnected socket is not told, so recvfrom() waited until the timeout"
            ) { screen in
                TmuxSession.paneTexts(screen).first?.contains(
                    try! Regex(
                        "the wire shows why: #\\d+ ICMP port unreachable \\(for UDP 127.0.0.1:\(port)\\) came back for the datagram \\(#\\d+\\); "
                            + "an unconnected socket is not told, so recvfrom\\(\\) waited until the timeout")) ?? false
            }
        }
        try session.send("Enter")
        try session.waitFor("step 2 of 3")
        try step(session, votes: "r", verdict: "It was REFUSED: r (refused). The room: 1 of 1 right.")
        if wire {
            try session.waitFor("the connected socket was told, so recv() failed with ECONNREFUSED")
        } else {
            try session.waitFor("Connection refused (ECONNREFUSED)")
        }
        try session.send("Enter")
        // At 80 columns, servers on the same port are named without it (`UDP  ON`).
        try session.waitFor("UDP  ON")
        try step(session, votes: "a", verdict: "It was HELLO: a (an answer). The room: 1 of 1 right.")
        if wire {
            // The whys beside the capture: two datagrams each answered by ICMP port unreachable
            // (the connected socket's connect() put nothing on the wire), then one datagram
            // each way and no handshake.
            let text = try saved(session)
            #expect(text.contains("why: sendto() succeeds: the datagram leaves. The kernel at the other end answers it with an ICMP port"))
            #expect(text.contains("why: connect() on a UDP socket sends nothing; it fixes the peer, so the kernel can hand the ICMP"))
            #expect(text.contains("why: A socket bound to the port receives the datagram and answers with one of its own: one datagram"))
            #expect(try rows(text, "wire UDP 5 B 127\\.0\\.0\\.1:\\d+ > 127\\.0\\.0\\.1:\(port)").count == 3, "\(text)")
            #expect(try rows(text, "wire ICMP port unreachable \\(for UDP 127\\.0\\.0\\.1:\(port)\\)").count == 2, "\(text)")
            #expect(try rows(text, "wire UDP 5 B 127\\.0\\.0\\.1:\(port) > ").count == 1)
            #expect(try rows(text, "wire (SYN|FIN)").isEmpty)
        }
    }

    /// Lesson 3: the port next to the server's, over TCP and UDP, then the server's own.
    @Test(arguments: wireModes) func mismatchedPorts(wire: Bool) throws {
        let (session, port) = try console(wire: wire)
        let next = port + 1
        try open(3, session)
        try session.waitFor("The TCP server listens on port \(port); the client sends hello to port \(next).")
        try step(session, votes: "r", verdict: "It was REFUSED: r (refused).")
        if wire { try session.waitFor("RST/ACK from 127.0.0.1:\(next) answered the SYN") }
        try session.send("Enter")
        try session.waitFor("an unconnected UDP client sends to port \(next).")
        try step(session, votes: "n", verdict: "It was NO REPLY: n (nothing: it waits until it gives up).")
        try session.send("Enter")
        try step(session, votes: "a", verdict: "It was HELLO: a (an answer).")
    }

    /// Lesson 4: the lab's page, a missing file and a browser's icon, from netlab's web server.
    @Test(arguments: wireModes) func webServer(wire: Bool) throws {
        let (session, _) = try console(wire: wire)
        try open(4, session)
        try step(session, votes: "of", verdict: "It was 200 OK: o (200 OK and the page). The room: 1 of 2 right.")
        try session.send("Enter")
        try step(session, votes: "f", verdict: "It was 404 NOT FOUND: f (404 Not Found). The room: 1 of 1 right.")
        try session.send("Enter")
        // netlab's demo site has an icon.
        try step(session, votes: "ff", verdict: "It was 200 OK: o (200 OK: it has an icon). The room: 0 of 2 right.")
    }

    /// Lesson 5: netlab's server keeps ß's bytes; :diff marks the five bytes that changed.
    @Test(arguments: wireModes) func uppercaseBytes(wire: Bool) throws {
        let (session, _) = try console(wire: wire)
        try open(5, session)
        try step(session, votes: "l", verdict: "It was STRAßE: s (the same: 7 bytes). The room: 0 of 1 right.")
        try session.typeLine(":diff")
        try session.waitFor("5 of 7 bytes changed; both 7 bytes")
        try session.waitFor("each differs in one bit, 0x20 (bit 5)")
        try session.waitFor("73 74 72 61 c3 9f 65       53 54 52 41 c3 9f 45")
    }

    /// Lesson 6: 1100 bytes to a server that answers one recv(1024): the reset, told by the RST
    /// of this connection; then netlab's own server answers all of it.
    @Test(arguments: wireModes) func longMessage(wire: Bool) throws {
        let (session, port) = try console(wire: wire)
        try open(6, session)
        try session.waitFor("The TCP server now answers as the lab's does: one recv(1024), the reply, close.")
        try step(session, votes: "wc", verdict: "It was RESET: c (the connection reset). The room: 1 of 2 right.")
        if wire {
            try session.waitFor("the wire's RST") {
                TmuxSession.paneTexts($0).first?.contains(
                    try! Regex("the wire shows why: #\\d+ RST/ACK from 127.0.0.1:\(port) reset this connection")) ?? false
            }
        } else {
            try session.waitFor("Connection reset by peer (ECONNRESET): 127.0.0.1:\(port) reset the connection (RST)")
        }
        try session.send("Enter")
        try session.waitFor("step 2 of 2")
        try step(session, votes: "w", verdict: "It was a reply of 1100 bytes: w (all 1100 bytes, uppercased). The room: 1 of 1 right.")
        if wire {
            // The lab mode's sentence and the why beside the capture: the server's 1024 bytes,
            // then its RST (no FIN from it) in step 1's connection; the client's recv() rows.
            let text = try saved(session)
            #expect(text.contains("TCP server mode: lab (one recv(1024), the reply, close, as the lab's TCPServer.py: the rest"))
            #expect(text.contains("why: recv(1024) takes at most 1024 bytes; the other 76 stay unread in the server's socket. A close()"))
            #expect(try rows(text, "wire PSH/ACK 1024 B 127\\.0\\.0\\.1:\(port) > ").count == 1, "\(text)")
            #expect(try rows(text, "wire RST/ACK 127\\.0\\.0\\.1:\(port) > ").count == 1, "\(text)")
            #expect(try rows(text, "call TCP client recv\\(\\) 1024 B").count == 1 && rows(text, "call TCP client recv\\(\\) ECONNRESET").count == 1)
        }
    }

    /// Step mode on a TCP exchange with the lab's server: each call of netlab's client waits
    /// and says what it will do; no packet of that call is on the timeline before its key.
    @Test(.enabled(if: geteuid() == 0, "the packets need capture rights")) func stepModeHoldsEachCall() throws {
        let labServer = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try labServer.port()
        let (session, _) = try console(wire: true, ["--no-mouse"])
        try session.resize(width: 100, height: 30)
        try session.typeLine(":port \(port)")
        try session.waitFor("WIRE watches ports")
        try session.typeLine(":step on")
        try session.typeLine("hello")
        var screen = try session.waitFor("STEP: TCP client about to call connect() to 127.0.0.1:\(port) (sends a SYN); Space makes the call")
        #expect(!screen.contains("wire SYN"), "no SYN before the key: \(screen)")
        try session.send("Space")
        screen = try session.waitFor("STEP: TCP client about to call send() 5 B to 127.0.0.1:\(port); Space makes the call")
        // The capture's rows come on their own thread: awaited, not expected at once.
        screen = try session.waitFor("the handshake's SYN/ACK") { $0.contains("wire SYN/ACK") }
        #expect(!screen.contains("PSH/ACK 5 B 127.0.0.1:"), "no data before the key: \(screen)")
        try session.send("Space")
        try session.waitFor("STEP: TCP client about to call shutdown() SHUT_WR (sends a FIN: the message is complete)")
        let data = try Regex("wire PSH/ACK 5 B 127.0.0.1:\\d+ > 127.0.0.1:\(port)")
        screen = try session.waitFor("the message's segment") { $0.contains(data) }
        let fin = try Regex("wire FIN/ACK 127.0.0.1:\\d+ > 127.0.0.1:\(port)")
        #expect(screen.matches(of: fin).isEmpty, "the client's FIN waits for its key: \(screen)")
        try session.send("Space")
        try session.waitFor("the client's FIN") { $0.contains(fin) }
        // recv() (once, or twice when the server's FIN comes after its reply), then close().
        try session.waitFor("STEP: TCP client about to call recv()")
        for _ in 0..<3 where !session.screen.contains("about to call close()") {
            try session.send("Space")
            try session.waitFor("the next step") { $0.contains("about to call close()") || $0.components(separatedBy: "call recv()").count > 2 }
        }
        try session.waitFor("STEP: TCP client about to call close() (its FIN already went with shutdown())")
        try session.send("Space")
        try session.waitFor("TCP <- HELLO")
        // close() sent no second FIN: the client's one FIN is the shutdown's, in the saved timeline.
        let text = try saved(session)
        #expect(try rows(text, "wire FIN/ACK 127\\.0\\.0\\.1:\\d+ > 127\\.0\\.0\\.1:\(port)").count == 1, "\(text)")
        #expect(try rows(text, "call TCP client close\\(\\)").count == 1)
        try session.typeLine(":step off")
        try session.waitFor("step mode off: the client's calls go at once")
    }

    /// Step mode on a connected UDP client: connect() waits and puts nothing on the wire; the
    /// datagram waits for send()'s key; then one datagram each way.
    @Test(.enabled(if: geteuid() == 0, "the packets need capture rights")) func stepModeOnConnectedUDP() throws {
        let (session, port) = try console(wire: true, ["--no-mouse", "--servers", "tcp,udp"])
        try session.resize(width: 100, height: 30)
        try session.waitFor("WIRE watches ports")
        try session.typeLine(":proto udp")
        try session.typeLine(":udp-mode connected")
        try session.typeLine(":step on")
        try session.typeLine("hi")
        try session.waitFor("STEP: UDP client about to call connect() to 127.0.0.1:\(port) (sends nothing: it fixes the peer)")
        try session.send("Space")
        var screen = try session.waitFor("STEP: UDP client about to call send() 2 B to 127.0.0.1:\(port) (one datagram)")
        #expect(screen.contains("call UDP client connected"), "connect() was made: \(screen)")
        #expect(!screen.contains("wire UDP"), "nothing on the wire before send()'s key: \(screen)")
        try session.send("Space")
        screen = try session.waitFor("STEP: UDP client about to call recv()")
        #expect(screen.contains(try Regex("wire UDP 2 B 127.0.0.1:\\d+ > 127.0.0.1:\(port)")), "\(screen)")
        try session.send("Space")
        try session.waitFor("UDP <- HI")
        let text = try saved(session)
        #expect(try rows(text, "wire UDP 2 B").count == 2, "one datagram each way: \(text)")
    }

    /// Step mode holds netlab's TCP server before accept(): a client's handshake completes in
    /// the kernel meanwhile (the connection waits in the backlog), and accept() comes with the key.
    @Test(.enabled(if: geteuid() == 0, "the packets need capture rights")) func stepModeHoldsAccept() throws {
        let (session, port) = try console(wire: true, ["--no-mouse"])
        try session.resize(width: 100, height: 30)
        try session.waitFor("WIRE watches ports")
        try session.typeLine(":step on")
        try session.waitFor("step mode on")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(withLoopbackAddress(port) { connect(fd, $0, $1) } == 0, "the kernel completes the handshake by itself")
        var screen = try session.waitFor("STEP: TCP server about to call accept() on")
        try session.waitFor("the handshake's ACK") { $0.contains(try! Regex("wire ACK 127.0.0.1:\\d+ > 127.0.0.1:\(port)")) }
        screen = session.screen
        #expect(screen.contains("wire SYN/ACK 127.0.0.1:\(port)"), "\(screen)")
        #expect(!screen.contains("TCP server accept()"), "no accept() before the key: \(screen)")
        try session.send("Space")
        try session.waitFor("TCP server accept() 127.0.0.1:")
    }

    /// Two connections wait in the backlog: each accept() waits for its own key (one key
    /// accepts one connection, and the next STEP line asks for the other), at 80x24, without
    /// capture rights (as nobody when run as root).
    @Test func stepModeAcceptsOneConnectionPerKey() throws {
        let (session, port) = try console(wire: false, ["--no-mouse"])
        try session.typeLine(":step on")
        try session.waitFor("step mode on")
        let clients = (0..<2).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        defer { for fd in clients { close(fd) } }
        for fd in clients { #expect(withLoopbackAddress(port) { connect(fd, $0, $1) } == 0) }
        // Timeline rows ("call TCP server accept() ..."), not the detail line under them.
        func accepts(_ screen: String) -> Int { screen.components(separatedBy: "call TCP server accept() 127.0.0.1:").count - 1 }
        // Each STEP line by its clock: a new one is a new line even when older ones scrolled away.
        let step = try Regex(#"(\d\d:\d\d:\d\d\.\d{3}) STEP: TCP server about to call accept\(\)"#)
        func stepTimes(_ screen: String) -> Set<String> {
            Set(screen.matches(of: step).compactMap { $0.output[1].substring.map(String.init) })
        }
        var screen = try session.waitFor("STEP: TCP server about to call accept()") { !stepTimes($0).isEmpty }
        #expect(accepts(screen) == 0, "no accept() before the key: \(screen)")
        let first = stepTimes(screen)
        try session.send("Space")
        // One accept() row, then a new STEP line for the other connection: still one accept().
        screen = try session.waitFor("one accept() and the next STEP line") { !stepTimes($0).subtracting(first).isEmpty }
        #expect(accepts(screen) == 1, "the second connection waits for its own key: \(screen)")
        try session.send("Space")
        try session.waitFor("the second accept()") { accepts($0) == 2 }
    }

    /// Step mode holds a traced program (`:run`) at each call's entry: its connect() waits, no
    /// SYN before the key; `:step off` lets it go on.
    @Test(.enabled(if: geteuid() == 0, "the packets need capture rights")) func stepModeHoldsATracedProgram() throws {
        let (session, port) = try console(wire: true, ["--no-mouse"])
        try session.resize(width: 100, height: 30)
        try session.waitFor("WIRE watches ports")
        try session.typeLine(":step on")
        try session.typeLine(":run \(python3) \(fixture("TCPClient.py")) 127.0.0.1 \(port)")
        let screen = try session.waitFor("about to call connect() to 127.0.0.1:\(port); Space makes the call")
        #expect(screen.contains("STEP: TCP python3 ["), "\(screen)")
        #expect(!screen.contains("wire SYN"), "no SYN before the key: \(screen)")
        try session.send("Space")
        try session.waitFor("the SYN") { $0.contains(try! Regex("wire SYN 127.0.0.1:\\d+ > 127.0.0.1:\(port)")) }
        try session.typeLine(":step off")
        try session.typeLine(":type 1 hello")
        try session.waitFor("From Server: HELLO")
    }
}
