import Foundation
import NetLabCore

extension ConsoleState {

    /// The one way the state changes: applies `action` and returns what the world must do.
    /// Pure: `now` is passed in, nothing here reads a clock or touches a socket.
    public mutating func update(_ action: Action, now: Date, themes: [String] = ["default"]) -> [Effect] {
        let effects = apply(action, now: now, themes: themes)
        // A lesson's message waits for the servers its step turned on.
        return lesson == nil ? effects : effects + lessonProgress(now: now)
    }

    private mutating func apply(_ action: Action, now: Date, themes: [String]) -> [Effect] {
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
        case .program(let news):
            hear(news, now: now)
            return []
        case .wire(let wire):
            self.wire = wire
            switch wire {
            case .on(let interface):
                say(
                    "WIRE on: capturing on \(interface); the timeline shows the packets beside the socket calls"
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
            timeline.kernelDropped = count
            return []
        case .resized(let width, let height):
            screenSize = ScreenSize(width: width, height: height)
            transcript.resized(to: transcriptArea)
            return []
        case .checked(let report):
            say(
                "check \(report.target): \(report.passed) of \(report.results.count) checks passed"
                    + (report.failed == 0 ? "" : " (report card open; any key closes it)"), report.failed == 0 ? .success : .error, now)
            overlay.open(Overlay.reportCard(report))
            return []
        case .reply(let engine, let id, let result):
            finishExchange(engine, id: id, result: result, now: now)
            return []
        case .saved(let path, let bytes, let what):
            say("saved \(what) to \(path) (\(bytes) bytes)", .info, now)
            return []
        case .notSaved(let path, .exists):
            say("\(path) already exists and was left as it is: :save! \(path) replaces it, or give another name", .error, now)
            return []
        case .notSaved(_, .failed(let reason)):
            say(reason, .error, now)
            return []
        case .faults(let result):
            faultsSet(result, now: now)
            return []
        case .stepWaiting(let step):
            guard stepping else { return [.proceed(id: step.id)] }
            pendingSteps.append(step)
            if pendingSteps.count == 1 { say(Self.stepSentence(step), .info, now) }
            return []
        case .copied(let what):
            say(
                "copied \(what) to the clipboard with OSC 52 (the terminal must allow it; in tmux: set -g set-clipboard on); "
                    + ":save FILE.hex writes it to a file", .info, now)
            return []
        }
    }

    /// Which ports the wire shows, in a sentence (`:watch`, and when the capture starts).
    var watchSentence: String {
        if watchingAll { return "WIRE watches every TCP and UDP port on the loopback and the ICMP errors for them (:watch reset: only netlab's)" }
        let ports = watchedPorts.map(String.init).joined(separator: ", ")
        return "WIRE watches ports \(ports) and the ICMP errors for them (:watch PORT adds one, :watch all every port)"
    }

    /// Turns servers on at start-up (`--servers`).
    public mutating func startServers(_ wanted: [LabEvent.Engine], now: Date) -> [Effect] {
        wanted.flatMap { setServer($0, on: true, now: now) }
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
        let server = server(engine)
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
        if client.port == server(client.engine).port { client.port = server(engine).port }
        client.engine = engine
        say("client protocol: \(engine.rawValue) -> \(Endpoint(host: client.host, port: client.port))", .info, now)
    }

    mutating func log(_ event: LabEvent, _ text: String, _ role: StyleRole) {
        serverLog.add(Line(time: event.time, text: text, role: role))
    }

    /// A line in the client's transcript. A new entry (a line with a time) is followed from
    /// its first line: when it is taller than the pane, the view keeps its head on screen and
    /// the title says how many lines follow. A view the user scrolled back stays where it is.
    mutating func say(_ text: String, _ role: StyleRole, _ now: Date?) {
        transcript.add(Line(time: now, text: text, role: role), in: transcriptArea)
        lessonHears(text)
    }
}
