import NetLabCore

/// A `:` command typed in the input line.
public enum ColonCommand: Equatable, Sendable {
    case server(LabEvent.Engine, on: Bool)
    case proto(LabEvent.Engine)
    case target(host: String, port: UInt16)
    case port(UInt16)
    case listen(LabEvent.Engine, port: UInt16)
    case udpMode(ConsoleState.UDPMode)
    case timeout(Double)
    case theme(String)
    /// Presenter mode on, off, or toggled (nil).
    case presenter(Bool?)
    case clear
    /// `:view calls|wire|both`: which rows the timeline shows (nil: the next view).
    case view(ConsoleState.TimelineView?)
    /// `:ladder`: the ladder of the selected row's flow, `:ladder PORT` of that client port's,
    /// `:ladder all` of every flow.
    case ladder(Flow)

    public enum Flow: Equatable, Sendable {
        case selected, all
        case port(UInt16)
    }
    /// `:save [FILE]`: the session as text, or the timeline's frames as pcapng (FILE.pcapng);
    /// `:save! FILE` replaces a file that exists (`:save` leaves it alone and says so).
    case save(String?, replace: Bool)
    /// `:watch PORT...` adds ports to the capture, `:watch all` captures every TCP and UDP port
    /// on the loopback, `:watch reset` only the console's own; `:watch` says which.
    case watch(Watch)
    /// `:copy`: the shown message's hex dump to the clipboard.
    case copy
    /// `:roster`: who talked to the servers.
    case roster
    /// `:check`: the client's target checked against the lab's protocol.
    case check
    case help
    /// `:help CMD`: one command's syntax and what it does, in the transcript.
    case helpFor(String)
    /// `:port`, `:target`, `:timeout`, `:udp-mode` without an argument: the current value.
    case show(Setting)
    case quit
    /// `:run COMMAND...`: a program traced (its calls join the timeline); no words: the list.
    case run([String])
    /// `:stop N`: end the program `:run` numbered N.
    case stopProgram(Int)
    /// `:type N TEXT`: a line for program N's input (its input() or readline).
    case typeTo(Int, String)
    /// `:shell`: the user's shell on the terminal, in netlab's network; exit returns.
    case shell
    /// `:fault ...`: a fault on purpose in the private network; `:fault` lists them.
    case fault(FaultChange)
    /// `:host a|b`: the host netlab's client sends from (`--hosts 2`); no word: which.
    case host(String?)

    /// `:lesson N|NAME` starts a lesson, `:lesson off` ends it, `:lesson` lists them.
    case lesson(LessonChoice)
    /// `:diff`: the selected exchange's message and reply, byte by byte, changes marked.
    case diff
    /// `:step on|off`: netlab's client waits for a key before each socket call (nil: toggle).
    case step(Bool?)
    /// `:tcp-mode lab|full`: the TCP server answers one recv(1024) and closes, as the lab's
    /// server does, or every byte until the client closes; nil: say which.
    case tcpMode(lab: Bool?)

    public enum LessonChoice: Equatable, Sendable {
        case list, off
        case number(Int)
        case name(String)
    }

    public enum FaultChange: Equatable, Sendable {
        case list, off
        case add(Fault)
    }

    public enum Setting: String, Equatable, Sendable {
        case port, target, timeout
        case udpMode = "udp-mode"
    }

    public enum Watch: Equatable, Sendable {
        case show, all, reset
        case add([UInt16])
    }

    /// Every command's syntax and help, in the registry's order: the help overlay, `:help CMD`
    /// and docs/commands.md's table.
    public static var usage: [(syntax: String, help: String)] {
        registry.map { ($0.syntax, $0.help) }
    }

    /// The usage of the command named (or aliased) `name`: `:help port` shows `:port N`, `:help q`
    /// shows `:quit`.
    public static func usage(for name: String) -> [(syntax: String, help: String)] {
        let wanted = name.lowercased()
        return registry.filter { $0.names.contains(wanted) }.map { ($0.syntax, $0.help) }
    }

    /// Parses the text after the `:`. The error is a one-line hint.
    public static func parse(_ text: String) -> Result<ColonCommand, CommandError> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first?.lowercased() else { return .failure(CommandError("empty command; try :help")) }
        guard let spec = registry.first(where: { $0.names.contains(name) }) else {
            if let near = nearestName(to: name) {
                return .failure(CommandError("unknown command :\(name); did you mean :\(near)? (:help lists them all)"))
            }
            return .failure(CommandError("unknown command :\(name); try :help for the list"))
        }
        // The text after the name as typed, spaces kept (for :run and :type).
        let rest = String(text.drop { $0 == " " || $0 == "\t" }.dropFirst(name.count))
        return spec.parse(Arguments(name: name, words: Array(words.dropFirst()), rest: rest))
    }

    /// The known name one typing slip away from `name` (one letter wrong, missing, extra or two
    /// swapped), if exactly one is.
    static func nearestName(to name: String) -> String? {
        let near = registry.flatMap(\.names).filter { $0.count > 2 && EditDistance.isOneSlip(name, $0) }
        return near.count == 1 ? near[0] : nil
    }

    /// Words as a shell splits them: spaces separate, '...' and "..." keep spaces (no
    /// variables, no escapes but \" inside double quotes); nil when a quote is not closed.
    static func shellWords(_ text: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                if escaped {
                    word.append(character)
                    escaped = false
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else if character == open {
                    quote = nil
                } else {
                    word.append(character)
                }
            } else if character == " " || character == "\t" {
                if inWord {
                    words.append(word)
                    word = ""
                    inWord = false
                }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else {
                word.append(character)
                inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { words.append(word) }
        return words
    }

    static func onOff(_ word: String) -> Bool? {
        switch word.lowercased() {
        case "on", "start", "1": true
        case "off", "stop", "0": false
        default: nil
        }
    }

    static func engine(_ word: String) -> LabEvent.Engine? {
        LabEvent.Engine(rawValue: word.uppercased())
    }

    static func port(_ word: String) -> UInt16? {
        guard let value = Int(word), (1...65535).contains(value) else { return nil }
        return UInt16(value)
    }
}
