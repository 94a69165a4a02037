import Dispatch
import Foundation
import NetLabCapture
import NetLabCheck
import NetLabConsole
import NetLabCore
import NetLabEvents
import NetLabPrivate
import NetLabSockets

/// The console loop: keys and engine events become actions, `update` returns effects that
/// this class carries out exactly as given, and the state is rendered to the terminal once
/// per batch. Everything here runs on the main queue. The process around it (signals, the
/// key source on stdin, exiting) is the shell's: `netlab console` wires a curses `Terminal`,
/// tests a `MemoryTerminal`.
@MainActor
public final class ConsoleApp {
    public struct Settings {
        public var listenHost: String?
        public var clientHost: String
        public var ports: [LabEvent.Engine: UInt16]
        public var servers: [LabEvent.Engine]
        public var site: HTTPSite
        public var theme: Theme
        public var themes: ThemeCatalog
        public var presenter: Bool
        /// Whether to capture packets for the timeline (`--no-wire`: calls only).
        public var wire = true
        /// `--log FILE`: every event appended as a JSON line.
        public var eventLog: Int32?
        /// The log's name, for the line that says it could not be written.
        public var eventLogPath = "--log"
        /// netlab runs in its private network (`--private`): the status bar and transcript say so.
        public var privateNetwork = false
        /// The faults `--fault` put in the private network's firewall before the console started.
        public var faults: [Fault] = []
        /// Host b, with `--hosts 2`: the capture listens on the link too (ARP included).
        public var secondHost: SecondHost?
        /// The lessons `:lesson` offers, and the one to open at the start (`--lesson`).
        public var lessons = LessonCatalog(userFolder: nil)
        public var startLesson: Int?

        public init(
            listenHost: String?, clientHost: String, ports: [LabEvent.Engine: UInt16], servers: [LabEvent.Engine],
            site: HTTPSite, theme: Theme, themes: ThemeCatalog, presenter: Bool, wire: Bool = true,
            eventLog: Int32? = nil
        ) {
            self.listenHost = listenHost
            self.clientHost = clientHost
            self.ports = ports
            self.servers = servers
            self.site = site
            self.theme = theme
            self.themes = themes
            self.presenter = presenter
            self.wire = wire
            self.eventLog = eventLog
        }
    }

    private(set) var state: ConsoleState
    let terminal: any TerminalBackend
    let settings: Settings
    /// Runs after `quit` has stopped everything and given the terminal back (the shell exits).
    private let exit: @MainActor () -> Void
    var servers: [LabEvent.Engine: any ServerEngine] = [:]
    /// Starts and stops each server in order, off the main queue: binding (and resolving a
    /// host name) never holds up a keystroke; the outcome arrives as an event.
    var serverControl: [LabEvent.Engine: DispatchQueue] = [:]
    var stepGate: StepGate?
    var tcpClient: TCPClient!
    var udpClient: UDPClient!
    var httpClient: TCPClient!
    var capture: WireCapture?
    /// The private network's firewall log (`nflog:7`): the packets a `:fault` threw away.
    var faultLog: WireCapture?
    /// Host b's network, where the client's sockets are made after `:host b` (`--hosts 2`).
    lazy var hostBPlace: SocketPlace? = settings.secondHost.flatMap { try? SocketPlace(process: $0.pid, name: "b") }
    /// Where `:fault`'s changes are loaded into the firewall, in the order they were typed.
    let firewallQueue = DispatchQueue(label: "netlab.console.firewall")
    private var eventLog: LogWriter?
    /// The event stream every engine, the capture and the traced programs report into.
    var eventSink: EventSink?
    /// The write end of each running program's stdin (`:type`), by its `:run` number.
    var programInputs: [Int: Int32] = [:]

    /// The ports the capture filter watches now (it follows the servers and the client's target).
    var capturedPorts: [UInt16] = []
    let watched = WatchedPorts()
    var sources: [DispatchSourceProtocol] = []
    /// When the pending render runs (uptime seconds); nil when none is pending.
    private var renderDue: Double?
    private var renderGeneration = 0
    private var lastRender = 0.0
    private var emptyReads = 0
    private var quitting = false

    public init(settings: Settings, terminal: any TerminalBackend, exit: @escaping @MainActor () -> Void) {
        self.settings = settings
        self.state = ConsoleState(
            ports: settings.ports, listenHost: settings.listenHost,
            clientHost: settings.clientHost, theme: settings.theme.name,
            presenter: settings.presenter)
        self.terminal = terminal
        self.exit = exit
    }

    /// A line in the transcript from the loop itself (a part of the console that could not start).
    func note(_ text: String, role: StyleRole) {
        state.note(text, role: role, now: Date())
    }

