import Foundation
import Glibc
import NetLabPrivate
import Testing

/// Issue 27, first round: the grader makes no connection but its checks' own (a one-client
/// server is not used up by a probe), a server that goes away is said once and the checks
/// after it are not run (not failed), and a reply read is the same in every run.
@Suite(.serialized) struct GraderRoundTwoTests {
    func server(_ mode: String) throws -> (Background, UInt16) {
        let server = try Background(python3, [fixture("HostileServer.py"), mode])
        return (server, try server.port())
    }

    /// A server without its loop serves the first check, then is gone: one verdict for that,
    /// five checks not run; before, an empty probe used its only connection and it scored 0.
    @Test func aOneClientServerPassesItsFirstCheckAndTheRestAreNotRun() throws {
        let (server, port) = try server("tcp-once")
        let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1")
        #expect(result.status == 5, "not passed: the five not run\n\(result.out)")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "netlab check tcp 127.0.0.1:\(port): 1 of 6 checks passed (strict rubric: 1 of 6 points)")
        #expect(
            lines.dropFirst().first
                == "the server stopped accepting connections after check 1 (it crashed, or it serves one client): connect() failed: "
                + "Connection refused (ECONNREFUSED, errno 111); the 5 checks after it were not run")
        #expect(result.out.contains("PASS  lowercase letters come back uppercase"))
        #expect(result.out.components(separatedBy: "\nNOT RUN  ").count == 6, "five checks not run")
        #expect(!result.out.contains("FAIL"), "nothing failed: the server was gone\n\(result.out)")
        withExtendedLifetime(server) {}
    }

    /// A server that dies on the empty message: the checks before it pass, the empty message's
    /// check fails on its own terms, the rest are not run; JUnit says skipped, not failed.
    @Test func aCrashIsOneVerdictAndTheChecksAfterItAreSkipped() throws {
        let (server, port) = try server("tcp-crash-empty")
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: junit) }
        let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1", "--junit", junit)
        #expect(result.out.hasPrefix("netlab check tcp 127.0.0.1:\(port): 2 of 6 checks passed (strict rubric: 2 of 6 points)\n"), "\(result.out)")
        #expect(result.out.contains("the server stopped accepting connections after check 3 (it crashed, or it serves one client)"))
        #expect(result.out.contains("FAIL  an empty message gets an empty reply and the connection closes"))
        #expect(result.out.components(separatedBy: "\nNOT RUN  ").count == 4, "three checks not run\n\(result.out)")
        #expect(result.status == 4)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("tests=\"6\" failures=\"1\" errors=\"0\" skipped=\"3\""), "\(xml)")
        #expect(xml.components(separatedBy: "<skipped message=\"the server stopped accepting connections after check 3").count == 4)
        withExtendedLifetime(server) {}
    }

    /// A reply with one byte too many fails the first check in every run (it used to pass now
    /// and then: the read stopped at the expected length).
    @Test func tooMuchReplyFailsEveryTime() throws {
        let (server, port) = try server("tcp-extra")
        for _ in 0..<5 {
            let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1")
            let first = result.out.components(separatedBy: "\n\n").dropFirst().first ?? ""
            #expect(first.hasPrefix("FAIL  lowercase letters come back uppercase"), "\(result.out)")
            #expect(first.contains("problem:  33 bytes came back, expected 32"), "\(first)")
            // The 64 KiB check's advice names the way that works with the lab's client too.
            #expect(
                result.out.contains(
                    "echoing each piece as it comes works with any client, waiting for recv() to return 0 only with one that "
                        + "closes its side first (this check does, the lab's TCPClient.py does not)"))
        }
        withExtendedLifetime(server) {}
    }

    /// A UDP server that answers from another socket (another port): said as it is, not
    /// "no reply" (the lab's client, which calls recvfrom(), takes such a reply).
    @Test func aUDPReplyFromAnotherPortIsNamed() throws {
        let script = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
            other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); other.bind(('127.0.0.1', 0))
            print('port', s.getsockname()[1], flush=True)
            while True:
                m, a = s.recvfrom(65535); other.sendto(m.upper(), a)
            """
        let server = try Background(python3, ["-c", script])
        let port = try server.port()
        let result = try netlab("check", "--rubric", "strict", "udp", "127.0.0.1", String(port), "--timeout", "1")
        let first = result.out.components(separatedBy: "\n\n").dropFirst().first ?? ""
        #expect(first.hasPrefix("FAIL  lowercase letters come back uppercase"), "\(result.out)")
        #expect(first.contains("problem:  the reply came from 127.0.0.1:"), "\(first)")
        #expect(
            first.contains(
                ", not from 127.0.0.1:\(port) where the datagram went: the lab's UDPClient.py takes it (recvfrom() accepts any "
                    + "sender), a connected UDP client never sees it"))
        #expect(first.contains("received: 48 45 4c 4c 4f"), "the reply is shown: \(first)")
        withExtendedLifetime(server) {}
    }

    /// Nothing on the UDP port: one line from the ICMP error, at once (it took a timeout per
    /// check: the datagrams were sent, and nothing said why no reply came).
    @Test func noUDPServerIsOneVerdict() throws {
        let port = try freePort()
        let started = Date()
        let result = try netlab("check", "--rubric", "strict", "udp", "127.0.0.1", String(port), "--timeout", "2")
        #expect(Date().timeIntervalSince(started) < 2, "no check waited for its timeout")
        #expect(result.status == 6)
        #expect(
            result.out
                == "netlab check udp 127.0.0.1:\(port): no server to check: recvfrom() failed: Connection refused (ECONNREFUSED, "
                + "errno 111): nothing is listening on 127.0.0.1:\(port): its host answered with ICMP port unreachable, which Linux "
                + "reports on a connected UDP socket (and on netlab's, which asks to be told with IP_RECVERR; the lab's UDPClient.py "
                + "would wait forever); start the server first, or check the host and port\n"
                + "0 of 6 checks passed (none could reach the server)\n\n")
    }

    /// A web server without the lab's file: one sentence, the checks that need the file not
    /// run (Content-Length and Content-Type used to "pass" on the 404 page).
    @Test func aMissingFileIsOneSentence() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try freePort()
        let server = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", String(port), "--root", folder)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        _ = try server.line(containing: "istening", orContaining: "istening")
        let result = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port), "--timeout", "1")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "netlab check http 127.0.0.1:\(port): 3 of 8 checks passed (strict rubric: 3 of 8 points)", "\(result.out)")
        #expect(
            lines.dropFirst().first
                == "the server answered 404 Not Found for /HelloWorld.html: put HelloWorld.html in the folder the server serves "
                + "(or name a file it has with --path); the 5 checks that need the file were not run")
        #expect(result.out.contains("NOT RUN  Content-Length equals the body\n"))
        #expect(result.out.contains("NOT RUN  Content-Type is text/html for an .html file\n"))
        #expect(result.out.contains("PASS  a missing file is 404 with a body"))
        #expect(!result.out.contains("FAIL"), "\(result.out)")
        #expect(result.status == 5)
    }

    /// A server that reads the request and closes: said so, not "no response within 1 s".
    @Test func aServerThatClosesAtOnceIsSaidSo() throws {
        let (server, port) = try server("http-close")
        let result = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port), "--timeout", "1")
        #expect(result.out.contains("problem:  the server closed the connection without a response"), "\(result.out)")
        #expect(!result.out.contains("no response within"), "\(result.out)")
        withExtendedLifetime(server) {}
    }

    /// A class run connects to every server at once (a room of hosts that never answer costs
    /// one timeout) and gives each connection to the server's first check: a one-client server
    /// scores its first check there too, and nothing listening is one line.
    @Test func aClassRunUsesEachServersFirstConnectionForItsFirstCheck() throws {
        let (once, port) = try server("tcp-once")
        let nobody = try freePort()
        let targets = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: targets) }
        try "alice tcp 127.0.0.1 \(port)\nbob tcp 127.0.0.1 \(nobody)\n".write(toFile: targets, atomically: true, encoding: .utf8)
        let junit = targets + ".xml"
        defer { try? FileManager.default.removeItem(atPath: junit) }
        let result = try netlab("check", "--rubric", "strict", "--targets", targets, "--timeout", "1", "--junit", junit)
        let rows = result.out.split(separator: "\n").map(String.init)
        // In JUnit: alice's five checks skipped, bob's six errors (could not run), not failures;
        // every test case has its time; the file still validates against the schema.
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<testsuites name=\"netlab check\" tests=\"12\" failures=\"0\" errors=\"6\" skipped=\"5\">"), "\(xml)")
        #expect(xml.components(separatedBy: "<error message=\"connect() failed: Connection refused").count == 7)
        #expect(xml.components(separatedBy: " time=\"").count == 12 + 2 + 1)
        let lint = try run("/usr/bin/xmllint", ["--noout", "--schema", fixture("junit.xsd"), junit])
        #expect(lint.status == 0, "\(lint.stderr)")
        #expect(
            rows.contains {
                $0.hasPrefix("alice tcp 127.0.0.1:\(port)") && $0.contains("  1/6  ") && $0.hasSuffix("  stopped (5 not run)")
            }, "\(result.out)")
        #expect(rows.contains { $0.hasPrefix("bob tcp 127.0.0.1:\(nobody)") && $0.hasSuffix("  0/6    unreachable") }, "\(result.out)")
        #expect(result.status == 2, "two servers without full marks")
        withExtendedLifetime(once) {}
    }

    // MARK: Rubrics

    func textbook(_ arguments: String...) throws -> (Background, UInt16) {
        let server = try Background(python3, [fixture("TextbookServers.py")] + arguments)
        return (server, try server.port())
    }

    func labServer(_ name: String) throws -> (Background, UInt16) {
        let server = try Background(python3, [fixture(name), "0"])
        return (server, try server.port())
    }

    /// The lab rubric (the default) gives the lab's own servers and the textbook's Python 3
    /// servers, copied verbatim, full marks (the strict rubric scored them 3/6, 5/6 and 1/6).
    @Test(arguments: [("TCPServer.py", "tcp"), ("UDPServer.py", "udp")])
    func theLabsServersGetFullMarks(file: String, kind: String) throws {
        let (server, port) = try labServer(file)
        let result = try netlab("check", kind, "127.0.0.1", String(port), "--timeout", "1")
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out.hasPrefix("netlab check \(kind) 127.0.0.1:\(port): 2 of 2 checks passed (lab rubric: 3 of 3 points)\n"))
        withExtendedLifetime(server) {}
    }

    @Test(arguments: ["tcp", "udp"])
    func theTextbooksServersGetFullMarks(kind: String) throws {
        let (server, port) = try textbook(kind)
        let lab = try netlab("check", kind, "127.0.0.1", String(port), "--timeout", "1")
        #expect(lab.status == 0, "\(lab.out)")
        #expect(lab.out.contains("2 of 2 checks passed (lab rubric: 3 of 3 points)"))
        withExtendedLifetime(server) {}
    }

    /// The web server the lab's second task asks for, filled in from the skeleton: the file and
    /// the 404, full marks; the strict rubric still says what a browser forgives (no
    /// Content-Length, no Content-Type).
    @Test func theLabsWebServerGetsFullMarks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "<html><body>Hello World</body></html>\n".write(toFile: folder + "/HelloWorld.html", atomically: true, encoding: .utf8)
        let (server, port) = try textbook("web", folder)
        let lab = try netlab("check", "http", "127.0.0.1", String(port), "--timeout", "1")
        #expect(lab.status == 0, "\(lab.out)")
        #expect(lab.out.hasPrefix("netlab check http 127.0.0.1:\(port): 2 of 2 checks passed (lab rubric: 3 of 3 points)\n"))
        let strict = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port), "--timeout", "1")
        #expect(strict.out.contains("FAIL  Content-Length equals the body"))
        #expect(strict.out.contains("problem:  no Content-Length header"))
        withExtendedLifetime(server) {}
    }

    /// The web server's usual mistakes, each pinned under both rubrics: the lab's rubric asks
    /// for the file and a 404 page, so only the empty 404 loses a point there; strict names each
    /// mistake (and the skeleton's own: no Content-Length, and ../ served from outside).
    @Test(arguments: [
        ("web-lf", "2 of 2 checks passed (lab rubric: 3 of 3 points)", "problem:  a line of the head ends in a bare \\n (byte 15)"),
        (
            "web-empty404", "1 of 2 checks passed (lab rubric: 2 of 3 points)",
            "FAIL  a missing file is 404 with a body\n      problem:  the 404 has no body"
        ),
        (
            "web-type", "2 of 2 checks passed (lab rubric: 3 of 3 points)",
            "FAIL  Content-Type is text/html for an .html file\n      problem:  Content-Type is text/plain"
        ),
        ("web", "2 of 2 checks passed (lab rubric: 3 of 3 points)", "problem:  GET /../../../../../../../../etc/passwd served /etc/passwd"),
    ])
    func webServerMistakesLoseTheirOwnPoints(mode: String, lab: String, strict: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "<html><body>Hello World</body></html>\n".write(toFile: folder + "/HelloWorld.html", atomically: true, encoding: .utf8)
        let (server, port) = try textbook(mode, folder)
        let graded = try netlab("check", "http", "127.0.0.1", String(port), "--timeout", "1")
        #expect(graded.out.hasPrefix("netlab check http 127.0.0.1:\(port): \(lab)\n"), "\(graded.out)")
        let all = try netlab("check", "--rubric", "strict", "http", "127.0.0.1", String(port), "--timeout", "1")
        #expect(all.out.contains(strict), "\(all.out)")
        withExtendedLifetime(server) {}
    }

    /// Broken servers lose what they deserve under the lab rubric: the point of the check they
    /// get wrong, and no more.
    @Test func brokenServersLoseTheirOwnPoints() throws {
        let (forgets, forgetsPort) = try textbook("tcp-no-upper")
        let noUpper = try netlab("check", "tcp", "127.0.0.1", String(forgetsPort), "--timeout", "1")
        #expect(noUpper.out.hasPrefix("netlab check tcp 127.0.0.1:\(forgetsPort): 0 of 2 checks passed (lab rubric: 0 of 3 points)\n"))
        #expect(noUpper.out.contains("problem:  byte 0 is 0x68, expected 0x48"), "\(noUpper.out)")
        #expect(noUpper.status == 2)
        let (once, oncePort) = try server("tcp-once")
        let single = try netlab("check", "tcp", "127.0.0.1", String(oncePort), "--timeout", "1")
        #expect(single.out.hasPrefix("netlab check tcp 127.0.0.1:\(oncePort): 1 of 2 checks passed (lab rubric: 2 of 3 points)\n"))
        #expect(
            single.out.contains(
                "FAIL  a second client, after the first, gets its reply too\n      problem:  the server stopped accepting connections "
                    + "after the client before (connect() failed: Connection refused (ECONNREFUSED, errno 111)): accept() belongs in a loop"),
            "\(single.out)")
        withExtendedLifetime(forgets) {}
        withExtendedLifetime(once) {}
    }

    /// --only and --skip pick checks by key; an unknown key is a usage error naming them all.
    @Test func checksArePickedByKey() throws {
        let (server, port) = try labServer("TCPServer.py")
        let only = try netlab("check", "tcp", "127.0.0.1", String(port), "--timeout", "1", "--only", "bytes,empty")
        #expect(only.out.hasPrefix("netlab check tcp 127.0.0.1:\(port): 2 of 2 checks passed (lab rubric: 2 of 2 points)\n"))
        #expect(only.out.contains("PASS  every other byte value (all 256) is left alone"))
        let skip = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1", "--skip", "long,pieces,concurrent")
        #expect(skip.status == 0 && skip.out.contains("3 of 3 checks passed (strict rubric: 3 of 3 points)"), "\(skip.out)")
        let bad = try netlab("check", "tcp", "127.0.0.1", String(port), "--only", "uppercase,speed")
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("netlab: no check speed; the keys are tcp: uppercase,again,bytes,empty,concurrent,long,pieces; "))
        withExtendedLifetime(server) {}
    }

    /// docs/check.md's rubric example, run as written against the lab's TCPServer.py: the card
    /// it shows, and the mistake it shows, are what netlab prints.
    @Test func theDocumentedRubricFileSaysWhatTheDocsSay() throws {
        let docs = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/check.md").standardized,
            encoding: .utf8)
        let after = try #require(docs.components(separatedBy: "<!-- rubric-example -->\n```toml\n").dropFirst().first)
        let example = try #require(after.components(separatedBy: "```").first)
        let shown = try #require(after.components(separatedBy: "$ netlab check --rubric week3.toml tcp 127.0.0.1 12000\n").dropFirst().first)
        let card = String(shown.prefix { $0 != "\n" })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-rubric-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("week3.toml").path
        try example.write(toFile: file, atomically: true, encoding: .utf8)
        let (server, port) = try labServer("TCPServer.py")
        let result = try netlab("check", "--rubric", file, "tcp", "127.0.0.1", String(port))
        #expect(result.out.hasPrefix(card.replacingOccurrences(of: "12000", with: String(port)) + "\n"), "\(result.out)")
        // The mistake docs/check.md shows: `again` misspelt on the line it sits on.
        try example.replacingOccurrences(of: "again = 1", with: "agian = 1").write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try netlab("check", "--rubric", file, "tcp", "127.0.0.1", String(port))
        let said = try #require(docs.components(separatedBy: "\nnetlab: week3.toml:").dropFirst().first?.prefix { $0 != "\n" })
        #expect(bad.status == 64 && bad.stderr == "netlab: \(file):\(said)\n", "\(bad.stderr)")
        withExtendedLifetime(server) {}
    }

    /// `again` picked first against a one-client server: it serves a first client itself (alone
    /// it was that first client, and passed), fails on its own, and the stop's count includes it.
    @Test func aStopCountsTheChecksThatRanWhateverTheyAre() throws {
        let (server, port) = try server("tcp-once")
        let result = try netlab("check", "tcp", "127.0.0.1", String(port), "--timeout", "1", "--only", "again,bytes")
        #expect(result.status == 2, "\(result.out)")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "netlab check tcp 127.0.0.1:\(port): 0 of 2 checks passed (lab rubric: 0 of 2 points)")
        #expect(
            lines.dropFirst().first
                == "the server stopped accepting connections after check 1 (it crashed, or it serves one client): connect() failed: "
                + "Connection refused (ECONNREFUSED, errno 111); the check after it was not run", "\(result.out)")
        #expect(result.out.contains("FAIL  a second client, after the first, gets its reply too"), "\(result.out)")
        #expect(result.out.contains("accept() belongs in a loop"))
        #expect(result.out.components(separatedBy: "\nNOT RUN  ").count == 2, "\(result.out)")
        withExtendedLifetime(server) {}
    }

    /// A teacher's rubric file: its checks with their points, its name on the card, its
    /// visibility in Gradescope's file; a mistake in it is one line naming file and line (64).
    @Test func aRubricFileOfTheTeachersOwn() throws {
        let (server, port) = try labServer("TCPServer.py")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-rubric-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("week3.toml").path
        try "timeout = 1\n[tcp]\nuppercase = 3\nbytes = { points = 2, visibility = \"after_published\" }\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let results = folder.appendingPathComponent("results.json").path
        let graded = try netlab("check", "--rubric", file, "tcp", "127.0.0.1", String(port), "--gradescope", results)
        #expect(graded.status == 0, "\(graded.out)\(graded.stderr)")
        #expect(graded.out.hasPrefix("netlab check tcp 127.0.0.1:\(port): 2 of 2 checks passed (week3 rubric: 5 of 5 points)\n"))
        let json = try String(contentsOfFile: results, encoding: .utf8)
        #expect(json.contains("\"max_score\":2,\"status\":\"passed\""), "\(json)")
        #expect(json.contains("\"visibility\":\"after_published\""), "\(json)")
        try "[tcp]\nuppercase = 3\nagian = 1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try netlab("check", "--rubric", file, "tcp", "127.0.0.1", String(port))
        #expect(bad.status == 64)
        #expect(
            bad.stderr
                == "netlab: \(file):3: unknown tcp check \"agian\" (did you mean again?); the tcp checks are "
                + "uppercase, again, bytes, empty, concurrent, long, pieces\n")
        let missing = try netlab("check", "--rubric", folder.appendingPathComponent("none.toml").path, "tcp", "127.0.0.1", String(port))
        #expect(missing.status == 64 && missing.stderr.contains("none.toml:1: cannot read the rubric (No such file or directory)"))
        withExtendedLifetime(server) {}
    }

    /// A connect() that times out after the server answered is a full backlog (a server busy
    /// with another client), not a server that went away: that check fails on its own, the
    /// next ones still run (under load the lab's serial TCPServer.py was once called "stopped").
    @Test func aFullBacklogIsNotAStoppedServer() throws {
        let (server, port) = try server("tcp-once-then-full")
        let result = try netlab("check", "--rubric", "strict", "tcp", "127.0.0.1", String(port), "--timeout", "1", "--only", "uppercase,again,bytes")
        #expect(!result.out.contains("stopped accepting connections"), "\(result.out)")
        #expect(!result.out.contains("NOT RUN"))
        // Each later check fails on its own: its connect() times out, or (when it got into the
        // backlog before the server's fillers did) nothing answers it.
        let timedOut = result.out.components(separatedBy: "problem:  connect() failed: Connection timed out (ETIMEDOUT").count - 1
        let unanswered = result.out.components(separatedBy: "problem:  no reply within 1 s").count - 1
        #expect(timedOut >= 1 && timedOut + unanswered == 2, "\(result.out)")
        withExtendedLifetime(server) {}
    }
}

/// `netlab check --start CMD`: netlab starts the student's server, starts it again before a
/// check when it ended, tells a crash as one, and leaves nothing running.
@Suite(.serialized) struct StartedServerTests {
    func start(_ mode: String, port: UInt16) -> String {
        "\(python3) \(fixture("HostileServer.py")) \(mode) \(port)"
    }

    /// Nothing of the started server is left listening once netlab is done.
    func expectStopped(_ port: UInt16) throws {
        let free = try netlab("tcp-client", "--host", "127.0.0.1", "--port", String(port), "hi")
        #expect(free.status == 69, "nothing listens any more: \(free.stderr)")
    }

    /// A server without its loop, graded check by check: it is started again after each, each
    /// check runs against it, and `again` (which needs two clients) fails in its own words.
    @Test func aOneClientServerIsGradedCheckByCheck() throws {
        let port = try freePort()
        let result = try netlab(
            "check", "--rubric", "strict", "--only", "uppercase,again,bytes", "tcp", "127.0.0.1", String(port), "--timeout", "1",
            "--start", start("tcp-once", port: port))
        #expect(result.out.hasPrefix("netlab check tcp 127.0.0.1:\(port): 2 of 3 checks passed (strict rubric: 2 of 3 points)\n"), "\(result.out)")
        #expect(!result.out.contains("NOT RUN"), "\(result.out)")
        #expect(result.out.contains("      server:   the server exited with status 0 during this check; netlab started it again for the next"))
        #expect(result.out.contains("FAIL  a second client, after the first, gets its reply too"))
        #expect(result.out.contains("accept() belongs in a loop"))
        #expect(result.status == 1)
        try expectStopped(port)
    }

    /// A crash on the empty message is told with its check and what the server printed, and
    /// the server is started again for the checks after it.
    @Test func aCrashIsToldWithItsCheck() throws {
        let port = try freePort()
        let result = try netlab(
            "check", "--rubric", "strict", "--only", "uppercase,bytes,empty,long", "tcp", "127.0.0.1", String(port), "--timeout", "1",
            "--start", start("tcp-crash-empty", port: port))
        let checks = result.out.trimmingCharacters(in: .newlines).components(separatedBy: "\n\n")
        #expect(checks.count == 5, "\(result.out)")
        guard checks.count == 5 else { return }
        #expect(checks[1].hasPrefix("PASS") && checks[2].hasPrefix("PASS"), "\(result.out)")
        #expect(!checks[1].contains("server:") && !checks[2].contains("server:"), "it kept running\n\(result.out)")
        #expect(
            checks[3].hasPrefix("FAIL  an empty message")
                && checks[3].contains(
                    "      server:   the server exited with status 1 during this check: it printed \"IndexError: index out of range\"; "
                        + "netlab started it again for the next"),
            "\(result.out)")
        // The 64 KiB message ran against the server started again: recv(1024) cuts it short.
        #expect(checks[4].hasPrefix("FAIL  a 64 KiB message comes back whole") && !checks[4].contains("NOT RUN"), "\(result.out)")
        try expectStopped(port)
    }

    /// A server that binds without SO_REUSEADDR cannot bind again while a connection it closed
    /// first waits in TIME_WAIT: said once, with the fix. In a network namespace of its own
    /// (unshare -n, as root): its TIME_WAIT table is the test's own (with over 100,000 entries
    /// in a busy one the kernel made no more, and the restart then worked). Not netlab's
    /// private network: that is one per user, and the two-host tests use it meanwhile.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root for unshare -n"))
    func timeWaitIsNamedWithTheFix() throws {
        let port: UInt16 = 12000
        let check = [
            netlabBinary.path, "check", "--rubric", "strict", "--only", "uppercase,empty,pieces", "tcp", "127.0.0.1", String(port),
            "--timeout", "1", "--start", "'\(start("tcp-crash-empty-noreuse", port: port))'",
        ].joined(separator: " ")
        let command = ["/usr/bin/unshare", "-n", "sh", "-c", "ip link set lo up; " + check]
        let result = try run(command[0], Array(command.dropFirst()))
        #expect(
            result.out.contains(
                "after check 2, the server had ended and could not bind TCP port 12000 again: 1 connection it closed first waits in "
                    + "TIME_WAIT (up to 60 s); setsockopt(SO_REUSEADDR) before bind() lets a restarted server bind at once: it printed "
                    + "\"OSError: [Errno 98] Address already in use\"; the check after it was not run"), "\(result.out)\(result.stderr)")
        #expect(result.out.components(separatedBy: "\nNOT RUN  ").count == 2, "\(result.out)")
    }

    /// A command that never listens is one line and exit 1; a port someone holds already is
    /// named before anything is started.
    @Test func aServerThatDoesNotStartIsOneLine() throws {
        let port = try freePort()
        let failed = try netlab("check", "tcp", "127.0.0.1", String(port), "--start", "echo cannot start; exit 3")
        #expect(failed.status == 1)
        #expect(
            failed.stderr
                == "netlab: --start \"echo cannot start; exit 3\": it exited with status 3 before it listened on TCP port \(port): "
                + "it printed \"cannot start\"\n")
        let holder = try Background(python3, [fixture("TCPServer.py"), "0"])
        let taken = try holder.port()
        let busy = try netlab("check", "tcp", "127.0.0.1", String(taken), "--start", "true")
        #expect(busy.status == 1 && busy.stderr.contains("TCP port \(taken) is taken already, by python3 TCPServer.py 0 (pid "), "\(busy.stderr)")
        withExtendedLifetime(holder) {}
    }
}

/// `netlab check tcp-client|udp-client -- COMMAND`: a student's client, traced against netlab's
/// own server and once with none; each check with what was seen.
@Suite(.serialized) struct ClientCheckTests {
    /// The lab's own clients get full marks under both rubrics but one: with no server the
    /// lab's UDPClient.py waits for ever (the lab's second question), which only strict counts.
    @Test(arguments: [
        ("TCPClient.py", "tcp", "5 of 5 checks passed (strict rubric: 5 of 5 points)"),
        ("UDPClient.py", "udp", "3 of 4 checks passed (strict rubric: 3 of 4 points)"),
    ])
    func theLabsClients(file: String, kind: String, strict: String) throws {
        let port = try freePort()
        let lab = try netlab("check", "\(kind)-client", "--server-port", String(port), "--", python3, fixture(file), "127.0.0.1", String(port))
        #expect(lab.status == 0, "\(lab.out)\(lab.stderr)")
        #expect(lab.out.contains(": 2 of 2 checks passed (lab rubric: 3 of 3 points)\n"), "\(lab.out)")
        let all = try netlab(
            "check", "--rubric", "strict", "\(kind)-client", "--server-port", String(port), "--timeout", "1", "--", python3, fixture(file),
            "127.0.0.1", String(port))
        #expect(all.out.contains(": \(strict)\n"), "\(all.out)")
        if kind == "tcp" {
            #expect(
                all.out.contains(
                    "      seen:     connect() to 127.0.0.1:\(port) failed with ECONNREFUSED; it exited with status 1: it printed "
                        + "\"ConnectionRefusedError: [Errno 111] Connection refused\""), "\(all.out)")
        } else {
            #expect(
                all.out.contains(
                    "      problem:  sendto() to 127.0.0.1:\(port) returned 32; it was still running after 3 s, and netlab stopped it; "
                        + "settimeout() before recvfrom() lets a client give up"), "\(all.out)")
        }
    }

    /// A client that never prints the reply, and one aimed at another port: each loses its
    /// own points, and says what it did.
    @Test func brokenClientsSayWhatTheyDid() throws {
        let port = try freePort()
        let quiet = try netlab(
            "check", "tcp-client", "--server-port", String(port), "--", python3, "-c",
            "from socket import *; s = socket(); s.connect(('127.0.0.1', \(port))); s.send(input().encode()); s.recv(1024); s.close()")
        #expect(quiet.status == 1)
        #expect(quiet.out.contains(": 1 of 2 checks passed (lab rubric: 1 of 3 points)\n"), "\(quiet.out)")
        #expect(quiet.out.contains("      problem:  its output has no \"HELLO, WELCOME TO THE SOCKET LAB\"; it printed nothing"), "\(quiet.out)")
        let other = try freePort()
        let astray = try netlab(
            "check", "--rubric", "strict", "--only", "connects,sends", "tcp-client", "--server-port", String(port), "--", python3,
            fixture("TCPClient.py"), "127.0.0.1", String(other))
        #expect(astray.out.contains("      problem:  its connect() to 127.0.0.1:\(other) failed with ECONNREFUSED"), "\(astray.out)")
        #expect(
            astray.out.contains(
                "      problem:  netlab's server received nothing from it (its socket calls: socket, connect 127.0.0.1:\(other) -> ECONNREFUSED, "),
            "\(astray.out)")
    }

    @Test func aClientNeedsItsCommand() throws {
        let bare = try netlab("check", "tcp-client")
        #expect(bare.status == 64)
        #expect(bare.stderr.hasPrefix("netlab: give the client's command after --, e.g. netlab check tcp-client -- python3 TCPClient.py"))
        let mixed = try netlab("check", "tcp", "127.0.0.1", "12000", "--", "python3", "x.py")
        #expect(mixed.status == 64 && mixed.stderr.hasPrefix("netlab: a command after -- is a client's: check it with tcp-client or udp-client"))
        let missing = try netlab("check", "tcp-client", "--", "no-such-program-here")
        #expect(missing.out.contains("no server to check: no program no-such-program-here was found"), "\(missing.out)")
    }
}
