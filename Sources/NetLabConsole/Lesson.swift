import Foundation
import NetLabCore
import NetLabTOML
import TOMLKit

/// A lesson (`:lesson N`, `netlab --lesson N`): steps that set the console up with its own
/// `:` commands, ask the room to predict, send a message on the real engines, and show what
/// happened in the console's own sentences (the same ones the transcript says, each tested
/// against a capture). A lesson is data: a TOML file (`Lessons/*.toml`, compiled in, or a
/// teacher's own in `~/.config/netlab/lessons`).
public struct Lesson: Equatable, Sendable {
    /// The file's name without `.toml` (`1-tcp-refused`), what `:lesson NAME` takes.
    public var name: String
    public var title: String
    /// One or two sentences the pane shows before the first step.
    public var about: String
    /// What the lesson needs besides the console: the private network (`--private`) for faults.
    public var needsPrivateNetwork: Bool
    public var steps: [Step]

    public struct Step: Equatable, Sendable {
        /// `:` commands run first, in order, as written (`:tcp off`, `:port {tcp+1}`): the
        /// servers' ports are put in when the step runs.
        public var commands: [String]
        /// What the room is told before it predicts.
        public var say: String
        /// The line the client sends (a path for HTTP); nil: the step only sets up.
        public var send: String?
        /// The message's length in bytes, `send` repeated to fill it (a message longer than
        /// a server's recv(1024)); nil: `send` as it is.
        public var length: Int?
        /// The question, and its answers: nil when the step just shows.
        public var ask: String?
        public var choices: [Choice]
        /// Said after the result: why it is so, in general words (the run's own values are in
        /// the console's sentences above it, never here).
        public var why: String

        /// The message the client sends, as bytes.
        public var message: [UInt8]? {
            guard let send else { return nil }
            let bytes = Array(send.utf8)
            guard let length, !bytes.isEmpty else { return bytes }
            return (0..<length).map { bytes[$0 % bytes.count] }
        }
    }

    /// One answer the room can give: the letter typed for it, its words, and what happens if it
    /// is right.
    public struct Choice: Equatable, Sendable {
        public var key: Character
        public var text: String
        public var means: Meaning
    }

    /// What a run's result can be, as a lesson names it.
    public enum Meaning: Equatable, Sendable {
        /// Any reply (HTTP: a status below 400).
        case reply
        case refused
        /// Nothing came back before the client stopped waiting.
        case silence
        case reset
        /// The server closed without a word.
        case closed
        case unreachable
        /// HTTP: this status code.
        case status(Int)
        /// A reply as long as the message, longer, or shorter (bytes).
        case sameLength, longer, shorter

        static let words = ["reply", "refused", "silence", "reset", "closed", "unreachable", "same-length", "longer", "shorter"]

        init?(_ word: String) {
            switch word {
            case "reply": self = .reply
            case "refused": self = .refused
            case "silence": self = .silence
            case "reset": self = .reset
            case "closed": self = .closed
            case "unreachable": self = .unreachable
            case "same-length": self = .sameLength
            case "longer": self = .longer
            case "shorter": self = .shorter
            default:
                guard word.count == 3, let code = Int(word), (100...599).contains(code) else { return nil }
                self = .status(code)
            }
        }

        /// Whether a result is this: `outcome` as the banner shows it, `reply` the reply's length
        /// and `message` the message's (for the length meanings).
        public func matches(_ outcome: Outcome, reply: Int?, message: Int) -> Bool {
            switch self {
            case .reply: outcome.kind == .reply
            case .refused: outcome.banners.contains("REFUSED")
            case .silence: outcome.kind == .silence
            case .reset: outcome.banners.contains("RESET")
            case .closed: outcome.banners.contains("CLOSED")
            case .unreachable: outcome.banners.contains("UNREACHABLE") || outcome.banners.contains("NO ROUTE")
            case .status(let code): outcome.engine == .http && outcome.banners.contains("\(code)")
            case .sameLength: reply == message
            case .longer: reply.map { $0 > message } ?? false
            case .shorter: reply.map { $0 < message } ?? false
            }
        }
    }
}

