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
    /// `:ladder`: the one client port the ladder draws (nil: every flow).
    public var ladderFlow: UInt16?
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
        case .both, .ladder: Array(rows.items)
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
        // Searched from the newest without copying the rows (a frame asks for it several times).
        let items = rows.items
        let visible: (Row) -> Bool =
            switch view {
            case .both, .ladder: { _ in true }
            case .calls: { $0.lane == .call }
            case .wire: { $0.lane == .wire }
            }
        return items.last { visible($0) && (($0.lane == .call && !$0.bytes.isEmpty) || ($0.lane == .wire && $0.explanation != nil)) }
            ?? items.last(where: visible)
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
