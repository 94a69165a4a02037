import Foundation
import Glibc
import NetLabPrivate
import Testing

/// Faults on purpose (`:fault`) in the private network, as `nobody`: each one's packets on the
/// timeline, marked by the firewall's own log, and the sentence that explains the failure,
/// pinned next to the situation that produces it. (Checked by hand against dumpcap on the same
/// traffic: the SYNs dropped every second, the ICMP type 3 code 13 for a reject, the NFLOG
/// entries with the fault's name.)
extension PrivateNetworkSuites {
    @Suite(
        .serialized,
        .enabled(
            if: geteuid() == 0 && PrivateNetwork.forbidden() == nil && PrivateNetwork.canBeMade() && Firewall.program() != nil,
            "needs root (to become nobody), user namespaces for unprivileged users and nftables' nft"))
    struct PrivateFaultTests {
        func console(width: Int = 120, height: Int = 50) throws -> TmuxSession {
            let session = try TmuxSession(command: PrivateNetworkTests.nobody([sharedBinary, "--private"]), width: width, height: height)
            try session.waitFor("PRIVATE NET and WIRE on") { $0.contains("PRIVATE NET") && $0.contains("WIRE  on") }
            return session
        }

        /// A firewall that drops: the SYN goes out again and again, each marked, and connect() waits
        /// until the client's timeout; at 80x24 the marks and the explanation fit.
        @Test func aFirewallThatDropsIsSilenceAndRetransmissions() throws {
            let session = try console(width: 80, height: 24)
            try session.typeLine(":fault drop tcp 12000")
            try session.waitFor("fault on: drop tcp 12000: the firewall drops what comes to TCP port 12000 and answers nothing")
            let top = try session.waitFor("FAULT on the status bar") { $0.split(separator: "\n").first?.contains(" FAULT ") == true }
            #expect(top.contains("PRIVATE NET"))
            try session.typeLine("hello")
            // At 80x24 the client pane shows the failure's start; PgDn shows the rest, as a person reads it.
            try session.waitFor("No answer within 5 s: the connection request (SYN) got no SYN/ACK", within: 20)
            let sentence =
                "and :fault drop tcp 12000 dropped each one before it reached 127.0.0.1:12000; a firewall that drops answers nothing, "
                + "so connect() waited until the timeout"
            var shown: String?
            for _ in 0..<4 where shown == nil {
                try session.send("NPage")
                shown = try? session.waitFor(sentence, within: 1)
            }
            let screen = try #require(shown, "PgDn showed the sentence:\n\(session.screen)")
            // The newest SYN is marked, and the detail says which earlier one it sends again (at
            // 80x24 that explanation takes the rows the older SYNs had; the sentence above lists them).
            #expect(screen.contains("wire SYN dropped by :fault drop tcp 12000: 127.0.0.1:"), "\(screen)")
            #expect(screen.contains("a retransmission of #") && screen.contains("(the SYN, "), "\(screen)")
        }

        /// Lesson 7 at 80x24 as nobody in the private network: the dropped SYNs, then the
        /// rejecting firewall's ICMP error, each told from this run's frames.
        @Test func theFirewallLesson() throws {
            let session = try console(width: 80, height: 24)
            try session.typeLine(":lesson 7")
            try session.waitFor("Enter: the first step")
            try session.send("Enter")
            try session.waitFor("fault on: drop tcp 12000")
            try session.typeLine("nnu")
            try session.waitFor("The room:")
            try session.send("Enter")
            try session.waitFor("It was NO ANSWER: n (nothing: it waits). The room: 2 of 3 right.", within: 20)
            try session.waitFor("and :fault drop tcp 12000 dropped each one before it reached 127.0.0.1:12000")
            try session.send("Enter")
            try session.waitFor("fault on: reject tcp 12000")
            try session.typeLine("u")
            try session.waitFor("The room:")
            try session.send("Enter")
            try session.waitFor("It was UNREACHABLE: u (unreachable). The room: 1 of 1 right.")
            try session.waitFor("(for TCP 127.0.0.1:12000) came back for the SYN")
            try session.send("Enter")
            try session.waitFor("faults off")
            try session.send("Enter")
            try session.waitFor("It was HELLO.")
        }

