import Foundation
import Glibc
import NetLabCore
import NetLabEvents
import NetLabSockets
import NetLabTrace
import Synchronization

/// `netlab check tcp-client -- python3 TCPClient.py`: a student's client, run (traced) against
/// netlab's own server, and once more with no server at all. It is given a line on its input,
/// as a student types one; what it sent, what it printed and how it ended are checked, each
/// check with what was seen (its socket calls, its output) and why the lab cares.
public enum ClientChecks {
    /// The line the client reads, and what a right client prints back.
    static let line = "hello, welcome to the socket lab"

    /// What one run of the client did.
    struct Run {
        /// How it ended (nil: still running at the deadline, then killed).
        var ending: Tracer.Ending?
        /// How long it was given.
        var limit: Double
        /// Its stdout and stderr, together (at most 64 KiB kept).
        var output: [UInt8]
        var calls: [TracedCall]

        /// The connect() or sendto() of its socket to the server's port, if it made one.
        func call(_ name: TracedCall.Syscall, port: UInt16) -> TracedCall? {
            calls.first { $0.call == name && $0.address?.port == port }
        }

        /// `exited with status 1`, `was killed by ...`, `was still running after 4 s`.
        var how: String {
            switch ending {
            case .exited(let code): "exited with status \(code)"
            case .killed(let signal): "was killed by \(String(cString: strsignal(signal))) (signal \(signal))"
            case nil: "was still running after \(ClientFailure.format(limit)) s, and netlab stopped it"
            }
        }

        /// The last line it printed, quoted, if any.
        var lastLine: String? {
            let text = String(decoding: output, as: UTF8.self)
            return text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map {
                "\"\(TerminalSafe.controls(String($0.prefix(120))))\""
            }
        }
    }

    /// A run's deadline: whether the run ended first, or the deadline killed it.
    final class Deadline: Sendable {
        let ended = Atomic<Bool>(false)
        let killed = Atomic<Bool>(false)
    }

    /// The events netlab's server reports while the client runs, kept under a lock.
    final class Heard: Sendable {
        private let events = Mutex<[LabEvent]>([])
        func add(_ event: LabEvent) { events.withLock { $0.append(event) } }
        var all: [LabEvent] { events.withLock { $0 } }
    }

    /// Checks `command` as a `kind` client of netlab's server on `port` (the lab's 12000).
    public static func run(_ kind: LabEvent.Engine, command: [String], port: UInt16, options: Conformance.Options) -> CheckReport {
        let shown = command.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let target = "\(kind.rawValue.lowercased())-client \(shown)"
        let items = options.rubric.clientItems[kind] ?? []
        func report(_ results: [CheckResult], unreachable: String? = nil) -> CheckReport {
            var report = CheckReport(target: target, results: results, unreachable: unreachable)
            report.rubric = options.rubric.name
            return report
        }
        guard let path = Tracer.resolve(command[0]) else {
            return report([], unreachable: "no program \(command[0]) was found (give its path, or a name on PATH)")
        }
        let limit = max(options.timeout, 1) + 2
        // With netlab's server: what it sent, what it printed, how it ended.
        let heard = Heard()
        let sink = EventSink.inline(detail: .payloads) { heard.add($0) }
        let started: Result<Void, SocketError>
        let stop: () -> Void
        if kind == .udp {
            let server = UDPServer(events: sink)
            started = Result { () throws(SocketError) in _ = try server.start(port: port) }
            stop = { server.stop() }
        } else {
            let server = TCPServer(events: sink)
            started = Result { () throws(SocketError) in _ = try server.start(port: port) }
            stop = { server.stop() }
        }
        if case .failure(let error) = started {
            return report([], unreachable: "netlab's \(kind.rawValue) server could not listen on port \(port) for the client: \(error.summary)")
        }
        let first = runClient(path, command, limit: limit)
        stop()
        let served: Run
        switch first {
        case .success(let run): served = run
        case .failure(let failure): return report([], unreachable: "netlab could not run it: \(failure.message)")
        }
        // With no server: what the lab's first two questions are about.
        let alone = items.contains { $0.key == "refused" || $0.key == "silence" } ? try? runClient(path, command, limit: limit).get() : nil
        let judge = Judge(kind: kind, port: port, served: served, alone: alone, heard: heard.all, limit: limit)
        var results: [CheckResult] = []
        for item in items {
            guard var result = judge.check(item.key) else { continue }
            result.key = item.key
            result.weight = item.weight
            result.visibility = item.visibility
            results.append(result)
        }
        return report(results)
    }

