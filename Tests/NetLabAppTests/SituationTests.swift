import Foundation
import Glibc
import NetLabApp
import NetLabConsole
import NetLabCore
import NetLabSockets
import NetLabSpawn
import Testing

/// Issue 22's situation table: each situation the console explains with the wire is produced
/// for real on loopback, with netlab's own capture on, and every frame number a sentence cites
/// must be a row of the kind the sentence claims and of the exchange's own flow; a sentence
/// must not claim a frame the capture lacks. (Capturing needs root or CAP_NET_RAW: CI is root.)
@MainActor
@Suite(.serialized, .enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
struct SituationTests {
    /// Which situation below produces each of Evidence's sentences.
    static let table: [String: String] = [
        "refused connect": "TCP to a port nobody listens on (question 1; a wrong TCP port)",
        "reset of this connection": "the lab's TCPServer.py and a 2,000-byte message; a server that closes with SO_LINGER 0",
        "ICMP for an unconnected socket": "UDP to a closed port, unconnected (question 2; a wrong UDP port)",
        "ICMP for a connected socket": "UDP to a closed port, connected",
        "datagram without ICMP": "UDP to a program that is bound and never answers",
        "SYN without SYN/ACK": "a server whose backlog is full (it never calls accept())",
        // In the private network only (a firewall of netlab's own), so through the real binary
        // as nobody: NetlabCLITests' PrivateFaultTests.
        "SYNs a fault dropped": ":fault drop tcp 12000, then a message (PrivateFaultTests)",
        "datagram a fault dropped": ":fault drop udp 12000 and :fault loss 100% udp 12001, a datagram to each (PrivateFaultTests)",
        "ICMP prohibited for a connect": ":fault reject tcp 12000, then a message (PrivateFaultTests)",
        "ICMP prohibited for a datagram": ":fault reject udp 12000, a connected and an unconnected datagram (PrivateFaultTests)",
        "ARP without an answer": "--hosts 2 and :fault down, then a message to host b (TwoHostTests)",
    ]
    // Also produced below, with no frame to cite: a server that accepts and never replies (the
    // handshake is on screen, no data); whose FIN came first (the server log's TIME_WAIT
    // sentence against the FIN order on the wire); a restart on a port in TIME_WAIT; an HTTP
    // 404; a reply larger than a student's recv(1024) (the sentence against netlab's own
    // recv() rows).

    @Test func everySentenceHasASituation() {
        #expect(Set(AwaitedEvidence.sentences) == Set(Self.table.keys))
    }

    /// A console on 200x60 (every row fits), the capture on, `servers` on at `port`.
    func console(port: UInt16, servers: [LabEvent.Engine] = []) throws -> (ConsoleApp, MemoryTerminal) {
        let terminal = MemoryTerminal(width: 200, height: 60)
        let settings = ConsoleApp.Settings(
            listenHost: "127.0.0.1", clientHost: "127.0.0.1", ports: [.tcp: port, .udp: port, .http: port],
            servers: servers, site: .builtIn, theme: .standard, themes: ThemeCatalog(userFolder: nil), presenter: false, wire: true)
        let app = ConsoleApp(settings: settings, terminal: terminal, exit: {})
        try app.start()
        return (app, terminal)
    }

    func type(_ app: ConsoleApp, _ terminal: MemoryTerminal, _ lines: [String]) {
        for line in lines {
            terminal.type(line)
            terminal.type([.enter])
            app.keysReady()
        }
    }

    /// The timeline's row `#number` as the screen shows it.
    static func row(_ number: String, in screen: String) -> String? {
        for line in screen.split(separator: "\n") {
            for cell in line.split(separator: "│") where cell.hasPrefix(number + " ") { return String(cell) }
        }
        return nil
    }

    /// The transcript's sentence starting with `prefix`, its wrapped rows joined.
    static func sentence(_ prefix: String, in screen: String) -> String? {
        let lines = screen.split(separator: "\n").map { line in
            String(line.split(separator: "│", omittingEmptySubsequences: false).dropFirst().first ?? "")
        }
        guard let start = lines.firstIndex(where: { $0.contains(prefix) }) else { return nil }
        var text = String(lines[start][lines[start].range(of: prefix)!.lowerBound...]).trimmingCharacters(in: .whitespaces)
        for line in lines[(start + 1)...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // A wrapped row is indented under the text; a new line has its time, a rule ends it.
            guard line.hasPrefix("             "), !trimmed.isEmpty, !trimmed.hasPrefix("─") else { break }
            text += " " + trimmed
        }
        return text
    }

    static func cited(_ sentence: String) -> [String] {
        sentence.split(whereSeparator: { " (),;".contains($0) }).filter { $0.hasPrefix("#") && $0.dropFirst().allSatisfy(\.isNumber) }
            .map(String.init)
    }

    /// Waits for `prefix` in the transcript, then checks each cited row with `check`.
    func expectCitation(
        _ terminal: MemoryTerminal, _ prefix: String, within seconds: Double = 10,
        sourceLocation: SourceLocation = #_sourceLocation, _ check: ([String]) -> Void
    ) async {
        let frame = await terminal.frame(within: seconds) { Self.sentence(prefix, in: $0.text) != nil }
        guard let text = frame?.text, let sentence = Self.sentence(prefix, in: text) else {
            Issue.record("no \"\(prefix)\" on screen:\n\(terminal.screen?.text ?? "")", sourceLocation: sourceLocation)
            return
        }
        let rows = Self.cited(sentence).map { Self.row($0, in: text) ?? "(\($0) not on screen)" }
        check([sentence] + rows)
    }

    /// A Python peer printing its port; `end` kills it (a peer left running kept copies of
    /// other tests' pipes, and their reads never saw an end: a CI run hung on it).
    static func python(_ script: String, _ arguments: [String] = []) throws -> (ChildProcess, UInt16) {
        let output = Pipe()
        // Not this process's stderr: a peer left behind must not hold the runner's pipe open.
        let process = try ChildProcess("/usr/bin/python3", ["-c", script] + arguments, stdout: .pipe(output), stderr: .null)
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = UInt16(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SocketError.errno(.bind, EADDRINUSE)
        }
        return (process, port)
    }

    /// SIGKILL: a child may start with SIGTERM blocked (the spawning thread's mask is inherited).
    static func end(_ process: ChildProcess) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test func refusedConnect() async throws {
        let port = try ConsoleLoopTests.freePort()
        let (app, terminal) = try console(port: port)
        defer { app.quit() }
        type(app, terminal, ["hello"])
        await expectCitation(terminal, "the wire shows why:") { found in
            #expect(found[0].hasSuffix("nothing listens there, so connect() failed with ECONNREFUSED"), "\(found)")
            #expect(found.count == 3)
            #expect(found[1].contains("wire RST/ACK 127.0.0.1:\(port) > 127.0.0.1:"), "\(found)")
            #expect(found[2].contains("wire SYN 127.0.0.1:") && found[2].contains("> 127.0.0.1:\(port)"), "\(found)")
            // The same flow: the RST goes to the port the SYN came from.
            let client = found[2].split(separator: " ")[3]
            #expect(found[1].contains("> \(client)"), "\(found)")
        }
    }

    /// The lab's TCPServer.py reads 1,024 bytes and closes with the rest unread: its kernel
    /// resets the connection (tcpdump: [P.] 2000 bytes, [P.] 1024 back, [R.]).
    @Test func resetAfterData() async throws {
        let (server, serverPort) = try Self.python(
            """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
            while True:
                c, _ = s.accept(); m = c.recv(1024); c.send(m.upper()); c.close()
            """)
        defer { Self.end(server) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":port \(serverPort)", String(repeating: "a", count: 2000)])
        await expectCitation(terminal, "the wire shows why:") { found in
            #expect(found[0].contains("reset this connection"), "\(found)")
            #expect(found[0].hasSuffix("failed with ECONNRESET") || found[0].hasSuffix("failed with EPIPE"), "\(found)")
            #expect(found.count == 2 && found[1].contains("wire RST") && found[1].contains("127.0.0.1:\(serverPort) > 127.0.0.1:"), "\(found)")
            #expect(!found[0].contains("SYN"), "a reset after data is not a refusal")
        }
    }

    /// A server that reads and closes with SO_LINGER 0: a reset, the same sentence.
    @Test func resetByLingerZero() async throws {
        let (server, serverPort) = try Self.python(
            """
            import socket, struct
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
            while True:
                c, _ = s.accept(); c.recv(1024)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
            """)
        defer { Self.end(server) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":port \(serverPort)", "hello"])
        await expectCitation(terminal, "the wire shows why:") { found in
            #expect(found[0].contains("reset this connection"), "\(found)")
            #expect(found.count == 2 && found[1].contains("wire RST") && found[1].contains("127.0.0.1:\(serverPort) > 127.0.0.1:"), "\(found)")
        }
    }

    @Test(arguments: [false, true])
    func udpToAClosedPort(connected: Bool) async throws {
        let port = try ConsoleLoopTests.freePort()
        let (app, terminal) = try console(port: port)
        defer { app.quit() }
        type(app, terminal, [":proto udp", ":timeout 0.5", ":udp-mode \(connected ? "connected" : "unconnected")", "hi"])
        await expectCitation(terminal, "the wire shows why:") { found in
            #expect(
                found[0].hasSuffix(
                    connected
                        ? "the connected socket was told, so recv() failed with ECONNREFUSED"
                        : "an unconnected socket is not told, so recvfrom() waited until the timeout"), "\(found)")
            #expect(found.count == 3)
            #expect(found[1].contains("wire ICMP port unreachable (for UDP 127.0.0.1:\(port))"), "\(found)")
            #expect(found[2].contains("wire UDP 2 B 127.0.0.1:") && found[2].contains("> 127.0.0.1:\(port)"), "\(found)")
        }
    }

    /// A program bound to the port that reads and never answers: no ICMP comes back (tcpdump:
    /// the datagram alone), so none is claimed.
    @Test func udpToASilentBoundProgram() async throws {
        let (program, programPort) = try Self.python(
            """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], flush=True)
            while True: s.recvfrom(2048)
            """)
        defer { Self.end(program) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":proto udp", ":timeout 0.5", ":port \(programPort)", "hi"])
        await expectCitation(terminal, "the wire shows the datagram") { found in
            #expect(found[0].hasSuffix("and no ICMP error coming back: a program is bound to that port and did not answer"), "\(found)")
            #expect(
                found.count == 2 && found[1].contains("wire UDP 2 B 127.0.0.1:") && found[1].contains("> 127.0.0.1:\(programPort)"),
                "\(found)")
        }
        #expect(terminal.screen?.text.contains("wire ICMP") == false, "no ICMP on the wire, no ICMP row")
    }

    /// A server that accepts and never replies: the transcript says the handshake completed and
    /// nothing came back, and the screen has the SYN/ACK and no data from the server; nothing
    /// is cited as a cause (the client's 5 s floor makes this the slow one).
    @Test func aServerThatAcceptsAndNeverReplies() async throws {
        let (server, serverPort) = try Self.python(
            """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
            c, _ = s.accept(); time.sleep(60)
            """)
        defer { Self.end(server) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":port \(serverPort)", "hello"])
        let frame = await terminal.frame(within: 15) {
            Self.sentence("No reply within 5 s:", in: $0.text) != nil
        }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        #expect(
            Self.sentence("No reply within 5 s:", in: text)?.hasSuffix(
                "the connection is up (the handshake completed) but the server sent nothing back") == true, "\(text)")
        #expect(text.contains("wire SYN/ACK 127.0.0.1:\(serverPort) > 127.0.0.1:"), "the handshake is on the wire")
        #expect(!text.contains("wire PSH/ACK 127.0.0.1:\(serverPort) >"), "no data from the server")
        #expect(!text.contains("the wire shows why"))
    }

    /// netlab's server and client: the client half-closes after its message, so its FIN goes
    /// first; the server log says the client holds TIME_WAIT, and the wire agrees.
    @Test func whoseFINCameFirstAgreesWithTheWire() async throws {
        let port = try ConsoleLoopTests.freePort()
        let (app, terminal) = try console(port: port, servers: [.tcp])
        defer { app.quit() }
        #expect(await terminal.frame { $0.text.contains("listening on 127.0.0.1:\(port)") } != nil)
        type(app, terminal, ["hello"])
        let frame = await terminal.frame { $0.text.contains("wire FIN/ACK 127.0.0.1:\(port) > ") && $0.text.contains("holds TIME_WAIT") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        #expect(text.contains("(its FIN came first: it holds TIME_WAIT)"), "\(text)")
        let rows = text.split(separator: "\n").map(String.init)
        let clientFIN = rows.firstIndex { $0.contains("wire FIN/ACK 127.0.0.1:") && $0.contains("> 127.0.0.1:\(port) ") }
        let serverFIN = rows.firstIndex { $0.contains("wire FIN/ACK 127.0.0.1:\(port) > ") }
        #expect(clientFIN != nil && serverFIN != nil && clientFIN! < serverFIN!, "the client's FIN is first on the wire")
    }

    /// A server whose accept queue is full (listen(0), one connection waiting, accept() never
    /// called): the kernel drops the SYNs (tcpdump: the SYN again every second, nothing back).
    /// The sentence cites this client's own SYNs, not the waiting connection's.
    @Test func aFullBacklog() async throws {
        let (server, serverPort) = try Self.python(
            """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
            held = socket.create_connection(s.getsockname()); print(s.getsockname()[1], flush=True)
            time.sleep(60)
            """)
        defer { Self.end(server) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":port \(serverPort)", "hello"])
        await expectCitation(terminal, "the wire shows why:", within: 15) { found in
            #expect(
                found[0].hasSuffix("and no SYN/ACK came back from 127.0.0.1:\(serverPort), so connect() waited until the timeout"),
                "\(found)")
            let local = found[0].split(separator: " ")[8]  // "the wire shows why: the SYN (#N) from ADDRESS went out"
            #expect(found.count >= 3, "the first SYN and at least one retransmission: \(found)")
            for row in found.dropFirst() {
                #expect(row.contains("wire SYN \(local) > 127.0.0.1:\(serverPort) seq 0"), "\(row)")
            }
            #expect(terminal.screen?.text.contains("wire SYN/ACK 127.0.0.1:\(serverPort) > \(local)") == false)
        }
    }

    /// The lab's server (no SO_REUSEADDR) closed first, so its port holds a TIME_WAIT entry:
    /// netlab's server cannot bind it either (Linux lets SO_REUSEADDR past a TIME_WAIT only
    /// when the socket that left it had it too), and the server log says why; the wire shows
    /// the lab server's FIN first.
    @Test func aRestartOnAPortInTimeWait() async throws {
        let (lab, labPort) = try Self.python(
            """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.send(c.recv(1024).upper()); c.close()
            import time; time.sleep(60)
            """)
        let (app, terminal) = try console(port: labPort)
        defer { app.quit() }
        // The lab's client: it reads until the server's FIN, then closes (netlab's own client
        // half-closes after its message, so its FIN would go first).
        let (client, _) = try Self.python(
            """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); print(s.getsockname()[1], flush=True)
            s.sendall(b"hello")
            while s.recv(1024): pass
            s.close()
            """, [String(labPort)])
        client.waitUntilExit()
        let exchanged = await terminal.frame { $0.text.contains("wire FIN/ACK 127.0.0.1:\(labPort) > ") }
        Self.end(lab)
        let text = exchanged?.text ?? ""
        let rows = text.split(separator: "\n").map(String.init)
        let serverFIN = rows.firstIndex { $0.contains("wire FIN/ACK 127.0.0.1:\(labPort) > ") }
        let clientFIN = rows.firstIndex { $0.contains("wire FIN/ACK 127.0.0.1:") && $0.contains("> 127.0.0.1:\(labPort) ") }
        #expect(serverFIN != nil && (clientFIN == nil || serverFIN! < clientFIN!), "the lab server's FIN first:\n\(text)")
        #expect(PortHolder.timeWaitWithoutListener(port: labPort) >= 1, "the server that closed first left TIME_WAIT on its port")
        terminal.type([.function(2)])
        app.keysReady()
        let refused = await terminal.frame { Self.sentence("TCP bind() failed", in: $0.text) != nil }
        let sentence = Self.sentence("TCP bind() failed", in: refused?.text ?? "") ?? ""
        #expect(
            sentence.hasSuffix(
                "port \(labPort) on 127.0.0.1 is held by no program, but 1 connection on it is in TIME_WAIT, left by a "
                    + "server that closed first without SO_REUSEADDR (as the lab's TCPServer.py does): the port is free again within 60 s; "
                    + "wait a minute, or move netlab's server with :listen tcp \(labPort + 1)"), "\(sentence)")
    }

    /// The lab's web server question: a file that is not there. The 404 and its page come
    /// back on the exchange's own connection; nothing is cited as a failure.
    @Test func anHTTP404() async throws {
        let port = try ConsoleLoopTests.freePort()
        let (app, terminal) = try console(port: port, servers: [.http])
        defer { app.quit() }
        #expect(await terminal.frame { $0.text.contains("HTTP server listening on 127.0.0.1:\(port)") } != nil)
        type(app, terminal, [":proto http", "/nope.html"])
        // Until the server's FIN is on the wire: the capture delivers frames up to 10 ms after
        // the calls, in order, so the response's segment is there by then (a CI run read the
        // screen before it came).
        let frame = await terminal.frame {
            $0.text.contains("HTTP <- 404 Not Found") && $0.text.contains("HTTP client close()") && $0.text.contains("FIN/ACK 127.0.0.1:\(port) >")
        }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        #expect(text.contains("\"GET /nope.html HTTP/1.1\" 404"), "the server log: \(text)")
        // The response's segment is on the wire from the server's port to the client's.
        guard let receive = text.split(separator: "\n").first(where: { $0.contains("call HTTP client recv()") }),
            let client = receive.split(separator: " ").last.map({ String($0.prefix { $0 != "│" && $0 != " " }) })
        else {
            Issue.record("no recv() row:\n\(text)")
            return
        }
        // As many bytes as the server log says it sent, in one segment on the loopback.
        let logged = text.components(separatedBy: "\"GET /nope.html HTTP/1.1\" 404 ").dropFirst().first?.prefix { $0.isNumber } ?? ""
        #expect(
            !logged.isEmpty && text.split(separator: "\n").contains { $0.contains("wire PSH/ACK \(logged) B 127.0.0.1:\(port) > \(client)") },
            "\(client)\n\(text)")
        #expect(!text.contains("the wire shows why"))
    }

    /// A reply longer than a student's recv(1024): the sentence's count and sizes are the
    /// client's own recv() rows in the timeline.
    @Test func aReplyLargerThanTheClientsBuffer() async throws {
        let (server, serverPort) = try Self.python(
            """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
            while True:
                c, _ = s.accept(); m = c.recv(1024); c.sendall(m.upper() * 6000); c.close()
            """)
        defer { Self.end(server) }
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":port \(serverPort)", "hello"])
        let frame = await terminal.frame { Self.sentence("the 30000 bytes came in", in: $0.text) != nil && $0.text.contains("client close()") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        let sentence = Self.sentence("the 30000 bytes came in", in: text) ?? ""
        #expect(
            sentence.hasSuffix("TCP keeps no message boundaries, so a client that calls recv(1024) once reads only the first 1024"),
            "\(sentence)")
        let sizes = text.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "call TCP client recv() ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(sizes.reduce(0, +) == 30000, "\(sizes)")
        let calls = sizes.count == 1 ? "1 recv() call" : "\(sizes.count) recv() calls (\(sizes.map(String.init).joined(separator: ", ")) bytes)"
        #expect(sentence.hasPrefix("the 30000 bytes came in \(calls);"), "\(sentence) vs \(sizes)")
    }

    /// `:run`: a student's program traced in the console, its calls beside the wire's frames
    /// and netlab's own calls, its output and its end in the transcript.
    @Test func aStudentsProgramRunInTheConsole() async throws {
        let port = try ConsoleLoopTests.freePort()
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(
            app, terminal,
            [
                ":run /usr/bin/python3 -c \"import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                    + ".sendto(b'hi', ('127.0.0.1', \(port))); print('sent')\""
            ])
        let frame = await terminal.frame { $0.text.contains("exited with status 0") && $0.text.contains("wire ICMP port unreachable") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        let rows = text.split(separator: "\n").map(String.init)
        let sent = rows.firstIndex { $0.contains("call python3 [") && $0.contains("] sendto(3, \"hi\", 2, 127.0.0.1:\(port)) = 2") }
        let datagram = rows.firstIndex { $0.contains("wire UDP 2 B 127.0.0.1:") && $0.contains("> 127.0.0.1:\(port)") }
        #expect(sent != nil && datagram != nil && sent! < datagram!, "the call, then the datagram it sent:\n\(text)")
        #expect(text.contains(": sent"), "its output in the client pane")
        #expect(text.contains("1 python3 -c import socket;"), "\(text)")
    }

    /// A program that floods its output: the console keeps up (a read's lines at a time, the
    /// program waiting while the console takes them) and shows the end.
    @Test func aProgramThatFloodsItsOutput() async throws {
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":run /usr/bin/python3 -c \"[print(i) for i in range(3000)]\""])
        let frame = await terminal.frame(within: 30) { $0.text.contains("exited with status 0") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        #expect(frame != nil && text.contains(": 2999"), "the last line is shown, then the end:\n\(text)")
        type(app, terminal, [":port 12345"])
        #expect(await terminal.frame { $0.text.contains("client target: 127.0.0.1:12345") } != nil, "keys are still read")
    }

    /// The lab's own client under `:run`, against netlab's server: `:type` is its input, its
    /// calls and netlab's server's sit in one timeline, and its output is in the client pane.
    @Test func theLabsClientRunInTheConsole() async throws {
        let port = try ConsoleLoopTests.freePort()
        let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../NetlabCLITests/Fixtures/TCPClient.py").standardized.path
        let (app, terminal) = try console(port: port, servers: [.tcp])
        defer { app.quit() }
        #expect(await terminal.frame { $0.text.contains("TCP server listening on 127.0.0.1:\(port)") } != nil)
        type(app, terminal, [":run /usr/bin/python3 \(client) 127.0.0.1 \(port)"])
        #expect(await terminal.frame { $0.text.contains("] connect(3, 127.0.0.1:\(port)) = 0") } != nil)
        type(app, terminal, [":type 1 hello"])
        let frame = await terminal.frame { $0.text.contains("exited with status 0") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        #expect(text.contains("From Server: HELLO"), "\(text)")
        let rows = text.split(separator: "\n").map(String.init)
        let sent = rows.firstIndex { $0.contains("] sendto(3, \"hello\", 5) = 5") }
        let served = rows.firstIndex { $0.contains("call TCP server recv() 5 B") }
        let received = rows.firstIndex { $0.contains("] recvfrom(3, 1024) = 5 \"HELLO\"") }
        #expect(sent != nil && served != nil && received != nil && sent! < served! && served! < received!, "\(text)")
    }

    /// The lab's client under `:run` before any server (question 1): the failed call is said in
    /// netlab's words, and the wire beside it has the SYN and the RST of that connection.
    @Test func aStudentsClientRefusedInTheConsole() async throws {
        let port = try ConsoleLoopTests.freePort()
        let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../NetlabCLITests/Fixtures/TCPClient.py").standardized.path
        let (app, terminal) = try console(port: try ConsoleLoopTests.freePort())
        defer { app.quit() }
        type(app, terminal, [":run /usr/bin/python3 \(client) 127.0.0.1 \(port)"])
        let frame = await terminal.frame { $0.text.contains("exited with status 1") && $0.text.contains("wire RST/ACK 127.0.0.1:\(port) >") }
        let text = frame?.text ?? terminal.screen?.text ?? ""
        let said = Self.sentence("python3 [", in: text)
        // (The citation below has no time of its own, so the sentence reader may join it on.)
        #expect(said?.contains("connect() failed with ECONNREFUSED: nothing is listening on 127.0.0.1:\(port)") == true, "\(text)")
        let rows = text.split(separator: "\n").map(String.init)
        let call = rows.firstIndex { $0.contains("] connect(3, 127.0.0.1:\(port)) = -1 ECONNREFUSED") }
        let syn = rows.firstIndex { $0.contains("wire SYN 127.0.0.1:") && $0.contains("> 127.0.0.1:\(port) ") }
        let rst = rows.firstIndex { $0.contains("wire RST/ACK 127.0.0.1:\(port) >") }
        #expect(call != nil && syn != nil && rst != nil && call! < syn! && syn! < rst!, "\(text)")
        // The sentence cites that connection's SYN and RST by their rows.
        await expectCitation(terminal, "]: the wire shows why:") { found in
            #expect(found[0].hasSuffix("nothing listens there, so connect() failed with ECONNREFUSED"), "\(found)")
            #expect(found.count == 3, "\(found)")
            guard found.count == 3 else { return }
            #expect(found[1].contains("wire RST/ACK 127.0.0.1:\(port) > 127.0.0.1:"), "\(found)")
            #expect(found[2].contains("wire SYN 127.0.0.1:") && found[2].contains("> 127.0.0.1:\(port)"), "\(found)")
            let client = found[2].split(separator: " ")[3]
            #expect(found[1].contains("> \(client)"), "the RST goes to the port the SYN came from: \(found)")
        }
    }
}
