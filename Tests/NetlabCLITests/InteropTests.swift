import Foundation
import Testing

/// netlab against the lab's own Python programs, both directions, byte for byte.
@Suite struct InteropTests {
    @Test func labTCPClientTalksToNetlabServer() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let result = try run(python3, [fixture("TCPClient.py"), "127.0.0.1", String(port)], stdin: Array("hello, welcome to lab\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "Input lowercase sentence:From Server: HELLO, WELCOME TO LAB\n")
        #expect(server.interrupt() == 0)
        // The whole line, as the log writes it for each message received.
        #expect(
            server.text.contains(try Regex("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} TCP 127\\.0\\.0\\.1:\\d+ -> 21 bytes \"hello, welcome to lab\"$")),
            "\(server.text)")
    }

    /// A message's log line escapes control bytes and cuts a long message at 48 bytes.
    @Test func theServersLineForAMessage() throws {
        let server = try Background.netlab("udp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let long = String(repeating: "abcdefgh", count: 8)
        #expect(try netlab("udp-client", "--port", String(port), long).status == 0)
        #expect(try netlab("udp-client", "--port", String(port), "a\u{1b}[2Jb").status == 0)
        #expect(server.interrupt() == 0)
        let lines = server.text.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.wholeMatch(of: try! Regex("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} UDP 127\\.0\\.0\\.1:\\d+ -> 64 bytes \"\(long.prefix(48))\"\\.\\.\\."))
                    != nil
            },
            "\(server.text)")
        #expect(lines.contains { $0.hasSuffix(" -> 6 bytes \"a\\x1b[2Jb\"") }, "\(server.text)")
    }

    @Test func labUDPClientTalksToNetlabServer() throws {
        let server = try Background.netlab("udp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let result = try run(python3, [fixture("UDPClient.py"), "127.0.0.1", String(port)], stdin: Array("hello, welcome\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "Input lowercase sentence:HELLO, WELCOME\n")
        #expect(server.interrupt() == 0)
    }

    @Test func netlabTCPClientTalksToLabServer() throws {
        let server = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try server.port()
        let result = try netlab("tcp-client", "--port", String(port), "hello,", "welcome", "to", "lab")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "HELLO, WELCOME TO LAB\n")
    }

    @Test func netlabUDPClientTalksToLabServer() throws {
        let server = try Background(python3, ["-u", fixture("UDPServer.py"), "0"])
        let port = try server.port()
        let result = try netlab("udp-client", "--port", String(port), "hello,", "welcome")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "HELLO, WELCOME\n")
    }

    /// Every byte value but the line break, through the lab's servers and netlab's, gives the same reply.
    @Test(arguments: ["tcp", "udp"])
    func byteForByteAgainstLabServer(proto: String) throws {
        let message = (0...255).map { UInt8($0) }.filter { $0 != 0x0A }
        let expected = message.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 } + [0x0A]
        let lab = try Background(python3, ["-u", fixture(proto == "tcp" ? "TCPServer.py" : "UDPServer.py"), "0"])
        let labReply = try run(netlabBinary.path, ["\(proto)-client", "--timeout", "20", "--port", String(try lab.port())], stdin: message + [0x0A])
        let ours = try Background.netlab("\(proto)-server", "--host", "127.0.0.1", "--port", "0")
        let ourReply = try run(netlabBinary.path, ["\(proto)-client", "--timeout", "20", "--port", String(try ours.port())], stdin: message + [0x0A])
        #expect(labReply.status == 0, "\(labReply.stderr)")
        #expect(ourReply.status == 0, "\(ourReply.stderr)")
        #expect(labReply.stdout == expected)
        #expect(ourReply.stdout == expected)
        #expect(ours.interrupt() == 0)
    }
}
