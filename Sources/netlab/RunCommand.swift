import ArgumentParser
import Foundation
import Glibc
import NetLabConsole
import NetLabCore
import NetLabSockets
import NetLabTrace

/// `netlab run -- COMMAND...`: the student's own program, its socket calls shown as they
/// return (what each returned, errno by name and in words, the bytes each recv() got), on
/// stderr like strace, so the program keeps its stdin and stdout.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a program and show its socket calls: each result, errno explained, the bytes each recv() got.",
        discussion: """
            The program keeps its terminal (type into your own client as usual); its socket calls \
            go to stderr, or to --output FILE. Only socket calls stop the program (a seccomp \
            filter); forks and threads are followed. Only network sockets (IPv4, IPv6) are shown: \
            local ones (AF_UNIX) are counted at the end. netlab exits with the program's status.
            Example: netlab run -- python3 TCPClient.py 127.0.0.1 12000
            """
    )

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the calls to FILE instead of stderr.", valueName: "FILE"))
    var output: String?

    @Flag(help: "One JSON object per call.")
    var json = false

    @Flag(
        name: .customLong("all-cpus"),
        help: ArgumentHelp("Let the program use every CPU (by default it shares netlab's: five times cheaper per traced call)."))
    var allCPUs = false

    @Flag(help: "Show the calls alone, without the packets beside them.")
    var noWire = false

    @Flag(help: "When the program ends, draw its calls and packets as a ladder (a sequence diagram).")
    var ladder = false

    @Flag(help: "With --ladder: plain ASCII instead of box drawing.")
    var ascii = false

    @Option(
        help: ArgumentHelp(
            "Also save the packets to FILE.pcapng, each with the calls made before it as its comment.",
            valueName: "FILE"))
    var write: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The program and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    func run() throws {
        // The passthrough takes everything from the first word it does not know, --help too.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        if ascii && !ladder { throw CommandFailure(message: "--ascii draws the ladder: give --ladder too", code: CommandFailure.usage) }
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard let name = words.first else {
            throw CommandFailure(
                message: "netlab run needs a program: netlab run -- python3 TCPClient.py 127.0.0.1 12000",
                code: CommandFailure.usage)
        }
        guard let path = Tracer.resolve(name) else {
            throw CommandFailure(
                message: "\(name): no such program (not a path, and not on PATH); check the name, or give its path",
                code: 127)
        }
        let fd: Int32
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else {
                let error = Errno(errno)
                throw CommandFailure(
                    message: "cannot open --output \(output): \(error.message) (\(error.name)); choose a file you can write",
                    code: CommandFailure.other)
            }
        } else {
            fd = 2
        }
        let output = RunOutput(fd: fd, hold: noWire ? 0 : 0.05, json: json)
        if ladder { output.keepForLadder() }
        let tracer = Tracer(path: path, arguments: words, sameCPU: !allCPUs) { call in
            var call = call
            // A TCP receive, read from /proc once while the program waits: what it left in the
            // socket, and its connection (which captured segments its bytes came from).
            var receive: (local: UInt16, remote: UInt16, count: Int)?
            if call.socketKind == "TCP", [.recvfrom, .read, .recvmsg].contains(call.call), call.errno == nil,
                let connection = PortHolder.connection(pid: call.pid, fd: call.descriptor)
            {
                call.unread = connection.unread
                if call.result > 0 { receive = (connection.local, connection.remote, Int(call.result)) }
            }
            // The row as text, and from its pid on as the packet comment of --write's file.
            let row = json && write == nil ? "" : Self.row(call)
            output.add(call, text: json ? TraceText.json(call) : row, note: write == nil ? nil : String(row.drop { $0 != "[" }), receive: receive)
        }
        let wire = noWire ? nil : RunWire.start(output: output)
        if let write {
            guard let wire else {
                let why = noWire ? "--no-wire leaves out" : "this user may not capture"
                throw CommandFailure(
                    message: "--write \(write) needs the packets, which \(why)",
                    code: noWire ? CommandFailure.usage : CommandFailure.other)
            }
            let file = open(write, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard file >= 0 else {
                let error = Errno(errno)
                throw CommandFailure(
                    message: "cannot open --write \(write): \(error.message) (\(error.name)); choose a file you can write",
                    code: CommandFailure.other)
            }
            output.write(to: file, path: write, linkType: wire.linkType, interface: "lo")
        }
        tracer.entered = { call in
            // Its row will come at its return with this entry time: hold what comes after it.
            output.begin(call)
            // What a close() leaves unread decides whether it sends a FIN or a reset.
            if call.call == .close, call.socketKind == "TCP" { call.unread = PortHolder.unread(pid: call.pid, fd: call.descriptor) }
            // The program's ports join the filter as it names them, before the call runs (the
            // program waits meanwhile), so the first SYN or datagram is seen.
            if let wire, [.connect, .sendto, .bind].contains(call.call), let port = call.address?.port, port != 0 { wire.watch(port) }
        }
        let flusher = DispatchSource.makeTimerSource(queue: .global())
        flusher.schedule(deadline: .now() + 0.02, repeating: 0.02)
        flusher.setEventHandler { output.flush(all: false) }
        flusher.resume()
        tracer.returned = { call in
            // A server that bound port 0: the kernel's choice, read from /proc while it waits.
            if let wire, call.call == .bind || call.call == .listen, call.errno == nil, (call.address?.port ?? 0) == 0,
                let port = PortHolder.localPort(pid: call.pid, fd: call.descriptor)
            {
                wire.watch(port)
            }
        }
        // Ctrl-C is the program's to handle (its own handler, or its end, which ends the run).
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        let ending: Tracer.Ending
        do {
            ending = try tracer.run()
        } catch {
            wire?.stop()
            throw CommandFailure(message: error.message, code: CommandFailure.other)
        }
        wire?.stop()
        flusher.cancel()
        output.flush(all: true)
        if let counts = wire?.statistics {
            output.finishFile(received: counts.received, dropped: counts.dropped, interfaceDropped: counts.interfaceDropped)
        } else {
            output.finishFile(received: 0, dropped: 0, interfaceDropped: 0)
        }
        if tracer.localSockets > 0, !json {
            let count = tracer.localSockets == 1 ? "1 local socket" : "\(tracer.localSockets) local sockets"
            let note = "netlab: \(count) not shown (AF_UNIX or netlink: the C library's name lookups, logging); they carry no packets\n"
            Output.write(Array(note.utf8), to: fd)
        }
        if case .killed(let signal) = ending {
            Output.error("\(name) was killed by \(String(cString: strsignal(signal))) (signal \(signal))")
        }
        if ladder {
            let kept = output.ladderItems
            Output.ladder(Ladder(traced: kept.calls, frames: kept.frames), ascii: ascii, to: fd)
        }
        Foundation.exit(ending.status)
    }

    /// `12:00:01.123456 [pid 4242] connect(3, 127.0.0.1:12000) = -1 ECONNREFUSED (...)`, and
    /// netlab's explanation under a failed call.
    static func row(_ call: TracedCall) -> String {
        var text = "\(WireClock.microseconds(call.stamp)) [pid \(call.pid)] \(TraceText.line(call))"
        if var error = TraceText.error(call) {
            // What the machine knows about the port: who holds it, what TIME_WAIT is left.
            if let port = error.endpoint?.port, error.errnoValue == EADDRINUSE {
                error.holder = PortHolder.holders(of: port, call.socketKind == "UDP" ? .datagram : .stream).first
                if error.holder == nil { error.timeWait = PortHolder.timeWaitWithoutListener(port: port) }
            } else if let peer = error.endpoint, error.errnoValue == ECONNREFUSED, peer.host == "127.0.0.1" || peer.host == "::1" {
                error.timeWait = PortHolder.timeWaitWithoutListener(port: peer.port)
            }
            text += "\n    " + error.explanation + (RemedyWords.program(error.remedy).map { "; " + $0 } ?? "")
        }
        if let note = TraceText.unreadAtClose(call) { text += "\n    " + note }
        return text
    }
}
