import Foundation
import Glibc
import NetLabCore
import NetLabEvents
import NetLabSockets
import NetLabTrace

/// `:run`: a program traced on a thread of its own; its calls go into the event stream (so
/// they sit with the engines' calls and the wire's frames in causal order), its output lines
/// and its end come back as actions.
extension ConsoleApp {
    func startProgram(_ id: Int, _ command: [String]) {
        guard let sink = eventSink, let name = command.first else { return }
        guard let path = Tracer.resolve(name) else {
            dispatch(.program(.ended(id: id, how: "did not start: \(name) is not a path and not on PATH")))
            return
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            dispatch(.program(.ended(id: id, how: "did not start: no pipe for its output (\(Errno(errno).name))")))
            return
        }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        // Its stdin: a pipe `:type` writes to (non-blocking: a program that does not read
        // never stalls the console).
        var inputEnds: [Int32] = [0, 0]
        guard pipe(&inputEnds) == 0 else {
            close(ends[0])
            close(ends[1])
            dispatch(.program(.ended(id: id, how: "did not start: no pipe for its input (\(Errno(errno).name))")))
            return
        }
        _ = fcntl(inputEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(inputEnds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(inputEnds[1], F_SETFL, fcntl(inputEnds[1], F_GETFL) | O_NONBLOCK)
        programInputs[id] = inputEnds[1]
        let inputRead = inputEnds[0]
        let label = (name as NSString).lastPathComponent
        let output = ends[1]
        // The end is said after the program's last output line (it exits right after writing
        // its buffered output, while the console is still taking it); a child that keeps the
        // pipe open is not waited for longer than 2 s.
        let outputRead = DispatchSemaphore(value: 0)
        let gate = stepGate
        let thread = Thread { [weak self] in
            // Made on its own thread: ptrace answers only the thread that started the program.
            // The console's descriptors (its terminal, sockets, capture) are not the program's.
            let tracer = Tracer(path: path, arguments: command, output: output, input: inputRead, inherits: []) { call in
                sink.emit(
                    LabEvent(
                        time: call.stamp, engine: call.socketKind == "UDP" ? .udp : .tcp, role: .program,
                        kind: .traced(call, program: label)))
            }
            tracer.entered = { [weak self] call in
                // The port a call names joins the wire's filter before the call runs (the
                // program waits), so its first SYN or datagram is on the timeline.
                if [.connect, .sendto, .bind].contains(call.call), let port = call.address?.port, port != 0 {
                    DispatchQueue.main.sync { MainActor.assumeIsolated { self?.dispatch(.program(.port(port))) } }
                }
                if let gate { Self.hold(call, of: "\(label) [\(call.pid)]", at: gate) }
            }
            tracer.started = { [weak self] pid in
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { self?.dispatch(.program(.started(id: id, pid: pid))) }
                }
            }
            let how: String
            do throws(Tracer.Failure) {
                switch try tracer.run() {
                case .exited(let code): how = "exited with status \(code)"
                case .killed(let signal): how = "was killed by \(String(cString: strsignal(signal))) (signal \(signal))"
                }
            } catch {
                how = "did not start: \(error.message)"
            }
            _ = outputRead.wait(timeout: .now() + 2)
            // After the program's last events (the sink's queue is the main queue).
            sink.after {
                MainActor.assumeIsolated {
                    guard let self else { return }
                    if let input = self.programInputs.removeValue(forKey: id) { close(input) }
                    self.dispatch(.program(.ended(id: id, how: how)))
                }
            }
        }
        thread.name = "netlab.trace.\(id)"
        thread.start()
        let readEnd = ends[0]
        let reader = Thread { [weak self] in
            // A chunk's lines at a time, and synchronously: a program that floods its output
            // waits for the console (its pipe fills) instead of piling work on the main queue.
            Self.readLines(readEnd) { lines in
                DispatchQueue.main.sync { MainActor.assumeIsolated { for line in lines { self?.dispatch(.program(.output(id: id, line: line))) } } }
            }
            close(readEnd)
            outputRead.signal()
        }
        reader.name = "netlab.trace.\(id).output"
        reader.start()
    }

    /// `:type`'s line for program `id`; said when it cannot be given.
    func giveInput(_ id: Int, _ bytes: [UInt8]) {
        guard let fd = programInputs[id] else { return }
        if let code = Descriptor.writeAll(bytes, to: fd) {
            let why = code == EAGAIN ? "it is not reading its input (the pipe is full)" : "\(Errno(code).message) (\(Errno(code).name))"
            dispatch(.program(.inputLost(id: id, why: why)))
        }
    }

    /// Lines from `fd` until its end, each cut at 1,000 bytes, handed over a read at a time.
    nonisolated static func readLines(_ fd: Int32, _ each: ([String]) -> Void) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            pending += chunk[0..<count]
            var lines: [String] = []
            while let newline = pending.firstIndex(of: 10) {
                lines.append(String(decoding: pending[..<newline].prefix(1000), as: UTF8.self))
                pending.removeSubrange(...newline)
            }
            if pending.count > 1000 {
                lines.append(String(decoding: pending.prefix(1000), as: UTF8.self))
                pending.removeAll()
            }
            if !lines.isEmpty { each(lines) }
        }
        if !pending.isEmpty { each([String(decoding: pending, as: UTF8.self)]) }
    }

    /// Step mode for a traced program: the calls that send, receive, connect, accept or close
    /// wait, the program stopped at the call's entry, until the room's key (`:step off`, and
    /// quitting, let every waiting call go).
    nonisolated static func hold(_ call: TracedCall, of program: String, at gate: StepGate) {
        let held: [TracedCall.Syscall] = [
            .connect, .accept, .accept4, .shutdown, .sendto, .sendmsg, .sendmmsg, .recvfrom, .recvmsg, .recvmmsg, .read, .write, .close,
        ]
        guard held.contains(call.call), gate.isOn else { return }
        let detail = call.address.map { "to \($0)" } ?? "on descriptor \(call.descriptor)"
        let made = DispatchSemaphore(value: 0)
        gate.hold(call.socketKind == "UDP" ? .udp : .tcp, side: program, call: "\(call.call.rawValue)()", detail: detail) { made.signal() }
        made.wait()
    }
}
