import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NetLabCore

extension ConsoleState {

    /// The one way the state changes: applies `action` and returns what the world must do.
    /// Pure: `now` is passed in, nothing here reads a clock or touches a socket.
    public mutating func update(_ action: Action, now: Date, themes: [String] = ["default"]) -> [Effect] {
        switch action {
        case .key(let key):
            return handle(key, now: now, themes: themes)
        case .keys(let keys):
            var effects: [Effect] = []
            for key in keys where !quitting { effects += handle(key, now: now, themes: themes) }
            return effects
        case .event(let event):
            record(event)
            return []
        case .wire(let wire):
            self.wire = wire
            switch wire {
            case .on(let interface):
                say("WIRE on: capturing on \(interface); the timeline shows the packets beside the socket calls"
                    + " (F9: calls, wire or both)", .info, now)
                say(watchSentence, .info, nil)
            case .off(let reason):
                say("WIRE off: \(reason); everything else works without it", .error, now)
            case .disabled:
                say("WIRE off (--no-wire): the timeline shows the socket calls only", .info, now)
            case .starting:
                break
            }
            return []
        case .wireDropped(let count):
            wireDropped = count
            return []
        case .resized(let width, let height):
            screenSize = ScreenSize(width: width, height: height)
            if transcriptAtNewestHead { transcriptScroll = 0 }
            anchorNewestEntry()
            return []
        case .checked(let report):
            say("check \(report.target): \(report.passed) of \(report.results.count) checks passed"
                + (report.failed == 0 ? "" : " (report card open; any key closes it)"), report.failed == 0 ? .success : .error, now)
            // Each line at most `reportLineLimit` characters: the panel wraps every line on each
            // frame, so its cost stays that of a screenful, whatever a server put in its text.
            // The card's text without its heading (the panel's title says it); a server
            // nobody could reach has only the reason, which the panel shows.
            let skipped = report.unreachable == nil ? 2 : 0
            panel = .report(title: "netlab check \(report.target): \(report.passed) of \(report.results.count) passed",
                            lines: report.text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(skipped).map { line in
                                line.count <= Self.reportLineLimit ? String(line)
                                    : String(line.prefix(Self.reportLineLimit)) + "... (\(line.count - Self.reportLineLimit) more characters)"
                            })
            panelScroll = 0
            return []
        case .reply(let engine, let id, let result):
            // The banner's one-line detail is also the transcript's line (the packet pane has
            // every byte); a reply reads as received, anything else as an error. The exchange
            // is over: a line never sent (a refused connect) is never shown.
            let exchange = exchangeIndex(id, engine: engine).map { inFlight.remove(at: $0) }
            let outcome = Outcome(engine: engine, result: result, at: now)
            // The banner follows the newest line: an older line's late result does not cover it.
            let newest = exchange.map { $0.id == nextExchange - 1 } ?? true
            if newest { self.outcome = outcome }
            let role: StyleRole = outcome.kind == .reply ? .received : .error
            var lines = outcome.detail.split(separator: "\n").map(String.init)
            if case .failure(let failure) = result, let words = remedy(failure.remedy, engine: engine) {
                lines[0] += " (" + words + ")"
            }
            // Lines overlapped (one typed while another waited): say which one this answers.
            if let exchange, !inFlight.isEmpty || !newest {
                lines[0] += " (for \"" + TerminalSafe.escape(Array(exchange.line.utf8)) + "\")"
            }
            // A second line (UDP's other explanation) is its own line, under the first.
            if engine == .tcp, case .success(let bytes) = result, let pieces = Self.piecesSentence(bytes.count, exchange?.receives ?? []) {
                lines.append(pieces)
            }
            for (index, line) in lines.enumerated() { say(line, role, index == 0 ? now : nil) }
            if case .failure(let failure) = result {
                recordFailure(failure, engine: engine, local: exchange?.local, began: exchange?.began, now: now)
            }
            return []
        }
    }

    /// A TCP reply longer than a student's recv(1024): how many recv() calls it took netlab's
    /// client, and what one recv(1024) would have read (TCP keeps no message boundaries).
    public static func piecesSentence(_ total: Int, _ receives: [Int]) -> String? {
        guard total > 1024, receives.reduce(0, +) == total else { return nil }
        let shown = receives.prefix(6).map(String.init).joined(separator: ", ") + (receives.count > 6 ? ", ..." : "")
        let calls = receives.count == 1 ? "1 recv() call" : "\(receives.count) recv() calls (\(shown) bytes)"
        return "the \(total) bytes came in \(calls); TCP keeps no message boundaries, so a client that calls recv(1024) once "
            + "reads only the first 1024"
    }

