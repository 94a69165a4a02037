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
        case .reply(let engine, let result):
            // The banner's one-line detail is also the transcript's line (the packet pane has
            // every byte); a reply reads as received, anything else as an error.
            // When the exchange began (its evidence on the wire is no older than that).
            let began = self.outcome?.kind == .waiting ? self.outcome?.time : nil
            let outcome = Outcome(engine: engine, result: result, at: now)
            self.outcome = outcome
            // The exchange is over: a line never sent (a refused connect) is never shown.
            if let index = unsent.firstIndex(where: { $0.engine == engine }) { unsent.remove(at: index) }
            let role: StyleRole = outcome.kind == .reply ? .received : .error
            var lines = outcome.detail.split(separator: "\n").map(String.init)
            if case .failure(let failure) = result, let words = remedy(failure.remedy, engine: engine) {
                lines[0] += " (" + words + ")"
            }
            // A second line (UDP's other explanation) is its own line, under the first.
            for (index, line) in lines.enumerated() { say(line, role, index == 0 ? now : nil) }
            if case .failure(let failure) = result { recordFailure(failure, engine: engine, began: began, now: now) }
            return []
        }
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
    private static func scrollOverlay(_ key: Key, _ scroll: inout Int) -> Bool {
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

    private mutating func handle(_ key: Key, now: Date, themes: [String]) -> [Effect] {
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

    private mutating func run(_ command: KeyBinding.Command, now: Date, themes: [String]) -> [Effect] {
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
    private mutating func mouse(_ event: MouseEvent, now: Date, themes: [String]) -> [Effect] {
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

    private mutating func arrow(_ step: Int) {
        switch focus {
        case .client:
            browseHistory(step)
        case .serverLog:
            logScroll = max(0, min(serverLog.count - 1, logScroll - step))
        case .timeline:
            selectRow(step)
        }
    }

    private mutating func page(_ direction: Int) {
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
    private mutating func scrollDetail(by amount: Int, pages: Bool, of shown: TimelineRow) {
        let geometry = screenSize.flatMap { Renderer(state: self).detailPage(width: $0.width, height: $0.height) }
        let step = pages ? amount * (geometry?.page ?? 4) : amount
        let limit = geometry?.maxScroll ?? Int.max
        detailScroll = max(0, min(limit, shownDetailScroll + step))
        detailScrollRow = shown.id
    }

    private mutating func selectRow(_ step: Int) {
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

    private mutating func browseHistory(_ step: Int) {
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

    private mutating func submit(now: Date, themes: [String]) -> [Effect] {
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
        outcome = .waiting(client.engine, to: target, at: now)
        // Shown when the client's send() has happened (its `sent` event), not now: a refused
        // connect sends nothing, and the transcript must not say it did.
        unsent.append(UnsentLine(engine: client.engine,
                                 text: "\(client.engine.rawValue) -> \(target)\(mode) " + TerminalSafe.escape(Array(line.utf8))))
        // The effect is what the engine is given, exactly: the HTTP client sends a whole
        // request (the line is a path or a request line), and a stream client waits at least
        // 5 s (the timeout covers the handshake and the reply; a `:timeout` meant for UDP
        // replies would otherwise cut a TCP exchange short).
        let bytes = client.engine == .http
            ? HTTPClientMessage.request(for: line, host: client.host, port: client.port) : Array(line.utf8)
        let timeout = client.engine == .udp ? client.timeout : max(client.timeout, Self.streamTimeoutFloor)
        clientLocal = nil
        return [.send(client.engine, bytes: bytes, host: client.host, port: client.port, udpMode: client.udpMode, timeout: timeout)]
    }

    /// The least time a TCP or HTTP exchange is given, in seconds.
    static let streamTimeoutFloor = 5.0

    private static func remember(_ line: String, in list: inout [String]) {
        guard list.last != line else { return }
        list.append(line)
        if list.count > 500 { list.removeFirst() }
    }

    private mutating func execute(_ command: ColonCommand, now: Date, themes: [String]) -> [Effect] {
        switch command {
        case .server(let engine, let on):
            guard server(engine) != nil else {
                say("The \(engine.rawValue) server is not part of this build yet", .error, now)
                return []
            }
            return setServer(engine, on: on, now: now)
        case .proto(let engine):
            guard engines.contains(engine) else {
                say("The \(engine.rawValue) client is not part of this build yet", .error, now)
                return []
            }
            switchProtocol(to: engine, now: now)
        case .target(let host, let port):
            client.host = host
            client.port = port
            say("client target: \(Endpoint(host: host, port: port))", .info, now)
        case .port(let port):
            client.port = port
            say("client target: \(Endpoint(host: client.host, port: port))", .info, now)
        case .listen(let engine, let port):
            guard let server = server(engine) else {
                say("The \(engine.rawValue) server is not part of this build yet", .error, now)
                return []
            }
            setServer(engine) { $0.port = port }
            say("\(engine.rawValue) server port: \(port)", .info, now)
            if server.isOn || server.phase == .starting {
                setServer(engine) { $0.phase = .starting }
                return [.stopServer(engine), .startServer(engine, host: listenHost, port: port)]
            }
        case .udpMode(let mode):
            client.udpMode = mode
            say("UDP client mode: \(mode.rawValue)" + (mode == .connected
                ? " (the socket is connected first: an ICMP port unreachable now comes back as ECONNREFUSED; F8 switches back)"
                : " (as the lab's client: an ICMP error is never reported; F8 switches)"), .info, now)
        case .timeout(let seconds):
            client.timeout = seconds
            say("client timeout: \(seconds) s", .info, now)
        case .theme(let name):
            if name.isEmpty {
                say("themes: \(themes.joined(separator: ", ")) (now: \(theme))", .info, now)
                return []
            }
            guard themes.contains(name) else {
                say("unknown theme \(name); available: \(themes.joined(separator: ", "))", .error, now)
                return []
            }
            theme = name
            say("theme: \(name)", .info, now)
        case .presenter(let on):
            setPresenter(on ?? !presenter, now: now)
        case .view(let view):
            let all = TimelineView.allCases
            timelineView = view ?? all[((all.firstIndex(of: timelineView) ?? 0) + 1) % all.count]
            selectedRowID = nil
            let words = switch timelineView {
            case .both: "socket calls and wire packets"
            case .calls: "socket calls only"
            case .wire: "wire packets only"
            }
            say("timeline: \(words) (F9 for the next view)", .info, now)
        case .save(let name, let replace):
            return save(to: name, replace: replace, now: now)
        case .copy:
            guard let shown = shownRow, !shown.bytes.isEmpty else {
                say("nothing to copy: the timeline shows no message yet", .error, now)
                return []
            }
            return [.copy(text: Self.hexDumpText(shown), what: "the hex dump of \(Self.rowName(shown, in: self))")]
        case .clear:
            serverLog.removeAll()
            transcript.removeAll()
            timeline.removeAll()
            selectedRowID = nil
            logScroll = 0
            transcriptScroll = 0
            transcriptAtNewestHead = false
            wireFramesSeen = 0
        case .help:
            showHelp = true
            helpScroll = 0
        case .roster:
            panel = .roster
            panelScroll = 0
        case .check:
            let target = Endpoint(host: client.host, port: client.port)
            say("checking \(client.engine.rawValue) \(target) against the lab's protocol (netlab check)...", .info, now)
            return [.check(client.engine, host: client.host, port: client.port)]
        case .watch(let change):
            switch change {
            case .show: break
            case .all: watchingAll = true
            case .reset:
                watchingAll = false
                watchedExtra = []
            case .add(let ports):
                watchingAll = false
                for port in ports where !watchedExtra.contains(port) { watchedExtra.append(port) }
            }
            say(watchSentence, .info, now)
        case .helpFor(let name):
            let entries = ColonCommand.usage(for: name)
            guard !entries.isEmpty else {
                say("no command :\(name); :help lists them all", .error, now)
                return []
            }
            for entry in entries { say("\(entry.syntax): \(entry.help)", .info, now) }
        case .show(let setting):
            switch setting {
            case .port: say("client target port: \(client.port)", .info, now)
            case .target: say("client target: \(client.engine.rawValue) -> \(Endpoint(host: client.host, port: client.port))", .info, now)
            case .timeout: say("client timeout: \(ClientFailure.format(client.timeout)) s", .info, now)
            case .udpMode: say("UDP client mode: \(client.udpMode.rawValue)", .info, now)
            }
        case .quit:
            quitting = true
            return [.quit]
        }
        return []
    }


    private mutating func setPresenter(_ on: Bool, now: Date) {
        presenter = on
        say(on ? "presenter mode on (F7 or :presenter off to leave)" : "presenter mode off", .info, now)
    }

    /// A line of information in the client's transcript (for the console loop's own news).
    public mutating func note(_ text: String, role: StyleRole = .info, now: Date) {
        say(text, role, now)
    }

    private mutating func setServer(_ engine: LabEvent.Engine, on: Bool, now: Date) -> [Effect] {
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

    private mutating func switchProtocol(to engine: LabEvent.Engine, now: Date) {
        // Aimed at the old protocol's server? Then aim at the new one's (HTTP is on 8080).
        if let old = server(client.engine), let new = server(engine), client.port == old.port {
            client.port = new.port
        }
        client.engine = engine
        say("client protocol: \(engine.rawValue) -> \(Endpoint(host: client.host, port: client.port))", .info, now)
    }

    // MARK: Engine events

    /// The console's wording of a remedy: its own keys and commands, never the CLI's options.
    /// The remedy for the client's failure, worded for the state the console is in: the key
    /// that turns netlab's server on only when it is off, the command that aims the client
    /// at it when the target is elsewhere.
    func remedy(_ remedy: Remedy?, engine: LabEvent.Engine) -> String? {
        guard case .startServer = remedy, let server = server(engine) else { return Self.remedyWords(remedy, engine: engine) }
        let on = server.isOn || server.phase == .starting
        let aimed = server.port == client.port
        switch (on, aimed) {
        case (false, true):
            return Self.remedyWords(remedy, engine: engine)
        case (false, false):
            return "\(Self.toggleKey(engine)) turns netlab's \(engine.rawValue) server on at port \(server.port); "
                + ":port \(server.port) aims the client at it"
        case (true, false):
            return ":port \(server.port) aims the client at netlab's \(engine.rawValue) server, which is on"
        case (true, true):
            return ":target 127.0.0.1 \(server.port) aims the client at netlab's \(engine.rawValue) server, which is on"
        }
    }

    static func remedyWords(_ remedy: Remedy?, engine: LabEvent.Engine) -> String? {
        let name = engine.rawValue.lowercased()
        switch remedy {
        case .freeOrChangePort(let port):
            return "stop it, or move netlab's server with :listen \(name) \(Remedy.neighbour(of: port))"
        case .waitOrChangePort(let port):
            return "wait a minute, or move netlab's server with :listen \(name) \(Remedy.neighbour(of: port))"
        case .unprivilegedPort:
            return "use a port of 1024 or above: :listen \(name) 12000"
        case .raiseDescriptorLimit:
            return "close some connections, or quit and raise the limit (ulimit -n)"
        case .startServer:
            return "\(toggleKey(engine)) turns netlab's \(engine.rawValue) server on; :port changes the target"
        case .connectedUDP:
            return ":udp-mode connected hears the ICMP error"
        case nil:
            return nil
        }
    }

    static func toggleKey(_ engine: LabEvent.Engine) -> String {
        KeyBinding.all.first { $0.command == .toggleServer(engine) }?.key.label ?? ":\(engine.rawValue.lowercased()) on"
    }

    /// Who talked to the servers, and what became of it.
    private mutating func noteInRoster(_ event: LabEvent) {
        switch event.kind {
        case .received(let bytes, let from, _):
            roster.heard(bytes, from: from.host, engine: event.engine, at: event.time)
        case .sent(let bytes, _, let to):
            roster.replied(bytes.count, to: to.host, engine: event.engine, at: event.time)
        case .served(let peer, let requestLine, let status, _, _, _):
            roster.served(requestLine, status: status, to: peer.host, at: event.time)
        case .rejected(let peer, let reason):
            roster.rejected(peer.host, engine: event.engine, reason: reason, at: event.time)
        default:
            break
        }
    }

    private mutating func record(_ event: LabEvent) {
        if case .wire(let frame) = event.kind {
            addWireRow(frame)
            return
        }
        addCallRow(event)
        if event.role == .client {
            switch event.kind {
            case .connected(let local, _): clientLocal = local
            case .sent(_, let from, _) where event.engine == .udp: clientLocal = from
            default: break
            }
        }
        if event.role == .client, case .sent = event.kind, let index = unsent.firstIndex(where: { $0.engine == event.engine }) {
            say(unsent.remove(at: index).text, .sent, event.time)
        }
        guard event.role == .server else { return }
        let engine = event.engine
        let name = engine.rawValue
        noteInRoster(event)
        switch event.kind {
        case .listening(let local):
            setServer(engine) { $0.phase = .on(local) }
            log(event, "\(name) server listening on \(local)", .success)
        case .stopped:
            setServer(engine) { if case .on = $0.phase { $0.phase = .off } }
            log(event, "\(name) server stopped", .info)
        case .failed(let error):
            let wasStarting = server(engine)?.phase == .starting
            var line = "\(name) \(error.description)"
            if let words = Self.remedyWords(error.remedy, engine: engine) { line += "; " + words }
            log(event, line, .error)
            if wasStarting, error.errnoValue == EADDRINUSE, let port = server(engine)?.port {
                // Someone else's server (often the student's own) has the port: leave it to
                // them and say what the client now talks to.
                setServer(engine) { $0.phase = .off }
                let holder = error.holder ?? "another program"
                var note = "\(name) port \(port) is taken by \(holder): netlab's \(name) server stays OFF"
                if client.engine == engine && client.port == port { note += " and the client talks to that server" }
                say(note + "; \(Self.toggleKey(engine)) tries again, :listen \(name.lowercased()) PORT moves netlab's", .info, event.time)
            } else {
                setServer(engine) { if $0.phase == .starting { $0.phase = .failed } }
            }
        case .rejected:
            log(event, "\(name) \(event.summary)", .error)
        case .received:
            log(event, "\(name) \(event.summary)", .received)
        case .sent:
            log(event, "\(name) \(event.summary)", .sent)
        default:
            log(event, "\(name) \(event.summary)", .normal)
        }
    }


    private mutating func log(_ event: LabEvent, _ text: String, _ role: StyleRole) {
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
