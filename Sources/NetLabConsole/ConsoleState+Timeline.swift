import Foundation
import NetLabCore

/// The timeline's part that needs the rest of the state: a failed exchange's or traced
/// call's evidence (the client's mode, whether the wire is on, the transcript it is said in).
extension ConsoleState {
    /// The client's failed exchange as a row (its socket error, or the wait that ran out),
    /// and the wire's evidence for it when the capture has it (or will, in a moment): frames
    /// of this exchange's flow and of the kind the failure claims, or none.
    mutating func recordFailure(_ failure: ClientFailure, engine: LabEvent.Engine, local: Endpoint?, began: Date?, now: Date) {
        // The failure's own row came as an event (the client emits it as the exchange ends).
        let target: Endpoint
        let claim: AwaitedEvidence.Claim
        switch failure {
        case .socket(let error):
            guard let endpoint = error.endpoint, let value = error.errnoValue else { return }
            target = endpoint
            switch (engine, value) {
            case (.udp, ECONNREFUSED), (.udp, EHOSTUNREACH): claim = .portUnreachable(connected: true)
            case (.tcp, EHOSTUNREACH), (.http, EHOSTUNREACH):
                guard error.operation == .connect else { return }
                claim = .unreachableConnect
            case (.tcp, ECONNREFUSED), (.http, ECONNREFUSED):
                guard error.operation == .connect else { return }
                claim = .refusedConnect
            case (.tcp, ECONNRESET), (.tcp, EPIPE), (.http, ECONNRESET), (.http, EPIPE): claim = .reset(error.operation, errno: value)
            default: return
            }
        case .timedOut(.udp, let peer, _) where client.udpMode == .unconnected:
            target = peer
            claim = .portUnreachable(connected: false)
        case .connectTimedOut(_, let peer, _):
            target = peer
            claim = .unansweredConnect
        default:
            return
        }
        guard case .on = wire else { return }
        let awaited = AwaitedEvidence(
            engine: engine, target: target, claim: claim, local: local,
            since: (began ?? now).addingTimeInterval(-1))
        if let line = timeline.cite(awaited) {
            say(line, .info, nil)
            timeline.awaited = nil
            return
        }
        // No ICMP error by the end of the wait (2 s: on a network it comes back in
        // milliseconds) while the datagram is on the wire: a program got it and kept quiet.
        if let silence = Evidence.silence(awaited, rows: timeline.rows.items, numberOffset: timeline.rows.dropped) {
            say(silence, .info, nil)
            return
        }
        timeline.wait(for: awaited)
    }

    /// A traced program's failed call and the frames that show why, when the capture has them
    /// (now or in a moment): a refused connect() by the SYN and RST of its own flow, sent
    /// while the call waited. Other failures keep their explanation alone: a traced call's
    /// own address is not known, so no frame can be shown to be its connection's.
    mutating func awaitEvidence(for call: TracedCall, program: String) {
        guard case .on = wire, call.call == .connect, call.errno == ECONNREFUSED, call.socketKind == "TCP", let target = call.address
        else { return }
        let awaited = AwaitedEvidence(
            engine: .tcp, target: target, claim: .refusedConnect, local: nil, since: call.entry.addingTimeInterval(-0.001),
            until: (call.exit ?? call.entry).addingTimeInterval(0.001), caller: "\(program) [\(call.pid)]")
        if let line = timeline.cite(awaited) { say(line, .info, nil) } else { timeline.wait(for: awaited) }
    }

    /// A captured frame's row, and the evidence it completes.
    mutating func addWireRow(_ frame: CapturedFrame) {
        for line in timeline.add(frame) { say(line, .info, nil) }
    }
}

extension ConsoleState {
    /// The ports the ladder puts on the server side: netlab's servers' and the client's target
    /// (a student's server).
    var ladderServerPorts: Set<UInt16> { Set(servers.map(\.port) + [client.port]) }

    /// The ladder the timeline shows (and `:save` writes): every flow, or the one `:ladder` picked.
    var ladder: Ladder { ladder(window: nil) }

    /// The ladder of at most `window` rows (a screenful's worth: drawn every frame, it must
    /// not cost the whole timeline under a flood): the newest ones, or those around the
    /// selected row. A flow's ladder takes eight times as many, since most are other flows'.
    func ladder(window: Int?) -> Ladder {
        // The ladder view shows every row: the window is cut from them without copying all.
        let all = timeline.rows.items
        var rows: [TimelineRow]
        if var window, timeline.view == .ladder {
            if timeline.ladderFlow != nil { window *= 8 }
            if all.count > window, let id = timeline.selectedRowID, let index = all.firstIndex(where: { $0.id == id }) {
                let start = max(0, min(index - window / 2, all.count - window))
                rows = Array(all[start..<start + window])
            } else {
                rows = Array(all.suffix(window))
            }
        } else {
            rows = timeline.visibleRows
        }
        if let flow = timeline.ladderFlow { return Ladder(rows: rows, serverPorts: ladderServerPorts, flow: flow) }
        return Ladder(rows: rows, serverPorts: ladderServerPorts)
    }

    /// Rows a drawn ladder is made of, for a pane `height` rows tall: a row makes at most one
    /// line (a call, a packet) and nearly all make one, so two screens' worth fills the pane.
    static func ladderWindow(height: Int) -> Int { max(60, 2 * height + 20) }
}
