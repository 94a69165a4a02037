import Foundation
import Testing

/// `netlab check` against netlab's own servers (every check passes) and the lab's Python
/// programs and python3 -m http.server (exactly the checks they should fail).
@Suite struct CheckCommandTests {
    func failedChecks(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("FAIL  ") }.map { String($0.dropFirst(6)) }
    }

    @Test(arguments: ["tcp", "udp", "http"])
    func netlabsOwnServersPassEveryCheck(kind: String) throws {
        let server = try Background.netlab("\(kind)-server", "--host", "127.0.0.1", "--port", "0", "--quiet")
        let port = try server.port()
        let result = try netlab("check", "--rubric", "strict", kind, "127.0.0.1", String(port))
        let text = result.out
        #expect(result.status == 0, "\(text)")
        let total = kind == "http" ? 8 : 6
        #expect(
            text.hasPrefix(
                "netlab check \(kind) 127.0.0.1:\(port): \(total) of \(total) checks passed (strict rubric: \(total) of \(total) points)\n"),
            "\(text)")
        #expect(failedChecks(text).isEmpty)
    }

    @Test func theLabsTCPServerFailsTheStreamChecks() throws {
        let lab = try Background(python3, [fixture("TCPServer.py"), "0"])
        let port = try lab.port()
        let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1")
        // One recv(1024), one connection at a time: the rest of a long or split message is
        // never read, and a second client waits behind the first.
        #expect(
            failedChecks(result.out) == [
                "two clients at once: the second is answered while the first is connected",
                "a 64 KiB message comes back whole",
                "a message sent in three pieces, 0.2 s apart, comes back whole",
            ], "\(result.out)")
        #expect(result.status == 3)
        // Checked against a capture: the second client's SYN is answered by the kernel and
        // its message acknowledged, but no byte of reply comes while the first is connected;
        // the empty message is a FIN each way with no data.
        // On a loaded machine the kernel may also drop the second SYN (listen(1): its queue is
        // full), and the second client's connect() times out: not served either way.
        #expect(
            result.out.contains(
                """
                FAIL  two clients at once: the second is answered while the first is connected
                      problem:  no reply within 1 s
                """)
                || result.out.contains(
                    """
                    FAIL  two clients at once: the second is answered while the first is connected
                          problem:  connect() failed: Connection timed out (ETIMEDOUT, errno 110)
                    """),
            "\(result.out)")
        #expect(result.out.contains("PASS  an empty message gets an empty reply and the connection closes\n"))
        // The README's example, line for line: what the lab's server did with the pieces.
        #expect(
            result.out.contains(
                """
                FAIL  a message sent in three pieces, 0.2 s apart, comes back whole
                      problem:  the server answered 7 bytes and closed the connection: sending piece 3 of 3 failed with Broken pipe (EPIPE, errno 32)
                      sent:     68 65 6c 6c 6f 2c 20 77 65 6c 63 6f 6d 65 20 74 6f 20 74 68 65 20 73 6f 63 6b 65 74 20 6c 61 62 (32 bytes)
                      received: 48 45 4c 4c 4f 2c 20 (7 bytes)
                      expected: the whole message uppercased, however it was cut
                      why:      on a real network a message can arrive in several segments: a server that assumes one recv() gets it all answers only the first piece
                """), "\(result.out)")
    }

    @Test func theLabsUDPServerFailsOnlyTheLargestDatagram() throws {
        let lab = try Background(python3, [fixture("UDPServer.py"), "0"])
        let port = try lab.port()
        let result = try netlab("check", "--rubric", "strict", "udp", "127.0.0.1", String(port), "--timeout", "1")
        #expect(failedChecks(result.out) == ["the largest datagram (65,507 bytes) comes back whole"], "\(result.out)")
        // Checked against a capture: 65,507 bytes of UDP data in (IP length 65,535), 2,048
        // out; the empty datagram is 0 bytes of UDP data each way.
        #expect(result.out.contains("      problem:  2048 bytes came back, expected 65507"))
        #expect(
            result.out.contains(
                "      why:      recvfrom() cuts a datagram to its buffer size and drops the rest without "
                    + "a word: a server needs a 65,535-byte buffer to see every datagram whole\n"))
        #expect(result.out.contains("PASS  an empty datagram gets an empty reply\n"))
        #expect(result.status == 1)
    }

    /// python3 -m http.server gets the protocol right but follows a symbolic link out of its
    /// folder; netlab's server refuses it.
    @Test func httpServerFollowsASymlinkOutOfItsRootAndNetlabDoesNot() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-check-\(UUID().uuidString)")
        let root = base.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        try "<html><body>Hello World</body></html>\n".write(
            to: root.appendingPathComponent("HelloWorld.html"), atomically: true,
            encoding: .utf8)
        try "outside the served folder\n".write(to: base.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("escape").path,
            withDestinationPath: base.appendingPathComponent("secret.txt").path)
        let port = try freePort()
        let python = try Background(python3, ["-m", "http.server", "--bind", "127.0.0.1", "--directory", root.path, String(port)])
        _ = try python.line(containing: "Serving HTTP")
        let theirs = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port), "--escape-link", "escape")
        #expect(failedChecks(theirs.out) == ["a symbolic link out of the served folder is not followed"], "\(theirs.out)")
        #expect(theirs.status == 1)

        let ours = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", "0", "--quiet", "--root", root.path)
        let ourPort = try ours.port()
        let mine = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(ourPort), "--escape-link", "escape")
        #expect(failedChecks(mine.out).isEmpty, "\(mine.out)")
        #expect(mine.status == 0)
    }

    /// The JUnit file validates against the JUnit schema (xmllint); the Gradescope file has
    /// the fields the autograder specification documents; JSON parses.
    @Test func machineReadableReports() throws {
        let lab = try Background(python3, [fixture("UDPServer.py"), "0"])
        let port = try lab.port()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let junit = directory.appendingPathComponent("junit.xml").path
        let gradescope = directory.appendingPathComponent("results.json").path
        let result = try netlab(
            "check", "--rubric", "strict", "udp", "127.0.0.1", String(port), "--timeout", "1", "--json", "--junit", junit,
            "--gradescope", gradescope)
        #expect(result.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
        #expect(json?["failed"] as? Int == 1)
        #expect(
            (json?["checks"] as? [[String: Any]])?.first?["sent_hex"] as? String == "68656c6c6f2c2077656c636f6d6520746f2074686520736f636b6574206c6162"
        )

        let lint = try run("/usr/bin/xmllint", ["--noout", "--schema", fixture("junit.xsd"), junit])
        #expect(lint.status == 0, "\(lint.stderr)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<failure message=\"2048 bytes came back, expected 65507\" type=\"netlab.check\">"))

        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gradescope))) as? [String: Any]
        #expect(results?["score"] as? Int == 5)
        let tests = try #require(results?["tests"] as? [[String: Any]])
        #expect(tests.count == 6)
        for test in tests {
            #expect(test["name"] is String && test["score"] is Int && test["max_score"] as? Int == 1 && test["output"] is String)
            #expect(["passed", "failed"].contains(test["status"] as? String))
        }
    }

    @Test func manyServersFromATargetsFile() throws {
        let tcp = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--quiet")
        let udp = try Background(python3, [fixture("UDPServer.py"), "0"])
        let tcpPort = try tcp.port()
        let udpPort = try udp.port()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-targets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "# the room\nalice tcp 127.0.0.1 \(tcpPort)\nbob udp 127.0.0.1 \(udpPort)\n".write(to: file, atomically: true, encoding: .utf8)
        let csv = file.path + ".csv"
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let result = try netlab("check", "--rubric", "strict", "--targets", file.path, "--timeout", "1", "--csv", csv)
        #expect(result.status == 1)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("server ") == true && lines.first?.hasSuffix("  score  failed") == true, "\(result.out)")
        #expect(lines.contains { $0.hasPrefix("alice tcp 127.0.0.1:\(tcpPort)") && $0.contains("  6/6  ") && $0.hasSuffix("  -") })
        #expect(lines.contains { $0.hasPrefix("bob udp 127.0.0.1:\(udpPort)") && $0.contains("  5/6  ") && $0.hasSuffix("  largest") })
        #expect(lines.last == "2 servers checked, 1 with full marks")
        // The gradebook: a row per server, a column per check key.
        let book = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(
            book == "name,target,score,max_score,uppercase,bytes,empty,concurrent,long,pieces,clients,mtu,largest\r\n"
                + "alice,tcp 127.0.0.1:\(tcpPort),6,6,1,1,1,1,1,1,,,\r\n"
                + "bob,udp 127.0.0.1:\(udpPort),5,6,1,1,1,,,,1,1,0\r\n")
    }

    /// Nothing listening: one line that says so and what to do, not six identical failures;
    /// the exit code still counts every check as failed.
    @Test func noServerIsSaidOnce() throws {
        let port = try freePort()
        let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port))
        #expect(result.status == 6)
        #expect(
            result.out == "netlab check tcp 127.0.0.1:\(port): no server to check: connect() failed: Connection refused "
                + "(ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:\(port); start the server first, or check the host "
                + "and port\n0 of 6 checks passed (none could reach the server)\n\n")
        let http = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port))
        #expect(http.status == 8)
    }

    @Test func usageErrorsExit64WithTheFix() throws {
        let missing = try netlab("check", "--rubric", "strict", "tcp")
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("netlab: give PROTOCOL HOST PORT (e.g. netlab check tcp 127.0.0.1 12000), or --targets FILE"))
        let bad = try netlab("check", "--rubric", "strict", "smtp", "127.0.0.1", "25")
        #expect(bad.status == 64)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-badtargets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "alice tcp 127.0.0.1\n".write(to: file, atomically: true, encoding: .utf8)
        let wrong = try netlab("check", "--rubric", "strict", "--targets", file.path)
        #expect(wrong.status == 64)
        #expect(
            wrong.stderr
                == "netlab: --targets \(file.path), line 1: \"alice tcp 127.0.0.1\" is not NAME PROTOCOL HOST PORT (e.g. alice tcp 127.0.0.2 12000)\n"
        )
    }
}
