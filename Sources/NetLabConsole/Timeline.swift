import Foundation
import NetLabCore

/// The timeline's room: a row per socket call and per captured frame in causal order, which
/// rows are shown and which one is selected, the shown row's detail, the wire session (TCP
/// numbers made relative, as Wireshark shows them) and the failures waiting for the frames
/// that show why. Its changes return the sentences to say; the transcript is not its own.
public struct Timeline: Equatable {
    public typealias Row = ConsoleState.TimelineRow

    public var rows = Ring<Row>(capacity: ConsoleState.timelineCapacity)
    var nextRowID = 1
    public var view = ConsoleState.TimelineView.both
    /// The row the user selected; nil: following the newest.
    public var selectedRowID: Int?
    /// The shown row's detail: scrolled this many lines (for the row `detailScrollRow`), and
    /// shown as text (status line, headers, body, escaped) instead of hex.
    public var detailScroll = 0
    public var detailScrollRow: Int?
    public var detailAsText = false
    /// Frames the kernel dropped because the capture could not keep up (said in the title).
    public var kernelDropped = 0
    public var session = WireSession()
    /// The client's failed exchange, waiting for the frames that show why.
    public var awaited: AwaitedEvidence?
    /// Traced programs' failed calls waiting for their frames (the newest few).
    public var awaitedPrograms: [AwaitedEvidence] = []
    /// Frames seen since the start (or `:clear`), whether the timeline still holds them.
    public var framesSeen = 0
    /// Firewall log entries (`:fault`) whose packet the capture has not delivered yet.
    var pendingDrops: [CapturedFrame] = []

    public init() {}

    /// The rows the current view shows.
    public var visibleRows: [Row] {
        switch view {
        case .both: Array(rows.items)
        case .calls: rows.items.filter { $0.lane == .call }
        case .wire: rows.items.filter { $0.lane == .wire }
        }
    }

    /// The row the bytes view shows: the selected one; else, following, the newest message
    /// or wire error (RST, ICMP) in view (what a student just sent, got back or ran into, not
    /// the ACK or FIN that followed), or the newest row when there is none.
    public var shownRow: Row? {
        if let selectedRowID, let row = rows.items.first(where: { $0.id == selectedRowID }) {
            return row
        }
        let visible = visibleRows
        return visible.last { ($0.lane == .call && !$0.bytes.isEmpty) || ($0.lane == .wire && $0.explanation != nil) } ?? visible.last
    }

    /// A row's number as shown: its place in the whole timeline since it began (or was cleared).
    public func number(of id: Int) -> Int? {
        rows.items.firstIndex { $0.id == id }.map { rows.dropped + $0 + 1 }
    }

    /// The detail's scroll for the row shown now (0 when another row is shown).
    public var shownDetailScroll: Int {
        guard let shown = shownRow, shown.id == detailScrollRow else { return 0 }
        return detailScroll
    }

    // MARK: Rows

    /// Adds a row in causal order: netlab's calls arrive in order; a frame (which the capture
    /// delivers a little later) and a traced program's call (reported when it returns, by
    /// another thread, so another engine's row may come first) go after every row stamped
    /// before them.
    mutating func add(_ row: Row) {
        var row = row
        row.id = nextRowID
        nextRowID += 1
        var position = rows.count
        if row.lane == .wire || row.role == .program {
            while position > 0, rows.items[position - 1].time > row.time { position -= 1 }
        }
        rows.insert(row, at: position)
        if let selectedRowID, let first = rows.items.first, selectedRowID < first.id {
            self.selectedRowID = nil  // the selected row was dropped
        }
    }