    /// Takes the terminal, starts the engines (and the capture), draws the first frame. Then
    /// the shell reports keys (`keysReady`), resizes (`resized`) and quit requests (`quit`).
    public func start() throws {
        try terminal.start()
        // `--log FILE`: a JSON line per event, written by a thread of its own (a slow disk
        // never holds up the console; what cannot wait is dropped and counted, in JSON too).
        let path = settings.eventLogPath
        let eventLog = settings.eventLog.map { fd in
            LogWriter(
                fd: fd,
                dropNote: { dropped in
                    "{\"time\":\"\(LabEvent.isoTime(Date()))\",\"event\":\"log_dropped\",\"count\":\(dropped),"
                        + "\"text\":\"\(dropped) events dropped: the log file could not keep up\"}"
                },
                failed: { [weak self] code in
                    // A full disk loses events: said once, on screen; the count comes at quit.
                    let error = Errno(code)
                    DispatchQueue.main.async {
                        MainActor.assumeIsolated {
                            self?.state.note(
                                "--log \(path): cannot write: \(error.message) (\(error.name)); events from here on are not logged "
                                    + "(the count is given when netlab quits)", role: .error, now: Date())
                            self?.scheduleRender(after: 0)
                        }
                    }
                })
        }
        // Everything that happens reaches the app as an action on the main queue, through
        // weak references: nothing global, and nothing keeps a finished console alive.
        let sink = EventSink(queue: .main) { [weak self] event in
            MainActor.assumeIsolated {
                if let eventLog { eventLog.line(self?.logLine(event) ?? event.jsonLine) }
                self?.dispatch(.event(event))
            }
        }
        self.eventLog = eventLog
        eventSink = sink
        // Step mode: a call waiting for its key reaches the console as an action.
        let gate = StepGate { [weak self] waiting in
            DispatchQueue.main.async {
                MainActor.assumeIsolated {
                    self?.dispatch(
                        .stepWaiting(
                            PendingStep(
                                id: waiting.id, engine: waiting.engine, side: waiting.side, call: waiting.call, detail: waiting.detail)))
                }
            }
        }
        stepGate = gate
        servers = [
            .tcp: TCPServer(events: sink, gate: gate), .udp: UDPServer(events: sink),
            .http: HTTPServer(events: sink, configuration: HTTPServer.Configuration(site: settings.site)),
        ]
        for engine in servers.keys {
            serverControl[engine] = DispatchQueue(label: "netlab.console.\(engine.rawValue.lowercased())-control")
        }
        tcpClient = TCPClient(events: sink, gate: gate)
        udpClient = UDPClient(events: sink, gate: gate)
        httpClient = TCPClient(events: sink, engine: .http, gate: gate)
        if settings.privateNetwork {
            state.privateNetwork = true
            if settings.secondHost != nil {
                state.hosts = 2
                state.note(
                    "TWO HOSTS: netlab (its servers, client and capture) is host a, \(SecondHost.addressA); host b is "
                        + "\(SecondHost.addressB) (netlab shell --host b runs a program there, e.g. :target \(SecondHost.addressB) 12000 "
                        + "reaches a server it runs); the wire shows the link between them, ARP included", now: Date())
            }
            state.start(faults: settings.faults, now: Date())
            state.note(
                "PRIVATE NET: netlab runs in a network of its own, where capturing needs no root; programs reach its servers "
                    + "only when started in it (netlab shell, or :run here), and nothing outside it can", now: Date())
        }
        startCapture(sink)
        for problem in settings.themes.skipped {
            state.note("theme file left out: \(problem)", role: .error, now: Date())
        }
        state.lessons = settings.lessons.lessons
        for problem in settings.lessons.skipped {
            state.note("lesson file left out: \(problem)", role: .error, now: Date())
        }
        perform(state.startServers(settings.servers, now: Date()))
        if let number = settings.startLesson { perform(state.startLesson(number, now: Date())) }
        redraw()
    }

    /// Numbers the logged frames as the timeline does (relative sequence numbers, scaled
    /// windows), so `--log`'s text reads as the screen.
    private var logWireSession = WireSession()

    private func logLine(_ event: LabEvent) -> String {
        guard case .wire(let frame) = event.kind else { return event.jsonLine }
        return event.jsonLine(wire: logWireSession.take(frame))
    }

    /// Every server's port, the client's target port and `:watch`'s; empty for every port.
    var watchedPorts: [UInt16] { state.watchingAll ? [] : state.watchedPorts }

    func dispatch(_ action: Action) {
        guard !quitting else { return }
        let effects = state.update(action, now: Date(), themes: settings.themes.names)
        if let capture, watchedPorts != capturedPorts {
            // Before the effects: a send right after `:port` goes out under the new filter.
            capturedPorts = watchedPorts
            watched.set(capturedPorts)
            capture.setFilter(captureExpression(capturedPorts))
        }
        perform(effects)
        // A key is drawn at once; engine events at most every 10 ms (a flood would otherwise
        // spend the main thread redrawing after every slice of events).
        switch action {
        case .key, .keys: scheduleRender(after: 0)
        default: scheduleRender(after: 0.010)
        }
    }

