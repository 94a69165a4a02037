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
        case .event(let event):
            record(event)
            return []
        case .reply(let engine, let result):
            // The banner's one-line detail is also the transcript's line (the packet pane has
            // every byte); a reply reads as received, anything else as an error.
            let outcome = Outcome(engine: engine, result: result, at: now)
            self.outcome = outcome
            // The exchange is over: a line never sent (a refused connect) is never shown.
            if let index = unsent.firstIndex(where: { $0.engine == engine }) { unsent.remove(at: index) }
            let role: StyleRole = outcome.kind == .reply ? .received : .error
            var lines = outcome.detail.split(separator: "\n").map(String.init)
            if case .failure(let failure) = result, let words = Self.remedyWords(failure.remedy, engine: engine) {
                lines[0] += " (" + words + ")"
            }
            // A second line (UDP's other explanation) is its own line, under the first.
            for (index, line) in lines.enumerated() { say(line, role, index == 0 ? now : nil) }
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
            // A key pressed to close the help does only that (Enter must not send, F2 must
            // not turn a server off behind the overlay).
            showHelp = false
            return []
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
            if focus == .packets { selectedPacketID = packets.items.first?.id } else { editor.home() }
        case .end:
            if focus == .packets { selectedPacketID = nil } else { editor.end() }
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
        case .toggleUDPMode:
            return execute(.udpMode(client.udpMode == .connected ? .unconnected : .connected), now: now, themes: themes)
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
        case .packets:
            selectPacket(step)
        }
    }

    private mutating func page(_ direction: Int) {
        let step = 10 * direction
        switch focus {
        case .client: transcriptScroll = max(0, min(max(0, transcript.count - 1), transcriptScroll - step))
        case .serverLog: logScroll = max(0, min(max(0, serverLog.count - 1), logScroll - step))
        case .packets: selectPacket(step)
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
        guard !line.isEmpty else { return [] }
        if line.hasPrefix(":") { Self.remember(line, in: &commandHistory) } else { Self.remember(line, in: &history) }
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
        // Shown when the client's send() has happened (its `sent` event), not now: a refused
        // connect sends nothing, and the transcript must not say it did.
        unsent.append(UnsentLine(engine: client.engine,
                                 text: "\(client.engine.rawValue) -> \(target)\(mode) " + TerminalSafe.escape(Array(line.utf8))))
        return [.send(client.engine, bytes: Array(line.utf8), host: client.host, port: client.port,
                      udpMode: client.udpMode, timeout: client.timeout)]
    }

    private static func remember(_ line: String, in list: inout [String]) {
        guard list.last != line else { return }
        list.append(line)
        if list.count > 500 { list.removeFirst() }
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
        case .clear:
            serverLog.removeAll()
            transcript.removeAll()
            packets.removeAll()
            selectedPacketID = nil
            logScroll = 0
            transcriptScroll = 0
        case .help:
            showHelp = true
        case .helpFor(let name):
            let entries = Command.usage(for: name)
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

    private mutating func record(_ event: LabEvent) {
        if let payload = event.payload { addPacket(event, payload) }
        if event.role == .client, case .sent = event.kind, let index = unsent.firstIndex(where: { $0.engine == event.engine }) {
            say(unsent.remove(at: index).text, .sent, event.time)
        }
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
    mutating func say(_ text: String, _ role: StyleRole, _ now: Date?) {
        transcript.append(Line(time: now, text: text, role: role))
        if transcriptScroll > 0 { transcriptScroll = min(transcriptScroll + 1, transcript.count - 1) }
    }
}
