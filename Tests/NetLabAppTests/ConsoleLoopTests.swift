import Foundation
import NetLabConsole
import NetLabCore
import NetLabSockets
import NetLabSpawn
import TestPorts
import Testing

@testable import NetLabApp

/// The console loop in-process on a terminal in memory: keys in, real engines on loopback,
/// frames out. (The tmux tests drive the same loop through curses and a real terminal.)
@MainActor
@Suite struct ConsoleLoopTests {
    /// A port free on 127.0.0.1 right now, below the kernel's ephemeral range (32768-60999):
    /// a port the kernel chose for port 0 may become another test's outgoing connection's
    /// local port a moment later, and binding it again then fails (EADDRINUSE).
    static func freePort() throws -> UInt16 {
        let port = TestPorts.take(in: 24000...27999) { port in
            let probe = TCPServer(events: .discard)
            guard (try? probe.start(host: "127.0.0.1", port: port)) != nil else { return false }
            probe.stop()
            return true
        }
        guard let port else { throw SocketError.errno(.bind, EADDRINUSE) }
        return port
    }

    /// Whether a socket of this process listens on 127.0.0.1:`port` (or any address): the
    /// kernel's TCP table (/proc/net/tcp, state 0A) gives the listening socket's inode, and
    /// this process's descriptors (/proc/self/fd) say whether one of them is that socket.
    static func listensHere(on port: UInt16) -> Bool {
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        let suffix = ":" + String(format: "%04X", port)
        let inodes = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let columns = line.split(separator: " ")
            guard columns.count > 9, columns[1].hasSuffix(suffix), columns[3] == "0A" else { return nil }
            return "socket:[\(columns[9])]"
        }
        guard !inodes.isEmpty else { return false }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.contains { entry in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry) else { return false }
            return inodes.contains(target)
        }
    }

    static func app(
        servers: [LabEvent.Engine], port: UInt16, terminal: MemoryTerminal,
        exited: @escaping @MainActor () -> Void = {}
    ) -> ConsoleApp {
        let settings = ConsoleApp.Settings(
            listenHost: "127.0.0.1", clientHost: "127.0.0.1", ports: [.tcp: port, .udp: port, .http: port],
            servers: servers, site: .builtIn, theme: .standard, themes: ThemeCatalog(userFolder: nil), presenter: false,
            wire: false)
        return ConsoleApp(settings: settings, terminal: terminal, exit: exited)
    }

    @Test func escapeThenADigitIsAFunctionKeyAndTheFrameShowsIt() async throws {
        let terminal = MemoryTerminal()
        let app = Self.app(servers: [], port: try Self.freePort(), terminal: terminal)
        try app.start()
        #expect(terminal.isActive)
        #expect(terminal.screen?.text.contains("Help: lines") == false)
        terminal.type([.escape, .character("1")])
        app.keysReady()
        let help = await terminal.frame { $0.text.contains("Help: lines 1-") }
        #expect(help != nil, "Esc 1 opens the help, as F1: \(terminal.screen?.text ?? "no frame")")
        app.quit()
    }

    /// In its private network the console says so, in the words pinned here; what they claim
    /// (reached from netlab shell, not from outside) is produced for real in
    /// NetlabCLITests' PrivateNetworkTests, as nobody.
    @Test func thePrivateNetworkIsSaidOnScreen() async throws {
        let terminal = MemoryTerminal(width: 200, height: 40)
        var settings = ConsoleApp.Settings(
            listenHost: "127.0.0.1", clientHost: "127.0.0.1", ports: [.tcp: 12000, .udp: 12000, .http: 8080],
            servers: [], site: .builtIn, theme: .standard, themes: ThemeCatalog(userFolder: nil), presenter: false, wire: false)
        settings.privateNetwork = true
        let app = ConsoleApp(settings: settings, terminal: terminal, exit: {})
        try app.start()
        defer { app.quit() }
        let sentence =
            "PRIVATE NET: netlab runs in a network of its own, where capturing needs no root; programs reach its servers "
            + "only when started in it (netlab shell, or :run here), and nothing outside it can"
        #expect(app.state.transcript.lines.items.first?.text == sentence)
        let screen = terminal.screen?.text ?? ""
        #expect(screen.split(separator: "\n").first?.contains("PRIVATE NET") == true, "the status bar says it:\n\(screen)")
    }

    @Test func aLineTypedGoesToTheServerAndItsReplyIsDrawn() async throws {
        let port = try Self.freePort()
        let terminal = MemoryTerminal(width: 100, height: 30)
        let app = Self.app(servers: [.tcp], port: port, terminal: terminal)
        try app.start()
        let listening = await terminal.frame { $0.text.contains("listening on 127.0.0.1:\(port)") }
        #expect(listening != nil, "\(terminal.screen?.text ?? "no frame")")
        terminal.type("hello")
        terminal.type([.enter])
        app.keysReady()
        let reply = await terminal.frame { $0.text.contains("TCP <- HELLO") }
        #expect(reply != nil, "\(terminal.screen?.text ?? "no frame")")
        app.quit()
    }

    /// A UDP exchange on screen: the server log shows the datagram as it came, then the reply,
    /// in that order (the UDP server reports before it answers when `sent` events are wanted;
    /// a headless log of what came is written after the reply instead).
    @Test func aUDPExchangeShowsWhatCameAboveTheReply() async throws {
        let port = try Self.freePort()
        let terminal = MemoryTerminal(width: 100, height: 30)
        let app = Self.app(servers: [.udp], port: port, terminal: terminal)
        try app.start()
        defer { app.quit() }
        #expect(await terminal.frame { $0.text.contains("UDP server listening on 127.0.0.1:\(port)") } != nil)
        terminal.type([.function(5)])  // the client's protocol: UDP
        terminal.type("hello Lab")
        terminal.type([.enter])
        app.keysReady()
        let came = "-> 9 bytes \"hello Lab\""
        let reply = "<- 9 bytes \"HELLO LAB\""
        let screen = await terminal.frame { $0.text.contains(came) && $0.text.contains(reply) }
        let lines = screen?.text.split(separator: "\n").map(String.init) ?? []
        let cameAt = lines.firstIndex { $0.contains("UDP 127.0.0.1:") && $0.contains(came) }
        let replyAt = lines.firstIndex { $0.contains("UDP 127.0.0.1:") && $0.contains(reply) }
        #expect(cameAt != nil && replyAt != nil && cameAt! < replyAt!, "\(screen?.text ?? terminal.screen?.text ?? "no frame")")
    }

    @Test func quittingStopsTheServersGivesTheTerminalBackAndExits() async throws {
        let port = try Self.freePort()
        let terminal = MemoryTerminal()
        var exits = 0
        let app = Self.app(servers: [.tcp], port: port, terminal: terminal) { exits += 1 }
        try app.start()
        #expect(await terminal.frame { $0.text.contains("listening on 127.0.0.1:\(port)") } != nil)
        #expect(Self.listensHere(on: port), "the console's server listens in this process")
        terminal.type([.control("q")])
        app.keysReady()
        #expect(exits == 1)
        #expect(!terminal.isActive)
        // The server's socket is closed: no descriptor of this process listens on its port...
        #expect(!Self.listensHere(on: port))
        // ...and the port can be bound again. At once, unless a child another test is spawning
        // holds a copy of the socket: posix_spawn's child has every descriptor of this process
        // until its exec closes the close-on-exec ones (a CI dry run failed once here with
        // EADDRINUSE, the test taking 14 s under the full suite's load). Looked at every
        // millisecond for 5 s at most: nothing tells when another process's exec is done.
        let again = TCPServer(events: .discard)
        var bound = try? again.start(host: "127.0.0.1", port: port)
        let deadline = Date().addingTimeInterval(5)
        while bound == nil && Date() < deadline {
            usleep(1000)
            bound = try? again.start(host: "127.0.0.1", port: port)
        }
        #expect(bound?.port == port)
        again.stop()
        app.quit()
        #expect(exits == 1, "once only")
    }

    /// Thirty clients from thirty loopback addresses (127.0.0.2 ... 127.0.0.31) talk to the
    /// console's UDP server: Ctrl-R shows thirty rows, each with its message and the reply.
    @Test func thirtyClientsFromThirtyAddressesFillTheRoster() async throws {
        let port = try Self.freePort()
        let terminal = MemoryTerminal(width: 120, height: 45)
        let app = Self.app(servers: [.udp], port: port, terminal: terminal)
        try app.start()
        #expect(await terminal.frame { $0.text.contains("listening on 127.0.0.1:\(port)") || $0.text.contains("UDP :\(port)  ON") } != nil)
        let script = """
            import socket, sys
            for n in range(2, 32):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.%d" % n, 0))
                s.settimeout(5)
                s.sendto(b"hello from %d" % n, ("127.0.0.1", int(sys.argv[1])))
                assert s.recv(100) == b"HELLO FROM %d" % n
            """
        let clients = try ChildProcess("/usr/bin/python3", ["-c", script, String(port)])
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                clients.waitUntilExit()
                continuation.resume()
            }
        }
        #expect(clients.terminationStatus == 0)
        terminal.type([.control("r")])
        app.keysReady()
        let roster = await terminal.frame { $0.text.contains("Roster: 30 client addresses") && $0.text.contains("127.0.0.2 ") }
        #expect(roster != nil, "\(terminal.screen?.text ?? "no frame")")
        #expect(roster?.text.contains("\"hello from 31\"") == true)
        #expect(roster?.text.contains("replied 12 bytes") == true, "the reply datagram's size (12 bytes of UDP data on the wire)")
        app.quit()
    }

    /// `:check` from the console runs netlab check against the client's target and opens
    /// the report card.
    @Test func checkFromTheConsoleOpensTheReportCard() async throws {
        let port = try Self.freePort()
        let terminal = MemoryTerminal(width: 120, height: 45)
        let app = Self.app(servers: [.tcp], port: port, terminal: terminal)
        try app.start()
        #expect(await terminal.frame { $0.text.contains("listening on 127.0.0.1:\(port)") } != nil)
        terminal.type(":check")
        terminal.type([.enter])
        app.keysReady()
        let card = await terminal.frame(within: 30) { $0.text.contains("netlab check tcp 127.0.0.1:\(port): 6 of 6 passed") }
        #expect(card != nil, "\(terminal.screen?.text ?? "no frame")")
        #expect(card?.text.contains("PASS  a 64 KiB message comes back whole") == true)
        app.quit()
    }
}
