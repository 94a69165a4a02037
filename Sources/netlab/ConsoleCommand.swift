import ArgumentParser
import Foundation
import NetLabApp
import NetLabConsole
import NetLabCore
import NetLabPrivate
import NetLabSockets
import NetLabTOML

/// `netlab` and `netlab console`: the full-screen lab console.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the full-screen lab console (the default command).",
        discussion: """
            Servers, client, server log and a timeline of socket calls and captured packets \
            (needs CAP_NET_RAW or root; without it the timeline shows the calls alone) in one terminal. \
            F2/F3 toggle the TCP/UDP servers, F5 switches the client's protocol, Enter sends \
            the input line, F1 shows every key and :command, F10 quits.
            """
    )

    @Option(help: "Address the servers listen on and the client sends to. Default: servers on every address, client to 127.0.0.1.")
    var host: String?

    @Option(help: "Port of the TCP server.")
    var tcpPort: Int = 12000

    @Option(help: "Port of the UDP server.")
    var udpPort: Int = 12000

    @Option(help: "Port of the HTTP server.")
    var httpPort: Int = 8080

    @Option(help: "Folder the HTTP server serves. Default: its built-in demo site.")
    var root: String?

    @Option(help: "Servers that start ON: all, none, or a list such as tcp,udp.")
    var servers = "all"

    @Option(
        help: ArgumentHelp(
            "Colour theme: a name (\(Theme.builtInNames.joined(separator: ", ")), or a file in ~/.config/netlab/themes)"
                + " or the path of a theme file.",
            discussion: "Without it: monochrome when NO_COLOR is set, else $NETLAB_THEME, else default.",
            valueName: "name|path"))
    var theme: String?

    @Flag(help: "Start in presenter mode: big banner and status words for the back row (F7 toggles).")
    var presenter = false

    @Option(
        help: ArgumentHelp(
            "Append every event to this file as it happens, one JSON object per line (see docs/console.md).",
            valueName: "file"))
    var log: String?

    @Option(
        help: ArgumentHelp(
            "Open a lesson at the start: its number, its name, or the path of a lesson file (.toml).",
            discussion: "The shipped lessons, then your own files in ~/.config/netlab/lessons; :lesson lists them.",
            valueName: "N|name|path"))
    var lesson: String?

    @Flag(inversion: .prefixedNo, help: "Clicks and the wheel act in the console (--no-mouse: the terminal keeps the mouse).")
    var mouse = true

    @Flag(
        inversion: .prefixedNo,
        help: "Capture the lab's packets for the timeline (needs CAP_NET_RAW or root; --no-wire: calls only).")
    var wire = true

    func validate() throws {
        try Ports.check(tcpPort, allowZero: false, option: "--tcp-port")
        try Ports.check(udpPort, allowZero: false, option: "--udp-port")
        try Ports.check(httpPort, allowZero: false, option: "--http-port")
        _ = try Roots.site(root)
        _ = try serverList()
    }

    /// The engines that start ON.
    func serverList() throws -> [LabEvent.Engine] {
        let available = ConsoleState.engines
        switch servers.lowercased() {
        case "all": return available
        case "none": return []
        default:
            return try servers.split(separator: ",").map { word in
                guard let engine = LabEvent.Engine(rawValue: word.trimmingCharacters(in: .whitespaces).uppercased()),
                    available.contains(engine)
                else {
                    let names = available.map { $0.rawValue.lowercased() }.joined(separator: ",")
                    throw ValidationError("--servers \(servers): use all, none, or a comma list of \(names)")
                }
                return engine
            }
        }
    }

    func run() throws {
        let chosen: Theme
        let catalog: ThemeCatalog
        do {
            (chosen, catalog) = try ThemeCatalog.choose(flag: theme, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure(message: error.message, code: CommandFailure.usage)
        }
        var lessons = LessonCatalog(userFolder: LessonCatalog.userFolder(environment: ProcessInfo.processInfo.environment))
        var startLesson: Int?
        if let lesson {
            do throws(TOMLFileError) {
                startLesson = try lessons.select(lesson)
            } catch {
                throw CommandFailure(message: error.description, code: CommandFailure.usage)
            }
        }
        var eventLog: Int32?
        if let log {
            let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw CommandFailure(
                    message: "cannot open --log \(log): \(reason); choose a file in a folder you can write to",
                    code: CommandFailure.other)
            }
            eventLog = fd
        }
        var settings = ConsoleApp.Settings(
            listenHost: host, clientHost: host ?? "127.0.0.1",
            ports: [.tcp: UInt16(tcpPort), .udp: UInt16(udpPort), .http: UInt16(httpPort)],
            servers: try serverList(), site: try Roots.site(root), theme: chosen,
            themes: catalog, presenter: presenter, wire: wire, eventLog: eventLog)
        if let log { settings.eventLogPath = log }
        settings.privateNetwork = PrivateNetwork.isInside
        settings.faults = FaultOption.started
        settings.secondHost = NetLab.secondHost
        settings.lessons = lessons
        settings.startLesson = startLesson
        try MainActor.assumeIsolated {
            try ConsoleShell.run(settings, mouse: mouse)
        }
    }
}
