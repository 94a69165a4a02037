extension Renderer {
    /// The help overlay: keys and commands, generated from the bindings and the command list.
    func drawHelp(_ screen: inout Screen) {
        var lines: [(String, String)] = KeyBinding.helpRows(for: state.engines).map { ($0.keys, $0.help) }
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
        let room = max(1, screen.height - 4)
        var title = "Help"
        if lines.count > room {
            // Taller than the screen: a window on the lines, scrolled with PgUp/PgDn/Up/Down.
            let total = lines.count
            let top = min(state.helpScroll, total - room)
            lines = Array(lines[top..<(top + room)])
            title = "Help: lines \(top + 1)-\(top + room) of \(total) (PgUp PgDn scroll)"
        }
        let height = min(screen.height - 2, lines.count + 2)
        let rect = Rect(row: (screen.height - height) / 2, column: (screen.width - width) / 2, width: width, height: height)
        screen.fill(row: rect.row, column: rect.column, width: rect.width, height: rect.height, role: .help)
        screen.box(rect, title: title, titleRole: .focusedTitle, role: .help)
        let inner = rect.inner
        for (i, (key, text)) in lines.prefix(inner.height).enumerated() {
            let row = inner.row + i
            screen.put(" " + key, row: row, column: inner.column, role: .keyBarKey, limit: inner.width)
            screen.put(text, row: row, column: inner.column + keyWidth + 3, role: .help,
                       limit: max(0, inner.width - keyWidth - 3))
        }
    }
}
