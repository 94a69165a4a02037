import Foundation
import NetLabCore

extension Renderer {
    func drawServerLog(_ screen: inout Screen, _ rect: Rect) {
        var name = "Server log"
        if state.serverLog.lines.dropped > 0 { name += " (\(state.serverLog.lines.dropped) older lines dropped)" }
        if state.serverLog.scroll > 0 { name += " [scrolled back \(state.serverLog.scroll)]" }
        let (title, role) = title(name, pane: .serverLog)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        drawLines(
            &screen, Array(state.serverLog.lines.items), scroll: state.serverLog.scroll,
            in: Rect(row: inner.row, column: inner.column, width: inner.width, height: inner.height))
    }

    func drawClient(_ screen: inout Screen, _ rect: Rect) {
        var name = "Client"
        if state.transcript.lines.dropped > 0 { name += " (\(state.transcript.lines.dropped) older lines dropped)" }
        if state.transcript.scroll > 0 {
            let below = state.transcript.scroll
            name +=
                state.transcript.atNewestHead
                ? " [the newest from its start: \(below) more line\(below == 1 ? "" : "s") below, PgDn]"
                : " [scrolled back \(below)]"
        }
        let (title, role) = title(name, pane: .client)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        guard inner.height >= 2 else { return }
        // Transcript above, a rule, the input line at the bottom.
        drawRows(
            &screen, Array(state.transcript.lines.items), rowsBack: state.transcript.scroll,
            in: Rect(row: inner.row, column: inner.column, width: inner.width, height: inner.height - 2))
        let ruleRow = inner.row + inner.height - 2
        for x in inner.column..<(inner.column + inner.width) { screen[ruleRow, x] = .init("─", .border) }
        drawInputLine(&screen, row: inner.row + inner.height - 1, column: inner.column, width: inner.width)
    }

    /// `TCP> hello` with the cursor, scrolled sideways so the cursor stays visible.
    func drawInputLine(_ screen: inout Screen, row inputRow: Int, column: Int, width: Int) {
        let prompt = "\(state.client.engine.rawValue)> "
        let promptWidth = screen.put(prompt, row: inputRow, column: column, role: .prompt)
        let room = width - promptWidth - 1
        guard room > 0 else { return }
        // Only the characters around the cursor are measured (each shown as it is escaped):
        // a key costs the same on a full 4,096-character line as on an empty one.
        let characters = state.input.editor.characters
        let cursor = state.input.editor.cursor
        func shown(_ c: Character) -> String { TerminalSafe.escapeText(String(c)) }
        var start = cursor
        var cursorColumn = 0
        while start > 0 {
            let w = CharacterWidth.of(shown(characters[start - 1]))
            if cursorColumn + w > room { break }
            cursorColumn += w
            start -= 1
        }
        var visible = ""
        var used = 0
        var index = start
        while index < characters.count {
            let piece = shown(characters[index])
            let w = CharacterWidth.of(piece)
            if used + w > room { break }
            visible += piece
            used += w
            index += 1
        }
        screen.put(visible, row: inputRow, column: column + promptWidth, role: .input, limit: room)
        if state.focus == .client {
            screen.cursor = (inputRow, column + promptWidth + cursorColumn)
        }
    }

    /// Timestamped lines, newest at the bottom, long ones wrapped under their text column.
    func drawLines(_ screen: inout Screen, _ lines: [ConsoleState.Line], scroll: Int, in rect: Rect) {
        guard rect.height > 0, rect.width > 0 else { return }
        // Only the lines that can be visible are wrapped: at most one row each.
        let candidates = Self.window(lines, count: rect.height, scroll: scroll)
        var rows: [(text: String, role: StyleRole, time: String?, indent: Int)] = []
        for line in candidates {
            let time = line.time.map { clock($0) + " " }
            // A line without a time continues the one above it: indented under its text.
            let indent = CharacterWidth.of(time ?? clock(Date(timeIntervalSince1970: 0)) + " ")
            let room = max(1, rect.width - indent)
            for (i, piece) in Self.wrap(line.text, width: room).enumerated() {
                rows.append((piece, line.role, i == 0 ? time : nil, indent))
            }
        }
        for (i, row) in rows.suffix(rect.height).enumerated() {
            let y = rect.row + i
            if let time = row.time { screen.put(time, row: y, column: rect.column, role: .time, limit: rect.width) }
            screen.put(row.text, row: y, column: rect.column + row.indent, role: row.role, limit: rect.width - row.indent)
        }
    }

    /// Timestamped lines wrapped into rows, `rowsBack` rows scrolled back from the end: only
    /// the lines that reach the window are wrapped.
    func drawRows(_ screen: inout Screen, _ lines: [ConsoleState.Line], rowsBack: Int, in rect: Rect) {
        guard rect.height > 0, rect.width > 0 else { return }
        var rows: [(text: String, role: StyleRole, time: String?)] = []
        let needed = rowsBack + rect.height
        let room = max(1, rect.width - Transcript.timeColumns)
        for line in lines.reversed() {
            let time = line.time.map { clock($0) + " " }
            let pieces = Self.wrap(line.text, width: room)
            rows.insert(contentsOf: pieces.enumerated().map { ($0.element, line.role, $0.offset == 0 ? time : nil) }, at: 0)
            if rows.count >= needed { break }
        }
        let end = max(0, rows.count - rowsBack)
        for (i, row) in rows[max(0, end - rect.height)..<end].enumerated() {
            let y = rect.row + i
            if let time = row.time { screen.put(time, row: y, column: rect.column, role: .time, limit: rect.width) }
            screen.put(
                row.text, row: y, column: rect.column + Transcript.timeColumns, role: row.role,
                limit: rect.width - Transcript.timeColumns)
        }
    }

    /// Splits text into pieces of at most `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var currentWidth = 0
        var lastSpace: String.Index?
        for character in text {
            let w = CharacterWidth.of(character)
            if currentWidth + w > width {
                if let space = lastSpace, space > current.startIndex {
                    pieces.append(String(current[..<space]))
                    current = String(current[current.index(after: space)...])
                } else {
                    pieces.append(current)
                    current = ""
                }
                currentWidth = CharacterWidth.of(current)
                lastSpace = nil
            }
            if character == " " { lastSpace = current.endIndex }
            current.append(character)
            currentWidth += w
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }
}

extension TerminalSafe {
    /// Escapes control characters in text the user typed (the editor holds Characters).
    static func escapeText(_ text: String) -> String {
        escape(Array(text.utf8))
    }
}
