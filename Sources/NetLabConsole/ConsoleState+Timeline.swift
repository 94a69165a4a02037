import Foundation
import NetLabCore

/// The timeline: a row per socket call and per captured frame, in causal order, and the
/// wire's evidence for a failed exchange.
extension ConsoleState {
    /// A call row for an engine event that reports a socket call (others are the logs' business).
    mutating func addCallRow(_ event: LabEvent) {
        let who = "\(event.engine.rawValue) \(event.role.rawValue)"
        let call = event.call.map { "\($0.rawValue)()" }
        switch event.kind {
        case .sent(let bytes, let from, let to), .received(let bytes, let from, let to):
            let outgoing: Bool
            if case .sent = event.kind { outgoing = true } else { outgoing = false }
            let udp = event.engine == .udp
            let name = call ?? (outgoing ? (udp ? "sendto()" : "send()") : (udp ? "recvfrom()" : "recv()"))
            let kept = bytes.count > Self.rowBytesKept ? Array(bytes.prefix(Self.rowBytesKept)) : bytes
            addRow(
                TimelineRow(
                    id: 0, time: event.time, lane: .call, engine: event.engine, role: event.role,
                    text: "\(who) \(name) \(bytes.count) B \(from.onWire) > \(to.onWire)", outgoing: outgoing,
                    isError: false, bytes: kept, length: bytes.count, from: from, to: to))
        case .connecting(let peer, _):
            let named = call ?? "connect()"
            addRow(simpleRow(event, "\(who) \(named) to \(peer)", outgoing: true))
        case .connected(let local, let peer) where event.role == .client:
            addRow(simpleRow(event, "\(who) connected \(local.onWire) > \(peer)", outgoing: false))
        case .accepted(let peer):
            addRow(simpleRow(event, "\(who) accept() \(peer)", outgoing: false))
        case .closed(let peer, _):
            addRow(simpleRow(event, "\(who) close() \(peer)", outgoing: true))
        case .shutdown(let peer):
            addRow(simpleRow(event, "\(who) shutdown(SHUT_WR) \(peer)", outgoing: true))
        case .timedOut(let peer, let seconds):
            var row = simpleRow(event, "\(who) no reply from \(peer) within \(ClientFailure.format(seconds)) s", outgoing: false)
            row.isError = true
            addRow(row)
        case .traced(let call, let program):
            // A traced program's call: its own name as the row's speaker, the bytes it moved.
            let kept = call.data.count > Self.rowBytesKept ? Array(call.data.prefix(Self.rowBytesKept)) : call.data
            let sends: Set<TracedCall.Syscall> = [.connect, .sendto, .sendmsg, .sendmmsg, .write, .close, .shutdown, .bind, .listen]
            addRow(
                TimelineRow(
                    id: 0, time: event.time, lane: .call, engine: call.socketKind == "UDP" ? .udp : .tcp, role: .program,
                    text: "\(program) [\(call.pid)] \(TraceText.line(call))", outgoing: sends.contains(call.call),
                    isError: call.errno != nil, bytes: kept, length: call.data.count))
        case .failed(let error) where error.errnoValue != nil:
            var row = simpleRow(event, "\(who) \(error.operation)() \(Errno(error.errnoValue!).name)", outgoing: false)
            row.isError = true
            addRow(row)
        default:
            break
        }
    }

    func simpleRow(_ event: LabEvent, _ text: String, outgoing: Bool) -> TimelineRow {
        TimelineRow(
            id: 0, time: event.time, lane: .call, engine: event.engine, role: event.role, text: text,
            outgoing: outgoing, isError: false, bytes: [], length: 0)
    }

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
            case (.udp, ECONNREFUSED): claim = .portUnreachable(connected: true)
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
        if citeEvidence(for: awaited) { return }
        // No ICMP error by the end of the wait (2 s: on a network it comes back in
        // milliseconds) while the datagram is on the wire: a program got it and kept quiet.
        if let silence = Evidence.silence(awaited, rows: timeline.items, numberOffset: timeline.dropped) {
            say(silence, .info, nil)
            return
        }
        awaitedEvidence = awaited
    }

    /// Says which wire rows show why the exchange failed; false when none is there (yet).
    mutating func citeEvidence(for awaited: AwaitedEvidence) -> Bool {
        guard let line = Evidence.cite(awaited, rows: timeline.items, numberOffset: timeline.dropped) else { return false }
        say((awaited.caller.map { "\($0): " } ?? "") + line, .info, nil)
        if awaited.caller == nil { awaitedEvidence = nil }
        return true
    }

    /// How many traced calls' failures wait for their frames at once (the oldest give way).
    static let programEvidenceLimit = 8

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
        if citeEvidence(for: awaited) { return }
        awaitedProgramEvidence.append(awaited)
        if awaitedProgramEvidence.count > Self.programEvidenceLimit { awaitedProgramEvidence.removeFirst() }
    }

    mutating func addWireRow(_ frame: CapturedFrame) {
        wireFramesSeen += 1
        let taken = wireSession.take(frame)
        var row = TimelineRow(
            id: 0, time: frame.time, lane: .wire, engine: taken.decoded.udp != nil ? .udp : .tcp, role: .wire,
            text: "\(taken.label) \(Self.wireAddresses(taken.decoded))\(Self.tcpNumbers(taken))",
            outgoing: false, isError: taken.explanation != nil, bytes: frame.bytes, length: frame.length)
        row.relative = taken.sequence.map { TimelineRow.TCPNumbers(sequence: $0, acknowledgement: taken.acknowledgement) }
        row.explanation = taken.explanation
        row.frame = frame
        row.decoded = taken.decoded
        addRow(row)
        if let awaited = awaitedEvidence {
            if frame.time.timeIntervalSince(awaited.since) > 120 { awaitedEvidence = nil } else { _ = citeEvidence(for: awaited) }
        }
        // A traced call's frames come within 10 ms of its return: a second is plenty.
        let waiting = awaitedProgramEvidence
        awaitedProgramEvidence = []
        for awaited in waiting where frame.time.timeIntervalSince(awaited.until ?? awaited.since) <= 1 && !citeEvidence(for: awaited) {
            awaitedProgramEvidence.append(awaited)
        }
    }

    static func wireAddresses(_ decoded: DecodedFrame) -> String {
        if let (source, destination) = decoded.endpoints { return "\(source) > \(destination)" }
        if let ip = decoded.ip { return "\(ip.source) > \(ip.destination)" }
        return ""
    }

    static func tcpNumbers(_ row: WireSession.Row) -> String {
        guard let sequence = row.sequence, let tcp = row.decoded.tcp else { return "" }
        return " seq \(sequence)" + (row.acknowledgement.map { " ack \($0)" } ?? "") + " win \(row.window ?? Int(tcp.window))"
    }

    /// Adds a row in causal order: netlab's calls arrive in order; a frame (which the capture
    /// delivers a little later) and a traced program's call (reported when it returns, by
    /// another thread, so another engine's row may come first) go after every row stamped
    /// before them.
    mutating func addRow(_ row: TimelineRow) {
        var row = row
        row.id = nextRowID
        nextRowID += 1
        var position = timeline.count
        if row.lane == .wire || row.role == .program {
            while position > 0, timeline.items[position - 1].time > row.time { position -= 1 }
        }
        timeline.insert(row, at: position)
        if let selectedRowID, let first = timeline.items.first, selectedRowID < first.id {
            self.selectedRowID = nil  // the selected row was dropped
        }
    }
}
