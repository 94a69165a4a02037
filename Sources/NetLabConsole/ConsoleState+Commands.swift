import Foundation
import NetLabCore

/// The `:` commands, carried out on the state.
extension ConsoleState {
    mutating func execute(_ command: ColonCommand, now: Date, themes: [String]) -> [Effect] {
        switch command {
        case .server(let engine, let on):
            return setServer(engine, on: on, now: now)
        case .proto(let engine):
            switchProtocol(to: engine, now: now)
        case .target(let host, let port):
            client.host = host
            client.port = port
            say("client target: \(Endpoint(host: host, port: port))", .info, now)
        case .port(let port):
            client.port = port
            say("client target: \(Endpoint(host: client.host, port: port))", .info, now)
        case .listen(let engine, let port):
            let server = server(engine)
            setServer(engine) { $0.port = port }
            say("\(engine.rawValue) server port: \(port)", .info, now)
            if server.isOn || server.phase == .starting {
                setServer(engine) { $0.phase = .starting }
                return [.stopServer(engine), .startServer(engine, host: listenHost, port: port)]
            }
        case .udpMode(let mode):
            client.udpMode = mode
            say(
                "UDP client mode: \(mode.rawValue)"
                    + (mode == .connected
                        ? " (the socket is connected first: an ICMP port unreachable now comes back as ECONNREFUSED; F8 switches back)"
                        : " (as the lab's client: an ICMP error is never reported; F8 switches)"),
                .info, now)
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
            return [.applyTheme(name)]
        case .presenter(let on):
            setPresenter(on ?? !presenter, now: now)
        case .view(let view):
            timeline.show(view)
            let words =
                switch timeline.view {
                case .both: "socket calls and wire packets"
                case .calls: "socket calls only"
                case .wire: "wire packets only"
                case .ladder: "a ladder: each endpoint's calls on its lifeline, the packets as arrows between them"
                }
            say("timeline: \(words) (F9 for the next view)", .info, now)
        case .ladder(let flow):
            switch flow {
            case .all:
                timeline.ladderFlow = nil
                say("the ladder draws every flow", .info, now)
            case .port(let port):
                timeline.ladderFlow = port
                say("the ladder draws the flow of client port \(port) (:ladder all: every flow)", .info, now)
            case .selected:
                guard let row = timeline.shownRow, let flow = Ladder.flow(of: row, serverPorts: ladderServerPorts) else {
                    say("select a row of the flow first (Tab to the timeline, Up/Down), then :ladder", .error, now)
                    return []
                }
                timeline.ladderFlow = flow
                say("the ladder draws the flow of client port \(flow) (:ladder all: every flow)", .info, now)
            }
            if timeline.view != .ladder { timeline.show(.ladder) }
        case .save(let name, let replace):
            return save(to: name, replace: replace, now: now)
        case .copy:
            guard let shown = timeline.shownRow, !shown.bytes.isEmpty else {
                say("nothing to copy: the timeline shows no message yet", .error, now)
                return []
            }
            return [.copy(text: Self.hexDumpText(shown), what: "the hex dump of \(Self.rowName(shown, in: self))")]
        case .clear:
            serverLog.clear()
            transcript.clear()
            timeline.clear()
        case .help:
            overlay.openHelp()
        case .roster:
            overlay.open(.roster)
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
        case .run(let command):
            return run(command, now: now)
        case .stopProgram(let id):
            return stopProgram(id, now: now)
        case .typeTo(let id, let text):
            return typeTo(id, text, now: now)
        case .shell:
            return [.shell]
        case .fault(let change):
            return fault(change, now: now)
        case .host(let name):
            sendFrom(name, now: now)
        case .lesson(let choice):
            return lessonCommand(choice, now: now)
        case .diff:
            showDiff(now: now)
        case .step(let on):
            return setStepping(on ?? !stepping, now: now)
        case .tcpMode(let lab):
            if let lab { tcpLabMode = lab }
            say(
                tcpLabMode
                    ? "TCP server mode: lab (one recv(1024), the reply, close, as the lab's TCPServer.py: the rest of a longer message "
                        + "stays unread, and the close resets the connection)"
                    : "TCP server mode: full (every byte comes back uppercased until the client closes)", .info, now)
            return lab.map { [.tcpMode(lab: $0)] } ?? []
        case .quit:
            quitting = true
            return [.quit]
        }
        return []
    }
}