    /// Runs the client traced, the line on its input, killed at `limit` seconds.
    static func runClient(_ path: String, _ command: [String], limit: Double) -> Result<Run, Tracer.Failure> {
        let folder = FileManager.default.temporaryDirectory.path
        let stem = "\(folder)/netlab-client-\(getpid())-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: stem + ".in", contents: Data((line + "\n").utf8))
        defer {
            unlink(stem + ".in")
            unlink(stem + ".out")
        }
        let input = open(stem + ".in", O_RDONLY | O_CLOEXEC)
        let output = open(stem + ".out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let calls = Mutex<[TracedCall]>([])
        let tracer = Tracer(path: path, arguments: command, output: output, input: input, inherits: []) { call in
            calls.withLock { $0.append(call) }
        }
        let clock = Deadline()
        tracer.started = { pid in
            DispatchQueue.global().asyncAfter(deadline: .now() + limit) {
                guard !clock.ended.load(ordering: .acquiring) else { return }
                clock.killed.store(true, ordering: .releasing)
                kill(pid, SIGKILL)
            }
        }
        let ending: Tracer.Ending
        do throws(Tracer.Failure) {
            ending = try tracer.run()
        } catch {
            clock.ended.store(true, ordering: .releasing)
            return .failure(error)
        }
        clock.ended.store(true, ordering: .releasing)
        let printed = FileManager.default.contents(atPath: stem + ".out").map { Array($0.prefix(64 * 1024)) } ?? []
        return .success(
            Run(
                ending: clock.killed.load(ordering: .acquiring) ? nil : ending, limit: limit, output: printed,
                calls: calls.withLock { $0 }))
    }

    /// Turns what was seen into each check's verdict and words.
    struct Judge {
        let kind: LabEvent.Engine
        let port: UInt16
        let served: Run
        let alone: Run?
        let heard: [LabEvent]
        let limit: Double

        var lineBytes: [UInt8] { Array(line.utf8) }
        var reply: [UInt8] { Uppercase.apply(lineBytes) }

        /// What netlab's server received from the client, in order.
        var received: [UInt8] {
            heard.flatMap { event -> [UInt8] in
                if case .received(let bytes, _, _) = event.kind { return bytes }
                return []
            }
        }

        func result(_ name: String, _ passed: Bool, problem: String?, sent: [UInt8] = [], received: [UInt8] = [], expected: String, why: String)
            -> CheckResult
        {
            CheckResult(
                name: name, passed: passed, sent: sent, received: received, expected: expected, problem: passed ? nil : problem, why: why)
        }

        /// What its socket calls were, briefly: `socket, connect 127.0.0.1:12001, ...`.
        var callsSeen: String {
            let names = served.calls.prefix(8).map { call in
                call.call.rawValue + (call.address.map { " \($0)" } ?? "") + (call.errno.map { " -> \(Errno($0).name)" } ?? "")
            }
            return names.isEmpty ? "it made no socket call at all" : "its socket calls: " + names.joined(separator: ", ")
        }

        func check(_ key: String) -> CheckResult? {
            switch key {
            case "connects": return connects()
            case "sends": return sends()
            case "prints": return prints()
            case "closes", "exits": return ends()
            case "refused", "silence": return alone.map(aloneCheck)
            default: return nil
            }
        }

        private func connects() -> CheckResult {
            let accepted = heard.contains { if case .accepted = $0.kind { return true } else { return false } }
            var problem = callsSeen
            if let call = served.calls.first(where: { $0.call == .connect }) {
                if let errno = call.errno {
                    problem = "its connect() to \(call.address.map(String.init(describing:)) ?? "?") failed with \(Errno(errno).name)"
                } else if let address = call.address, address.port != port {
                    problem = "it connected to \(address), not to port \(port), where netlab's server listens"
                }
            }
            return result(
                "it connects to the server (port \(port))", accepted, problem: problem,
                expected: "connect() to port \(port) succeeds: netlab's server accepts it",
                why: "a TCP client connects before it sends: connect() is what makes the handshake")
        }

        private func sends() -> CheckResult {
            let got = received
            let passed = got == lineBytes || got == lineBytes + [0x0A]
            let problem =
                got.isEmpty
                ? "netlab's server received nothing from it (\(callsSeen))"
                : "netlab's server received \(got.count) bytes, not the line it was given"
            return result(
                "the line it reads is what it sends", passed, problem: problem, sent: lineBytes, received: got,
                expected: "\"\(line)\" (its newline may be left out), to port \(port)",
                why: "the lab's client sends what the user typed: the server uppercases exactly those bytes")
        }

        private func prints() -> CheckResult {
            let passed = served.output.firstRange(of: reply) != nil
            return result(
                "it prints the server's reply", passed,
                problem: "its output has no \"\(String(decoding: reply, as: UTF8.self))\""
                    + (served.lastLine.map { "; the last line it printed: \($0)" } ?? "; it printed nothing"),
                sent: reply, received: served.output,
                expected: "\(String(decoding: reply, as: UTF8.self)) in what it prints",
                why: "the reply is the point of the exchange: a client that does not recv() it and print it shows nothing")
        }

        private func ends() -> CheckResult {
            let passed = served.ending == .exited(0)
            let wait = served.calls.last.map { " (its last call: \($0.call.rawValue)())" } ?? ""
            return result(
                kind == .tcp ? "it closes the connection and ends" : "it ends after the reply", passed,
                problem: "it \(served.how)\(served.ending == nil ? wait : "")"
                    + (served.ending != nil ? served.lastLine.map { ": it printed \($0)" } ?? "" : ""),
                expected: "exit status 0 once the reply is printed" + (kind == .tcp ? " (its socket closed)" : ""),
                why: "a client that ends leaves nothing behind: an open socket or a process still waiting")
        }

        private func aloneCheck(_ run: Run) -> CheckResult {
            let contact = run.calls.first { ($0.call == .connect || $0.call == .sendto) && $0.address?.port == port }
            var seen =
                contact.map { call in
                    "\(call.call.rawValue)() to \(call.address.map(String.init(describing:)) ?? "?") "
                        + (call.errno.map { "failed with \(Errno($0).name)" } ?? "returned \(call.result)")
                } ?? "it contacted nothing on port \(port)"
            seen += "; it \(run.how)" + (run.ending != nil ? run.lastLine.map { ": it printed \($0)" } ?? "" : "")
            if kind == .tcp {
                return result(
                    "with no server, it ends (the lab's first question: refused)", run.ending != nil, problem: seen,
                    expected: "connect() fails with ECONNREFUSED and the client ends (an error message is fine)",
                    why: "with nothing listening the kernel answers the SYN with RST: connect() fails at once, and a client "
                        + "that then waits has nothing to wait for"
                ).seen(seen)
            }
            return result(
                "with no server, it gives up (the lab's second question: silence)", run.ending != nil,
                problem: seen + "; settimeout() before recvfrom() lets a client give up",
                expected: "the client ends on its own within \(ClientFailure.format(limit)) s (a timeout on its socket)",
                why: "UDP has no connection: the datagram is sent, an ICMP port unreachable comes back that an unconnected "
                    + "socket is not told of, and recvfrom() waits for a reply that will never come"
            ).seen(seen)
        }
    }
}

extension CheckResult {
    /// What was seen, on a passed check too (the card's `seen:` line; a failed one's problem says it).
    func seen(_ text: String) -> CheckResult {
        var copy = self
        if passed { copy.seen = text }
        return copy
    }
}
