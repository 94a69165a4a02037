import Foundation
import Glibc
import NetLabCore

/// `netlab run`'s rows, calls and captured frames, written in time order: a frame reaches
/// netlab up to 10 ms after the kernel saw it, so rows wait `hold` seconds (none without the
/// wire) and go out sorted by their time; what is left goes out at the end.
final class RunOutput: @unchecked Sendable {
    // @unchecked: everything is guarded by `lock` (the tracer thread, the capture thread and
    // the flush timer all come here).
    private let lock = NSLock()
    private var pending: [(time: Date, order: Int, text: String)] = []
    private var order = 0
    private var session = WireSession()
    private let fd: Int32
    private let hold: TimeInterval
    private let json: Bool
    /// Rows not written because the output failed (a full disk, a closed pipe).
    private(set) var failed: Int32?

    init(fd: Int32, hold: TimeInterval, json: Bool) {
        self.fd = fd
        self.hold = hold
        self.json = json
    }

    func add(_ call: TracedCall, text: String) {
        append(call.stamp, text)
    }

    func add(_ frame: CapturedFrame) {
        lock.lock()
        let row = session.take(frame)
        lock.unlock()
        var text: String
        if json {
            text = LabEvent(time: frame.time, engine: .tcp, role: .wire, kind: .wire(frame)).jsonLine(wire: row)
        } else {
            text = "\(WireClock.microseconds(frame.time)) \(row.line)"
            if let explanation = row.explanation { text += "\n    " + explanation }
        }
        append(frame.time, text)
    }

    private func append(_ time: Date, _ text: String) {
        lock.lock()
        order += 1
        pending.append((time, order, text))
        lock.unlock()
        if hold == 0 { flush(all: true) }
    }

    /// Writes the rows older than `hold` (all of them at the end), oldest first.
    func flush(all: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return }
        let limit = Date().addingTimeInterval(-hold)
        let ready = pending.filter { all || $0.time <= limit }.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
        guard !ready.isEmpty else { return }
        pending.removeAll { all || $0.time <= limit }
        let bytes = Array(ready.map { $0.text + "\n" }.joined().utf8)
        if failed == nil, let code = Output.writeAll(bytes, to: fd) { failed = code }
    }
}