extension Lesson {
    /// Reads a lesson file's text; `name` is its file name without `.toml`. Every problem is
    /// `file:line: problem` with the fix.
    public static func parse(_ text: String, name: String, file: String) throws(TOMLFileError) -> Lesson {
        let (table, lines) = try TOMLFile.parse(text, file: file)
        let topKeys = ["title", "about", "needs", "step"]
        for key in table.keys where !topKeys.contains(key) {
            throw lines.error(
                at: [key], "unknown key \"\(key)\"\(TOMLFile.suggestion(for: key, among: topKeys)); a lesson has \(topKeys.joined(separator: ", "))")
        }
        guard let title = table["title"]?.string, !title.isEmpty else {
            throw lines.error(at: ["title"], "a lesson needs a title: title = \"TCP client before server\"")
        }
        var needsPrivate = false
        if let needs = table["needs"] {
            guard needs.string == "private-network" else {
                throw lines.error(at: ["needs"], "needs takes \"private-network\" (a lesson with faults), or leave it out")
            }
            needsPrivate = true
        }
        guard let stepTables = table["step"]?.array, !stepTables.isEmpty else {
            throw lines.error(at: ["step"], "a lesson needs at least one [[step]] table")
        }
        var steps: [Step] = []
        for (index, value) in stepTables.enumerated() {
            let at = ["step", String(index)]
            guard let step = value.table else { throw lines.error(at: at, "each step is a [[step]] table") }
            steps.append(try parseStep(step, at: at, lines: lines))
        }
        return Lesson(
            name: name, title: title, about: table["about"]?.string ?? "", needsPrivateNetwork: needsPrivate, steps: steps)
    }