        /// A firewall that rejects: ICMP administratively prohibited for the SYN (EHOSTUNREACH at
        /// once), for a connected socket's datagram (EHOSTUNREACH) and for an unconnected one's
        /// (not told: the timeout).
        @Test func aFirewallThatRejectsAnswersWithICMP() throws {
            let session = try console()
            try session.typeLine(":fault reject tcp 12000")
            try session.typeLine(":fault reject udp 12000")
            try session.waitFor("faults in force") { $0.split(separator: "\n").first?.contains("FAULTS 2") == true }
            try session.waitFor("fault on: reject udp 12000")
            try session.typeLine("hello")
            try session.waitFor("(for TCP 127.0.0.1:12000) came back for the SYN")
            try session.waitFor("a firewall rejected it, so connect() failed with EHOSTUNREACH")
            try session.waitFor("wire SYN rejected by :fault reject tcp 12000: 127.0.0.1:")
            try session.typeLine(":proto udp")
            try session.typeLine(":udp-mode connected")
            try session.typeLine("again")
            try session.waitFor("a firewall rejected it; the connected socket was told, so recv() failed with EHOSTUNREACH")
            try session.typeLine(":udp-mode unconnected")
            try session.typeLine("third")
            try session.waitFor("a firewall rejected it; an unconnected socket is not told, so recvfrom() waited until the timeout")
            try session.waitFor("wire ICMP administratively prohibited (for UDP 127.0.0.1:12000)")
        }

        /// Dropped datagrams: by a firewall (no ICMP error either) and by loss; `:fault off` ends
        /// them and the server answers again.
        @Test func droppedDatagramsAreMarkedAndExplained() throws {
            let session = try console()
            try session.typeLine(":fault drop udp 12000")
            try session.typeLine(":fault loss 100% udp 12001")
            try session.waitFor("fault on: loss 100% udp 12001: each UDP packet to or from port 12001 is lost with a chance of 100%")
            try session.typeLine(":proto udp")
            try session.typeLine("one")
            try session.waitFor(
                "dropped by :fault drop udp 12000 before it reached 127.0.0.1:12000: a firewall that drops sends no ICMP error, "
                    + "so recvfrom() waited until the timeout")
            try session.typeLine(":port 12001")
            try session.typeLine("two")
            try session.waitFor("dropped by :fault loss 100% udp 12001 before it reached 127.0.0.1:12001")
            try session.waitFor("wire UDP 3 B dropped by :fault loss 100% udp 12001: 127.0.0.1:")
            try session.typeLine(":fault off")
            try session.waitFor("faults off: the private network passes everything again, at full speed")
            try session.typeLine(":port 12000")
            try session.typeLine("three")
            try session.waitFor("UDP <- THREE")
        }
    }
}

/// `--fault` on the command line: only with --private, words checked before anything starts.
@Suite struct FaultOptionTests {
    @Test func aFaultNeedsThePrivateNetwork() throws {
        let result = try run(netlabBinary.path, ["--fault", "drop tcp 12000", "tcp-client", "hi"])
        #expect(result.status == 64)
        #expect(
            result.stderr
                == "netlab: --fault needs --private: faults are made only in netlab's private network "
                + "(here they would change this machine's firewall)\n")
    }

    @Test func badWordsAreAUsageError() throws {
        let result = try run(netlabBinary.path, ["--private", "--fault=loss 20", "tcp-client", "hi"])
        #expect(result.status == 64)
        #expect(result.stderr == "netlab: --fault \"loss 20\": loss needs a percentage from 1% to 100%: loss 20% [tcp|udp] [PORT]\n")
    }
}

extension PrivateNetworkSuites.PrivateFaultTests {
    /// The headless commands take the same faults: a rejected connect() fails at once.
    @Test func theHeadlessClientMeetsTheFault() throws {
        let command = PrivateNetworkSuites.PrivateNetworkTests.nobody([
            sharedBinary, "--private", "--fault", "reject tcp 12000", "tcp-client", "--port", "12000", "hi",
        ])
        let result = try run(command[0], Array(command.dropFirst()))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("netlab: connect() failed: No route to host (EHOSTUNREACH, errno 113)"), "\(result.stderr)")
    }

    /// The console started with --fault has them in force and says so.
    @Test func theConsoleStartsWithTheFaults() throws {
        let session = try TmuxSession(
            command: PrivateNetworkSuites.PrivateNetworkTests.nobody([sharedBinary, "--private", "--fault", "drop udp 12000"]), width: 120, height: 50
        )
        try session.waitFor("fault on: drop udp 12000: the firewall drops what comes to UDP port 12000 and answers nothing")
        try session.waitFor("FAULTS 1 on the status bar") { $0.split(separator: "\n").first?.contains("FAULTS 1") == true }
        try session.typeLine(":fault")
        try session.waitFor("faults: drop udp 12000 (:fault off ends them)")
    }
}
