import Dispatch
import Foundation
import NetLabCapture
import NetLabCheck
import NetLabConsole
import NetLabCore
import NetLabEvents
import NetLabPrivate
import NetLabSockets

/// The console's effects carried out: what `ConsoleState.update` asked of the world (servers
/// started and stopped off the main queue, the client's exchanges, files, the clipboard, the
/// firewall, step mode, programs), each coming back as an action.
extension ConsoleApp {
    func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .startServer(let engine, let host, let port):
                // Success and failure both arrive as events (listening / failed): the thrown
                // error is the same one, so it is ignored here on purpose.
                guard let server = servers[engine] else { break }
                serverControl[engine]?.async { _ = try? server.start(host: host, port: port) }
            case .stopServer(let engine):
                guard let server = servers[engine] else { break }
                serverControl[engine]?.async { server.stop() }
            case .send(let engine, let bytes, let host, let port, let mode, let timeout, let exchange):
                let done: @Sendable (Result<[UInt8], ClientFailure>) -> Void = { [weak self] result in
                    MainActor.assumeIsolated { self?.dispatch(.reply(engine: engine, exchange: exchange, result: result)) }
                }
                // `:host b`: the client's sockets are made in host b's network.
                let place = state.client.from == "b" ? hostBPlace : nil
                switch engine {
                case .tcp: tcpClient.send(bytes, host: host, port: port, timeout: timeout, exchange: exchange, place: place, completion: done)
                case .udp:
                    udpClient.send(
                        bytes, host: host, port: port, mode: mode, timeout: timeout, exchange: exchange, place: place, completion: done)
                case .http: httpClient.send(bytes, host: host, port: port, timeout: timeout, exchange: exchange, place: place, completion: done)
                }
            case .run(let id, let command):
                startProgram(id, command)
            case .stopProgram(let pid):
                kill(pid, SIGTERM)
            case .input(let id, let bytes):
                giveInput(id, bytes)
            case .shell:
                runShell()
            case .save(let path, let bytes, let what, let replace):
                do throws(FileWriter.Failure) {
                    try FileWriter.write(bytes, to: path, existing: replace ? .replace : .keep)
                    dispatch(.saved(path: path, bytes: bytes.count, what: what))
                } catch .exists {
                    dispatch(.notSaved(path: path, reason: .exists))
                } catch {
                    dispatch(.notSaved(path: path, reason: .failed(error.description)))
                }
            case .copy(let text, let what):
                // OSC 52: the terminal puts the text on the system clipboard (over ssh too;
                // tmux passes it on with `set -g set-clipboard on`). Nothing comes back to say
                // whether the terminal allowed it, so the line says what it depends on.
                terminal.writeRaw("\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}")
                dispatch(.copied(what: what))
            case .setFaults(let faults):
                // Off the main queue (nft is a program of its own), one change at a time, in order.
                let secondHost = settings.secondHost
                firewallQueue.async { [weak self] in
                    let result: Result<[Fault], FaultError>
                    do throws(FaultError) {
                        try FaultLoader.load(faults, secondHost: secondHost)
                        result = .success(faults)
                    } catch {
                        result = .failure(error)
                    }
                    DispatchQueue.main.async { MainActor.assumeIsolated { self?.dispatch(.faults(result)) } }
                }
            case .stepping(let on):
                stepGate?.set(on: on)
            case .proceed(let id):
                stepGate?.proceed(id)
            case .tcpMode(let lab):
                (servers[.tcp] as? TCPServer)?.setOneMessage(lab)
            case .applyTheme(let name):
                if let theme = settings.themes.theme(named: name) { terminal.setTheme(theme) }
            case .check(let engine, let host, let port):
                // Off the main queue: the checks wait for replies (seconds when nobody answers).
                DispatchQueue.global().async { [weak self] in
                    // Every check (the strict rubric): in the console a student wants to learn
                    // all a server gets wrong, not only what a grade counts.
                    var options = Conformance.Options()
                    options.rubric = .strict
                    let report = Conformance.run(engine, host: host, port: port, options: options)
                    DispatchQueue.main.async { MainActor.assumeIsolated { self?.dispatch(.checked(report)) } }
                }
            case .quit:
                // A traced program held in step mode must be free to end.
                stepGate?.set(on: false)
                quit()
            }
        }
    }
}
