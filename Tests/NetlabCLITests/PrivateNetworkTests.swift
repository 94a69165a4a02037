import Foundation
import Glibc
import NetLabPrivate
import Testing

/// `netlab --private` and `netlab shell`, as the unprivileged user `nobody`: a network of
/// netlab's own in which capturing needs no root. (The tests switch to nobody, so they run
/// as root, as CI does; the kernel must allow unprivileged user namespaces, which is said.)
extension PrivateNetworkSuites {
    @Suite(
        .serialized,
        .enabled(
            if: geteuid() == 0 && PrivateNetwork.forbidden() == nil && PrivateNetwork.canBeMade(),
            "needs root (to become nobody) and user namespaces for unprivileged users"))
    struct PrivateNetworkTests {
        /// `nobody`, as a student's account is: no capabilities, its own groups cleared.
        static func nobody(_ arguments: [String]) -> [String] {
            ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/env", "HOME=/tmp", "XDG_RUNTIME_DIR="]
                + arguments
        }

        static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/TCPClient.py").path

        @Test func theArgumentIsNetlabsOwnOnly() {
            #expect(PrivateNetwork.strip(["netlab", "--private", "run", "--", "x", "--private"]) == ["netlab", "run", "--", "x", "--private"])
            #expect(PrivateNetwork.strip(["netlab", "run", "--", "x", "--private"]) == nil, "after --, the program's")
            #expect(PrivateNetwork.strip(["netlab", "tcp-client", "--private", "hi"]) == ["netlab", "tcp-client", "hi"])
        }

        /// Question 1 as nobody: the lab's client traced, and beside its refused connect() the SYN
        /// and the RST, which nobody could not capture outside the private network.
        @Test func nobodySeesTheRefusalsPacketsInAPrivateNetwork() throws {
            let port = try freePort()
            let command = Self.nobody([sharedBinary, "--private", "run", "--", python3, Self.client, "127.0.0.1", "\(port)"])
            let result = try run(command[0], Array(command.dropFirst()))
            #expect(result.status == 1, "the program's own status (its traceback): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let call = lines.firstIndex { $0.contains("] connect(3, 127.0.0.1:\(port)) = -1 ECONNREFUSED") }
            let syn = lines.firstIndex { $0.hasSuffix(" > 127.0.0.1:\(port) SYN seq 0 win 65495") }
            let rst = lines.firstIndex { $0.contains(" 127.0.0.1:\(port) > 127.0.0.1:") && $0.hasSuffix(" RST/ACK seq 1 ack 1 win 0") }
            #expect(call != nil && syn != nil && rst != nil && call! < syn! && syn! < rst!, "\(result.stderr)")
            #expect(!result.stderr.contains("the calls alone"), "capturing was allowed: \(result.stderr)")
            if let rst {
                #expect(lines[rst + 1].contains("nothing listens on TCP 127.0.0.1:\(port): the kernel answered the SYN with RST"))
            }
        }

        /// A server in the private network is reached by programs `netlab shell` starts there,
        /// and by nothing outside it.
        @Test func theShellJoinsTheRunningPrivateNetwork() throws {
            let port = try freePort()
            let command = Self.nobody([sharedBinary, "--private", "tcp-server", "--port", "\(port)"])
            let server = try Background(command[0], Array(command.dropFirst()))
            defer {
                kill(server.process.processIdentifier, SIGTERM)
                server.process.waitUntilExit()
            }
            _ = try server.line(containing: "Listening on", orContaining: "Listening on")
            let inside = Self.nobody([sharedBinary, "shell", "--", sharedBinary, "tcp-client", "--port", "\(port)", "hello"])
            let reply = try run(inside[0], Array(inside.dropFirst()))
            #expect(reply.status == 0 && reply.out == "HELLO\n", "\(reply.stderr)")
            let outside = Self.nobody([sharedBinary, "tcp-client", "--port", "\(port)", "hello"])
            let refused = try run(outside[0], Array(outside.dropFirst()))
            #expect(refused.status == 69, "outside the private network nothing listens there: \(refused.stderr)")
            let who = Self.nobody([sharedBinary, "shell", "--", "/bin/sh", "-c", "id -u; cat /proc/self/uid_map"])
            let identity = try run(who[0], Array(who.dropFirst()))
            let words = identity.out.split(whereSeparator: \.isWhitespace)
            #expect(words == ["0", "0", "65534", "1"], "root in there, nobody outside: \(identity.out)")
        }

