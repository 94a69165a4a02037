import Dispatch
import Foundation
import NetLabApp
import NetLabCore
import NetLabEvents
import NetLabSockets

/// Runs a headless server until SIGINT or SIGTERM, printing one log line per event worth it.
enum ServerRunner {
    /// `onEvent` sees every event as it happens (on the engine's queue) and may end the server (`--once`).
    static func run(
        _ engine: LabEvent.Engine, options: ServerSettings,
        onEvent: @escaping @Sendable (LabEvent, _ stop: @escaping @Sendable () -> Void) -> Void = { _, _ in },
        make: (EventSink) -> any ServerEngine
    ) throws -> Never {
        // Handle the signals on the main queue instead of dying with the sockets open.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        Signals.unblock([SIGINT, SIGTERM])
        // Listened for before anything starts: a SIGTERM sent the moment the process is up
        // would otherwise be ignored for good.
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { @Sendable in finish() }
            source.resume()
            sources.append(source)
        }
        let verbose = options.verbose
        let hex = options.hex
        let stop: @Sendable () -> Void = {
            // Stop from the main queue: stop() waits for the engine, which may be emitting to us.
            DispatchQueue.main.async { ServerRunner.finish() }
        }
        // Events are built only when they will be printed (or --once needs them).
        let quiet = options.quiet
        let log = LogWriter()
        // Formatted on the engine's queue as each event happens (one engine: its events come
        // in order), queued to the log writer's thread, which writes them in batches.
        // A message received needs no event for its line (unless --hex dumps it, or --once
        // must see it): written from the bytes where they lie, no copy, no String.
        var receivedLine: EventSink.ReceivedLine?
        if !hex && !options.once {
            receivedLine = { engine, bytes, sender, time in
                log.line(building: { LabEvent.appendReceivedLine(time: time, engine: engine, bytes: bytes, sender: sender, to: &$0) })
            }
        }
        let sink = EventSink.inline(detail: options.detail(for: engine), connections: verbose, receivedLine: receivedLine) { event in
            // The line printed most (a message received) is built straight into the log's queue.
            // A closure, not the method itself: a partially applied method boxed the event on
            // the heap, an allocation per message.
            // So is an HTTP server's access line (unless --quiet, whose log has none).
            if hex || !log.line(building: { event.appendReceivedLine(to: &$0) || (!quiet && event.appendServedLine(to: &$0)) }) {
                for line in logLines(for: event, verbose: verbose, hex: hex, quiet: quiet) { log.line(line) }
            }
            onEvent(event, stop)
        }
        let server = make(sink)
        ServerRunner.current = (server, log)
        let local: Endpoint
        do {
            local = try server.start(host: options.host, port: options.port)
        } catch {
            log.drain(within: 1)
            throw CommandFailure(message: RemedyWords.line(error), code: CommandFailure.other)
        }
        let note = options.hex ? "# " : ""
        log.line(note + "The server is ready to receive")
        let scope = options.host == nil ? " (every IPv4 and IPv6 address)" : ""
        log.line(note + "Listening on \(local)\(scope) for \(engine.rawValue); Ctrl-C stops the server")
        withExtendedLifetime(sources) { dispatchMain() }
    }

    /// The running server and its log, for `finish` (set once before any signal).
    nonisolated(unsafe) static var current: (server: any ServerEngine, log: LogWriter)?

    /// Stops the server, lets the log catch up (for at most a second: nobody may be reading
    /// stdout), exits 0.
    static func finish() -> Never {
        if let (server, log) = current {
            server.stop()
            let written = log.drain(within: 1)
            if !written {
                // Said, not silent; and never waited for: stderr may be as stuck as stdout.
                _ = fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK)
                let note = Array("netlab: stopped before the log caught up: its last lines were not printed\n".utf8)
                _ = note.withUnsafeBytes { Foundation.write(2, $0.baseAddress, $0.count) }
            }
        }
        exit(0)
    }

    /// The log lines for one event: nothing for the ready line's own event.
    static func logLines(for event: LabEvent, verbose: Bool, hex: Bool, quiet: Bool = false) -> [String] {
        let show: Bool
        switch event.kind {
        case .listening: show = false
        case .failed, .rejected, .stopped, .notice: show = true
        case .idleClosed: show = !quiet
        case .served: show = !quiet
        case .received: show = !quiet && (event.engine != .http || verbose || hex)
        case .sent, .accepted, .closed, .shutdown, .connected, .connecting, .timedOut, .wire, .traced: show = verbose
        }
        guard show else { return [] }
        var summary = event.summary
        if case .failed(let error) = event.kind, let words = RemedyWords.cli(error.remedy) { summary += "; " + words }
        // With --hex every line that is not part of a dump starts with "#", which text2pcap
        // skips: a saved log turns into a pcap as it is (a timestamp such as "22:15" would
        // otherwise read as a dump offset).
        var lines = [(hex ? "# " : "") + "\(event.clockTime) \(event.engine.rawValue) \(summary)"]
        if hex, let payload = event.payload {
            lines += HexDump.logLines(payload)
            lines.append("")
        }
        return lines
    }
}