    /// Which ports the wire shows, in a sentence (`:watch`, and when the capture starts).
    var watchSentence: String {
        if watchingAll { return "WIRE watches every TCP and UDP port on the loopback and the ICMP errors for them (:watch reset: only netlab's)" }
        let ports = watchedPorts.map(String.init).joined(separator: ", ")
        return "WIRE watches ports \(ports) and the ICMP errors for them (:watch PORT adds one, :watch all every port)"
    }

    /// The longest report card line the panel shows whole.
    static let reportLineLimit = 1_000

    /// Turns servers on at start-up (`--servers`).
    public mutating func startServers(_ wanted: [LabEvent.Engine], now: Date) -> [Effect] {
        wanted.flatMap { setServer($0, on: true, now: now) }
    }

    // MARK: Keys

    /// A key (or the wheel) on an overlay: scrolls it and returns true, or returns false for
    /// a key that closes it (any other key, a click).
    static func scrollOverlay(_ key: Key, _ scroll: inout Int) -> Bool {
        switch key {
        case .pageUp: scroll = max(0, scroll - 10)
        case .pageDown: scroll += 10
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll += 1
        case .mouse(let event) where event.action == .wheelUp: scroll = max(0, scroll - 3)
        case .mouse(let event) where event.action == .wheelDown: scroll += 3
        default: return false
        }
        return true
    }

    mutating func handle(_ key: Key, now: Date, themes: [String]) -> [Effect] {
        if case .mouse(let event) = key { return mouse(event, now: now, themes: themes) }
        // Scrolling keys scroll the help or a panel (the roster, a report card); any other key
        // closes it and does only that (Enter must not send, F2 must not turn a server off
        // behind it).
        if showHelp {
            if !Self.scrollOverlay(key, &helpScroll) { showHelp = false }
            return []
        }
        if panel != nil {
            if !Self.scrollOverlay(key, &panelScroll) { panel = nil }
            return []
        }
        if let command = KeyBinding.command(for: key, inputEmpty: editor.isEmpty) {
            return run(command, now: now, themes: themes)
        }
        // Not in the table: a character typed into the input line.
        if case .character(let c) = key {
            focus = .client
            if editor.insert(c) {
                lineFullNoted = false
            } else if !lineFullNoted {
                // A paste longer than a line: said once per line, never dropped in silence.
                lineFullNoted = true
                say("the input line holds at most \(LineEditor.maxLength) characters: the rest of what was typed or pasted "
                    + "was left out", .error, now)
            }
            historyIndex = nil
        }
        return []
    }

    mutating func run(_ command: KeyBinding.Command, now: Date, themes: [String]) -> [Effect] {
        switch command {
        case .help:
            showHelp.toggle()
            helpScroll = 0
            return []
        case .roster:
            panel = .roster
            panelScroll = 0
            return []
        case .toggleServer(let engine):
            guard let server = server(engine) else {
                say("The \(engine.rawValue) server is not part of this build yet", .error, now)
                return []
            }
            return setServer(engine, on: !(server.isOn || server.phase == .starting), now: now)
        case .cycleProtocol:
            let index = engines.firstIndex(of: client.engine) ?? 0
            switchProtocol(to: engines[(index + 1) % engines.count], now: now)
            return []
        case .cycleTheme:
            guard !themes.isEmpty else { return [] }
            let index = themes.firstIndex(of: theme).map { ($0 + 1) % themes.count } ?? 0
            theme = themes[index]
            say("theme: \(theme) (F6 for the next)", .info, now)
            return []
        case .presenter:
            setPresenter(!presenter, now: now)
            return []
        case .toggleUDPMode:
            return execute(.udpMode(client.udpMode == .connected ? .unconnected : .connected), now: now, themes: themes)
        case .cycleTimelineView:
            return execute(.view(nil), now: now, themes: themes)
        case .focusNext, .focusPrevious:
            let panes = Pane.allCases
            let index = panes.firstIndex(of: focus)!
            let step = command == .focusNext ? 1 : panes.count - 1
            focus = panes[(index + step) % panes.count]
            return []
        case .quit:
            quitting = true
            return [.quit]
        case .submit:
            return submit(now: now, themes: themes)
        case .deleteBackward: editor.backspace()
        case .deleteForward: editor.delete()
        case .lineStart: editor.home()
        case .lineEnd: editor.end()
        case .clearLine: editor.replace(with: "")
        case .cursorLeft: editor.left()
        case .cursorRight: editor.right()
        case .toggleText:
            // The shown message as text (an HTTP response's status, headers and body) or hex.
            detailAsText.toggle()
            detailScroll = 0
        case .followNewest:
            selectedRowID = nil
        case .home:
            if focus == .timeline { selectedRowID = visibleRows.first?.id } else { editor.home() }
        case .end:
            if focus == .timeline { selectedRowID = nil } else { editor.end() }
        case .up: arrow(-1)
        case .down: arrow(1)
        case .pageUp: page(-1)
        case .pageDown: page(1)
        }
        return []
    }