    private static func parseStep(_ step: TOMLTable, at: [String], lines: KeyLines) throws(TOMLFileError) -> Step {
        let keys = ["do", "say", "send", "length", "ask", "choices", "why"]
        for key in step.keys where !keys.contains(key) {
            throw lines.error(
                at: at + [key], "unknown key \"\(key)\"\(TOMLFile.suggestion(for: key, among: keys)); a step has \(keys.joined(separator: ", "))")
        }
        var commands: [String] = []
        if let list = step["do"] {
            guard let array = list.array else {
                throw lines.error(at: at + ["do"], "do is a list of : commands: do = [\"tcp off\", \"proto tcp\"]")
            }
            for item in array {
                guard let text = item.string else { throw lines.error(at: at + ["do"], "each command in do is a string: \"tcp off\"") }
                let bare = text.hasPrefix(":") ? String(text.dropFirst()) : text
                let filled: String
                do throws(PlaceholderError) {
                    filled = try fill(bare, ports: [.tcp: 12000, .udp: 12000, .http: 8080])
                } catch {
                    throw lines.error(at: at + ["do"], "\":\(bare)\": \(error.message)")
                }
                switch ColonCommand.parse(filled) {
                case .success(let command):
                    if !command.lessonMayRun {
                        throw lines.error(
                            at: at + ["do"], "\":\(bare)\" cannot run in a lesson: a step sets the console up (servers, ports, modes, faults)")
                    }
                    commands.append(":" + bare)
                case .failure(let error):
                    throw lines.error(at: at + ["do"], "\":\(bare)\": \(error.message)")
                }
            }
        }
        func string(_ key: String) throws(TOMLFileError) -> String? {
            guard let value = step[key] else { return nil }
            guard let text = value.string else { throw lines.error(at: at + [key], "\(key) is a string in quotes") }
            return text
        }
        let send = try string("send")
        if let send, send.isEmpty || send.contains("\n") {
            throw lines.error(at: at + ["send"], "send is one line of text, as typed in the client pane")
        }
        var length: Int?
        if let value = step["length"] {
            guard let number = value.int, (1...65536).contains(number), send != nil else {
                throw lines.error(at: at + ["length"], "length is the message's size in bytes, 1 to 65536, with send = \"...\" to repeat")
            }
            length = number
        }
        let ask = try string("ask")
        var choices: [Choice] = []
        if let list = step["choices"] {
            guard let array = list.array else {
                throw lines.error(at: at + ["choices"], "choices is a list: [{ key = \"r\", text = \"refused\", means = \"refused\" }, ...]")
            }
            for item in array {
                guard let choice = item.table, let key = choice["key"]?.string, key.count == 1, let letter = key.first, letter.isLetter,
                    let text = choice["text"]?.string, let word = choice["means"]?.string
                else {
                    throw lines.error(
                        at: at + ["choices"], "each choice is { key = \"r\", text = \"refused\", means = \"refused\" } (key: one letter)")
                }
                guard let means = Meaning(word) else {
                    throw lines.error(
                        at: at + ["choices"],
                        "means = \"\(word)\" is not a result\(TOMLFile.suggestion(for: word, among: Meaning.words)): use one of "
                            + Meaning.words.joined(separator: ", ") + ", or an HTTP status (404)")
                }
                guard !choices.contains(where: { $0.key == letter.lowercased().first! }) else {
                    throw lines.error(at: at + ["choices"], "two choices have the key \"\(key)\": give each its own letter")
                }
                choices.append(Choice(key: letter.lowercased().first!, text: text, means: means))
            }
        }
        if ask != nil, choices.count < 2 {
            throw lines.error(at: at + ["ask"], "a question needs at least two choices = [...] to predict from")
        }
        if ask == nil, !choices.isEmpty {
            throw lines.error(at: at + ["choices"], "choices without a question: add ask = \"What will the client see?\"")
        }
        if ask != nil, send == nil {
            throw lines.error(at: at + ["ask"], "a question is about what a message does: add send = \"hello\"")
        }
        let say = try string("say") ?? ""
        do throws(PlaceholderError) {
            _ = try fill(say, ports: [:])
        } catch {
            throw lines.error(at: at + ["say"], error.message)
        }
        return Step(
            commands: commands, say: say, send: send, length: length, ask: ask, choices: choices,
            why: try string("why") ?? "")
    }

    struct PlaceholderError: Error {
        var message: String
    }

    /// `text` with `{tcp}`, `{udp}`, `{http}` (a server's port) and `{tcp+1}` (the port next to
    /// it) put in; a port not given stays as written (a sentence checked before the ports are known).
    static func fill(_ text: String, ports: [LabEvent.Engine: UInt16]) throws(PlaceholderError) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { throw PlaceholderError(message: "a { without its }: write {tcp}") }
            let name = rest[rest.index(after: open)..<close]
            guard let match = name.wholeMatch(of: /(tcp|udp|http)(\+(\d))?/), let engine = LabEvent.Engine(rawValue: match.1.uppercased()) else {
                throw PlaceholderError(message: "unknown placeholder {\(name)}: use {tcp}, {udp}, {http}, or {tcp+1} for the port after it")
            }
            if let port = ports[engine] {
                let offset = match.3.flatMap { Int($0) } ?? 0
                out += String(min(65535, Int(port) + offset))
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The lessons netlab ships, in order (`Lessons/*.toml`, compiled in).
    public static let builtIn: [Lesson] = BuiltInLessonFiles.all.map { name, text in
        do {
            return try parse(text, name: name, file: "Lessons/\(name).toml")
        } catch {
            fatalError("a shipped lesson does not parse: \(error)")
        }
    }
}

extension ColonCommand {
    /// Whether a lesson's step may run this command: what sets the console up, never what
    /// leaves it, opens a shell, runs programs or writes files.
    var lessonMayRun: Bool {
        switch self {
        case .server, .proto, .target, .port, .listen, .udpMode, .timeout, .clear, .view, .fault, .host, .watch, .presenter, .tcpMode: true
        default: false
        }
    }
}
