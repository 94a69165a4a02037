import Foundation
import Testing

/// The headless commands as a user meets them: exit codes, messages, the lab's three questions.
@Suite struct CommandLineTests {
    @Test func questionOneTCPClientBeforeServerIsRefused() throws {
        let port = try freePort()
        let result = try netlab("tcp-client", "--port", String(port), "hello")
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr
                == "netlab: connect() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:\(port); start the server first, or check --host and --port\n"
        )
    }

    @Test func questionTwoUDPClientBeforeServerHearsNothing() throws {
        let port = try freePort()
        let result = try netlab("udp-client", "--port", String(port), "--timeout", "0.3", "hello")
        #expect(result.status == 75)
        #expect(
            result.stderr
                == "netlab: No reply from 127.0.0.1:\(port) within 0.3 s. Nothing listening? Then the host answers with ICMP port unreachable, which Linux tells only a connected UDP socket. (--connected hears the ICMP error)\n"
                + "Or a program is bound there and did not answer, or a datagram was lost: UDP never resends. (The lab's UDPClient.py would wait forever; on Windows it gets ConnectionResetError.)\n"
        )
        let connected = try netlab("udp-client", "--port", String(port), "--connected", "hello")
        #expect(connected.status == 69)
        #expect(connected.stderr.contains("ECONNREFUSED"))
    }

    @Test func questionThreeDifferentPorts() throws {
        let tcp = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let udp = try Background.netlab("udp-server", "--host", "127.0.0.1", "--port", "0")
        let tcpPort = try tcp.port()
        let udpPort = try udp.port()
        #expect(try netlab("tcp-client", "--port", String(tcpPort), "right").out == "RIGHT\n")
        #expect(try netlab("udp-client", "--port", String(udpPort), "right").out == "RIGHT\n")
        let wrongTCP = try netlab("tcp-client", "--port", String(tcpPort == 65535 ? 1 : tcpPort + 1), "wrong")
        let wrongUDP = try netlab("udp-client", "--port", String(udpPort == 65535 ? 1 : udpPort + 1), "--timeout", "0.3", "wrong")
        #expect(wrongTCP.status == 69)
        #expect(wrongUDP.status == 75)
        #expect(tcp.interrupt() == 0)
        #expect(udp.interrupt() == 0)
        #expect(!udp.text.contains("wrong"))
    }

    /// `netlab --version` prints the version alone and exits 0; --help says what netlab is.
    @Test func versionAndHelp() throws {
        let version = try netlab("--version")
        #expect(version.status == 0)
        #expect(version.out.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version.out)")
        let help = try netlab("--help")
        #expect(help.status == 0)
        let words = help.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("the lab's TCP, UDP and HTTP servers and clients, a console that shows each socket call beside the packets"))
    }

    @Test func linesFromStandardInputEachGetAReply() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--verbose")
        let result = try netlab("tcp-client", "--port", String(try server.port()), stdin: "one\ntwo\nthree")
        #expect(result.status == 0)
        #expect(result.out == "ONE\nTWO\nTHREE\n")
        #expect(server.interrupt() == 0)
        // --verbose logs each connection opening and closing.
        #expect(server.text.components(separatedBy: "accepted a connection").count == 4)
        #expect(server.text.components(separatedBy: "closed the connection").count == 4, "\(server.text)")
        #expect(server.text.contains("stopped listening on 127.0.0.1:"))
    }

    @Test func usageErrorsExit64WithOneLine() throws {
        for arguments in [
            ["tcp-client", "--port", "70000", "x"], ["udp-client", "--timeout", "-1", "x"],
            ["tcp-server", "--port", "-5"], ["tcp-client", "--bogus"], ["nonsense"],
        ] {
            let result = try run(netlabBinary.path, arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("netlab: "), "\(arguments)")
        }
        let port = try netlab("tcp-client", "--port", "70000", "x")
        #expect(port.stderr.contains("--port 70000 is not a port number: use 1-65535"))
    }

    @Test func helpExitsZero() throws {
        let result = try netlab("--help")
        #expect(result.status == 0)
        for name in ["tcp-server", "udp-server", "tcp-client", "udp-client"] {
            #expect(result.out.contains(name))
        }
        #expect(try netlab("udp-client", "--help").out.contains("--connected"))
    }

    @Test func portInUseIsExplained() throws {
        let first = try Background.netlab("udp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try first.port()
        let second = try netlab("udp-server", "--host", "127.0.0.1", "--port", String(port))
        #expect(second.status == 1)
        #expect(second.stderr.contains("bind() failed: Address already in use (EADDRINUSE, errno 98)"))
        #expect(second.stderr.contains("port \(port)"))
        #expect(first.interrupt() == 0)
    }

    @Test func unknownHostIsOneLine() throws {
        let result = try netlab("tcp-client", "--host", "no-such-host.invalid", "x")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("netlab: getaddrinfo() failed for \"no-such-host.invalid\""))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func serverLogNeverEchoesControlBytes() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--hex")
        let port = try server.port()
        let result = try netlab("tcp-client", "--port", String(port), "\u{1b}[2J\u{7}evil")
        #expect(result.status == 0)
        #expect(server.interrupt() == 0)
        #expect(server.text.contains("\"\\x1b[2J\\x07evil\""))
        #expect(!server.bytes.contains(0x1B))
        #expect(!server.bytes.contains(0x07))
        // --hex adds the tshark -x dump.
        #expect(server.text.contains("0000  1b 5b 32 4a 07 65 76 69 6c                        .[2J.evil"))
    }

    @Test func quietServersLogNoMessagesAndOneMessageClosesFirst() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--quiet", "--one-message")
        let port = try server.port()
        // The lab's client: one message, one recv, no half-close. The server answers, then closes.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in(
            sin_family: sa_family_t(AF_INET), sin_port: port.bigEndian,
            sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        _ = "hello".withCString { send(fd, $0, 5, 0) }
        var reply = [UInt8](repeating: 0, count: 64)
        #expect(recv(fd, &reply, 64, 0) == 5)
        #expect(Array(reply[0..<5]) == Array("HELLO".utf8))
        #expect(recv(fd, &reply, 64, 0) == 0, "the server closed without waiting for the client")
        // As the lab's server: one recv(1024). A longer message's rest stays unread, and the
        // close resets the connection: 1024 bytes come back, then ECONNRESET.
        let long = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(long) }
        setsockopt(long, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #expect(withLoopbackAddress(port) { connect(long, $0, $1) } == 0)
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1100)
        #expect(send(long, message, message.count, 0) == 1100)
        var got = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        var failure: Int32 = 0
        while true {
            let count = recv(long, &buffer, buffer.count, 0)
            if count < 0 { failure = errno }
            if count <= 0 { break }
            got += count
        }
        #expect(got == 1024 && failure == ECONNRESET, "\(got) bytes, then errno \(failure)")
        // --quiet: the ready lines, and not a line for the message.
        #expect(try netlab("tcp-client", "--port", String(port), "again").out == "AGAIN\n")
        #expect(server.interrupt() == 0)
        #expect(!server.text.contains("hello") && !server.text.contains("again"), "\(server.text)")
        let both = try netlab("udp-server", "--quiet", "--verbose")
        #expect(both.status == 64)
        #expect(both.stderr == "netlab: --quiet with --verbose asks for less and more at once: pick one (see 'netlab --help')\n")
    }

    @Test func serverStopsCleanlyOnSIGTERM() throws {
        let server = try Background.netlab("tcp-server", "--host", "::1", "--port", "0")
        _ = try server.port()
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit() == 0)
        #expect(server.text.contains("stopped listening on [::1]:"))
    }
}

/// docs/netlab.1 is generated from the argument parser
/// (`swift package --allow-writing-to-package-directory generate-manual --output-directory docs`):
/// every subcommand and every option `--help` lists must be in it, so a new one fails here
/// until the page is generated again.
@Suite struct ManualPageTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/netlab.1").standardized

    @Test func theManualHasEveryCommandAndOption() throws {
        let manual = try String(contentsOf: Self.page, encoding: .utf8)
        let help = try netlab("--help").out
        let listing = help.components(separatedBy: "SUBCOMMANDS:").last?.components(separatedBy: "\n\n").first ?? ""
        let commands = listing.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first, word.first?.isLetter == true else {
                return nil
            }
            return String(word)
        }
        #expect(commands.count >= 10, "\(help)")
        for command in commands {
            #expect(manual.contains(".It Em \(command)"), "\(command) is not in docs/netlab.1: generate it again")
            let options = try netlab(command, "--help").out.matches(of: /--([a-z][a-z0-9-]*)/).map { String($0.1) }
            for option in Set(options) where option != "help" && option != "version" {
                #expect(
                    manual.contains("Fl -\(option)") || manual.contains("--\(option)"),
                    "\(command) --\(option) is not in docs/netlab.1: generate it again")
            }
        }
    }
}