    /// One render per batch of actions, no sooner than `interval` after the last one.
    private func scheduleRender(after interval: Double) {
        let due = lastRender + interval
        // A key should not wait for a render that was put off for events.
        if let pending = renderDue, pending <= due { return }
        renderDue = due
        let generation = renderGeneration &+ 1
        renderGeneration = generation
        let delay = max(0, due - Self.now())
        DispatchQueue.main.asyncAfter(deadline: .now() + delay) { @Sendable [weak self] in
            MainActor.assumeIsolated {
                guard let app = self, app.renderGeneration == generation else { return }
                app.renderDue = nil
                app.redraw()
            }
        }
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func redraw() {
        lastRender = Self.now()
        let (width, height) = terminal.size()
        if state.screenSize != ConsoleState.ScreenSize(width: width, height: height) {
            // The client pane's rows depend on the size (no effects come of it).
            _ = state.update(.resized(width: width, height: height), now: Date())
        }
        terminal.draw(render(state, width: width, height: height))
        if let keyLatencyLog, let read = keysReadAt {
            // Benchmarks: from reading a key to its frame written to the terminal, and both
            // times (DispatchTime's uptime: CLOCK_MONOTONIC on Linux) for the benchmark to place
            // beside its own.
            let line = Self.keyLatencyLine(read: read, written: DispatchTime.now().uptimeNanoseconds)
            _ = line.withCString { Foundation.write(keyLatencyLog, $0, strlen($0)) }
            keysReadAt = nil
        }
    }

    /// `NETLAB_KEY_LATENCY_LOG=FILE`: each key's read-to-drawn time in ms, then when it was read
    /// and drawn (CLOCK_MONOTONIC ns), a line each (benchmarks).
    private let keyLatencyLog: Int32? = ProcessInfo.processInfo.environment["NETLAB_KEY_LATENCY_LOG"].flatMap { path in
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }
    private var keysReadAt: UInt64?

    /// One line of the key-latency log, as `Benchmarks/console_flood.py` reads it: the
    /// read-to-drawn time in milliseconds (three decimals), then both times in nanoseconds.
    nonisolated static func keyLatencyLine(read: UInt64, written: UInt64) -> String {
        String(format: "%.3f %llu %llu\n", Double(written - read) / 1e6, read, written)
    }

    /// Keys are waiting (the shell's stdin source, or a test that typed into a `MemoryTerminal`).
    public func keysReady() {
        let keys = terminal.readKeys()
        if !keys.isEmpty, keyLatencyLog != nil, keysReadAt == nil { keysReadAt = DispatchTime.now().uptimeNanoseconds }
        // Readable with nothing to read, again and again: stdin is gone.
        emptyReads = keys.isEmpty ? emptyReads + 1 : 0
        if emptyReads > 1000 { quit() }
        let translated = KeyBinding.translatingEscapeDigits(keys)
        if translated.count == 1 { dispatch(.key(translated[0])) } else if !translated.isEmpty { dispatch(.keys(translated)) }
    }

    /// The terminal's size changed (SIGWINCH).
    public func resized() {
        terminal.resized()
        redraw()
    }

    /// `:shell`: the screen given back while the user's shell runs in the foreground (in the
    /// private network when netlab runs in one: the shell inherits it); engine events wait on
    /// the main queue meanwhile, and are shown when it ends.
    func runShell() {
        let command = ForegroundShell.command
        terminal.suspend()
        let place =
            state.privateNetwork
            ? "in netlab's private network (its servers are on 127.0.0.1 here; programs you start here reach them)"
            : "in the same network as netlab"
        FileHandle.standardOutput.write(Data("netlab: \(command[0]) \(place); exit it to come back to the console\n".utf8))
        let outcome = ForegroundShell.run(command)
        terminal.resume()
        terminal.resized()
        switch outcome {
        case .ended(let status):
            state.note("back from \(command[0]) (it exited with status \(status))", now: Date())
        case .failed(let code):
            state.note("cannot start \(command[0]): \(Errno(code).message) (\(Errno(code).name))", role: .error, now: Date())
        }
        redraw()
    }

    /// Stops the capture and the servers, writes the log out (for a second at most), gives
    /// the terminal back, then runs `exit`. Once only.
    public func quit() {
        guard !quitting else { return }
        quitting = true
        // Traced programs end with the console (their tracer threads then end by themselves).
        for program in state.programs where program.running { if let pid = program.pid { kill(pid, SIGKILL) } }
        capture?.stop()
        faultLog?.stop()
        eventLog?.drain(within: 1)
        // Waits for every server's queued start or stop first, then stops it for good.
        for (engine, server) in servers {
            serverControl[engine]?.sync {}
            server.stop()
        }
        for source in sources { source.cancel() }
        terminal.stop()
        if let eventLog, case (let lines, let code?) = eventLog.lost, lines > 0 {
            // After the terminal is back, so the line stays on screen.
            let error = Errno(code)
            Descriptor.writeAll(
                Array(
                    "netlab: --log \(settings.eventLogPath): \(lines) event\(lines == 1 ? " was" : "s were") not logged: "
                        .utf8) + Array("\(error.message) (\(error.name))\n".utf8), to: 2)
        }
        exit()
    }
}
