import NetLabCore

extension Renderer {
    func drawServerLog(_ screen: inout Screen, _ rect: Rect) {
        var name = "Server log"
        if state.serverLog.dropped > 0 { name += " (\(state.serverLog.dropped) older lines dropped)" }
        if state.logScroll > 0 { name += " [scrolled back \(state.logScroll)]" }
        let (title, role) = title(name, pane: .serverLog)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        let lines = Self.window(Array(state.serverLog.items), count: inner.height, scroll: state.logScroll)
        for (i, line) in lines.enumerated() {
            drawLine(&screen, line, row: inner.row + i, column: inner.column, width: inner.width)
        }
    }

    func drawClient(_ screen: inout Screen, _ rect: Rect) {
        var name = "Client"
        if state.transcript.dropped > 0 { name += " (\(state.transcript.dropped) older lines dropped)" }
        let (title, role) = title(name, pane: .client)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        guard inner.height >= 2 else { return }
        // Transcript above, a rule, the input line at the bottom.
        let transcriptHeight = inner.height - 2
        let lines = Self.window(Array(state.transcript.items), count: transcriptHeight, scroll: state.transcriptScroll)
        for (i, line) in lines.enumerated() {
            drawLine(&screen, line, row: inner.row + i, column: inner.column, width: inner.width)
        }
        let ruleRow = inner.row + inner.height - 2
        for x in inner.column..<(inner.column + inner.width) { screen[ruleRow, x] = .init("─", .border) }
        let inputRow = inner.row + inner.height - 1
        let prompt = "\(state.client.engine.rawValue)> "
        let promptWidth = screen.put(prompt, row: inputRow, column: inner.column, role: .prompt)
        let room = inner.width - promptWidth - 1
        guard room > 0 else { return }
        // Scroll the line sideways so the cursor stays visible.
        let characters = state.editor.characters
        let cursor = state.editor.cursor
        var start = 0
        while start < cursor, characters[start..<cursor].reduce(0, { $0 + CharacterWidth.of($1) }) > room {
            start += 1
        }
        let visible = String(characters[start...])
        let shown = TerminalSafe.escapeText(visible)
        screen.put(shown, row: inputRow, column: inner.column + promptWidth, role: .input, limit: room)
        let cursorColumn = characters[start..<cursor].reduce(0) { $0 + CharacterWidth.of($1) }
        if state.focus == .client {
            screen.cursor = (inputRow, inner.column + promptWidth + cursorColumn)
        }
    }

    /// A timestamped log or transcript line, clipped to the pane.
    func drawLine(_ screen: inout Screen, _ line: ConsoleState.Line, row: Int, column: Int, width: Int) {
        var x = column
        if let time = line.time {
            x += screen.put(clock(time) + " ", row: row, column: x, role: .time, limit: width)
        }
        screen.put(line.text, row: row, column: x, role: line.role, limit: width - (x - column))
    }
}

extension TerminalSafe {
    /// Escapes control characters in text the user typed (the editor holds Characters).
    static func escapeText(_ text: String) -> String {
        escape(Array(text.utf8))
    }
}
