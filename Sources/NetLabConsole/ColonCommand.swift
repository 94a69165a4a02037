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

    public enum Setting: String, Equatable, Sendable {
        case port, target, timeout
        case udpMode = "udp-mode"
    }

    public enum Watch: Equatable, Sendable {
        case show, all, reset
        case add([UInt16])
    }

    /// Every command with its syntax, for help and hints.
    public static let usage: [(syntax: String, help: String)] = [
        (":tcp on|off  :udp on|off  :http on|off", "turn a server on or off"),
        (":proto tcp|udp|http", "the client's protocol"),
        (":target HOST PORT", "where the client sends (no argument: show it)"),
        (":port N", "the client's target port (try a wrong one; no N: show it)"),
        (":listen tcp|udp|http PORT", "move a server to another port"),
        (":udp-mode unconnected|connected", "connected UDP hears ICMP refusals"),
        (":timeout SECONDS", "how long the client waits for a reply (TCP and HTTP: at least 5 s)"),
        (":theme [NAME]", "switch colour theme (no name: list them)"),
        (":presenter [on|off]", "big banner layout for the back row"),
        (":view [both|calls|wire]", "the timeline's rows: socket calls, wire packets, or both"),
        (":save [FILE]", "save transcript, log and timeline as text; FILE.pcapng: the packets for Wireshark; FILE.hex: the shown message's hex dump"),
        (":save! FILE", "the same, replacing FILE if it exists (:save never replaces a file)"),
        (":watch [PORT...|all|reset]", "which ports the wire shows; add ports (a student's programs), every port, or only netlab's"),
        (":copy", "copy the shown message's hex dump to the clipboard (OSC 52)"),
        (":roster", "who talked to the servers: a row per client address (also Ctrl-R)"),
        (":check", "check the client's target server against the lab's protocol (netlab check): a report card"),
        (":run [COMMAND...]", "run a program traced: its socket calls join the timeline, its output the client pane (no COMMAND: list them)"),
        (":stop N", "end the program :run numbered N"),
        (":type N TEXT", "send TEXT and Enter to program N's input (a client that reads a line)"),
        (":shell", "your shell in netlab's network (with --private: its private one); exit comes back"),
        (":clear", "clear logs, transcript and timeline"),
        (":help [CMD]  :quit", "help overlay, or one command's help; quit"),
    ]

    /// The usage lines that mention `:name` (`:help port` shows `:port N`).
    public static func usage(for name: String) -> [(syntax: String, help: String)] {
        let wanted = ":" + name.lowercased()
        return usage.filter { entry in
            entry.syntax.split(separator: " ").contains { $0.split(separator: "|").first.map(String.init) == wanted }
        }
    }

    /// Parses the text after the `:`. The error is a one-line hint.
    public static func parse(_ text: String) -> Result<ColonCommand, CommandError> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first?.lowercased() else { return .failure(CommandError("empty command; try :help")) }
        let args = Array(words.dropFirst())
        switch name {
        case "tcp", "udp", "http":
            let engine = LabEvent.Engine(rawValue: name.uppercased())!
            guard args.count == 1, let on = onOff(args[0]) else { return .failure(CommandError("usage: :\(name) on|off")) }
            return .success(.server(engine, on: on))
        case "proto":
            guard args.count == 1, let engine = engine(args[0]) else { return .failure(CommandError("usage: :proto tcp|udp|http")) }
            return .success(.proto(engine))
        case "target" where args.isEmpty: return .success(.show(.target))
        case "port" where args.isEmpty: return .success(.show(.port))
        case "timeout" where args.isEmpty: return .success(.show(.timeout))
        case "udp-mode" where args.isEmpty: return .success(.show(.udpMode))
        case "target":
            guard args.count == 2, let port = port(args[1]) else {
                return .failure(CommandError("usage: :target HOST PORT (e.g. :target 127.0.0.1 12000)"))
            }
            return .success(.target(host: args[0], port: port))
        case "port":
            guard args.count == 1, let port = port(args[0]) else { return .failure(CommandError("usage: :port N, with N from 1 to 65535")) }
            return .success(.port(port))
        case "listen":
            guard args.count == 2, let engine = engine(args[0]), let port = port(args[1]) else {
                return .failure(CommandError("usage: :listen tcp|udp|http PORT"))
            }
            return .success(.listen(engine, port: port))
        case "udp-mode":
            guard args.count == 1, let mode = ConsoleState.UDPMode(rawValue: args[0].lowercased()) else {
                return .failure(CommandError("usage: :udp-mode unconnected|connected"))
            }
            return .success(.udpMode(mode))
        case "timeout":
            guard args.count == 1, let seconds = Double(args[0]), seconds >= 0.001, seconds <= 3600 else {
                return .failure(CommandError("usage: :timeout SECONDS, between 0.001 and 3600"))
            }
            return .success(.timeout(seconds))
        case "theme":
            guard args.count <= 1 else { return .failure(CommandError("usage: :theme [NAME]")) }
            return .success(.theme(args.first ?? ""))
        case "presenter", "present":
            guard args.count <= 1 else { return .failure(CommandError("usage: :presenter [on|off]")) }
            if args.isEmpty { return .success(.presenter(nil)) }
            guard let on = onOff(args[0]) else { return .failure(CommandError("usage: :presenter [on|off]")) }
            return .success(.presenter(on))
        case "clear": return .success(.clear)
        case "roster": return .success(.roster)
        case "check":
            guard args.isEmpty else { return .failure(CommandError("usage: :check (checks the client's target: :target HOST PORT first)")) }
            return .success(.check)
        case "copy":
            guard args.isEmpty else { return .failure(CommandError("usage: :copy (the shown message's hex dump)")) }
            return .success(.copy)
        case "view":
            guard args.count <= 1 else { return .failure(CommandError("usage: :view [both|calls|wire]")) }
            guard let word = args.first else { return .success(.view(nil)) }
            guard let view = ConsoleState.TimelineView(rawValue: word.lowercased()) else {
                return .failure(CommandError("usage: :view [both|calls|wire]"))
            }
            return .success(.view(view))
        case "watch":
            let usage = CommandError("usage: :watch [PORT...|all|reset] (ports 1-65535)")
            guard let first = args.first else { return .success(.watch(.show)) }
            if args.count == 1, first.lowercased() == "all" { return .success(.watch(.all)) }
            if args.count == 1, first.lowercased() == "reset" { return .success(.watch(.reset)) }
            let ports = args.compactMap { UInt16($0) }.filter { $0 > 0 }
            guard ports.count == args.count else { return .failure(usage) }
            return .success(.watch(.add(ports)))
        case "save", "save!":
            guard args.count <= 1 else { return .failure(CommandError("usage: :save [FILE] (a name without spaces; FILE.pcapng for Wireshark)")) }
            return .success(.save(args.first, replace: name == "save!"))
        case "help", "h", "?":
            guard let topic = args.first else { return .success(.help) }
            return .success(.helpFor(topic.hasPrefix(":") ? String(topic.dropFirst()) : topic))
        case "quit", "q", "exit": return .success(.quit)
        case "run":
            let rest = text.drop { $0 == " " || $0 == "\t" }.dropFirst(name.count)
            guard let words = shellWords(String(rest)) else { return .failure(CommandError("usage: :run COMMAND... (a quote is not closed)")) }
            return .success(.run(words))
        case "type":
            let usage = CommandError("usage: :type N TEXT (N from :run)")
            guard args.count >= 1, let number = Int(args[0]), number > 0 else { return .failure(usage) }
            // The text as typed, spaces kept: everything after N.
            let afterName = text.drop { $0 == " " || $0 == "\t" }.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
            let rest = afterName.dropFirst(args[0].count)
            return .success(.typeTo(number, String(rest.first == " " ? rest.dropFirst() : rest)))
        case "shell", "sh":
            guard args.isEmpty else { return .failure(CommandError("usage: :shell (exit the shell to come back)")) }
            return .success(.shell)
        case "stop":
            guard args.count == 1, let number = Int(args[0]), number > 0 else { return .failure(CommandError("usage: :stop N (:run lists them)")) }
            return .success(.stopProgram(number))
        default:
            return .failure(CommandError("unknown command :\(name); try :help for the list"))
        }
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

    private static func onOff(_ word: String) -> Bool? {
        switch word.lowercased() {
        case "on", "start", "1": true
        case "off", "stop", "0": false
        default: nil
        }
    }

    private static func engine(_ word: String) -> LabEvent.Engine? {
        LabEvent.Engine(rawValue: word.uppercased())
    }

    private static func port(_ word: String) -> UInt16? {
        guard let value = Int(word), (1...65535).contains(value) else { return nil }
        return UInt16(value)
    }
}
