import NetLabCore

extension Renderer {
    /// The ports the ladder puts on the server side: netlab's servers' and the client's target
    /// (a student's server), and what `:watch` added.
    var ladderServerPorts: Set<UInt16> {
        Set(state.servers.map(\.port) + [state.client.port])
    }

    /// The timeline's rows as a ladder, in the list's place: the names, then a line per call,
    /// packet or silence; the selected row highlighted, the newest followed.
    func drawLadder(_ screen: inout Screen, _ inner: Rect, height: Int) {
        let (lines, start) = ladderWindow(inner, height: height)
        let shown = state.timeline.shownRow?.id
        let rows = Dictionary(state.timeline.rows.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard let names = lines.first else { return }
        screen.put(names.text, row: inner.row, column: inner.column, role: .title, limit: inner.width)
        for (i, line) in lines[start..<min(lines.count, start + height - 1)].enumerated() {
            let y = inner.row + 1 + i
            let selected = line.row != nil && line.row == shown
            if selected { screen.fill(row: y, column: inner.column, width: inner.width, height: 1, role: .selected) }
            let role: StyleRole =
                selected
                ? .selected
                : line.row.flatMap { rows[$0] }.map { $0.isError ? .error : $0.lane == .wire ? .normal : $0.outgoing ? .sent : .received } ?? .info
            screen.put(line.text, row: y, column: inner.column, role: role, limit: inner.width)
        }
    }

    /// The ladder's lines for the timeline's width and the first body line shown (the names,
    /// line 0, stay on top): the selected row near the middle, or the newest at the bottom.
    func ladderWindow(_ inner: Rect, height: Int) -> (lines: [Ladder.Line], start: Int) {
        let ladder = Ladder(rows: state.timeline.visibleRows, serverPorts: ladderServerPorts)
        let lines = ladder.lines(width: inner.width)
        let body = max(1, height - 1)
        let shown = state.timeline.selectedRowID == nil ? nil : state.timeline.shownRow?.id
        let index = shown.flatMap { id in lines.firstIndex { $0.row == id } }
        let last = max(1, lines.count - body)
        let start = index.map { max(1, min($0 - body / 2, last)) } ?? last
        return (lines, start)
    }
}
