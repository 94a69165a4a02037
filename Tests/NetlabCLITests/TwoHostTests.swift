import Foundation
import Glibc
import NetLabPrivate
import Testing

/// `netlab --private --hosts 2` as `nobody`: host b (10.13.0.2) joined to netlab's host a
/// (10.13.0.1) by a link the console captures, ARP included; the faults that live on host b
/// or the link. (Checked by hand with a bulk transfer: 25,000 bytes took 1.62 s at
/// `:fault rate 100kbit` and 0.00 s after `:fault off`.)
extension PrivateNetworkSuites {
    @Suite(
        .serialized,
        .enabled(
            if: geteuid() == 0 && PrivateNetwork.forbidden() == nil && PrivateNetwork.canBeMade() && Firewall.program() != nil,
            "needs root (to become nobody), user namespaces for unprivileged users and nftables' nft"))
    struct TwoHostTests {
        static let nobody = PrivateNetworkTests.nobody

        func console(_ extra: [String] = [], height: Int = 50) throws -> TmuxSession {
            let session = try TmuxSession(
                command: Self.nobody([sharedBinary, "--private", "--hosts", "2", "--servers", "none"] + extra), width: 120, height: height)
            try session.waitFor("TWO HOSTS: netlab (its servers, client and capture) is host a, 10.13.0.1; host b is 10.13.0.2")
            try session.waitFor("WIRE on") { $0.contains("WIRE  on") }
            return session
        }

        /// The lab's TCPServer.py on host b, the console's client on host a: the exchange crosses
        /// the link, and the ARP that found host b's address is on the timeline before the SYN.
        @Test func theLabsServerOnHostBAnswersAcrossTheLink() throws {
            let session = try console(height: 70)  // every row of the exchange on the timeline
            let server = try TmuxSession(
                command: Self.nobody([sharedBinary, "shell", "--host", "b", "--", python3, "-u", PrivateNetworkTests.server, "12000", "0.0.0.0"]),
                width: 80, height: 24)
            try server.waitFor("The server is ready to receive")
            try session.typeLine(":target 10.13.0.2 12000")
            try session.typeLine("hello")
            let screen = try session.waitFor("the reply across the link") {
                $0.contains("TCP <- HELLO") && $0.contains("wire PSH/ACK 5 B 10.13.0.2:12000 > 10.13.0.1:")
            }
            let rows = screen.split(separator: "\n").map(String.init)
            let ask = rows.firstIndex { $0.contains("wire ARP who has 10.13.0.2? tell 10.13.0.1") }
            let answer = rows.firstIndex { $0.contains("wire ARP 10.13.0.2 is at ") }
            let syn = rows.firstIndex { $0.contains("wire SYN 10.13.0.1:") && $0.contains(" > 10.13.0.2:12000 seq 0") }
            #expect(ask != nil && answer != nil && syn != nil && ask! < answer! && answer! < syn!, "\(screen)")
        }

        /// `:host b`: netlab's own client sends from host b to netlab's servers on host a, so the
        /// lab's two machines are one console: the server log names the client by host b's address.
        @Test func netlabsClientOnHostBReachesItsServersOnHostA() throws {
            let session = try TmuxSession(
                command: Self.nobody([sharedBinary, "--private", "--hosts", "2", "--servers", "tcp,udp"]), width: 120, height: 50)
            try session.waitFor("TWO HOSTS: netlab")
            try session.typeLine(":host b")
            try session.waitFor(
                "netlab's client now sends from host b (10.13.0.2); its target moves to 10.13.0.1:12000, netlab's servers on host a")
            try session.waitFor("client@b on the status bar") {
                $0.split(separator: "\n").first?.contains("client@b: TCP -> 10.13.0.1:12000") == true
            }
            try session.typeLine("hello")
            try session.waitFor("TCP <- HELLO")
            try session.waitFor("TCP accepted a connection from 10.13.0.2:")
            try session.typeLine(":proto udp")
            try session.typeLine("hi")
            try session.waitFor("UDP <- HI")
            try session.waitFor("wire UDP 2 B 10.13.0.2:")
        }

        /// Host b reaches netlab's servers on host a, and host b's own view is its own address.
        @Test func hostBReachesNetlabsServers() throws {
            let port: UInt16 = 12000
            let command = Self.nobody([sharedBinary, "--private", "--hosts", "2", "tcp-server", "--port", "\(port)"])
            let server = try Background(command[0], Array(command.dropFirst()))
            defer {
                kill(server.process.processIdentifier, SIGTERM)
                server.process.waitUntilExit()
            }
            _ = try server.line(containing: "Listening on", orContaining: "Listening on")
            let client = Self.nobody([sharedBinary, "shell", "--host", "b", "--", sharedBinary, "tcp-client", "--host", "10.13.0.1", "hello"])
            let reply = try run(client[0], Array(client.dropFirst()))
            #expect(reply.status == 0 && reply.out == "HELLO\n", "\(reply.stderr)")
            let address = Self.nobody([sharedBinary, "shell", "--host", "b", "--", "/bin/cat", "/proc/net/fib_trie"])
            let trie = try run(address[0], Array(address.dropFirst()))
            #expect(trie.out.contains("10.13.0.2") && !trie.out.contains("10.13.0.1\n"), "host b has its own address only:\n\(trie.out)")
        }