    /// A click on a key-bar item runs it; a click in a pane focuses it (in the timeline's list,
    /// selects the row); the wheel scrolls the pane under the pointer.
    mutating func mouse(_ event: MouseEvent, now: Date, themes: [String]) -> [Effect] {
        let renderer = Renderer(state: self)
        if showHelp {
            if !Self.scrollOverlay(.mouse(event), &helpScroll) { showHelp = false }
            return []
        }
        if panel != nil {
            if !Self.scrollOverlay(.mouse(event), &panelScroll) { panel = nil }
            return []
        }
        if event.row == event.height - 1 {
            guard event.action == .click,
                  let item = renderer.keyBarItems(width: event.width).first(where: { $0.columns.contains(event.column) }) else { return [] }
            return run(item.binding.command, now: now, themes: themes)
        }
        guard !presenter, let layout = Layout(width: event.width, height: event.height) else { return [] }
        let step = event.action == .wheelUp ? -3 : 3
        if layout.timeline.contains(row: event.row, column: event.column) {
            let inner = layout.timeline.inner
            let rows = visibleRows
            let (listHeight, start) = renderer.timelineWindow(inner, rows: rows)
            let line = event.row - inner.row
            switch event.action {
            case .click:
                focus = .timeline
                if (0..<listHeight).contains(line), start + line < rows.count { selectedRowID = rows[start + line].id }
            case .wheelUp, .wheelDown:
                if line < listHeight { selectRow(step / 3) } else if let shown = shownRow {
                    scrollDetail(by: step / 3, pages: false, of: shown)
                }
            }
        } else if layout.serverLog.contains(row: event.row, column: event.column) {
            if event.action == .click { focus = .serverLog } else { logScroll = max(0, min(max(0, serverLog.count - 1), logScroll - step)) }
        } else if layout.client.contains(row: event.row, column: event.column) {
            if event.action == .click {
                focus = .client
            } else {
                scrollTranscript(by: -step)
            }
        }
        return []
    }

    mutating func arrow(_ step: Int) {
        switch focus {
        case .client:
            browseHistory(step)
        case .serverLog:
            logScroll = max(0, min(serverLog.count - 1, logScroll - step))
        case .timeline:
            selectRow(step)
        }
    }

    mutating func page(_ direction: Int) {
        let step = 10 * direction
        switch focus {
        case .client: scrollTranscript(by: -direction * transcriptPage)
        case .serverLog: logScroll = max(0, min(max(0, serverLog.count - 1), logScroll - step))
        case .timeline:
            // Inside the shown message: its hex rows or text lines scroll.
            // Half a small pane at a time: at 80x24 the detail shows a few lines.
            guard let shown = shownRow else { return }
            scrollDetail(by: direction, pages: true, of: shown)
        }
    }

    /// Scrolls the shown row's detail by lines or pages (a page: what fits less one line of
    /// overlap), clamped to its end: a PgDn past the end is not counted.
    mutating func scrollDetail(by amount: Int, pages: Bool, of shown: TimelineRow) {
        let geometry = screenSize.flatMap { Renderer(state: self).detailPage(width: $0.width, height: $0.height) }
        let step = pages ? amount * (geometry?.page ?? 4) : amount
        let limit = geometry?.maxScroll ?? Int.max
        detailScroll = max(0, min(limit, shownDetailScroll + step))
        detailScrollRow = shown.id
    }

