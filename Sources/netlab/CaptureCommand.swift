import ArgumentParser
import Dispatch
import Foundation
import NetLabCapture
import NetLabConsole
import NetLabCore
import Synchronization

/// `netlab capture`: the lab's traffic as packets, one labelled line each, with what an RST or
/// an ICMP error means for the sockets, and optionally a pcapng file for Wireshark.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Show the lab's packets as they cross the wire (needs CAP_NET_RAW or root).",
        discussion: """
            Captures TCP and UDP on the given ports (default 12000 and 8080; --all: every port) and the ICMP errors \
            that quote them, on the loopback interface unless told otherwise, and prints a line per \
            packet: time, addresses, a label (SYN, SYN/ACK, PSH/ACK 5 B, RST/ACK, UDP 5 B, ICMP port \
            unreachable), relative TCP numbers, and for an RST or ICMP error what it does to the \
            sockets. Ctrl-C stops; the last line counts the packets and any the kernel dropped.
            Exit codes: 0 success, 64 bad usage, 77 no permission to capture, 1 other failures.
            """
    )

    @Option(name: .customLong("port"), help: ArgumentHelp("A port to watch (repeat for more).", valueName: "port"))
    var ports: [Int] = []

    @Flag(help: "Capture every TCP and UDP port (and every ICMP error) instead of --port's.")
    var all = false

    @Option(
        help: ArgumentHelp(
            "The interface to capture on: lo (the loopback), any, or a name from `ip link`.",
            valueName: "name"))
    var interface: String = "lo"

    @Option(help: ArgumentHelp("Stop after this many packets.", valueName: "n"))
    var count: Int?

    @Flag(help: "When the capture ends, draw its packets as a ladder: a lifeline per endpoint, the packets as arrows.")
    var ladder = false

    @Flag(help: "With --ladder: plain ASCII instead of box drawing.")
    var ascii = false

    @Option(
        help: ArgumentHelp(
            "Also write the packets to this pcapng file (tshark -r and Wireshark read it).",
            valueName: "file"))
    var write: String?

    static let permissionDenied: Int32 = 77  // EX_NOPERM

    func validate() throws {
        for port in ports where !(1...65535).contains(port) {
            throw ValidationError("--port \(port) is not a port: use 1-65535")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if ascii && !ladder { throw ValidationError("--ascii draws the ladder: give --ladder too") }
        if interface.isEmpty { throw ValidationError("--interface needs a name, such as lo") }
        if all && !ports.isEmpty { throw ValidationError("--all captures every port: leave out --port") }
    }

    func run() throws {
        // --all: no ports, which the filter reads as every TCP and UDP port.
        let watched: [UInt16] = all ? [] : ports.isEmpty ? [12000, 8080] : ports.map { UInt16($0) }
        let capture: WireCapture
        do {
            capture = try WireCapture(interface: interface, filter: CaptureFilter.expression(ports: watched))
        } catch {
            throw CommandFailure(message: error.message, code: error.kind == .notPermitted ? Self.permissionDenied : CommandFailure.other)
        }
        var file: Int32?
        if let write {
            let fd = open(write, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                capture.stop()
                let reason = String(cString: strerror(errno))
                throw CommandFailure(
                    message: "cannot write \(write): \(reason); choose a path in a folder you can write to",
                    code: CommandFailure.other)
            }
            file = fd
        }
        let writer = PcapFile.PcapngWriter(linkTypes: [capture.linkType])
        if let file,
            let code = Output.writeAll(
                writer.header(
                    sectionComment: "Captured by netlab capture on \(interface), "
                        + (all ? "every TCP and UDP port" : "ports " + watched.map(String.init).joined(separator: " ")),
                    interfaceName: interface), to: file)
        {
            capture.stop()
            throw CommandFailure(message: "cannot write \(write ?? ""): \(String(cString: strerror(code)))", code: CommandFailure.other)
        }

        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        Signals.unblock([SIGINT, SIGTERM])
        let state = CaptureState(file: file, path: write ?? "", writer: writer, keepFrames: ladder)
        // The watched ports are the servers' (`--port 12000`); with --all, the lab's defaults.
        let drawing = ladder ? LadderDrawing(serverPorts: Set(watched.isEmpty ? [12000, 8080] : watched), ascii: ascii) : nil
        let unique = Array(Set(watched)).sorted()
        let ports =
            all
            ? "every TCP and UDP port"
            : unique.count <= 8
                ? "ports " + watched.map(String.init).joined(separator: ", ")
                : "\(unique.count) ports from \(unique[0]) to \(unique.last!)"
        Output.error("capturing on \(interface) (\(capture.linkType)), \(ports) and the ICMP errors that quote them; Ctrl-C stops")
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { @Sendable in
                capture.stop(waitingAtMost: 0.1)
                Self.finish(state, capture, interface: interface, ladder: drawing)
            }
            source.resume()
            sources.append(source)
        }
        // The kernel passes the watched ports (a range, past 32 of them) and the packets whose
        // ports it cannot see (fragments, IPv6 extension headers): the rest stop here.
        let exact = all
        let portSet = Set(watched)
        let matcher = CaptureFilter.PortMatcher()
        // The capture counts what the kernel passed; with a range, --count counts what matched.
        let limit = count
        capture.start(
            count: exact ? count : nil, failed: { failure in Output.error(failure.message) },
            finished: { DispatchQueue.main.async { Self.finish(state, capture, interface: interface, ladder: drawing) } },
            frames: { frame in
                if !exact {
                    guard matcher.matches(FrameDecoder.decode(frame), ports: portSet) else { return }
                    if let limit, state.taken >= limit { return }
                }
                // A reader that went away (`| head`): stop, as tcpdump does.
                if !state.take(frame) { DispatchQueue.main.async { capture.stop() } }
                if !exact, let limit, state.taken >= limit {
                    DispatchQueue.main.async {
                        capture.stop()
                        Self.finish(state, capture, interface: interface, ladder: drawing)
                    }
                }
            })
        withExtendedLifetime(sources) { dispatchMain() }
    }

    /// How the ladder is drawn when the capture ends (nil: no ladder).
    struct LadderDrawing: Sendable {
        var serverPorts: Set<UInt16>
        var ascii: Bool
    }

    private static func finish(_ state: CaptureState, _ capture: WireCapture, interface: String, ladder: LadderDrawing?) -> Never {
        // A stalled stdout holds the capture thread (and its lock) in write(): the end does not
        // wait for it longer than a moment (SIGTERM must end the capture whatever stdout does).
        let (count, file) = state.close(waitingAtMost: 0.05)
        if let file {
            // The kernel's counts go in the file too (an interface statistics block).
            if let statistics = capture.statistics {
                _ = Output.writeAll(
                    PcapFile.PcapngWriter(linkTypes: [capture.linkType]).statistics(
                        received: UInt64(statistics.received), dropped: UInt64(statistics.dropped),
                        interfaceDropped: UInt64(statistics.interfaceDropped), at: Date()), to: file)
            }
            Glibc.close(file)
        }
        var line = "\(count) packet\(count == 1 ? "" : "s") captured"
        if let statistics = capture.statistics, statistics.dropped + statistics.interfaceDropped > 0 {
            // What the kernel counted: on lo it counts a lost packet as sent and as received,
            // so about half as many packets are missing (measured: 5,563 counted, 2,782 missing).
            line +=
                ", \(statistics.dropped + statistics.interfaceDropped) dropped by the kernel (the capture buffer was full"
                + (interface == "lo" ? "; on lo each packet is counted twice, as sent and as received)" : ")")
        }
        Output.error(line)
        if let ladder {
            Output.ladder(Ladder(frames: state.kept, serverPorts: ladder.serverPorts), ascii: ladder.ascii, to: 1)
        }
        Foundation.exit(0)
    }
}

