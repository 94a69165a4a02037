import Foundation
import NetLabCore
import Testing

/// The tools users reach for (curl, text2pcap, tshark) against netlab's output, byte for byte.
@Suite(.serialized) struct WiresharkToolsTests {
    static func tool(_ name: String) throws -> String {
        guard let path = ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw BackgroundError(message: "\(name) is not installed (README's test command installs it)") }
        return path
    }

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("netlab-\(getpid())-\(UUID().uuidString.prefix(8))-\(name)")
    }

    /// Every TCP payload of a pcap, in order, as bytes (tshark's own decode).
    static func payloads(_ pcap: URL) throws -> [[UInt8]] {
        let fields = try run(try tool("tshark"), ["-r", pcap.path, "-T", "fields", "-e", "tcp.payload"])
        return fields.out.split(separator: "\n").map { line in
            var bytes: [UInt8] = []
            var index = line.startIndex
            while index < line.endIndex, let next = line.index(index, offsetBy: 2, limitedBy: line.endIndex) {
                bytes.append(UInt8(line[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
    }

    /// Issue 22: a segment with only the Accurate ECN bit (the old NS bit) is labelled as tshark
    /// labels it (`[AE]`), not "TCP (no flags)".
    @Test func theAEFlagIsNamedAsTsharkNamesIt() throws {
        let ip: [UInt8] = [0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        let tcp: [UInt8] = [0x9c, 0x40, 0x2e, 0xe0, 0, 0, 0, 1, 0, 0, 0, 0, 0x51, 0x00, 0xff, 0xff, 0, 0, 0, 0]
        let frame = CapturedFrame(
            time: Date(timeIntervalSince1970: 1_795_600_800), linkType: .ethernet,
            bytes: [UInt8](repeating: 0, count: 12) + [0x08, 0x00] + ip + tcp)
        #expect(WireText.label(FrameDecoder.decode(frame)) == "AE")
        let file = Self.temporary("ae.pcapng")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(PcapFile.pcapng([PcapFile.Record(frame: frame)], sectionComment: "AE")).write(to: file)
        let decoded = try run(try Self.tool("tshark"), ["-n", "-r", file.path])
        #expect(decoded.out.contains("40000 → 12000 [AE] Seq=1"), "\(decoded.out)")
    }

    /// `tcp-server --hex`'s log, saved as it is, through the README's text2pcap command: the
    /// 1 MiB message comes back byte-exact (in dumps of at most 32 KiB, one packet each).
    @Test func serverLogOfAMebibyteThroughText2pcap() throws {
        let message = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }.map { $0 == 0x0A ? 0x78 : $0 }
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--hex")
        let port = try server.port()
        let sent = try run(netlabBinary.path, ["tcp-client", "--port", String(port)], stdin: message + [0x0A], deadline: 60)
        #expect(sent.status == 0, "\(sent.stderr)")
        // A marker after it: once the log shows the marker, the whole dump before it is out
        // (a stop with the log behind would cut it short, and say so).
        #expect(try netlab("tcp-client", "--port", String(port), "end-of-test").status == 0)
        _ = try server.line(containing: "end-of-test", within: 60, orContaining: "\"end-of-test\"")
        #expect(server.interrupt() == 0)
        let log = Self.temporary("server.txt")
        let pcap = Self.temporary("server.pcap")
        defer {
            try? FileManager.default.removeItem(at: log)
            try? FileManager.default.removeItem(at: pcap)
        }
        try Data(server.bytes).write(to: log)
        let converted = try run(try Self.tool("text2pcap"), ["-a", "-T", "40000,\(port)", log.path, pcap.path])
        #expect(converted.status == 0, "\(converted.stderr)")
        let packets = Array(try Self.payloads(pcap).dropLast())  // the marker
        #expect(packets.allSatisfy { $0.count <= 32 * 1024 })
        // Compared as a whole, reported briefly (a failed == on a megabyte prints the megabyte).
        let joined = packets.flatMap { $0 }
        let firstDifference = (0..<min(joined.count, message.count)).first { joined[$0] != message[$0] } ?? min(joined.count, message.count)
        let same = joined == message
        #expect(same, "\(joined.count) of \(message.count) bytes came back; the first difference is at byte \(firstDifference)")
    }

    /// `http-get --hex` of a 300-byte response, through text2pcap: tshark reads the response
    /// as HTTP, and its bytes are the server's, exactly.
    @Test func clientDumpOfAnHTTPResponseThroughText2pcap() throws {
        let response =
            Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 250\r\n\r\n".utf8)
            + [UInt8](repeating: 0x7A, count: 249) + [0x0A]
        let script = """
            import socket, sys
            data = sys.stdin.buffer.read()
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
            print("port", s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.recv(4096); c.sendall(data); c.close()
            """
        let scriptFile = Self.temporary("serve.py")
        let responseFile = Self.temporary("response.bin")
        defer {
            try? FileManager.default.removeItem(at: scriptFile)
            try? FileManager.default.removeItem(at: responseFile)
        }
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        try Data(response).write(to: responseFile)
        let server = try Background("/bin/sh", ["-c", "exec \"$0\" \"$1\" < \"$2\"", python3, scriptFile.path, responseFile.path])
        let port = try server.port()
        let fetched = try netlab("http-get", "--hex", "http://127.0.0.1:\(port)/notes.txt")
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(
            fetched.out.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.range(of: "^[0-9a-f]{4}  ", options: .regularExpression) != nil },
            "every line is a dump line or starts with #")
        let dump = Self.temporary("client.txt")
        let pcap = Self.temporary("client.pcap")
        defer {
            try? FileManager.default.removeItem(at: dump)
            try? FileManager.default.removeItem(at: pcap)
        }
        try Data(fetched.stdout).write(to: dump)
        #expect(try run(try Self.tool("text2pcap"), ["-a", "-T", "\(port),40000", dump.path, pcap.path]).status == 0)
        let packets = try Self.payloads(pcap)
        #expect(packets.count == 2)
        let same = packets.last == response
        #expect(same, "the response's \(response.count) bytes came back as \(packets.last?.count ?? 0)")
        let decoded = try run(
            try Self.tool("tshark"),
            [
                "-r", pcap.path, "-d", "tcp.port==\(port),http", "-Y", "http.response",
                "-T", "fields", "-e", "http.response.code", "-e", "http.content_length",
            ])
        #expect(decoded.out == "200\t250\n")
    }

    /// curl resumes an interrupted download with a Range request (`curl -C -`).
    @Test func curlResumesADownload() throws {
        let root = Self.temporary("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        try Data(file).write(to: root.appendingPathComponent("big.bin"))
        let server = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", "0", "--root", root.path)
        let port = try server.port()
        let partial = Self.temporary("partial.bin")
        defer { try? FileManager.default.removeItem(at: partial) }
        try Data(file.prefix(123_456)).write(to: partial)
        let curl = try run(
            try Self.tool("curl"),
            [
                "-s", "-S", "-C", "-", "-o", partial.path, "-w", "%{http_code}",
                "http://127.0.0.1:\(port)/big.bin",
            ])
        #expect(curl.status == 0, "\(curl.stderr)")
        #expect(curl.out == "206")
        #expect(Array(try Data(contentsOf: partial)) == file)
        #expect(server.interrupt() == 0)
        #expect(server.text.contains("\"GET /big.bin HTTP/1.1\" 206 "))
    }
}
