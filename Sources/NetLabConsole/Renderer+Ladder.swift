import NetLabCore

extension Renderer {
    /// The timeline's rows as a ladder, in the list's place: the names, then a line per call,
    /// packet or silence; the selected row highlighted, the newest followed.
    func drawLadder(_ screen: inout Screen, _ inner: Rect, height: Int) {
        let (lines, start) = ladderWindow(inner, height: height)
        let shown = state.timeline.shownRow?.id
        // Only the rows on screen are looked up (the timeline holds a thousand).
        let ids = Set(lines[start..<min(lines.count, start + height - 1)].compactMap(\.row))
        let rows = Dictionary(
            state.timeline.rows.items.lazy.filter { ids.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard let names = lines.first else { return }
        screen.put(names.text, row: inner.row, column: inner.column, role: .title, limit: inner.width)
        for (i, line) in lines[start..<min(lines.count, start + height - 1)].enumerated() {
            let y = inner.row + 1 + i
            let selected = line.row != nil && line.row == shown
            if selected { screen.fill(row: y, column: inner.column, width: inner.width, height: 1, role: .selected) }
            let role: StyleRole = selected ? .selected : Self.ladderRole(line, rows)
            screen.put(line.text, row: y, column: inner.column, role: role, limit: inner.width)
        }
    }

    /// The ladder's lines for the timeline's width and the first body line shown (the names,
    /// line 0, stay on top): the selected row near the middle, or the newest at the bottom.
    /// Only the lines shown are drawn (the names, then a screenful from `start`): drawing a
    /// line costs a character per column, and a frame under a flood must stay cheap.
    func ladderWindow(_ inner: Rect, height: Int) -> (lines: [Ladder.Line], start: Int) {
        let ladder = state.ladder(window: ConsoleState.ladderWindow(height: height))
        let body = max(1, height - 1)
        let shown = state.timeline.selectedRowID == nil ? nil : state.timeline.shownRow?.id
        let index = shown.flatMap { id in ladder.steps.firstIndex { $0.row == id } }
        let last = max(0, ladder.steps.count - body)
        let first = index.map { max(0, min($0 - body / 2, last)) } ?? last
        return (ladder.lines(width: inner.width, steps: first..<min(ladder.steps.count, first + body)), 1)
    }

    /// Presenter mode in the ladder view: the ladder's newest steps in heavy lines where the
    /// server log was (the names on top), for the back row.
    func drawPresenterLadder(_ screen: inout Screen, _ rect: Rect) {
        screen.box(rect, title: "Ladder", titleRole: .title)
        let inner = rect.inner
        let ladder = state.ladder(window: ConsoleState.ladderWindow(height: inner.height))
        let newest = max(0, ladder.steps.count - (inner.height - 1))..<ladder.steps.count
        let lines = ladder.lines(width: inner.width, heavy: true, steps: newest)
        guard let names = lines.first, inner.height >= 2 else { return }
        screen.put(names.text, row: inner.row, column: inner.column, role: .title, limit: inner.width)
        let body = lines.dropFirst()
        let rows = Dictionary(state.timeline.rows.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (i, line) in body.enumerated() {
            screen.put(line.text, row: inner.row + 1 + i, column: inner.column, role: Self.ladderRole(line, rows), limit: inner.width)
        }
    }

    /// A ladder line's colour: its row's, as in the list (errors, sent, received; packets plain;
    /// silences as information).
    static func ladderRole(_ line: Ladder.Line, _ rows: [Int: ConsoleState.TimelineRow]) -> StyleRole {
        guard let row = line.row.flatMap({ rows[$0] }) else { return .info }
        if row.isError { return .error }
        if row.lane == .wire { return .normal }
        return row.outgoing ? .sent : .received
    }
}