/// The capture thread's side: numbers and explains frames, prints them, appends them to the file.
private final class CaptureState: @unchecked Sendable {
    // @unchecked: everything is guarded by `lock` (the capture thread writes, the main queue closes).
    private let lock = NSLock()
    private var session = WireSession()
    private var count = 0
    /// `count`, readable without the lock.
    private let printed = Atomic<Int>(0)
    private var file: Int32?
    private let path: String
    private let writer: PcapFile.PcapngWriter
    /// The newest frames, for the ladder drawn at the end (`--ladder`); nil: none kept.
    private var frames: [CapturedFrame]?
    static let ladderFrames = 2000

    init(file: Int32?, path: String, writer: PcapFile.PcapngWriter, keepFrames: Bool = false) {
        self.file = file
        self.path = path
        self.writer = writer
        frames = keepFrames ? [] : nil
    }

    /// The frames kept for the ladder (when the capture thread has let go of the lock).
    var kept: [CapturedFrame] {
        guard lock.lock(before: Date(timeIntervalSinceNow: 0.05)) else { return [] }
        defer { lock.unlock() }
        return frames ?? []
    }

    /// Prints and saves a frame; false when stdout is gone (its reader quit).
    func take(_ frame: CapturedFrame) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let row = session.take(frame)
        if frames != nil {
            frames!.append(frame)
            if frames!.count > Self.ladderFrames { frames!.removeFirst(frames!.count - Self.ladderFrames) }
        }
        count += 1
        printed.store(count, ordering: .relaxed)
        var text = "\(WireClock.microseconds(frame.time)) \(row.line)"
        if let explanation = row.explanation { text += "\n    " + explanation }
        if let code = Output.writeAll(Array((text + "\n").utf8), to: 1), code == EPIPE { return false }
        if let fd = file, let code = Output.writeAll(writer.packet(PcapFile.Record(frame: frame)), to: fd) {
            // A full disk: say so once, keep capturing to the screen.
            Output.error("cannot write \(path): \(String(cString: strerror(code))); the packets from here on are not saved")
            Glibc.close(fd)
            file = nil
        }
        return true
    }

    /// Frames taken so far.
    var taken: Int { printed.load(ordering: .relaxed) }

    /// The count and the file to close; when the capture thread is stuck writing to stdout
    /// for longer than `seconds`, the count so far (atomically read) and no file (the process
    /// exits; every packet already in the file was written whole).
    func close(waitingAtMost seconds: Double) -> (Int, Int32?) {
        guard lock.lock(before: Date(timeIntervalSinceNow: seconds)) else { return (printed.load(ordering: .relaxed), nil) }
        defer { lock.unlock() }
        let handle = file
        file = nil
        return (count, handle)
    }
}
