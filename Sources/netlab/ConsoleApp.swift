import Dispatch
import Foundation
import NetLabCapture
import NetLabConsole
import NetLabCore
import NetLabSockets
import NetLabTerminal

/// The console loop: keys and engine events become actions, `update` returns effects that
/// this class carries out, and the state is rendered to the terminal, once per batch.
/// Everything here runs on the main queue.
@MainActor
final class ConsoleApp {
    /// The protocols this build runs. Adding one: its engine here and in `servers`/`send`.
    nonisolated static let engines: [LabEvent.Engine] = [.tcp, .udp, .http]

    struct Settings {
        var listenHost: String?
        var clientHost: String
        var ports: [LabEvent.Engine: UInt16]
        var servers: [LabEvent.Engine]
        var site: HTTPSite
        var theme: Theme
        var themes: ThemeCatalog
        var presenter: Bool
        /// Whether to capture packets for the timeline (`--no-wire`: calls only).
        var wire = true
        /// `--log FILE`: every event appended as a JSON line.
        var eventLog: Int32?
        /// Clicks and the wheel (`--no-mouse`: off).
        var mouse = true
    }

    private var state: ConsoleState
    private let terminal: Terminal
    private let settings: Settings
    private var servers: [LabEvent.Engine: any ServerEngine] = [:]
    private var tcpClient: TCPClient!
    private var udpClient: UDPClient!
    private var httpClient: TCPClient!
    private var capture: WireCapture?
    private var eventLog: LogWriter?
    /// The ports the capture filter watches now (it follows the servers and the client's target).
    private var capturedPorts: [UInt16] = []
    private let watched = WatchedPorts()
    private var sources: [DispatchSourceProtocol] = []
    /// When the pending render runs (uptime seconds); nil when none is pending.
    private var renderDue: Double?
    private var renderGeneration = 0
    private var lastRender = 0.0
    private var emptyReads = 0

    init(settings: Settings) {
        self.settings = settings
        self.state = ConsoleState(engines: Self.engines, ports: settings.ports, listenHost: settings.listenHost,
                                  clientHost: settings.clientHost, theme: settings.theme.name,
                                  presenter: settings.presenter)
        self.terminal = Terminal(theme: settings.theme, mouse: settings.mouse)
    }

