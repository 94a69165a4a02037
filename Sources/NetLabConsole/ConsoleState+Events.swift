import Foundation
import NetLabCore

/// Engine events: the server log, the roster, the timeline's call rows, and remedies worded
/// for the console.
extension ConsoleState {
    /// The console's wording of a remedy: its own keys and commands, never the CLI's options.
    /// The remedy for the client's failure, worded for the state the console is in: the key
    /// that turns netlab's server on only when it is off, the command that aims the client
    /// at it when the target is elsewhere.
    func remedy(_ remedy: Remedy?, engine: LabEvent.Engine) -> String? {
        guard case .startServer = remedy else { return Self.remedyWords(remedy, engine: engine) }
        let server = server(engine)
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
        KeyBinding.all.first { $0.intent == .toggleServer(engine) }?.key.label ?? ":\(engine.rawValue.lowercased()) on"
    }

    mutating func record(_ event: LabEvent) {
        if case .wire(let frame) = event.kind {
            addWireRow(frame)
            return
        }
        timeline.add(callOf: event)
        if case .traced(let call, let program) = event.kind, let explanation = TraceText.explanation(call) {
            // A traced program's failed call, in the words netlab uses for its own.
            say("\(program) [\(call.pid)] \(call.call.rawValue)() failed with \(Errno(call.errno ?? 0).name): \(explanation)", .error, event.time)
            awaitEvidence(for: call, program: program)
        }
        if event.role == .client, let index = exchangeIndex(event.exchange, engine: event.engine) {
            switch event.kind {
            case .connected(let local, _), .connecting(_, let local?): inFlight[index].local = local
            case .sent(_, let from, _):
                if event.engine == .udp { inFlight[index].local = from }
                if !inFlight[index].sent {
                    inFlight[index].sent = true
                    say(inFlight[index].text, .sent, event.time)
                }
            case .received(let bytes, _, _) where event.engine == .tcp: inFlight[index].receives.append(bytes.count)
            default: break
            }
        }
        guard event.role == .server else { return }
        let engine = event.engine
        let name = engine.rawValue
        serverLog.note(event)
        switch event.kind {
        case .listening(let local):
            setServer(engine) { $0.phase = .on(local) }
            log(event, "\(name) server listening on \(local)", .success)
        case .stopped:
            setServer(engine) { if case .on = $0.phase { $0.phase = .off } }
            log(event, "\(name) server stopped", .info)
        case .failed(let error):
            let wasStarting = server(engine).phase == .starting
            var line = "\(name) \(error.description)"
            if let words = Self.remedyWords(error.remedy, engine: engine) { line += "; " + words }
            log(event, line, .error)
            if wasStarting, error.errnoValue == EADDRINUSE {
                let port = server(engine).port
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
}
