import Foundation
import NetLabCore

/// Programs the console runs traced (`:run`): their calls join the timeline as rows of their
/// own, their output the client pane, the ports they name the wire's filter.
extension ConsoleState {
    mutating func run(_ command: [String], now: Date) -> [Effect] {
        guard !command.isEmpty else {
            if programs.isEmpty { say("no programs yet: :run COMMAND... starts one (e.g. :run python3 TCPServer.py)", .info, now) }
            for program in programs {
                let state = program.running ? "running" : "ended"
                say("\(program.id) \(program.name)\(program.pid.map { " (pid \($0))" } ?? "") \(state)", .info, now)
            }
            return []
        }
        let id = (programs.last?.id ?? 0) + 1
        var name = command.map { ($0 as NSString).lastPathComponent }.joined(separator: " ")
        if name.count > 40 { name = String(name.prefix(37)) + "..." }
        programs.append(Program(id: id, name: name))
        say(
            "\(id) \(name): starting, traced (its socket calls join the timeline; :type \(id) TEXT is its input, :stop \(id) ends it)",
            .info, now)
        return [.run(id: id, command: command)]
    }

    mutating func stopProgram(_ id: Int, now: Date) -> [Effect] {
        guard let program = programs.first(where: { $0.id == id }), program.running, let pid = program.pid else {
            say("no running program \(id): :run lists them", .error, now)
            return []
        }
        return [.stopProgram(pid: pid)]
    }

    mutating func typeTo(_ id: Int, _ text: String, now: Date) -> [Effect] {
        guard let program = programs.first(where: { $0.id == id }), program.running else {
            say("no running program \(id): :run lists them", .error, now)
            return []
        }
        say("\(program.name) <- " + TerminalSafe.escape(Array(text.utf8)), .sent, now)
        return [.input(id: id, bytes: Array((text + "\n").utf8))]
    }

    mutating func hear(_ news: ProgramNews, now: Date) {
        switch news {
        case .started(let id, let pid):
            guard let index = programs.firstIndex(where: { $0.id == id }) else { return }
            programs[index].pid = pid
        case .output(let id, let line):
            let name = programs.first { $0.id == id }?.name ?? "program \(id)"
            say("\(name): " + TerminalSafe.escape(Array(line.utf8)), .received, now)
        case .ended(let id, let how):
            guard let index = programs.firstIndex(where: { $0.id == id }) else { return }
            programs[index].running = false
            let pid = programs[index].pid.map { " (pid \($0))" } ?? ""
            say("\(id) \(programs[index].name)\(pid) \(how)", how.hasPrefix("exited with status 0") ? .info : .error, now)
        case .inputLost(let id, let why):
            say("program \(id) did not get the line: \(why)", .error, now)
        case .port(let port):
            if !watchingAll && !watchedPorts.contains(port) { watchedExtra.append(port) }
        }
    }
}
