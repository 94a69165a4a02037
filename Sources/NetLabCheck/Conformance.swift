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
        /// Set once the first connection failed: every check then fails with this at once.
        var unreachable: SocketError?

        public init() {}
    }

    /// Runs every check of `kind` against `host`:`port`.
    public static func run(_ kind: LabEvent.Engine, host: String, port: UInt16, options: Options = Options(), name: String? = nil) -> CheckReport {
        run(kind, host: host, port: port, options: options, name: name, probed: nil)
    }

    /// `probed`: the outcome of a connection already tried (`--targets` tries every server's
    /// at once); nil to try one here. UDP has no connection to try.
    static func run(
        _ kind: LabEvent.Engine, host: String, port: UInt16, options: Options, name: String?,
        probed: Result<Void, SocketError>?
    ) -> CheckReport {
        let target = "\(kind.rawValue.lowercased()) \(Endpoint(host: host, port: port))"
        var unreachable: String?
        var options = options
        if kind != .udp {
            // A stream server that cannot be reached fails every check the same way: say it
            // once, and let no check wait for it again.
            let outcome = probed ?? CheckSocket.probe([(host, port)], timeout: options.timeout)[0]
            if case .failure(let error) = outcome {
                var sentence = error.description
                if case .startServer = error.remedy { sentence += "; start the server first, or check the host and port" }
                unreachable = sentence
                options.unreachable = error
            }
        }
        let results: [CheckResult] =
            switch kind {
            case .tcp: TCPChecks(host: host, port: port, options: options).all()
            case .udp: UDPChecks(host: host, port: port, options: options).all()
            case .http: HTTPChecks(host: host, port: port, options: options).all()
            }
        return CheckReport(target: target, name: name, results: results, unreachable: unreachable)
    }

    /// Many servers at once, `parallel` at a time; reports in the order given.
    public static func run(
        _ targets: [(name: String?, kind: LabEvent.Engine, host: String, port: UInt16)], options: Options = Options(),
        parallel: Int = 8
    ) -> [CheckReport] {
        let reports = ReportSlots(count: targets.count)
        // Every stream server's first connection is tried at once, so a room of hosts that
        // never answer costs about one timeout, not one per host.
        let streams = targets.indices.filter { targets[$0].kind != .udp }
        var probed = [Result<Void, SocketError>?](repeating: nil, count: targets.count)
        for (index, outcome) in zip(
            streams,
            CheckSocket.probe(
                streams.map { (targets[$0].host, targets[$0].port) },
                timeout: options.timeout))
        {
            probed[index] = outcome
        }
        let gate = DispatchSemaphore(value: max(1, parallel))
        let group = DispatchGroup()
        for (index, target) in targets.enumerated() {
            gate.wait()
            group.enter()
            let outcome = probed[index]
            DispatchQueue.global().async {
                reports.set(
                    index,
                    run(
                        target.kind, host: target.host, port: target.port, options: options, name: target.name,
                        probed: outcome))
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return reports.all
    }

    /// The message the uppercase checks send, and a right server's answer.
    static let message = Array("hello, welcome to the socket lab".utf8)

    static func describe(_ error: SocketError) -> String { "\(error.operation)() failed: \(error.summary)" }
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
