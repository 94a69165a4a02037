import Foundation
import NetLabCore

/// The console's keys, mouse and scrolling: what a key or a click does to the state.
extension ConsoleState {
    // MARK: Keys

    mutating func handle(_ key: Key, now: Date, themes: [String]) -> [Effect] {
        if case .mouse(let event) = key { return mouse(event, now: now, themes: themes) }
        // Scrolling keys scroll the help or a panel (the roster, a report card); any other key
        // closes it and does only that (Enter must not send, F2 must not turn a server off
        // behind it).
        if overlay.isOpen {
            overlay.take(key)
            return []
        }
        // Step mode: Space on an empty line lets the waiting call go.
        if key == .character(" "), input.editor.isEmpty, !pendingSteps.isEmpty { return proceedStep(now: now) }
        if let intent = KeyBinding.intent(for: key, inputEmpty: input.editor.isEmpty) {
            return perform(intent, now: now, themes: themes)
        }
        // Not in the table: a character typed into the input line.
        if case .character(let c) = key {
            focus = .client
            if input.type(c) {
                say(
                    "the input line holds at most \(LineEditor.maxLength) characters: the rest of what was typed or pasted "
                        + "was left out", .error, now)
            }
        }
        return []
    }

    /// Carries out what a key, a click or a `:` command asked: the one place an intent becomes
    /// a change of state.
    mutating func perform(_ intent: Intent, now: Date, themes: [String]) -> [Effect] {
        switch intent {
        case .command(let command):
            return execute(command, now: now, themes: themes)
        case .toggleServer(let engine):
            let server = server(engine)
            return setServer(engine, on: !(server.isOn || server.phase == .starting), now: now)
        case .cycleProtocol:
            let engines = Self.engines
            let index = engines.firstIndex(of: client.engine) ?? 0
            switchProtocol(to: engines[(index + 1) % engines.count], now: now)
        case .cycleTheme:
            guard !themes.isEmpty else { return [] }
            let index = themes.firstIndex(of: theme).map { ($0 + 1) % themes.count } ?? 0
            theme = themes[index]
            say("theme: \(theme) (F6 for the next)", .info, now)
            return [.applyTheme(theme)]
        case .toggleUDPMode:
            return execute(.udpMode(client.udpMode == .connected ? .unconnected : .connected), now: now, themes: themes)
        case .focusNext, .focusPrevious:
            let panes = Pane.allCases
            let index = panes.firstIndex(of: focus)!
            let step = intent == .focusNext ? 1 : panes.count - 1
            focus = panes[(index + step) % panes.count]
        case .submit:
            return submit(now: now, themes: themes)
        case .edit(let edit):
            switch edit {
            case .deleteBackward: input.editor.backspace()
            case .deleteForward: input.editor.delete()
            case .lineStart: input.editor.home()
            case .lineEnd: input.editor.end()
            case .clearLine: input.editor.replace(with: "")
            case .cursorLeft: input.editor.left()
            case .cursorRight: input.editor.right()
            }
        case .toggleText:
            // The shown message as text (an HTTP response's status, headers and body) or hex.
            timeline.toggleText()
        case .followNewest:
            timeline.follow()
        case .move(let move):
            switch move {
            case .home:
                if focus == .timeline { timeline.selectFirst() } else { input.editor.home() }
            case .end:
                if focus == .timeline { timeline.follow() } else { input.editor.end() }
            case .up: arrow(-1)
            case .down: arrow(1)
            case .pageUp: page(-1)
            case .pageDown: page(1)
            }
        }
        return []
    }

    /// A click on a key-bar item runs it; a click in a pane focuses it (in the timeline's list,
    /// selects the row); the wheel scrolls the pane under the pointer.
    mutating func mouse(_ event: MouseEvent, now: Date, themes: [String]) -> [Effect] {
        let renderer = Renderer(state: self)
        if overlay.isOpen {
            overlay.take(.mouse(event))
            return []
        }
        if event.row == event.height - 1 {
            guard event.action == .click,
                let item = renderer.keyBarItems(width: event.width).first(where: { $0.columns.contains(event.column) })
            else { return [] }
            return perform(item.binding.intent, now: now, themes: themes)
        }
        guard !presenter, let layout = Layout(width: event.width, height: event.height, lesson: lesson != nil) else { return [] }
        let step = event.action == .wheelUp ? -3 : 3
        if layout.timeline.contains(row: event.row, column: event.column) {
            let inner = layout.timeline.inner
            let rows = timeline.visibleRows
            let (listHeight, start) = renderer.timelineWindow(inner, rows: rows)
            let line = event.row - inner.row
            switch event.action {
            case .click:
                focus = .timeline
                if timeline.view == .ladder {
                    // The names are line 0; a click on a call, a packet (not a silence) selects its row.
                    let (lines, first) = renderer.ladderWindow(inner, height: listHeight)
                    if (1..<listHeight).contains(line), first + line - 1 < lines.count, let id = lines[first + line - 1].row {
                        timeline.selectedRowID = id
                    }
                } else if (0..<listHeight).contains(line), start + line < rows.count {
                    timeline.selectedRowID = rows[start + line].id
                }
            case .wheelUp, .wheelDown:
                if line < listHeight {
                    timeline.select(step / 3)
                } else if let shown = timeline.shownRow {
                    scrollDetail(by: step / 3, pages: false, of: shown)
                }
            }
        } else if layout.serverLog.contains(row: event.row, column: event.column) {
            if event.action == .click { focus = .serverLog } else { serverLog.scroll(by: step) }
        } else if layout.client.contains(row: event.row, column: event.column) {
            if event.action == .click {
                focus = .client
            } else {
                transcript.scroll(by: -step, in: transcriptArea)
            }
        }
        return []
    }

    mutating func arrow(_ step: Int) {
        switch focus {
        case .client:
            input.browse(step)
        case .serverLog:
            serverLog.scroll(by: step)
        case .timeline:
            timeline.select(step)
        }
    }

    mutating func page(_ direction: Int) {
        let step = 10 * direction
        switch focus {
        case .client: transcript.scroll(by: -direction * Transcript.page(in: transcriptArea), in: transcriptArea)
        case .serverLog: serverLog.scroll(by: step)
        case .timeline:
            // Inside the shown message: its hex rows or text lines scroll.
            // Half a small pane at a time: at 80x24 the detail shows a few lines.
            guard let shown = timeline.shownRow else { return }
            scrollDetail(by: direction, pages: true, of: shown)
        }
    }

    /// Scrolls the shown row's detail by lines or pages (a page: what fits less one line of
    /// overlap), clamped to its end: a PgDn past the end is not counted.
    mutating func scrollDetail(by amount: Int, pages: Bool, of shown: TimelineRow) {
        let geometry = screenSize.flatMap { Renderer(state: self).detailPage(width: $0.width, height: $0.height) }
        let step = pages ? amount * (geometry?.page ?? 4) : amount
        let limit = geometry?.maxScroll ?? Int.max
        timeline.scrollDetail(by: step, limit: limit, of: shown)
    }
}
