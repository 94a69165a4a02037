import NetLabCore

extension Renderer {
    /// The timeline (top third): socket calls and wire frames in causal order, told apart by a
    /// lane word (`call`, `wire`) so no colour is needed; below it the shown row in detail: a
    /// message's bytes, or a frame's headers (one summary line each) and all its bytes, in the
    /// layout of `tshark -x`:
    ///
    /// ```
    /// #3 05:18:46.580 wire SYN 127.0.0.1:55430 > 127.0.0.1:12000 seq 0 win 65495
    /// #4 05:18:46.580 wire RST/ACK 127.0.0.1:12000 > 127.0.0.1:55430 seq 1 ack 1 win 0
    /// #5 05:18:46.581 call TCP client connect() ECONNREFUSED
    /// ──────────────────────────────────────────────
    /// #4 wire RST/ACK, 54 bytes
    /// ```
    func drawTimeline(_ screen: inout Screen, _ rect: Rect) {
        let (title, role) = title(timelineTitle, pane: .timeline)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        guard inner.height >= 3 else { return }
        let shown = state.timeline.shownRow
        let rows = state.timeline.visibleRows
        let (listHeight, start) = timelineWindow(inner, rows: rows)
        if state.timeline.view == .ladder {
            drawLadder(&screen, inner, height: listHeight)
        }
        let visible = state.timeline.view == .ladder ? [] : rows[start..<min(rows.count, start + listHeight)]
        for (i, row) in visible.enumerated() {
            let y = inner.row + i
            let selected = row.id == shown?.id
            let role: StyleRole = selected ? .selected : rowRole(row)
            if selected { screen.fill(row: y, column: inner.column, width: inner.width, height: 1, role: .selected) }
            // Narrow (80 columns): the clock gives way to the addresses; the number keeps the order.
            screen.put(timelineLine(row, clock: inner.width >= 96), row: y, column: inner.column, role: role, limit: inner.width)
        }
        let ruleRow = inner.row + listHeight
        for x in inner.column..<(inner.column + inner.width) { screen[ruleRow, x] = .init("─", .border) }
        guard let shown else {
            let empty =
                state.timeline.view == .wire
                ? "No packets yet: they appear here as they cross the wire (F9 shows the calls too)."
                : "Nothing yet: send a message from the client line below; its calls and packets appear here."
            screen.put(empty, row: ruleRow + 1, column: inner.column, role: .info, limit: inner.width)
            return
        }
        var y = ruleRow + 1
        let bottom = inner.row + inner.height
        let number = state.timeline.number(of: shown.id).map { "#\($0) " } ?? ""
        let truncated = shown.length > shown.bytes.count ? " (first \(shown.bytes.count) kept)" : ""
        let heading =
            shown.lane == .wire
            ? "\(number)wire \(shown.text.split(separator: " ").first ?? ""), \(shown.length) bytes on the wire\(truncated)"
            : "\(number)\(shown.text)\(shown.length > 0 ? truncated : "")"
        screen.put(heading, row: y, column: inner.column, role: .title, limit: inner.width)
        y += 1
        // The explanation, the header lines and the bytes scroll as one (PgUp PgDn in the
        // timeline): a page is what fits less one line of overlap, so every line is reached.
        let content = detailContent(shown, width: inner.width)
        let room = bottom - y
        guard room > 0 else { return }
        let window = Self.detailWindow(count: content.count, room: room, scroll: state.timeline.shownDetailScroll)
        let offsetWidth = HexDump.offsetWidth(count: shown.bytes.count)
        for line in content[window.top..<window.end] {
            switch line {
            case .note(let text, let role): screen.put(text, row: y, column: inner.column, role: role, limit: inner.width)
            case .text(let text): screen.put(text, row: y, column: inner.column, role: .normal, limit: inner.width)
            case .hex(let text): drawHexRow(&screen, text, offsetWidth: offsetWidth, row: y, column: inner.column, width: inner.width)
            }
            y += 1
        }
        if window.scrolls {
            let asText = state.timeline.detailAsText
            screen.put(
                "lines \(window.top + 1)-\(window.end) of \(content.count): PgUp PgDn scroll (Tab to the timeline), "
                    + "Ctrl-T \(asText ? "hex" : "text")", row: y, column: inner.column, role: .dropped, limit: inner.width)
        }
    }

    /// One line of the shown row's detail, under its heading.
    enum DetailLine {
        case note(String, StyleRole)
        case text(String)
        case hex(String)
    }

    /// The explanation (wrapped), the header lines, then the bytes as hex rows or text lines.
    func detailContent(_ shown: ConsoleState.TimelineRow, width: Int) -> [DetailLine] {
        var content: [DetailLine] = []
        if let explanation = shown.explanation { content += Self.wrap(explanation, width: width).map { .note($0, .error) } }
        content += shown.summaries.map { .note($0, .info) }
        guard !shown.bytes.isEmpty else { return content }
        if state.timeline.detailAsText {
            content += ConsoleState.textLines(shown).map { .text($0) }
        } else {
            content += HexDump.lines(shown.bytes).map { .hex($0) }
        }
        return content
    }

