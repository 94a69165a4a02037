import Foundation

/// A server's log on stdout, written by a thread of its own from a bounded buffer.
///
/// Servers never wait for stdout: with a pipe nobody reads (or a terminal paused with Ctrl-S)
/// a blocking write would stop the log queue, and the engines' events would pile up behind it
/// without bound. Here a line that does not fit in `capacity` is dropped and counted, and when
/// output moves again the log says how many lines are missing. Shutdown waits a bounded time.
public final class LogWriter: @unchecked Sendable {
    // @unchecked: `pending`, `dropped` and `writing` are guarded by `condition`.
    /// Enough for the hex log of a burst of large messages (a 1 MiB message is about 5 MB
    /// of dump lines) while a reader catches up; bounded for a reader that never does.
    /// `NETLAB_LOG_BUFFER_KIB` sets another size (the tests use a small one).
    public static let capacity: Int = {
        if let text = getenv("NETLAB_LOG_BUFFER_KIB"), let kib = Int(String(cString: text)), kib > 0 { return kib << 10 }
        return 32 << 20
    }()

    /// `32 MiB`, or `64 KiB` below a mebibyte.
    public static var capacityText: String { capacity >= 1 << 20 ? "\(capacity >> 20) MiB" : "\(capacity >> 10) KiB" }

    private let fd: Int32
    /// Bytes that may wait to be written (`capacity` unless a test gives less).
    private let limit: Int
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var dropped = 0
    private var writing = false
    /// The line that says how many were dropped (a JSON log needs it as JSON).
    private let dropNote: @Sendable (Int) -> String
    /// Told once, on the writer's thread, when a write first fails (a full disk: ENOSPC).
    private let failed: (@Sendable (Int32) -> Void)?
    private var failure: Int32?
    private var lostLines = 0

    /// `failed` hears the errno of the first write that fails; from then on the lines that
    /// could not be written are counted (`lost`).
    public init(
        fd: Int32 = 1, dropNote: @escaping @Sendable (Int) -> String = LogWriter.textDropNote,
        failed: (@Sendable (Int32) -> Void)? = nil, limit: Int = LogWriter.capacity
    ) {
        self.fd = fd
        self.limit = limit
        self.dropNote = dropNote
        self.failed = failed
        let thread = Thread { [self] in run() }
        thread.name = "netlab.log-writer"
        thread.start()
    }

    /// Queues one line (a newline is added); never blocks on the output.
    public func line(_ text: String) {
        condition.lock()
        defer { condition.unlock() }
        let size = text.utf8.count + 1
        guard pending.count + size <= limit else {
            dropped += 1
            return
        }
        pending.append(contentsOf: text.utf8)
        pending.append(0x0A)
        condition.signal()
    }

    /// Queues the line `build` appends as UTF-8 (a newline is added), built at the end of the
    /// queue itself: a line per message costs no String, no allocation and no copy of its own.
    /// Returns what `build` returned; what a line it declines (false) appended is taken off
    /// again, as is a line that does not fit, which is dropped and counted (the queue stays
    /// within `limit`, but for the line being built).
    public func line(building build: (inout [UInt8]) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let start = pending.count
        guard build(&pending) else {
            pending.removeSubrange(start...)
            return false
        }
        guard pending.count + 1 <= limit else {
            pending.removeSubrange(start...)
            dropped += 1
            return true
        }
        pending.append(0x0A)
        condition.signal()
        return true
    }

    /// Lines that could not be written (after a write failed), and the errno of the first failure.
    public var lost: (lines: Int, errno: Int32?) {
        condition.lock()
        defer { condition.unlock() }
        return (lostLines, failure)
    }

    public static let textDropNote: @Sendable (Int) -> String = { dropped in
        "netlab: \(dropped) log line\(dropped == 1 ? "" : "s") dropped: output was not being read "
            + "(the log keeps at most \(capacityText) waiting)"
    }

    /// Waits until every queued line is written, or `seconds` pass; true if all went out.
    @discardableResult
    public func drain(within seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty || writing {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// How long the writer gathers lines after the first of a batch before writing them all:
    /// under load one wake-up and one write() per batch instead of per line (a wake-up per line
    /// cost more than formatting it); a person reading sees a line within 10 ms (50 ms in a
    /// steady stream of them, see `wakeIntervalMicroseconds`), under what anyone perceives.
    /// Each wake-up of this thread cost about 60 us on the benchmark VM (perf, a logging TCP
    /// server under one client: waking an idle core exits to the hypervisor), about 1.4 us
    /// per connection at 5 ms.
    static let gatherMicroseconds: UInt64 = 10_000

    /// The writer wakes at most once per this many microseconds. Where requests are few and
    /// large its wake-ups weigh: HTTP 1 MiB `Connection: close` (1,750 requests/s, 8
    /// alternated rounds) cost 4.3% more CPU per request with the log than without it when the
    /// writer woke every 10 ms, 2.8% at every 50 ms. A line after a quiet spell still goes
    /// within `gatherMicroseconds`.
    static let wakeIntervalMicroseconds: UInt64 = 50_000

    /// How long to gather before writing, `sinceLastWrite` microseconds after the last write
    /// began: `gatherMicroseconds`, or longer to keep the wake-ups `wakeIntervalMicroseconds` apart.
    static func gather(sinceLastWrite: UInt64) -> UInt64 {
        max(gatherMicroseconds, wakeIntervalMicroseconds - min(sinceLastWrite, wakeIntervalMicroseconds))
    }

    private static func microseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds / 1000 }

    private func run() {
        var batch: [UInt8] = []
        // Lines came while the last batch was gathered or written: gather the next at once.
        // Under a steady load the writer then wakes once per batch (its sleep's end), not
        // twice (a signal, then the sleep), and the engine's thread never has to signal it:
        // in a TCP server's profile those wake-ups were a tenth of its log's cost.
        var more = false
        var lastWrite: UInt64 = 0
        while true {
            if !more {
                condition.lock()
                while pending.isEmpty { condition.wait() }
                condition.unlock()
            }
            usleep(UInt32(Self.gather(sinceLastWrite: Self.microseconds() &- lastWrite)))
            lastWrite = Self.microseconds()

            condition.lock()
            // The two buffers take turns: each keeps its capacity, so a busy log stops
            // allocating once they have grown to a batch's size.
            swap(&batch, &pending)
            writing = true
            condition.unlock()

            // May block: only this thread waits. A failed write (a closed pipe, a full disk) is
            // told once and its lines counted; the log goes on writing what it still can.
            let error = Descriptor.writeAll(batch, to: fd)
            var firstFailure = false

            condition.lock()
            writing = false
            defer { batch.removeAll(keepingCapacity: true) }
            if let error {
                lostLines += batch.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                firstFailure = failure == nil
                if firstFailure { failure = error }
            }
            if dropped > 0, pending.isEmpty {
                pending.append(contentsOf: (dropNote(dropped) + "\n").utf8)
                dropped = 0
            }
            more = !pending.isEmpty
            condition.broadcast()
            condition.unlock()
            if firstFailure, let error { failed?(error) }
        }
    }
}