    /// A call row for an engine event that reports a socket call (others are the logs' business).
    mutating func add(callOf event: LabEvent) {
        let who = "\(event.engine.rawValue) \(event.role.rawValue)"
        let call = event.call.map { "\($0.rawValue)()" }
        switch event.kind {
        case .sent(let bytes, let from, let to), .received(let bytes, let from, let to):
            let outgoing: Bool
            if case .sent = event.kind { outgoing = true } else { outgoing = false }
            let udp = event.engine == .udp
            let name = call ?? (outgoing ? (udp ? "sendto()" : "send()") : (udp ? "recvfrom()" : "recv()"))
            let kept = bytes.count > ConsoleState.rowBytesKept ? Array(bytes.prefix(ConsoleState.rowBytesKept)) : bytes
            add(
                Row(
                    id: 0, time: event.time, lane: .call, engine: event.engine, role: event.role,
                    text: "\(who) \(name) \(bytes.count) B \(from.onWire) > \(to.onWire)", outgoing: outgoing,
                    isError: false, bytes: kept, length: bytes.count, from: from, to: to))
        case .connecting(let peer, _):
            let named = call ?? "connect()"
            add(Self.simpleRow(event, "\(who) \(named) to \(peer)", outgoing: true))
        case .connected(let local, let peer) where event.role == .client:
            add(Self.simpleRow(event, "\(who) connected \(local.onWire) > \(peer)", outgoing: false))
        case .accepted(let peer):
            add(Self.simpleRow(event, "\(who) accept() \(peer)", outgoing: false))
        case .closed(let peer, _):
            add(Self.simpleRow(event, "\(who) close() \(peer)", outgoing: true))
        case .shutdown(let peer):
            add(Self.simpleRow(event, "\(who) shutdown(SHUT_WR) \(peer)", outgoing: true))
        case .timedOut(let peer, let seconds):
            var row = Self.simpleRow(event, "\(who) no reply from \(peer) within \(ClientFailure.format(seconds)) s", outgoing: false)
            row.isError = true
            add(row)
        case .traced(let call, let program):
            // A traced program's call: its own name as the row's speaker, the bytes it moved.
            let kept = call.data.count > ConsoleState.rowBytesKept ? Array(call.data.prefix(ConsoleState.rowBytesKept)) : call.data
            let sends: Set<TracedCall.Syscall> = [.connect, .sendto, .sendmsg, .sendmmsg, .write, .close, .shutdown, .bind, .listen]
            add(
                Row(
                    id: 0, time: event.time, lane: .call, engine: call.socketKind == "UDP" ? .udp : .tcp, role: .program,
                    text: "\(program) [\(call.pid)] \(TraceText.line(call))", outgoing: sends.contains(call.call),
                    isError: call.errno != nil, bytes: kept, length: call.data.count))
        case .failed(let error) where error.errnoValue != nil:
            var row = Self.simpleRow(event, "\(who) \(error.operation)() \(Errno(error.errnoValue!).name)", outgoing: false)
            row.isError = true
            add(row)
        default:
            break
        }
    }

    static func simpleRow(_ event: LabEvent, _ text: String, outgoing: Bool) -> Row {
        Row(
            id: 0, time: event.time, lane: .call, engine: event.engine, role: event.role, text: text,
            outgoing: outgoing, isError: false, bytes: [], length: 0)
    }

    /// A captured frame's row; returns the sentences its arrival makes possible (a failure's
    /// evidence that was waiting for it).
    mutating func add(_ frame: CapturedFrame) -> [String] {
        if frame.linkType == .nflog {
            // The firewall's log names a packet the capture has (a row to mark) or will have in a
            // moment (the capture hands frames over in batches up to 10 ms apart; the log at once).
            if !markDropped(frame) {
                pendingDrops.append(frame)
                if pendingDrops.count > Self.pendingDropLimit { pendingDrops.removeFirst() }
            }
            return []
        }
        var said = addRow(frame)
        if !pendingDrops.isEmpty { said += settleDrops(at: frame.time) }
        return said
    }

    /// Log entries still waiting for their packet: marked now if it came, or after half a
    /// second shown as rows of their own (the capture did not keep the packet: another port).
    private mutating func settleDrops(at time: Date) -> [String] {
        var said: [String] = []
        let waiting = pendingDrops
        pendingDrops = []
        for logged in waiting where !markDropped(logged) {
            if time.timeIntervalSince(logged.time) > 0.5 { said += addRow(logged) } else { pendingDrops.append(logged) }
        }
        return said
    }

    private mutating func addRow(_ frame: CapturedFrame) -> [String] {
        framesSeen += 1
        let taken = session.take(frame)
        var row = Row(
            id: 0, time: frame.time, lane: .wire, engine: taken.decoded.udp != nil ? .udp : .tcp, role: .wire,
            text: "\(taken.label) \(Self.wireAddresses(taken.decoded))\(Self.tcpNumbers(taken))",
            outgoing: false, isError: taken.explanation != nil, bytes: frame.bytes, length: frame.length)
        row.relative = taken.sequence.map { Row.TCPNumbers(sequence: $0, acknowledgement: taken.acknowledgement) }
        row.explanation = taken.explanation
        row.frame = frame
        row.decoded = taken.decoded
        if let fault = taken.decoded.droppedBy { row.mark(droppedBy: fault) }
        if row.explanation == nil { row.explanation = retransmission(of: taken.decoded, at: frame.time) }
        add(row)
        var said: [String] = []
        if let awaited {
            if frame.time.timeIntervalSince(awaited.since) > 120 {
                self.awaited = nil
            } else if let line = cite(awaited) {
                said.append(line)
                self.awaited = nil
            }
        }
        // A traced call's frames come within 10 ms of its return: a second is plenty.
        let waiting = awaitedPrograms
        awaitedPrograms = []
        for awaited in waiting where frame.time.timeIntervalSince(awaited.until ?? awaited.since) <= 1 {
            if let line = cite(awaited) { said.append(line) } else { awaitedPrograms.append(awaited) }
        }
        return said
    }

    /// How far back a firewall's log entry looks for the packet it names (the log comes
    /// milliseconds after the capture's copy of it).
    static let dropSearchLimit = 256
    static let pendingDropLimit = 64

