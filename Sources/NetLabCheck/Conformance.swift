import Dispatch
import Foundation
import Glibc
import NetLabCore
import NetLabSockets

/// `netlab check`: the lab's protocols checked against someone else's server, one check
/// after another, each on a fresh socket. Pure reporting lives in `CheckReport`.
public enum Conformance {
    public struct Options: Sendable {
        /// Seconds each check waits for its reply.
        public var timeout = 2.0
        /// Pause between the pieces of a message sent in pieces, in seconds.
        public var pause = 0.2
        /// HTTP: an .html file the server has (the lab's).
        public var htmlPath = "/HelloWorld.html"
        /// HTTP: the name of a symbolic link in the served folder that points outside it, if
        /// the teacher made one; the check then asks for it and expects a refusal.
        public var escapeLink: String?
        /// Which checks run and what each is worth (the lab sheet's, unless told otherwise).
        public var rubric = Rubric.lab
        /// The server under test when netlab started it (`--start`): running before each check
        /// (started again if it ended), and what happened to it told after each.
        public var server: StartedServer?

        public init() {}
    }

    /// Runs every check of `kind` against `host`:`port`. No connection is made but the checks'
    /// own: a server that serves one client, or one request, is not used up by a probe.
    public static func run(_ kind: LabEvent.Engine, host: String, port: UInt16, options: Options = Options(), name: String? = nil) -> CheckReport {
        run(kind, host: host, port: port, options: options, name: name, log: CheckSocket.ConnectionLog())
    }

    /// `log`: the connection made beforehand for the first check, or why none could be
    /// (`--targets` connects to every server at once).
    static func run(
        _ kind: LabEvent.Engine, host: String, port: UInt16, options: Options, name: String?, log: CheckSocket.ConnectionLog
    ) -> CheckReport {
        let target = "\(kind.rawValue.lowercased()) \(Endpoint(host: host, port: port))"
        var note: String?
        var results: [CheckResult]
        let items = options.rubric.items[kind] ?? []
        switch kind {
        case .tcp: results = TCPChecks(host: host, port: port, options: options, log: log).run(items)
        case .udp: results = UDPChecks(host: host, port: port, options: options, log: log).run(items)
        case .http: (results, note) = HTTPChecks(host: host, port: port, options: options, log: log).run(items)
        }
        let rubric = options.rubric.name
        func report(unreachable: String? = nil, stopped: String? = nil) -> CheckReport {
            var report = CheckReport(target: target, name: name, results: results, unreachable: unreachable, stopped: stopped)
            report.rubric = rubric
            return report
        }
        if options.server != nil {
            // netlab starts it again before each check: a stop is only a start that failed.
            guard let first = results.firstIndex(where: \.notRun), let why = results[first].problem else { return report(stopped: note) }
            let left = results.count - first
            return report(
                stopped: "after check \(first), the server " + why.dropFirst("it ".count)
                    + "; the \(left == 1 ? "check" : "\(left) checks") after it \(left == 1 ? "was" : "were") not run")
        }
        guard let stop = log.stoppedBy else { return report(stopped: note) }
        // Every check from the one that could not connect on failed the same way at once: one
        // cause, said once. Never reached: nothing to check. Reached before: the server went away.
        let failure = describe(stop)
        guard let first = results.firstIndex(where: { $0.problem == failure }) else { return report() }
        if log.succeeded == 0 {
            var sentence = stop.description
            if kind == .udp, stop.errnoValue == ECONNREFUSED {
                // The check's socket is unconnected, as the lab's client's is, but asked to be told.
                sentence +=
                    " (and on netlab's, which asks to be told with IP_RECVERR; the lab's UDPClient.py would wait forever); "
                    + "start the server first, or check the host and port"
            } else if case .startServer = stop.remedy {
                sentence += "; start the server first, or check the host and port"
            }
            return report(unreachable: sentence)
        }
        // Checks before `first` ran; so did `first` itself when it is the very first (it
        // connected: nothing else had) and lost its server midway. (`again` says a refusal in
        // its own words: the check that asks about it failed, not stopped.)
        let ran = first == 0 ? 1 : first
        for index in ran..<results.count where results[index].problem == failure {
            results[index].notRun = true
        }
        let left = results[ran...].filter(\.notRun).count
        guard left > 0 else { return report() }
        let stopped =
            "the server stopped accepting connections after check \(ran) (it crashed, or it serves one client): \(failure); "
            + "the \(left == 1 ? "check" : "\(left) checks") after it \(left == 1 ? "was" : "were") not run"
        return report(stopped: stopped)
    }