        @Test func aShellWithNoPrivateNetworkSaysSo() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-runtime-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var environment = ProcessInfo.processInfo.environment
            environment["XDG_RUNTIME_DIR"] = folder
            let result = try run(netlabBinary.path, ["shell"], environment: environment)
            #expect(result.status == 69)
            #expect(
                result.stderr
                    == "netlab: no private network is running for this user (\(folder)/netlab-private.pid names none that is alive): "
                    + "start one with netlab --private\n")
        }

        /// The console as nobody at 80x24: the status bar says where it runs, the capture is on,
        /// and question 1's SYN and RST are on the timeline.
        @Test func theConsoleInAPrivateNetworkAt80x24() throws {
            let session = try TmuxSession(command: Self.nobody([sharedBinary, "--private", "--servers", "none"]), width: 80, height: 24)
            let screen = try session.waitFor("PRIVATE NET and WIRE on") { $0.contains("PRIVATE NET") && $0.contains("WIRE  on") }
            #expect(screen.split(separator: "\n").first?.contains("PRIVATE NET") == true, "on the status bar:\n\(screen)")
            try session.typeLine("hello")
            // The frame and the failure reach the screen in either order: both are awaited.
            try session.waitFor("the RST and the refusal") {
                $0.contains("wire RST/ACK 127.0.0.1:12000 > 127.0.0.1:") && $0.contains("Connection refused (ECONNREFUSED)")
            }
            // Question 2 too: the datagram and the ICMP error that came back for it.
            try session.typeLine(":proto udp")
            try session.typeLine("hello")
            try session.waitFor("the ICMP error") { $0.contains("wire ICMP port unreachable (for UDP 127.0.0.1:12000)") }
        }

        // The console in a private network with the student's programs beside it: the lab's
        // TCPServer.py started by `netlab shell` answers the console's client and its packets are
        // on the timeline; `:shell` gives the terminal to a shell in the same network and comes back.

        static let server = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/TCPServer.py").path

        @Test func theLabsServerStartedByNetlabShellIsOnTheTimeline() throws {
            let session = try TmuxSession(
                command: Self.nobody([sharedBinary, "--private", "--servers", "none"]), width: 100, height: 36)
            try session.waitFor("PRIVATE NET") { $0.contains("PRIVATE NET") && $0.contains("WIRE  on") }
            // In a terminal of its own, as a student would start it (tmux ends it with the test).
            let shell = try TmuxSession(
                command: Self.nobody([sharedBinary, "shell", "--", python3, "-u", Self.server, "12000"]), width: 80, height: 24)
            try shell.waitFor("The server is ready to receive")
            try session.typeLine("hello")
            // The reply, and the segment that carried it from the student's server, on the wire.
            try session.waitFor("the reply and its segment") {
                $0.contains("TCP <- HELLO") && $0.contains("wire PSH/ACK 5 B 127.0.0.1:12000 > 127.0.0.1:")
            }
        }

        @Test func aShellFromTheConsoleRunsInItsNetworkAndComesBack() throws {
            let session = try TmuxSession(
                command: Self.nobody(["SHELL=/bin/sh", sharedBinary, "--private", "--servers", "tcp"]), width: 80, height: 24)
            try session.waitFor("TCP ON") { $0.contains("TCP  ON") || $0.contains("TCP:12000  ON") }
            try session.typeLine(":shell")
            try session.waitFor("exit it to come back to the console")
            // Typed only once the shell prompts: typed before, the terminal echoes the line ahead
            // of the prompt, and the reply then shares its line with the next one ("# HI": seen
            // in a CI dry run).
            try session.waitFor("the shell's prompt") { $0.split(separator: "\n").contains { ["#", "# ", "$", "$ "].contains($0) } }
            try session.typeLine("\(sharedBinary) tcp-client hi")
            try session.waitFor("HI") { $0.split(separator: "\n").contains("HI") }
            try session.typeLine("exit")
            // Back, and what the server did meanwhile (its events waited, then were shown).
            let back = try session.waitFor("back, with the shell's exchange in the server log") {
                $0.contains("back from /bin/sh (it exited with status 0)") && $0.contains("TCP 127.0.0.1:")
            }
            #expect(back.contains("PRIVATE NET"), "the console is drawn again:\n\(back)")
        }
    }
}
