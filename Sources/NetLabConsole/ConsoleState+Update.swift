import Foundation
import NetLabCore

extension ConsoleState {

    /// The one way the state changes: applies `action` and returns what the world must do.
    /// Pure: `now` is passed in, nothing here reads a clock or touches a socket.
    public mutating func update(_ action: Action, now: Date, themes: [String] = ["default"]) -> [Effect] {
        switch action {
        case .key(let key):
            return handle(key, now: now, themes: themes)
        case .event(let event):
            record(event)
            return []
        case .reply(let engine, let result):
            // The banner's one-line detail is also the transcript's line (the packet pane has
            // every byte); a reply reads as received, anything else as an error.
            let outcome = Outcome(engine: engine, result: result, at: now)
            self.outcome = outcome
            say(outcome.detail, outcome.kind == .reply ? .received : .error, now)
            return []
        }
    }

    /// Turns servers on at start-up (`--servers`).
    public mutating func startServers(_ wanted: [LabEvent.Engine], now: Date) -> [Effect] {
        wanted.flatMap { setServer($0, on: true, now: now) }
    }

    // MARK: Keys

    private mutating func handle(_ key: Key, now: Date, themes: [String]) -> [Effect] {
        if showHelp {
            // Any key closes the help; F1 and Esc only close it.
            showHelp = false
            if key == .function(1) || key == .escape { return [] }
        }
        if let binding = KeyBinding.all.first(where: { $0.key == key }) {
            return run(binding.command, now: now, themes: themes)
        }
        switch key {
        case .character(let c):
            focus = .client
            editor.insert(c)
            historyIndex = nil
        case .enter:
            return submit(now: now, themes: themes)
        case .backspace: editor.backspace()
        case .delete: editor.delete()
        case .control("a"): editor.home()
        case .control("e"): editor.end()
        case .control("u"): editor.replace(with: "")
        case .left: editor.left()
        case .right: editor.right()
        case .escape:
            selectedPacketID = nil
        case .home:
            if focus == .hex { selectedPacketID = packets.items.first?.id } else { editor.home() }
        case .end:
            if focus == .hex { selectedPacketID = nil } else { editor.end() }
        case .up: arrow(-1)
        case .down: arrow(1)
        case .pageUp: page(-1)
        case .pageDown: page(1)
        default: break
        }
        return []
    }

    private mutating func run(_ command: KeyBinding.Command, now: Date, themes: [String]) -> [Effect] {
        switch command {
        case .help:
            showHelp.toggle()
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
        case .focusNext, .focusPrevious:
            let panes = Pane.allCases
            let index = panes.firstIndex(of: focus)!
            let step = command == .focusNext ? 1 : panes.count - 1
            focus = panes[(index + step) % panes.count]
            return []
        case .quit:
            quitting = true
            return [.quit]
        }
    }

    private mutating func arrow(_ step: Int) {
        switch focus {
        case .client:
            browseHistory(step)
        case .serverLog:
            logScroll = max(0, min(serverLog.count - 1, logScroll - step))
        case .hex:
            selectPacket(step)
        }
    }

    private mutating func page(_ direction: Int) {
        let step = 10 * direction
        switch focus {
        case .client: transcriptScroll = max(0, min(max(0, transcript.count - 1), transcriptScroll - step))
        case .serverLog: logScroll = max(0, min(max(0, serverLog.count - 1), logScroll - step))
        case .hex: selectPacket(step)
        }
    }

    private mutating func selectPacket(_ step: Int) {
        guard !packets.isEmpty else { return }
        let ids = packets.items.map(\.id)
        let current = selectedPacketID.flatMap { ids.firstIndex(of: $0) } ?? ids.count - 1
        let target = current + step
        if target >= ids.count {
            selectedPacketID = nil  // past the newest: follow again
        } else {
            selectedPacketID = ids[max(0, target)]
        }
    }

    private mutating func browseHistory(_ step: Int) {
        guard !history.isEmpty else { return }
        var index = historyIndex ?? history.count
        index += step
        if index >= history.count {
            historyIndex = nil
            editor.replace(with: "")
        } else {
            historyIndex = max(0, index)
            editor.replace(with: history[historyIndex!])
        }
    }

    // MARK: The input line

    private mutating func submit(now: Date, themes: [String]) -> [Effect] {
        let line = editor.text
        editor.replace(with: "")
        historyIndex = nil
        transcriptScroll = 0
        guard !line.isEmpty else { return [] }
        if history.last != line {
            history.append(line)
            if history.count > 500 { history.removeFirst() }
        }
        if line.hasPrefix(":") {
            switch Command.parse(String(line.dropFirst())) {
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
        say("\(client.engine.rawValue) -> \(target)\(mode) " + TerminalSafe.escape(Array(line.utf8)), .sent, now)
        return [.send(client.engine, bytes: Array(line.utf8), host: client.host, port: client.port,
                      udpMode: client.udpMode, timeout: client.timeout)]
    }

    private mutating func execute(_ command: Command, now: Date, themes: [String]) -> [Effect] {
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
            say("UDP client mode: \(mode.rawValue)", .info, now)
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
        case .clear:
            serverLog.removeAll()
            transcript.removeAll()
            packets.removeAll()
            selectedPacketID = nil
            logScroll = 0
            transcriptScroll = 0
        case .help:
            showHelp = true
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

    private mutating func record(_ event: LabEvent) {
        if let payload = event.payload { addPacket(event, payload) }
        guard event.role == .server else { return }
        let engine = event.engine
        let name = engine.rawValue
        switch event.kind {
        case .listening(let local):
            setServer(engine) { $0.phase = .on(local) }
            log(event, "\(name) server listening on \(local)", .success)
        case .stopped:
            setServer(engine) { if case .on = $0.phase { $0.phase = .off } }
            log(event, "\(name) server stopped", .info)
        case .failed(let error):
            setServer(engine) { if $0.phase == .starting { $0.phase = .failed } }
            log(event, "\(name) \(error.description)", .error)
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

    private mutating func addPacket(_ event: LabEvent, _ bytes: [UInt8]) {
        let (outgoing, from, to): (Bool, Endpoint, Endpoint)
        switch event.kind {
        case .sent(_, let f, let t): (outgoing, from, to) = (true, f, t)
        case .received(_, let f, let t): (outgoing, from, to) = (false, f, t)
        default: return
        }
        let kept = bytes.count > Self.packetBytesKept ? Array(bytes.prefix(Self.packetBytesKept)) : bytes
        packets.append(Packet(id: nextPacketID, time: event.time, engine: event.engine, role: event.role,
                              outgoing: outgoing, from: from, to: to, bytes: kept, length: bytes.count))
        nextPacketID += 1
        if let selectedPacketID, let first = packets.items.first, selectedPacketID < first.id {
            self.selectedPacketID = nil  // the selected packet was dropped
        }
    }

    private mutating func log(_ event: LabEvent, _ text: String, _ role: StyleRole) {
        serverLog.append(Line(time: event.time, text: text, role: role))
        // Keep a scrolled-back view where it is while new lines arrive.
        if logScroll > 0 { logScroll = min(logScroll + 1, serverLog.count - 1) }
    }

    /// A line in the client's transcript.
    mutating func say(_ text: String, _ role: StyleRole, _ now: Date) {
        transcript.append(Line(time: now, text: text, role: role))
        if transcriptScroll > 0 { transcriptScroll = min(transcriptScroll + 1, transcript.count - 1) }
    }
}
