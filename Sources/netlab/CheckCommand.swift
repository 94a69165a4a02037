import ArgumentParser
import Foundation
import NetLabApp
import NetLabCheck
import NetLabCore
import NetLabSockets
import NetLabTOML

/// `tcp`, `udp` or `http` on the command line (and in a targets file), the engine's name lowercased.
extension LabEvent.Engine: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
    public var defaultValueDescription: String { rawValue.lowercased() }
}

/// What `netlab check` checks: a server of a protocol, or a student's client of one.
enum CheckTarget: ExpressibleByArgument, Equatable {
    case server(LabEvent.Engine)
    case client(LabEvent.Engine)

    init?(argument: String) {
        switch argument.lowercased() {
        case "tcp-client": self = .client(.tcp)
        case "udp-client": self = .client(.udp)
        default:
            guard let engine = LabEvent.Engine(rawValue: argument.uppercased()) else { return nil }
            self = .server(engine)
        }
    }

    static var allValueStrings: [String] { ["tcp", "udp", "http", "tcp-client", "udp-client"] }
}

/// `netlab check tcp|udp|http HOST PORT`: the lab's protocol checked against someone's server;
/// `netlab check tcp-client|udp-client -- COMMAND`: someone's client against netlab's server.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a server, or a student's client, against the lab's protocol and print a report card.",
        discussion: """
            Each check says what it sent and received (hex), what was expected and why it matters. \
            Exit code: the number of checks not passed, failed or not run (with --targets: the number of \
            servers without full marks), at most 63; 64 for bad usage. \
            With --targets FILE (a line each: PROTOCOL HOST PORT, or NAME PROTOCOL HOST PORT; # starts \
            a comment), every server is checked, several at a time, and a summary table is printed.
            Rubrics: lab (the default) runs what the lab sheet asks for, strict every check, or a rubric file \
            of your own (TOML: the checks by key with their points and Gradescope visibility, and a timeout; \
            see docs/check.md); --only and --skip pick checks by key. Keys: tcp uppercase, again, bytes, empty, concurrent, long, pieces; \
            udp uppercase, bytes, empty, clients, mtu, largest; http crlf, served, length, type, 404, escape, \
            head, close, pieces, symlink (with --escape-link); tcp-client connects, sends, prints, closes, refused; \
            udp-client sends, prints, exits, silence.
            A client (netlab check tcp-client -- python3 TCPClient.py) runs traced against netlab's own server on \
            --server-port, with a line on its input, and once more with no server.
            """
    )

    @Argument(help: "tcp, udp or http (a server at HOST PORT); tcp-client or udp-client (a client: its command after --).")
    var kind: CheckTarget?

    @Argument(help: "The server's address.")
    var host: String?

    @Argument(help: "The server's port.")
    var port: Int?

    @Option(help: ArgumentHelp("Check every server listed in this file instead.", valueName: "file"))
    var targets: String?

    @Option(
        help: ArgumentHelp(
            "A client's check: the port netlab's own server listens on for it (the lab's client uses 12000).", valueName: "port"))
    var serverPort = 12000

    @Argument(parsing: .postTerminator, help: "A client's check: its program and arguments, after --.")
    var command: [String] = []

    @Option(help: "Seconds each check waits for a reply (default: the rubric file's timeout, else 2).")
    var timeout: Double?

    @Option(help: "HTTP: an .html file the server has.")
    var path = "/HelloWorld.html"

    @Option(
        help: ArgumentHelp(
            "HTTP: a symbolic link in the served folder that points outside it (checked to be refused).",
            valueName: "name"))
    var escapeLink: String?

    @Option(
        help: ArgumentHelp(
            "Which checks count: lab (what the lab sheet asks: the uppercase reply and a second client; the file and a 404), "
                + "strict (every check), or a rubric file (TOML).", valueName: "lab|strict|file"))
    var rubric = "lab"

    @Option(help: ArgumentHelp("Only these checks, by key (comma-separated; see the keys in the help).", valueName: "keys"))
    var only: String?

    @Option(help: ArgumentHelp("Leave these checks out, by key (comma-separated).", valueName: "keys"))
    var skip: String?

    @Option(
        help: ArgumentHelp(
            "Start the server to check with this shell command (on this machine, listening on PORT), start it again "
                + "before a check if it ended, and stop it at the end: a one-client server is graded check by check, "
                + "and a crash is told as one.", valueName: "command"))
    var start: String?

    @Flag(help: "Print the report as JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Also write the reports as JUnit XML to this file.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Also write a Gradescope results.json to this file (one server only).", valueName: "file"))
    var gradescope: String?

    @Option(
        help: ArgumentHelp(
            "Also write a gradebook as CSV to this file: a row per server (name, target, score, max_score), a column per check key.",
            valueName: "file"))
    var csv: String?

    func validate() throws {
        if let timeout { try Timeouts.check(timeout) }
        if case .client(let engine) = kind {
            let name = "\(engine.rawValue.lowercased())-client"
            guard !command.isEmpty else {
                throw ValidationError("give the client's command after --, e.g. netlab check \(name) -- python3 \(engine.rawValue)Client.py")
            }
            if host != nil || port != nil || targets != nil || start != nil {
                throw ValidationError(
                    "a client is checked against netlab's own server: leave out HOST PORT, --targets and --start "
                        + "(--server-port says where netlab's server listens)")
            }
            try Ports.check(serverPort, allowZero: false)
        } else if !command.isEmpty {
            throw ValidationError("a command after -- is a client's: check it with tcp-client or udp-client")
        } else if targets == nil {
            guard kind != nil, host != nil, let port else {
                throw ValidationError("give PROTOCOL HOST PORT (e.g. netlab check tcp 127.0.0.1 12000), or --targets FILE")
            }
            try Ports.check(port, allowZero: false)
        } else {
            if kind != nil || host != nil || port != nil {
                throw ValidationError("--targets checks the servers in its file: leave out PROTOCOL HOST PORT")
            }
            if gradescope != nil {
                throw ValidationError("--gradescope writes one student's results: use it with one server, not --targets")
            }
            if start != nil {
                throw ValidationError("--start runs one student's server: use it with one server, not --targets")
            }
        }
        guard path.hasPrefix("/") else { throw ValidationError("--path \(path) must start with /, e.g. --path /HelloWorld.html") }
        guard Rubric.builtIn.contains(where: { $0.name == rubric }) || Self.isFile(rubric) else {
            throw ValidationError(
                "--rubric \(rubric): lab (the lab sheet's checks, the default), strict (every check) or a rubric file's path (NAME.toml)")
        }
        let unknown = Rubric.unknown(Self.keys(only) + Self.keys(skip))
        guard unknown.isEmpty else {
            let all = [LabEvent.Engine.tcp, .udp, .http].map { "\($0.rawValue.lowercased()): \(Rubric.keys[$0]!.joined(separator: ","))" }
            throw ValidationError("no check \(unknown.joined(separator: ", ")); the keys are \(all.joined(separator: "; "))")
        }
    }

    static func keys(_ list: String?) -> [String] {
        (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// A rubric given by path: anything with a slash or ending in .toml.
    static func isFile(_ rubric: String) -> Bool {
        rubric.contains("/") || rubric.hasSuffix(".toml")
    }

    /// The rubric asked for: built in, or read from its file (a problem is `file:line: ...`, exit 64).
    static func rubric(_ name: String) throws -> Rubric {
        if let builtIn = Rubric.builtIn.first(where: { $0.name == name }) { return builtIn }
        do throws(TOMLFileError) {
            return try Rubric.load(path: name)
        } catch {
            throw CommandFailure(message: error.description, code: CommandFailure.usage)
        }
    }

    func run() throws {
        var options = Conformance.Options()
        let chosen = try Self.rubric(rubric)
        options.timeout = timeout ?? chosen.timeout ?? 2
        options.htmlPath = path
        options.escapeLink = escapeLink
        options.rubric = chosen.narrowed(only: only.map(Self.keys), skip: Self.keys(skip))
        let reports: [CheckReport]
        if let targets {
            let list = try Self.readTargets(targets)
            reports = Conformance.run(list, options: options)
            if json {
                Output.line("[" + reports.map(\.json).joined(separator: ",") + "]")
            } else {
                Output.line(Self.summary(reports))
            }
        } else if case .client(let engine) = kind {
            let report = ClientChecks.run(engine, command: command, port: UInt16(serverPort), options: options)
            reports = [report]
            Output.line(json ? report.json : report.text)
            if let gradescope { try write(report.gradescope, to: gradescope) }
        } else if case .server(let kind) = kind, let host, let port {
            if let start {
                let type: SocketType = kind == .udp ? .datagram : .stream
                if PortHolder.isListening(port: UInt16(port), type) {
                    let holder = PortHolder.holders(of: UInt16(port), type).first ?? "a program netlab cannot see"
                    throw CommandFailure(
                        message: "--start \"\(start)\": \(kind.rawValue) port \(port) is taken already, by \(holder): "
                            + "stop it first, or start the server on another port", code: CommandFailure.other)
                }
                let server = StartedServer(command: start, port: UInt16(port), kind: kind)
                Self.stopServerOnSignals()
                if let why = server.start() {
                    throw CommandFailure(message: "--start \"\(start)\": \(why)", code: CommandFailure.other)
                }
                options.server = server
            }
            defer { options.server?.stop() }
            let report = Conformance.run(kind, host: host, port: UInt16(port), options: options)
            reports = [report]
            Output.line(json ? report.json : report.text)
            if let gradescope { try write(report.gradescope, to: gradescope) }
        } else {
            return
        }
        if let junit { try write(CheckReport.junit(reports), to: junit) }
        if let csv { try write(CheckReport.csv(reports), to: csv) }
        // One server: the checks it did not pass. A class: the servers without full marks.
        let notPassed =
            targets == nil
            ? reports.reduce(0) { $0 + $1.results.count - $1.passed }
            : reports.filter { $0.score < $0.maxScore }.count
        throw ExitCode(Int32(min(notPassed, 63)))
    }

    /// Ctrl-C (or a TERM or HUP) while checking stops the server `--start` started too.
    private static func stopServerOnSignals() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { number in
                StartedServer.stopRunningFromSignalHandler()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
    }

    /// In place for a device or a link, keeping an existing file's mode and owner (a class's
    /// grades kept 0600 stay 0600); a failure is one line.
    private func write(_ text: String, to path: String) throws {
        do throws(FileWriter.Failure) {
            try FileWriter.write(Array(text.utf8), to: path)
        } catch {
            throw CommandFailure(message: error.description, code: CommandFailure.other)
        }
    }

    /// One line per server: its name and address, its score, and the keys of the checks it
    /// failed (and how many were not run, when it stopped accepting connections).
    static func summary(_ reports: [CheckReport]) -> String {
        // Names come from the targets file and may hold anything: escaped for the terminal.
        let labels = reports.map { CheckReport.terminal($0.label) }
        let width = max(6, labels.map(\.count).max() ?? 0)
        var lines = ["server".padding(toLength: width, withPad: " ", startingAt: 0) + "  score  failed"]
        for (report, who) in zip(reports, labels) {
            var failed = report.results.filter { !$0.passed && !$0.notRun }.map(\.key)
            if report.unreachable != nil {
                failed = ["unreachable"]
            } else if report.notRun > 0 {
                failed.append("stopped (\(report.notRun) not run)")
            }
            lines.append(
                who.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  \(report.score)/\(report.maxScore)".padding(toLength: 7, withPad: " ", startingAt: 0)
                    + "  " + (failed.isEmpty ? "-" : failed.joined(separator: " ")))
        }
        let full = reports.filter { $0.score == $0.maxScore }.count
        lines.append("\(reports.count) servers checked, \(full) with full marks")
        return lines.joined(separator: "\n")
    }

    /// A targets line as an error quotes it: escaped, and at most 60 characters of it.
    static func quoted(_ line: String) -> String {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let shown = CheckReport.terminal(String(trimmed.prefix(60)))
        return trimmed.count > 60 ? shown + "... (\(trimmed.utf8.count) bytes)" : shown
    }

    /// `[NAME] PROTOCOL HOST PORT` per line; blank lines and `#` comments skipped.
    static func readTargets(_ path: String) throws -> [(name: String?, kind: LabEvent.Engine, host: String, port: UInt16)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(
                message: "cannot read --targets \(path): \(String(cString: strerror(errno))); give a text file, "
                    + "a line each: NAME PROTOCOL HOST PORT", code: CommandFailure.usage)
        }
        var list: [(name: String?, kind: LabEvent.Engine, host: String, port: UInt16)] = []
        for (index, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.isEmpty { continue }
            let fields = words.count == 4 ? words : words.count == 3 ? [""] + words : []
            guard !fields.isEmpty, let kind = LabEvent.Engine(rawValue: fields[1].uppercased()),
                let port = UInt16(fields[3]), port > 0
            else {
                throw CommandFailure(
                    message: "--targets \(path), line \(index + 1): \"\(Self.quoted(line))\" "
                        + "is not NAME PROTOCOL HOST PORT (e.g. alice tcp 127.0.0.2 12000)", code: CommandFailure.usage)
            }
            list.append((fields[0].isEmpty ? nil : fields[0], kind, fields[2], port))
        }
        guard !list.isEmpty else {
            throw CommandFailure(message: "--targets \(path) lists no server: a line each, NAME PROTOCOL HOST PORT", code: CommandFailure.usage)
        }
        return list
    }
}
