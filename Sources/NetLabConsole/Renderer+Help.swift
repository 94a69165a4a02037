extension Renderer {
    /// The help overlay: keys and commands, generated from the bindings and the command list.
    func drawHelp(_ screen: inout Screen) {
        var lines: [(String, String)] = KeyBinding.available(for: state.engines).map { ($0.key.label, $0.help) }
        lines += KeyBinding.paneKeys.map { ($0.keys, $0.help) }
        lines.append(("", ""))
        lines += Command.usage.map { ($0.syntax, $0.help) }
        lines.append(("", ""))
        lines.append(("", "any key closes this help"))
        let room = screen.height - 4
        if lines.count > room {
            // Short of rows: drop the spacing first, then say what is left out.
            lines.removeAll { $0.0.isEmpty }
            if lines.count > room {
                let hidden = lines.count - room + 1
                lines = Array(lines.prefix(room - 1)) + [("...", "\(hidden) more lines: make the terminal taller")]
            }
        }
        let keyWidth = lines.map { CharacterWidth.of($0.0) }.max() ?? 0
        let width = min(screen.width - 2, keyWidth + 2 + (lines.map { CharacterWidth.of($0.1) }.max() ?? 0) + 4)
        let height = min(screen.height - 2, lines.count + 2)
        let rect = Rect(row: (screen.height - height) / 2, column: (screen.width - width) / 2, width: width, height: height)
        screen.fill(row: rect.row, column: rect.column, width: rect.width, height: rect.height, role: .help)
        screen.box(rect, title: "Help", titleRole: .focusedTitle, role: .help)
        let inner = rect.inner
        for (i, (key, text)) in lines.prefix(inner.height).enumerated() {
            let row = inner.row + i
            screen.put(" " + key, row: row, column: inner.column, role: .keyBarKey, limit: inner.width)
            screen.put(text, row: row, column: inner.column + keyWidth + 3, role: .help,
                       limit: max(0, inner.width - keyWidth - 3))
        }
    }
}
