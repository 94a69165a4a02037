extension Renderer {
    /// The help overlay: keys and commands, generated from the bindings and the command list.
    func drawHelp(_ screen: inout Screen) {
        var lines: [(String, String)] = KeyBinding.helpRows.map { ($0.keys, $0.help) }
        lines.append(("", ""))
        lines += ColonCommand.usage.map { ($0.syntax, $0.help) }
        lines.append(("", ""))
        lines.append(("", "any other key closes this help"))
        // Texts wrap in their column (at 80 columns the key column takes half the width).
        let keyWidth = lines.map { CharacterWidth.of($0.0) }.max() ?? 0
        let width = min(screen.width - 2, keyWidth + 2 + (lines.map { CharacterWidth.of($0.1) }.max() ?? 0) + 4)
        let textWidth = max(10, width - 2 - keyWidth - 3)
        lines = lines.flatMap { key, text -> [(String, String)] in
            let wrapped = text.isEmpty ? [""] : Self.wrap(text, width: textWidth)
            return wrapped.enumerated().map { ($0.offset == 0 ? key : "", $0.element) }
        }
        let (inner, shown) = drawOverlay(&screen, rows: lines, width: width, scroll: state.overlay.helpScroll, title: "Help")
        for (i, (key, text)) in shown.enumerated() {
            let row = inner.row + i
            screen.put(" " + key, row: row, column: inner.column, role: .keyBarKey, limit: inner.width)
            screen.put(
                text, row: row, column: inner.column + keyWidth + 3, role: .help,
                limit: max(0, inner.width - keyWidth - 3))
        }
    }

    /// A box centred over the panes holding `rows`: taller than the screen, it shows the window
    /// scrolled down `scroll` rows (PgUp/PgDn/Up/Down) and its title says which. Returns the
    /// box's inside and the rows to draw there. The help and the panels share it.
    func drawOverlay<Row>(_ screen: inout Screen, rows: [Row], width: Int, scroll: Int, title: String)
        -> (inner: Rect, shown: ArraySlice<Row>)
    {
        let room = max(1, screen.height - 4)
        var shown = rows[...]
        var title = title
        if rows.count > room {
            let top = min(scroll, rows.count - room)
            shown = rows[top..<(top + room)]
            title += ": lines \(top + 1)-\(top + room) of \(rows.count) (PgUp PgDn scroll)"
        }
        let height = min(screen.height - 2, shown.count + 2)
        let rect = Rect(row: (screen.height - height) / 2, column: (screen.width - width) / 2, width: width, height: height)
        // A blank margin of one cell (within the status and key bars): the panes' corners and
        // borders next to the box would otherwise read as a second frame (┌┌ ... ┐┐).
        let top = max(1, rect.row - 1)
        let bottom = min(screen.height - 2, rect.row + rect.height)
        let left = max(0, rect.column - 1)
        let right = min(screen.width - 1, rect.column + rect.width)
        if bottom >= top { screen.fill(row: top, column: left, width: right - left + 1, height: bottom - top + 1, role: .normal) }
        screen.fill(row: rect.row, column: rect.column, width: rect.width, height: rect.height, role: .help)
        screen.box(rect, title: title, titleRole: .focusedTitle, role: .help)
        return (rect.inner, shown.prefix(rect.inner.height))
    }
}
