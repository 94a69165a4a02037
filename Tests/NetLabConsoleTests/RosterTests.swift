import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

@Suite struct RosterTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func received(_ text: String, from host: String, engine: LabEvent.Engine = .udp, at seconds: Double) -> LabEvent {
        LabEvent(
            time: t0.addingTimeInterval(seconds), engine: engine, role: .server,
            kind: .received(bytes: Array(text.utf8), from: Endpoint(host: host, port: 40000), to: Endpoint(host: "127.0.0.1", port: 12000)))
    }

    /// Thirty clients from thirty loopback addresses: thirty rows, newest first, each with
    /// its last message and what the server did with it.
    @Test func thirtyClientsFillThirtyRows() {
        var state = ConsoleState(
            ports: [.tcp: 12000, .udp: 12000, .http: 8080], listenHost: nil,
            clientHost: "127.0.0.1", theme: "default", presenter: false)
        for n in 2...31 {
            let host = "127.0.0.\(n)"
            _ = state.update(.event(Self.received("hello from \(n)", from: host, at: Double(n))), now: Self.t0)
            _ = state.update(
                .event(
                    LabEvent(
                        time: Self.t0.addingTimeInterval(Double(n)), engine: .udp, role: .server,
                        kind: .sent(
                            bytes: Array("HELLO FROM \(n)".utf8), from: Endpoint(host: "127.0.0.1", port: 12000),
                            to: Endpoint(host: host, port: 40000)))), now: Self.t0)
        }
        #expect(state.serverLog.roster.count == 30)
        let first = state.serverLog.roster.recent[0]
        #expect(
            first.host == "127.0.0.31" && first.messages == 1 && first.lastMessage == "\"hello from 31\""
                && first.lastOutcome == "replied 13 bytes")
        _ = state.update(.key(.control("r")), now: Self.t0)
        let screen = render(state, width: 120, height: 40)
        #expect(screen.text.contains("Roster: 30 client addresses"))
        #expect(screen.text.contains("127.0.0.31"))
        #expect(screen.text.contains("\"hello from 31\""))
        _ = state.update(.key(.escape), now: Self.t0)
        #expect(state.overlay.panel == nil)
    }

    /// 100,000 distinct peers: the roster keeps at most its capacity (plus a quarter before a
    /// trim) and counts the rest as dropped.
    @Test func aHundredThousandPeersStayBounded() {
        var roster = Roster(capacity: 1000)
        for n in 0..<100_000 {
            roster.heard([0x61], from: "10.\(n >> 16).\((n >> 8) & 255).\(n & 255)", engine: .udp, at: Self.t0)
            #expect(roster.count <= 1250)
        }
        #expect(roster.count + roster.dropped == 100_000)
        #expect(roster.recent.first?.host == "10.1.134.159")  // the last of them
    }

    @Test func theReportCardOpensInAPanel() {
        var state = ConsoleState(
            ports: [.tcp: 12000, .udp: 12000, .http: 8080], listenHost: nil,
            clientHost: "127.0.0.1", theme: "default", presenter: false)
        state.input.editor.replace(with: ":check")
        #expect(state.update(.key(.enter), now: Self.t0) == [.check(.tcp, host: "127.0.0.1", port: 12000)])
        let report = CheckReport(
            target: "tcp 127.0.0.1:12000",
            results: [
                CheckResult(
                    name: "a 64 KiB message comes back whole", passed: false, sent: [0x61], received: [0x41],
                    expected: "all 65,536 bytes back, uppercased", problem: "only the first 1 of 65536 bytes came back", why: "TCP is a stream")
            ])
        _ = state.update(.checked(report), now: Self.t0)
        let screen = render(state, width: 100, height: 30)
        #expect(screen.text.contains("netlab check tcp 127.0.0.1:12000: 0 of 1 passed"))
        #expect(screen.text.contains("FAIL  a 64 KiB message comes back whole"))
    }
}