    /// A packet the private network's firewall logged as it threw it away: the capture already
    /// has it as a row (it saw the packet leave); that row is marked with the fault. False when
    /// no recent row carries these very bytes (the log's copy then becomes a row of its own).
    mutating func markDropped(_ logged: CapturedFrame) -> Bool {
        let decoded = FrameDecoder.decode(logged)
        guard let fault = decoded.droppedBy, let ip = decoded.ip else { return false }
        let packet = logged.bytes[ip.range.lowerBound...]
        let items = rows.items
        var index = items.count - 1
        let stop = max(0, items.count - Self.dropSearchLimit)
        while index >= stop {
            let row = items[index]
            // The log pads the packet to 4 bytes; the capture's copy has it exactly.
            if row.lane == .wire, row.droppedBy == nil, let frame = row.frame, let theirs = row.decoded?.ip,
                case let copy = frame.bytes[theirs.range.lowerBound...], (0..<4).contains(packet.count - copy.count),
                packet.prefix(copy.count).elementsEqual(copy)
            {
                rows.update(at: index) { $0.mark(droppedBy: fault) }
                return true
            }
            index -= 1
        }
        return false
    }

    /// A TCP segment sent again (a SYN, or data at the same sequence number on the same flow):
    /// which row it repeats, and whether a `:fault` dropped that one.
    func retransmission(of frame: DecodedFrame, at time: Date) -> String? {
        guard let tcp = frame.tcp, tcp.flags.contains(.syn) || tcp.payloadLength > 0, let (from, to) = frame.endpoints else { return nil }
        let items = rows.items
        var index = items.count - 1
        let stop = max(0, items.count - Self.dropSearchLimit)
        while index >= stop {
            let row = items[index]
            if row.lane == .wire, let earlier = row.decoded, let segment = earlier.tcp, let (source, destination) = earlier.endpoints,
                source == from, destination == to, segment.sequence == tcp.sequence, segment.flags == tcp.flags,
                segment.payloadLength == tcp.payloadLength
            {
                let number = "#\(rows.dropped + index + 1)"
                let after = Int((time.timeIntervalSince(row.time) * 1000).rounded())
                let what = tcp.flags.contains(.syn) ? "the SYN" : "the \(tcp.payloadLength) bytes"
                if let fault = row.droppedBy {
                    return "a retransmission of \(number) (\(what), \(after) ms later): :fault \(fault) dropped it, no ACK came, "
                        + "so TCP sent it again; a lost UDP datagram is not sent again"
                }
                return "a retransmission of \(number) (\(what), \(after) ms later): no ACK came in time, so TCP sent it again"
            }
            index -= 1
        }
        return nil
    }

    /// How many traced calls' failures wait for their frames at once (the oldest give way).
    static let programEvidenceLimit = 8

    /// A failure's evidence the timeline does not have yet: kept until its frames come (the
    /// client's replaces the client's; a program's joins the newest few).
    mutating func wait(for awaited: AwaitedEvidence) {
        if awaited.caller == nil {
            self.awaited = awaited
        } else {
            awaitedPrograms.append(awaited)
            if awaitedPrograms.count > Self.programEvidenceLimit { awaitedPrograms.removeFirst() }
        }
    }

    /// The sentence citing the rows that show why, with whose failure it is when not the client's.
    func cite(_ awaited: AwaitedEvidence) -> String? {
        Evidence.cite(awaited, rows: rows.items, numberOffset: rows.dropped).map { (awaited.caller.map { "\($0): " } ?? "") + $0 }
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

    // MARK: Selection and detail

    /// Up/Down with the timeline focused: the row above or below; past the newest, follow.
    mutating func select(_ step: Int) {
        let ids = visibleRows.map(\.id)
        guard !ids.isEmpty else { return }
        let current = selectedRowID.flatMap { ids.firstIndex(of: $0) } ?? ids.count - 1
        let target = current + step
        if target >= ids.count {
            selectedRowID = nil  // past the newest: follow again
        } else {
            selectedRowID = ids[max(0, target)]
        }
    }

    /// Home: the first row shown.
    mutating func selectFirst() {
        selectedRowID = visibleRows.first?.id
    }

    /// End, Esc: follow the newest row again.
    mutating func follow() {
        selectedRowID = nil
    }

    /// Ctrl-T: the shown message as text or as hex, from its top.
    mutating func toggleText() {
        detailAsText.toggle()
        detailScroll = 0
    }

    /// Scrolls the shown row's detail by `step` lines, at most to `limit`.
    mutating func scrollDetail(by step: Int, limit: Int, of shown: Row) {
        detailScroll = max(0, min(limit, shownDetailScroll + step))
        detailScrollRow = shown.id
    }

    /// F9, `:view`: the next view, or the one named; following the newest in it.
    mutating func show(_ wanted: ConsoleState.TimelineView?) {
        let all = ConsoleState.TimelineView.allCases
        view = wanted ?? all[((all.firstIndex(of: view) ?? 0) + 1) % all.count]
        selectedRowID = nil
    }

    /// `:clear`: no rows, following; frames are counted from here.
    mutating func clear() {
        rows.removeAll()
        pendingDrops = []
        selectedRowID = nil
        framesSeen = 0
    }
}