        /// `:fault down`: host b answers nothing, not even ARP; the SYN never leaves host a.
        @Test func aHostThatIsDownAnswersNoARP() throws {
            let session = try console()
            try session.typeLine(":target 10.13.0.2 12000")
            try session.typeLine(":fault down")
            try session.waitFor("fault on: down: host b (10.13.0.2) sends and answers nothing, not even ARP: to host a it is gone")
            try session.typeLine("hello")
            try session.waitFor(
                "and no answer came, so the SYN never left: no host on the link has that address now (it is down or gone), "
                    + "so connect() failed with EHOSTUNREACH", within: 15)
            try session.waitFor("wire ARP who has 10.13.0.2? tell 10.13.0.1")
            // The kernel's own ICMP host unreachable (to itself) is on the timeline; selected, it is explained.
            try session.waitFor("wire ICMP host unreachable (for TCP 10.13.0.2:12000) 10.13.0.1 > 10.13.0.1")
            try session.send("Tab")
            try session.send("Up")
            try session.waitFor(
                "10.13.0.1's own kernel could not deliver the packet to 10.13.0.2 (on a link: nobody answered ARP for it) and says so "
                    + "to itself: the socket that sent it gets EHOSTUNREACH")
        }

        /// `:fault rate`: a token bucket on each end of the link, as tc shows it; off takes it away.
        @Test func aSlowLinkIsATokenBucketOnEachEnd() throws {
            let session = try console(["--fault", "rate 100kbit"])
            try session.waitFor("fault on: rate 100kbit: the link between host a and host b carries at most 100kbit/s each way")
            for host in ["a", "b"] {
                let link = host == "a" ? "nl-a" : "nl-b"
                let show = Self.nobody([sharedBinary, "shell", "--host", host, "--", "/usr/sbin/tc", "qdisc", "show", "dev", link])
                let result = try run(show[0], Array(show.dropFirst()))
                #expect(result.out.contains("tbf") && result.out.contains("rate 100Kbit"), "host \(host): \(result.out) \(result.stderr)")
            }
            try session.typeLine(":fault off")
            try session.waitFor("faults off: the private network passes everything again, at full speed")
            let show = Self.nobody([sharedBinary, "shell", "--", "/usr/sbin/tc", "qdisc", "show", "dev", "nl-a"])
            #expect(try !run(show[0], Array(show.dropFirst())).out.contains("tbf"))
        }

        /// Faults on host b or the link need host b; the second host needs the private network.
        @Test func whatNeedsASecondHostSaysSo() throws {
            let one = try TmuxSession(command: Self.nobody([sharedBinary, "--private", "--servers", "none"]), width: 120, height: 40)
            try one.waitFor("PRIVATE NET") { $0.contains("PRIVATE NET") }
            try one.typeLine(":fault down")
            try one.waitFor(":fault down needs a second host, on its far side: start netlab --private --hosts 2")
            let option = try run(netlabBinary.path, ["--private", "--fault", "rate 1mbit", "tcp-client", "hi"])
            #expect(option.status == 64 && option.stderr == "netlab: --fault \"rate 1mbit\" needs a second host, on its far side: add --hosts 2\n")
            let hosts = try run(netlabBinary.path, ["--hosts", "2", "tcp-client", "hi"])
            #expect(hosts.status == 64)
            #expect(hosts.stderr == "netlab: --hosts 2 needs --private: the second host exists only in netlab's private network\n")
            let three = try run(netlabBinary.path, ["--private", "--hosts", "3", "tcp-client", "hi"])
            #expect(three.status == 64 && three.stderr == "netlab: --hosts 3: 1 or 2 (two hosts: netlab's and host b, joined by a link)\n")
        }

        /// netlab's client on host b, a firewall that rejects on host a: the ICMP error is cited,
        /// not the first ARP request (whose answer was still on its way when connect() failed).
        @Test func aRejectAcrossTheLinkIsCitedByItsICMPError() throws {
            let session = try console()
            try session.typeLine(":host b")
            try session.typeLine(":fault reject tcp 12000")
            try session.waitFor("fault on: reject tcp 12000")
            try session.typeLine("hello")
            try session.waitFor("ICMP administratively prohibited (for TCP 10.13.0.1:12000) came back for the SYN")
            try session.waitFor("a firewall rejected it, so connect() failed with EHOSTUNREACH")
            #expect(!session.screen.contains("no answer came"), "\(session.screen)")
        }
    }
}