    func run() throws -> Never {
        // Signals become events on the main queue instead of killing the process mid-draw.
        // SIGQUIT (Ctrl-\\) too: its default action dumps core over the console's screen.
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGPIPE] { signal(number, SIG_IGN) }
        Signals.unblock([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH])
        TerminalRescue.saveTerminalSettings()
        do {
            try terminal.start()
        } catch {
            throw CommandFailure(message: "\(error)", code: CommandFailure.other)
        }
        // `--log FILE`: a JSON line per event, written by a thread of its own (a slow disk
        // never holds up the console; what cannot wait is dropped and counted, in JSON too).
        let eventLog = settings.eventLog.map { fd in
            LogWriter(fd: fd) { dropped in
                "{\"time\":\"\(LabEvent.isoTime(Date()))\",\"event\":\"log_dropped\",\"count\":\(dropped),"
                    + "\"text\":\"\(dropped) events dropped: the log file could not keep up\"}"
            }
        }
        // Everything that happens reaches the app as an action on the main queue, through
        // weak references: nothing global, and nothing keeps a finished console alive.
        let sink = EventSink(queue: .main) { [weak self] event in
            eventLog?.line(event.jsonLine)
            MainActor.assumeIsolated { self?.dispatch(.event(event)) }
        }
        self.eventLog = eventLog
        servers = [.tcp: TCPServer(events: sink), .udp: UDPServer(events: sink),
                   .http: HTTPServer(events: sink, configuration: HTTPServer.Configuration(site: settings.site))]
        tcpClient = TCPClient(events: sink)
        udpClient = UDPClient(events: sink)
        httpClient = TCPClient(events: sink, engine: .http)
        watchSignals()
        watchKeys()
        startCapture(sink)
        for problem in settings.themes.skipped {
            state.note("theme file left out: \(problem)", role: .error, now: Date())
        }
        perform(state.startServers(settings.servers, now: Date()))
        redraw()
        dispatchMain()
    }

    /// Starts the live capture for the timeline's wire rows; without the rights to capture,
    /// the timeline shows the calls alone and the transcript says how to get the wire.
    private func startCapture(_ sink: EventSink) {
        guard settings.wire else {
            dispatch(.wire(.disabled))
            return
        }
        let hosts = [settings.listenHost, settings.clientHost]
        let interface = hosts.contains { CaptureFilter.interface(for: $0) != "lo" } ? "any" : "lo"
        capturedPorts = watchedPorts
        let ports = watched
        ports.set(capturedPorts)
        do {
            // The kernel passes only the watched ports (a busy loopback would otherwise fill the
            // capture buffer with other programs' traffic); a port change replaces the filter
            // before anything is sent (`setFilter` waits until it is in force), and the ports
            // are checked again here, on the capture thread.
            let capture = try WireCapture(interface: interface, filter: CaptureFilter.expression(ports: capturedPorts))
            self.capture = capture
            capture.start(failed: { [weak self] failure in
                DispatchQueue.main.async { @Sendable in
                    MainActor.assumeIsolated { self?.dispatch(.wire(.off(reason: failure.message))) }
                }
            }) { frame in
                if CaptureFilter.matches(FrameDecoder.decode(frame), ports: ports.get()) { sink.emitWire(frame) }
            }
            dispatch(.wire(.on(interface: interface)))
            // The kernel's drop count, checked once a second: a lost frame is never silent.
            let timer = DispatchSource.makeTimerSource(queue: .main)
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler { @Sendable [weak self] in
                MainActor.assumeIsolated {
                    guard let app = self, let statistics = app.capture?.statistics else { return }
                    let dropped = Int(statistics.dropped) + Int(statistics.interfaceDropped)
                    if dropped != app.state.wireDropped { app.dispatch(.wireDropped(dropped)) }
                }
            }
            timer.resume()
            sources.append(timer)
        } catch {
            dispatch(.wire(.off(reason: error.message)))
        }
    }

    /// Every server's port and the client's target port.
    private var watchedPorts: [UInt16] {
        var ports = state.servers.map(\.port)
        if !ports.contains(state.client.port) { ports.append(state.client.port) }
        return ports
    }

    func dispatch(_ action: Action) {
        let before = state.theme
        let effects = state.update(action, now: Date(), themes: settings.themes.names)
        if state.theme != before, let theme = settings.themes.theme(named: state.theme) { terminal.setTheme(theme) }
        if let capture, watchedPorts != capturedPorts {
            // Before the effects: a send right after `:port` goes out under the new filter.
            capturedPorts = watchedPorts
            watched.set(capturedPorts)
            capture.setFilter(CaptureFilter.expression(ports: capturedPorts))
        }
        perform(effects)
        // A key is drawn at once; engine events at most every 10 ms (a flood would otherwise
        // spend the main thread redrawing after every slice of events).
        if case .key = action { scheduleRender(after: 0) } else { scheduleRender(after: 0.010) }
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .startServer(let engine, let host, let port):
                // Success and failure both arrive as events (listening / failed).
                _ = try? servers[engine]?.start(host: host, port: port)
            case .stopServer(let engine):
                servers[engine]?.stop()
            case .send(let engine, let bytes, let host, let port, let mode, let timeout):
                let done: @Sendable (Result<[UInt8], ClientFailure>) -> Void = { [weak self] result in
                    MainActor.assumeIsolated { self?.dispatch(.reply(engine: engine, result: result)) }
                }
                switch engine {
                case .tcp: tcpClient.send(bytes, host: host, port: port, timeout: max(timeout, 5), completion: done)
                case .udp:
                    udpClient.send(bytes, host: host, port: port, mode: mode == .connected ? .connected : .unconnected,
                                   timeout: timeout, completion: done)
                case .http:
                    // The input line is a path or a request line; the reply is the whole response.
                    let request = HTTPClientMessage.request(for: String(decoding: bytes, as: UTF8.self), host: host, port: port)
                    httpClient.send(request, host: host, port: port, timeout: max(timeout, 5), completion: done)
                }
            case .save(let path, let bytes, let what):
                let written = FileManager.default.createFile(atPath: path, contents: Data(bytes))
                let line = written ? "saved \(what) to \(path) (\(bytes.count) bytes)"
                    : "cannot write \(path): \(String(cString: strerror(errno))); try a path in a folder you can write to"
                state.note(line, role: written ? .info : .error, now: Date())
            case .copy(let text, let what):
                // OSC 52: the terminal puts the text on the system clipboard (over ssh too;
                // tmux passes it on with `set -g set-clipboard on`). Nothing comes back to say
                // whether the terminal allowed it, so the line says what it depends on.
                terminal.writeRaw("\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}")
                state.note("copied \(what) to the clipboard with OSC 52 (the terminal must allow it; "
                    + "in tmux: set -g set-clipboard on); :save FILE.hex writes it to a file", now: Date())
            case .quit:
                quit()
            }
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
        terminal.draw(render(state, width: width, height: height))
        if let keyLatencyLog, let read = keysReadAt {
            // Benchmarks: from reading a key to its frame written to the terminal.
            let line = String(format: "%.3f\n", (Self.now() - read) * 1000)
            _ = line.withCString { Foundation.write(keyLatencyLog, $0, strlen($0)) }
            keysReadAt = nil
        }
    }

    /// `NETLAB_KEY_LATENCY_LOG=FILE`: each key's read-to-drawn time in ms, a line each (benchmarks).
    private let keyLatencyLog: Int32? = ProcessInfo.processInfo.environment["NETLAB_KEY_LATENCY_LOG"].flatMap { path in
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }
    private var keysReadAt: Double?

    private func watchKeys() {
        let source = DispatchSource.makeReadSource(fileDescriptor: 0, queue: .main)
        source.setEventHandler { @Sendable [weak self] in
            MainActor.assumeIsolated {
                guard let app = self else { return }
                let keys = app.terminal.readKeys()
                if !keys.isEmpty, app.keyLatencyLog != nil, app.keysReadAt == nil { app.keysReadAt = Self.now() }
                // Readable with nothing to read, again and again: stdin is gone.
                app.emptyReads = keys.isEmpty ? app.emptyReads + 1 : 0
                if app.emptyReads > 1000 { app.quit() }
                for key in KeyBinding.translatingEscapeDigits(keys) { app.dispatch(.key(key)) }
            }
        }
        source.resume()
        sources.append(source)
    }

    /// Signals are heard on a queue of their own, so a quit is noticed even while the main
    /// queue is busy. The quit itself runs on the main queue (curses lives there); if that
    /// does not finish within `quitGrace` seconds, the watchdog restores the terminal and
    /// exits anyway (the kernel closes the sockets).
    private func watchSignals() {
        let queue = DispatchQueue(label: "netlab.signals")
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { @Sendable [weak self] in ConsoleApp.heard(number, on: queue, app: self) }
            source.resume()
            sources.append(source)
        }
    }

    private nonisolated static func heard(_ number: Int32, on queue: DispatchQueue, app: ConsoleApp?) {
        if number == SIGWINCH {
            DispatchQueue.main.async { @Sendable in
                MainActor.assumeIsolated {
                    guard let app else { return }
                    app.terminal.resized()
                    app.redraw()
                }
            }
            return
        }
        DispatchQueue.main.async { @Sendable in
            MainActor.assumeIsolated {
                if let app { app.quit() }
            }
        }
        queue.asyncAfter(deadline: .now() + quitGrace) { @Sendable in TerminalRescue.restoreAndExit() }
    }

    nonisolated static let quitGrace = 2.0

    /// Stops the servers, restores the terminal, exits.
    private func quit() -> Never {
        capture?.stop()
        eventLog?.drain(within: 1)
        for server in servers.values { server.stop() }
        terminal.stop()
        exit(0)
    }
}

/// The ports the timeline shows on the wire: set on the main queue, read on the capture thread.
final class WatchedPorts: @unchecked Sendable {
    // @unchecked: `ports` is guarded by `lock`.
    private let lock = NSLock()
    private var ports: Set<UInt16> = []
    func set(_ list: [UInt16]) { lock.lock(); ports = Set(list); lock.unlock() }
    func get() -> Set<UInt16> { lock.lock(); defer { lock.unlock() }; return ports }
}

/// The way out when the main queue cannot quit in time: put the terminal settings back as
/// they were before curses, leave the alternate screen, show the cursor, exit.
enum TerminalRescue {
    // Written once before curses starts, read only by the watchdog.
    nonisolated(unsafe) static var saved: termios?

    static func saveTerminalSettings() {
        var settings = termios()
        if tcgetattr(0, &settings) == 0 { saved = settings }
    }

    static func restoreAndExit() -> Never {
        if var settings = saved { tcsetattr(0, TCSANOW, &settings) }
        let reset = Array("\u{1B}[0m\u{1B}[?1049l\u{1B}[?25h\r\n".utf8)
        _ = reset.withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
        _exit(0)
    }
}