    /// Many servers at once, `parallel` at a time; reports in the order given.
    public static func run(
        _ targets: [(name: String?, kind: LabEvent.Engine, host: String, port: UInt16)], options: Options = Options(),
        parallel: Int = 8
    ) -> [CheckReport] {
        let reports = ReportSlots(count: targets.count)
        // Every stream server is connected to at once, so a room of hosts that never answer
        // costs about one timeout; each connection made is its first check's.
        let streams = targets.indices.filter { targets[$0].kind != .udp }
        let made = CheckSocket.connectAll(streams.map { (targets[$0].host, targets[$0].port) }, timeout: options.timeout)
        let logs = targets.map { _ in CheckSocket.ConnectionLog() }
        for (index, outcome) in zip(streams, made) {
            switch outcome {
            case .success(let socket): logs[index].preconnected = socket
            case .failure(let error) where CheckSocket.noOneAccepting(error): logs[index].stoppedBy = error
            case .failure: break  // a reset: the first check tries again and fails on its own terms
            }
        }
        let gate = DispatchSemaphore(value: max(1, parallel))
        let group = DispatchGroup()
        for (index, target) in targets.enumerated() {
            gate.wait()
            group.enter()
            let log = LogBox(logs[index])
            DispatchQueue.global().async {
                reports.set(
                    index, run(target.kind, host: target.host, port: target.port, options: options, name: target.name, log: log.log))
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return reports.all
    }

    /// The rubric's checks from a protocol's catalog, in the rubric's order, each with its key,
    /// its weight and how long it took.
    static func run<Checks>(
        _ checks: Checks, _ catalog: [String: @Sendable (Checks) -> CheckResult], _ items: [Rubric.Item], server: StartedServer? = nil,
        log: CheckSocket.ConnectionLog? = nil
    ) -> [CheckResult] {
        var results: [CheckResult] = []
        for item in items {
            guard let check = catalog[item.key] else { continue }
            let started = DispatchTime.now().uptimeNanoseconds
            if let server, !results.isEmpty {
                // How the server came out of the check before (it may have ended: then it is
                // started again), and whether this one can run.
                let (ended, notReady) = server.settle(restart: true)
                if let ended { results[results.count - 1].server = ended }
                if let notReady {
                    var result = CheckResult(name: item.key, passed: false, sent: [], received: [], expected: "", problem: notReady, why: "")
                    result.notRun = true
                    result.key = item.key
                    result.weight = item.weight
                    results.append(result)
                    continue
                }
                log?.stoppedBy = nil  // running again: a refusal before says nothing about it now
            }
            var result = check(checks)
            result.key = item.key
            result.weight = item.weight
            result.visibility = item.visibility
            result.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            results.append(result)
        }
        if let server, !results.isEmpty, !results[results.count - 1].notRun {
            results[results.count - 1].server = server.settle(restart: false).ended
        }
        return results
    }

    /// The message the uppercase checks send, and a right server's answer.
    static let message = Array("hello, welcome to the socket lab".utf8)

    static func describe(_ error: SocketError) -> String { "\(error.operation)() failed: \(error.summary)" }
}

/// A server's connection log handed to the thread that checks it (and used there only).
private struct LogBox: @unchecked Sendable {
    // @unchecked: made before the hand-over, touched by the one thread after it.
    let log: CheckSocket.ConnectionLog
    init(_ log: CheckSocket.ConnectionLog) { self.log = log }
}

/// Reports filled in from several threads.
private final class ReportSlots: @unchecked Sendable {
    // @unchecked: `slots` is guarded by `lock`.
    private let lock = NSLock()
    private var slots: [CheckReport?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ report: CheckReport) {
        lock.lock()
        slots[index] = report
        lock.unlock()
    }
    var all: [CheckReport] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