    mutating func selectRow(_ step: Int) {
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

    mutating func browseHistory(_ step: Int) {
        if historyIndex == nil { browsingCommands = editor.text.hasPrefix(":") }
        let list = browsingCommands ? commandHistory : history
        guard !list.isEmpty else { return }
        var index = historyIndex ?? list.count
        index += step
        if index >= list.count {
            historyIndex = nil
            editor.replace(with: browsingCommands ? ":" : "")
        } else {
            historyIndex = max(0, index)
            editor.replace(with: list[historyIndex!])
        }
    }

    // MARK: The input line

    mutating func submit(now: Date, themes: [String]) -> [Effect] {
        let line = editor.text
        editor.replace(with: "")
        historyIndex = nil
        transcriptScroll = 0
        transcriptAtNewestHead = false
        guard !line.isEmpty else { return [] }
        if line.hasPrefix(":") { Self.remember(line, in: &commandHistory) } else { Self.remember(line, in: &history) }
        if line.hasPrefix(":") {
            switch ColonCommand.parse(String(line.dropFirst())) {
            case .success(let command): return execute(command, now: now, themes: themes)
            case .failure(let error):
                say(error.message, .error, now)
                return []
            }
        }
        guard engines.contains(client.engine) else {
            say("The \(client.engine.rawValue) client is not part of this build yet", .error, now)
            return []
        }
        let target = Endpoint(host: client.host, port: client.port)
        let mode = client.engine == .udp && client.udpMode == .connected ? " (connected)" : ""
        let timeout = client.engine == .udp ? client.timeout : max(client.timeout, Self.streamTimeoutFloor)
        outcome = .waiting(client.engine, to: target, at: now, timeout: timeout)
        // Shown when the client's send() has happened (its `sent` event), not now: a refused
        // connect sends nothing, and the transcript must not say it did.
        let id = nextExchange
        nextExchange += 1
        inFlight.append(Exchange(id: id, engine: client.engine, text: "\(client.engine.rawValue) -> \(target)\(mode) " + TerminalSafe.escape(Array(line.utf8)),
                                 line: line, began: now))
        // The effect is what the engine is given, exactly: the HTTP client sends a whole
        // request (the line is a path or a request line), and a stream client waits at least
        // 5 s (the timeout covers the handshake and the reply; a `:timeout` meant for UDP
        // replies would otherwise cut a TCP exchange short).
        let bytes = client.engine == .http
            ? HTTPClientMessage.request(for: line, host: client.host, port: client.port) : Array(line.utf8)
        return [.send(client.engine, bytes: bytes, host: client.host, port: client.port, udpMode: client.udpMode, timeout: timeout,
                      exchange: id)]
    }

    /// The least time a TCP or HTTP exchange is given, in seconds.
    static let streamTimeoutFloor = 5.0

    static func remember(_ line: String, in list: inout [String]) {
        guard list.last != line else { return }
        list.append(line)
        if list.count > 500 { list.removeFirst() }
    }


    mutating func setPresenter(_ on: Bool, now: Date) {
        presenter = on
        say(on ? "presenter mode on (F7 or :presenter off to leave)" : "presenter mode off", .info, now)
    }

    /// A line of information in the client's transcript (for the console loop's own news).
    public mutating func note(_ text: String, role: StyleRole = .info, now: Date) {
        say(text, role, now)
    }

    mutating func setServer(_ engine: LabEvent.Engine, on: Bool, now: Date) -> [Effect] {
        guard let server = server(engine) else { return [] }
        if on {
            if server.isOn || server.phase == .starting { return [] }
            setServer(engine) { $0.phase = .starting }
            return [.startServer(engine, host: listenHost, port: server.port)]
        }
        if !(server.isOn || server.phase == .starting) { return [] }
        setServer(engine) { $0.phase = .off }
        return [.stopServer(engine)]
    }

    mutating func switchProtocol(to engine: LabEvent.Engine, now: Date) {
        // Aimed at the old protocol's server? Then aim at the new one's (HTTP is on 8080).
        if let old = server(client.engine), let new = server(engine), client.port == old.port {
            client.port = new.port
        }
        client.engine = engine
        say("client protocol: \(engine.rawValue) -> \(Endpoint(host: client.host, port: client.port))", .info, now)
    }


    mutating func log(_ event: LabEvent, _ text: String, _ role: StyleRole) {
        serverLog.append(Line(time: event.time, text: text, role: role))
        // Keep a scrolled-back view where it is while new lines arrive.
        if logScroll > 0 { logScroll = min(logScroll + 1, serverLog.count - 1) }
    }

    /// A line in the client's transcript. A new entry (a line with a time) is followed from
    /// its first line: when it is taller than the pane, the view keeps its head on screen and
    /// the title says how many lines follow. A view the user scrolled back stays where it is.
    mutating func say(_ text: String, _ role: StyleRole, _ now: Date?) {
        let line = Line(time: now, text: text, role: role)
        transcript.append(line)
        if now != nil && transcriptAtNewestHead {
            transcriptAtNewestHead = false
            transcriptScroll = 0
        }
        if transcriptScroll > 0 && !transcriptAtNewestHead {
            transcriptScroll += transcriptRows(line)
        } else {
            anchorNewestEntry()
        }
    }
}
