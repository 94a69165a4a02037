import NetLabCore

extension ColonCommand {
    /// The words of a typed command: its name as typed (lowercased), the words after it, and the
    /// text after the name with its spaces kept.
    struct Arguments {
        var name: String
        var words: [String]
        var rest: String

        var count: Int { words.count }
        var isEmpty: Bool { words.isEmpty }
        subscript(index: Int) -> String { words[index] }
    }

    /// One `:` command: the names it answers to (the first is how help writes it), its syntax
    /// and help text, and its parser. The registry is the one list: parsing, the help overlay,
    /// `:help CMD`, the did-you-mean hint and docs/commands.md all read it.
    struct Spec: Sendable {
        var names: [String]
        var syntax: String
        var help: String
        var parse: @Sendable (Arguments) -> Result<ColonCommand, CommandError>
    }

    static let registry: [Spec] = [
        Spec(names: ["tcp", "udp", "http"], syntax: ":tcp on|off  :udp on|off  :http on|off", help: "turn a server on or off") { a in
            let engine = LabEvent.Engine(rawValue: a.name.uppercased())!
            guard a.count == 1, let on = onOff(a[0]) else { return .failure(CommandError("usage: :\(a.name) on|off")) }
            return .success(.server(engine, on: on))
        },
        Spec(names: ["proto"], syntax: ":proto tcp|udp|http", help: "the client's protocol") { a in
            guard a.count == 1, let engine = engine(a[0]) else { return .failure(CommandError("usage: :proto tcp|udp|http")) }
            return .success(.proto(engine))
        },
        Spec(names: ["target"], syntax: ":target HOST PORT", help: "where the client sends (no argument: show it)") { a in
            if a.isEmpty { return .success(.show(.target)) }
            guard a.count == 2, let port = port(a[1]) else {
                return .failure(CommandError("usage: :target HOST PORT (e.g. :target 127.0.0.1 12000)"))
            }
            return .success(.target(host: a[0], port: port))
        },
        Spec(names: ["port"], syntax: ":port N", help: "the client's target port (try a wrong one; no N: show it)") { a in
            if a.isEmpty { return .success(.show(.port)) }
            guard a.count == 1, let port = port(a[0]) else { return .failure(CommandError("usage: :port N, with N from 1 to 65535")) }
            return .success(.port(port))
        },
        Spec(names: ["listen"], syntax: ":listen tcp|udp|http PORT", help: "move a server to another port") { a in
            guard a.count == 2, let engine = engine(a[0]), let port = port(a[1]) else {
                return .failure(CommandError("usage: :listen tcp|udp|http PORT"))
            }
            return .success(.listen(engine, port: port))
        },
        Spec(names: ["udp-mode"], syntax: ":udp-mode unconnected|connected", help: "connected UDP hears ICMP refusals") { a in
            if a.isEmpty { return .success(.show(.udpMode)) }
            guard a.count == 1, let mode = ConsoleState.UDPMode(rawValue: a[0].lowercased()) else {
                return .failure(CommandError("usage: :udp-mode unconnected|connected"))
            }
            return .success(.udpMode(mode))
        },
        Spec(
            names: ["timeout"], syntax: ":timeout SECONDS",
            help: "how long the client waits for a reply (TCP and HTTP: at least 5 s)"
        ) { a in
            if a.isEmpty { return .success(.show(.timeout)) }
            guard a.count == 1, let seconds = Double(a[0]), seconds >= 0.001, seconds <= 3600 else {
                return .failure(CommandError("usage: :timeout SECONDS, between 0.001 and 3600"))
            }
            return .success(.timeout(seconds))
        },
        Spec(names: ["theme"], syntax: ":theme [NAME]", help: "switch colour theme (no name: list them)") { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :theme [NAME]")) }
            return .success(.theme(a.words.first ?? ""))
        },
        Spec(names: ["presenter", "present"], syntax: ":presenter [on|off]", help: "big banner layout for the back row") { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :presenter [on|off]")) }
            if a.isEmpty { return .success(.presenter(nil)) }
            guard let on = onOff(a[0]) else { return .failure(CommandError("usage: :presenter [on|off]")) }
            return .success(.presenter(on))
        },
        Spec(
            names: ["view"], syntax: ":view [VIEW]",
            help: "the timeline: both (calls and packets), calls, wire, or ladder (a sequence diagram)"
        ) { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :view [both|calls|wire|ladder]")) }
            guard let word = a.words.first else { return .success(.view(nil)) }
            guard let view = ConsoleState.TimelineView(rawValue: word.lowercased()) else {
                return .failure(CommandError("usage: :view [both|calls|wire|ladder]"))
            }
            return .success(.view(view))
        },
        Spec(
            names: ["ladder"], syntax: ":ladder [PORT|all]",
            help: "the ladder of the selected row's flow, or client port PORT's; all: every flow"
        ) { a in
            let usage = CommandError("usage: :ladder (the selected row's flow), :ladder PORT (a client port's) or :ladder all")
            guard a.count <= 1 else { return .failure(usage) }
            guard let word = a.words.first else { return .success(.ladder(.selected)) }
            if word.lowercased() == "all" { return .success(.ladder(.all)) }
            guard let port = ColonCommand.port(word) else { return .failure(usage) }
            return .success(.ladder(.port(port)))
        },
        Spec(
            names: ["save"], syntax: ":save [FILE]",
            help: "save transcript, log and timeline as text; FILE.pcapng: the packets for Wireshark; FILE.hex: the shown message's hex dump; "
                + "FILE.mmd, FILE.svg: the ladder (FILE.txt in the ladder view)"
        ) { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :save [FILE] (a name without spaces; FILE.pcapng for Wireshark)")) }
            return .success(.save(a.words.first, replace: false))
        },
        Spec(names: ["save!"], syntax: ":save! FILE", help: "the same, replacing FILE if it exists (:save never replaces a file)") { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :save [FILE] (a name without spaces; FILE.pcapng for Wireshark)")) }
            return .success(.save(a.words.first, replace: true))
        },
        Spec(
            names: ["watch"], syntax: ":watch [PORT...|all|reset]",
            help: "which ports the wire shows; add ports (a student's programs), every port, or only netlab's"
        ) { a in
            guard let first = a.words.first else { return .success(.watch(.show)) }
            if a.count == 1, first.lowercased() == "all" { return .success(.watch(.all)) }
            if a.count == 1, first.lowercased() == "reset" { return .success(.watch(.reset)) }
            let ports = a.words.compactMap { UInt16($0) }.filter { $0 > 0 }
            guard ports.count == a.count else { return .failure(CommandError("usage: :watch [PORT...|all|reset] (ports 1-65535)")) }
            return .success(.watch(.add(ports)))
        },
        Spec(names: ["copy"], syntax: ":copy", help: "copy the shown message's hex dump to the clipboard (OSC 52)") { a in
            guard a.isEmpty else { return .failure(CommandError("usage: :copy (the shown message's hex dump)")) }
            return .success(.copy)
        },
        Spec(names: ["roster"], syntax: ":roster", help: "who talked to the servers: a row per client address (also Ctrl-R)") { _ in
            .success(.roster)
        },
        Spec(
            names: ["check"], syntax: ":check",
            help: "check the client's target server against the lab's protocol (netlab check): a report card"
        ) { a in
            guard a.isEmpty else { return .failure(CommandError("usage: :check (checks the client's target: :target HOST PORT first)")) }
            return .success(.check)
        },
        Spec(
            names: ["run"], syntax: ":run [COMMAND...]",
            help: "run a program traced: its socket calls join the timeline, its output the client pane (no COMMAND: list them)"
        ) { a in
            guard let words = shellWords(a.rest) else { return .failure(CommandError("usage: :run COMMAND... (a quote is not closed)")) }
            return .success(.run(words))
        },
        Spec(names: ["stop"], syntax: ":stop N", help: "end the program :run numbered N") { a in
            guard a.count == 1, let number = Int(a[0]), number > 0 else { return .failure(CommandError("usage: :stop N (:run lists them)")) }
            return .success(.stopProgram(number))
        },
        Spec(names: ["type"], syntax: ":type N TEXT", help: "send TEXT and Enter to program N's input (a client that reads a line)") { a in
            guard a.count >= 1, let number = Int(a[0]), number > 0 else { return .failure(CommandError("usage: :type N TEXT (N from :run)")) }
            // The text as typed, spaces kept: everything after N and one space.
            let afterNumber = a.rest.drop { $0 == " " || $0 == "\t" }.dropFirst(a[0].count)
            return .success(.typeTo(number, String(afterNumber.first == " " ? afterNumber.dropFirst() : afterNumber)))
        },
        Spec(
            names: ["shell", "sh"], syntax: ":shell",
            help: "your shell in netlab's network (with --private: its private one); exit comes back"
        ) { a in
            guard a.isEmpty else { return .failure(CommandError("usage: :shell (exit the shell to come back)")) }
            return .success(.shell)
        },
        Spec(
            names: ["fault"], syntax: ":fault [drop|reject|loss ...|off]",
            help: "with --private, a fault on purpose: drop tcp|udp PORT or reject tcp|udp PORT (a firewall), loss N% [tcp|udp] "
                + "[PORT]; dropped packets are marked on the timeline (no words: list them)"
        ) { a in
            guard let first = a.words.first else { return .success(.fault(.list)) }
            if first.lowercased() == "off" {
                guard a.count == 1 else { return .failure(CommandError("usage: :fault off (every fault goes)")) }
                return .success(.fault(.off))
            }
            switch Fault.parse(a.words) {
            case .success(let fault): return .success(.fault(.add(fault)))
            case .failure(let error): return .failure(CommandError(":fault: \(error.message)"))
            }
        },
        Spec(
            names: ["host"], syntax: ":host [a|b]",
            help: "with --hosts 2: the host netlab's client sends from, a (10.13.0.1, netlab's) or b (10.13.0.2); no word: which"
        ) { a in
            guard let word = a.words.first else { return .success(.host(nil)) }
            guard a.count == 1, ["a", "b"].contains(word.lowercased()) else { return .failure(CommandError("usage: :host a|b")) }
            return .success(.host(word.lowercased()))
        },
        Spec(
            names: ["lesson", "lessons"], syntax: ":lesson [N|NAME|off]",
            help: "a lesson: predict, run it on the real engines, see why (no word: list them; off: end it)"
        ) { a in
            guard let word = a.words.first else { return .success(.lesson(.list)) }
            guard a.count == 1 else { return .failure(CommandError("usage: :lesson N, :lesson NAME or :lesson off (:lesson lists them)")) }
            if word.lowercased() == "off" { return .success(.lesson(.off)) }
            if let number = Int(word) {
                guard number > 0 else { return .failure(CommandError("usage: :lesson N, with N from 1 (:lesson lists them)")) }
                return .success(.lesson(.number(number)))
            }
            return .success(.lesson(.name(word)))
        },
        Spec(
            names: ["step"], syntax: ":step [on|off]",
            help: "step mode: netlab's client stops before each socket call until Space (no word: toggle)"
        ) { a in
            guard a.count <= 1 else { return .failure(CommandError("usage: :step [on|off]")) }
            guard let word = a.words.first else { return .success(.step(nil)) }
            guard let on = onOff(word) else { return .failure(CommandError("usage: :step [on|off]")) }
            return .success(.step(on))
        },
        Spec(
            names: ["tcp-mode"], syntax: ":tcp-mode [lab|full]",
            help: "the TCP server: lab answers one recv(1024) and closes, as the lab's TCPServer.py; full answers every byte"
        ) { a in
            guard let word = a.words.first else { return .success(.tcpMode(lab: nil)) }
            guard a.count == 1, ["lab", "full"].contains(word.lowercased()) else { return .failure(CommandError("usage: :tcp-mode lab|full")) }
            return .success(.tcpMode(lab: word.lowercased() == "lab"))
        },
        Spec(
            names: ["diff"], syntax: ":diff",
            help: "the selected exchange's message and reply side by side, byte by byte, the changed bytes marked"
        ) { a in
            guard a.isEmpty else { return .failure(CommandError("usage: :diff (select a row of the exchange first)")) }
            return .success(.diff)
        },
        Spec(names: ["clear"], syntax: ":clear", help: "clear logs, transcript and timeline") { _ in .success(.clear) },
        Spec(names: ["help", "h", "?"], syntax: ":help [CMD]", help: "help overlay, or one command's help") { a in
            guard let topic = a.words.first else { return .success(.help) }
            return .success(.helpFor(topic.hasPrefix(":") ? String(topic.dropFirst()) : topic))
        },
        Spec(names: ["quit", "q", "exit"], syntax: ":quit", help: "quit (also F10, Ctrl-Q, Ctrl-C)") { _ in .success(.quit) },
    ]
}

/// How far apart two names are, for the did-you-mean hint.
enum EditDistance {
    /// True when `typed` becomes `known` by one letter changed, added or removed, or two
    /// neighbours swapped (`lisen`, `listne` for `listen`).
    static func isOneSlip(_ typed: String, _ known: String) -> Bool {
        let a = Array(typed)
        let b = Array(known)
        guard a != b, abs(a.count - b.count) <= 1 else { return false }
        if a.count == b.count {
            let differ = a.indices.filter { a[$0] != b[$0] }
            if differ.count == 1 { return true }
            return differ.count == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] && a[differ[1]] == b[differ[0]]
        }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        var i = 0
        while i < short.count && short[i] == long[i] { i += 1 }
        return short[i...] == long[(i + 1)...]
    }
}