    /// Which detail lines show in `room` rows scrolled by `scroll`: all when they fit; otherwise
    /// `room - 1` of them (the last row says where the view is), the scroll clamped to the end.
    static func detailWindow(count: Int, room: Int, scroll: Int) -> (top: Int, end: Int, scrolls: Bool) {
        guard count > room, room >= 2 else { return (0, min(count, room), false) }
        let shown = room - 1
        let top = max(0, min(scroll, count - shown))
        return (top, top + shown, true)
    }

    /// The detail's rows under its heading, and a page of it (the rows that scroll, less one of
    /// overlap), for the terminal size the state last drew at.
    func detailPage(width: Int, height: Int) -> (page: Int, maxScroll: Int)? {
        guard let layout = Layout(width: width, height: height, lesson: state.lesson != nil), !state.presenter, let shown = state.timeline.shownRow
        else { return nil }
        let inner = layout.timeline.inner
        let (listHeight, _) = timelineWindow(inner, rows: state.timeline.visibleRows)
        let room = inner.height - listHeight - 2  // the rule and the heading
        let count = detailContent(shown, width: inner.width).count
        guard count > room, room >= 2 else { return (max(1, room), 0) }
        return (max(1, room - 2), count - (room - 1))
    }

    /// The list's height and its first row's index in `rows`. The detail gets what the shown
    /// row needs (heading, notes, its hex rows), the list the rest, but never less than a third
    /// (a quarter when the timeline is focused, for reading a message). Following, the list
    /// shows the newest rows; a selection sits in the middle where it can.
    func timelineWindow(_ inner: Rect, rows: [ConsoleState.TimelineRow]) -> (height: Int, start: Int) {
        let shown = state.timeline.shownRow
        var detailNeeds = 1
        if let shown {
            detailNeeds += (shown.explanation.map { Self.wrap($0, width: inner.width).count } ?? 0) + shown.summaries.count
            detailNeeds += (shown.bytes.count + HexDump.bytesPerRow - 1) / HexDump.bytesPerRow
        }
        // The ladder needs its room (a header and arrows), the detail below it less.
        let least =
            state.timeline.view == .ladder
            ? max(1, inner.height / 2) : state.focus == .timeline ? max(1, inner.height / 4) : max(1, inner.height / 3)
        let listHeight = max(least, inner.height - 1 - detailNeeds)
        let selectedIndex = state.timeline.selectedRowID == nil ? nil : shown.flatMap { p in rows.firstIndex { $0.id == p.id } }
        let start = selectedIndex.map { max(0, min($0 - listHeight / 2, rows.count - listHeight)) } ?? max(0, rows.count - listHeight)
        return (listHeight, start)
    }

    private var timelineTitle: String {
        var name =
            switch state.timeline.view {
            case .both: "Timeline: calls and wire"
            case .calls: "Timeline: calls"
            case .wire: "Timeline: wire"
            case .ladder: state.timeline.ladderFlow.map { "Timeline: ladder of client :\($0)" } ?? "Timeline: ladder"
            }
        switch state.wire {
        case .off, .disabled: name += " (WIRE off)"
        case .on, .starting: break
        }
        if state.timeline.rows.dropped > 0 { name += " (\(state.timeline.rows.dropped) older dropped)" }
        if state.timeline.kernelDropped > 0 { name += " (kernel dropped \(state.timeline.kernelDropped))" }
        if state.timeline.selectedRowID != nil { return name + " [selected]" }
        // Following, the detail shows the newest message (or RST, ICMP), which is not always
        // the newest row (an ACK or FIN often follows): the title names the one it shows.
        let rows = state.timeline.visibleRows
        if let shown = state.timeline.shownRow, shown.id != rows.last?.id, let number = state.timeline.number(of: shown.id) {
            return name + " [following newest; detail: #\(number)]"
        }
        return name + " [following newest]"
    }

    private func rowRole(_ row: ConsoleState.TimelineRow) -> StyleRole {
        if row.isError { return .error }
        if row.lane == .wire { return .normal }
        return row.outgoing ? .sent : .received
    }

    /// `#12 20:45:04.968 call TCP client send() 21 B 127.0.0.1:35446 > 127.0.0.1:12000`
    func timelineLine(_ row: ConsoleState.TimelineRow, clock showClock: Bool = true) -> String {
        let number = state.timeline.number(of: row.id).map { "#\($0)" } ?? "#?"
        return showClock ? "\(number) \(clock(row.time)) \(row.lane.rawValue) \(row.text)" : "\(number) \(row.lane.rawValue) \(row.text)"
    }

    private func drawHexRow(_ screen: inout Screen, _ line: String, offsetWidth: Int, row: Int, column: Int, width: Int) {
        let characters = Array(line)
        let bytesEnd = min(characters.count, offsetWidth + 2 + HexDump.bytesPerRow * 3)
        screen.put(String(characters[..<offsetWidth]), row: row, column: column, role: .hexOffset, limit: width)
        screen.put(
            String(characters[offsetWidth..<bytesEnd]), row: row, column: column + offsetWidth, role: .hexBytes,
            limit: max(0, width - offsetWidth))
        if characters.count > bytesEnd {
            screen.put(
                String(characters[bytesEnd...]), row: row, column: column + bytesEnd, role: .hexASCII,
                limit: max(0, width - bytesEnd))
        }
    }
}
