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
    private var pending: [Item] = []

    private struct Item {
        var time: Date
        var order: Int
        var text: String
        var frame: CapturedFrame?
        var note: String?
        /// A frame's TCP payload: from and to which port, how long.
        var segment: (from: UInt16, to: UInt16, length: Int)?
        /// A TCP receive: its connection's ports and how many bytes it returned.
        var receive: (local: UInt16, remote: UInt16, count: Int)?
    }

    /// Per direction of a connection (from port, to port): the captured segments whose bytes
    /// no receive has taken yet, oldest first (time, length, bytes of it already taken).
    private var unread: [UInt32: [(time: Date, length: Int, taken: Int)]] = [:]
    /// `--write FILE.pcapng`: the frames, each with the calls made since the frame before it
    /// as its packet comment (the calls after the last frame go in the statistics block).
    private var pcap: (fd: Int32, writer: PcapFile.PcapngWriter, path: String)?
    private var comments: [String] = []
    private var order = 0
    private var session = WireSession()
    private let fd: Int32
    private let hold: TimeInterval
    private let json: Bool
    /// Rows not written because the output failed (a full disk, a closed pipe).
    private(set) var failed: Int32?

    /// Whether each row is written as it comes (a terminal, without the wire to wait for);
    /// otherwise the flush timer writes them in batches (a write per row was a tenth of the
    /// cost of a traced call).
    private let immediate: Bool

    init(fd: Int32, hold: TimeInterval, json: Bool) {
        self.fd = fd
        self.hold = hold
        self.json = json
        immediate = hold == 0 && isatty(fd) == 1
    }

    /// Calls entered and not yet returned whose row will carry their entry time (a connect
    /// waiting for its SYN/ACK), by thread: nothing after such a stamp is written before its
    /// row comes, for at most `longestWait` (then its row comes late, out of order).
    private var entered: [Int32: Date] = [:]
    static let longestWait: TimeInterval = 2

    /// A call has entered; its row is stamped now (`call.stamp`).
    func begin(_ call: TracedCall) {
        guard !call.stampedAtReturn else { return }
        lock.lock()
        entered[call.pid] = call.entry
        lock.unlock()
    }

    /// `--ladder`: the calls and frames kept for the ladder drawn at the end (the newest
    /// `ladderKept` of each; nil: not kept).
    private var ladder: (calls: [TracedCall], frames: [CapturedFrame])?
    /// Each traced process's own name (`python3` under `timeout`), read once when first seen.
    private var names: [Int32: String] = [:]
    static let ladderKept = 2000

    func keepForLadder() {
        lock.lock()
        ladder = ([], [])
        lock.unlock()
    }

    /// What was kept for the ladder, each call with its process's name.
    var ladderItems: (calls: [(call: TracedCall, program: String)], frames: [CapturedFrame]) {
        lock.lock()
        defer { lock.unlock() }
        let kept = ladder ?? ([], [])
        return (kept.calls.map { ($0, names[$0.pid] ?? "program") }, kept.frames)
    }

    func add(_ call: TracedCall, text: String, note: String?, receive: (local: UInt16, remote: UInt16, count: Int)? = nil) {
        lock.lock()
        if ladder != nil, names[call.pid] == nil {
            let comm = (try? String(contentsOfFile: "/proc/\(call.pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            names[call.pid] = comm ?? "program"
        }
        entered[call.pid] = nil
        if ladder != nil {
            ladder!.calls.append(call)
            if ladder!.calls.count > Self.ladderKept { ladder!.calls.removeFirst() }
        }
        lock.unlock()
        append(Item(time: call.stamp, order: 0, text: text, note: note, receive: receive))
    }

    /// Starts the pcapng file (its header written now, before any frame).
    func write(to fd: Int32, path: String, linkType: CapturedFrame.LinkType, interface: String) {
        let writer = PcapFile.PcapngWriter(linkTypes: [linkType])
        lock.lock()
        defer { lock.unlock() }
        pcap = (fd, writer, path)
        save(
            writer.header(
                sectionComment: "Captured by netlab run; each packet's comment lists the program's calls made before it",
                interfaceName: interface))
    }

    /// Ends the pcapng file: the calls after the last frame, and the kernel's counts.
    func finishFile(received: UInt64, dropped: UInt64, interfaceDropped: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard let pcap else { return }
        save(
            pcap.writer.statistics(
                received: received, dropped: dropped, interfaceDropped: interfaceDropped, at: Date(),
                comment: comments.isEmpty ? nil : "calls after the last packet:\n" + comments.joined(separator: "\n")))
        comments = []
        Glibc.close(pcap.fd)
        self.pcap = nil
    }

    /// Appends to the pcapng file (under the lock); a failure is said once and ends the file.
    private func save(_ bytes: [UInt8]) {
        guard let file = pcap else { return }
        if let code = Output.writeAll(bytes, to: file.fd) {
            Output.error("cannot write \(file.path): \(Errno(code).message) (\(Errno(code).name)); the rest is not saved")
            Glibc.close(file.fd)
            pcap = nil
        }
    }

    func add(_ frame: CapturedFrame) {
        lock.lock()
        let row = session.take(frame)
        if ladder != nil {
            ladder!.frames.append(frame)
            if ladder!.frames.count > Self.ladderKept { ladder!.frames.removeFirst() }
        }
        lock.unlock()
        var text: String
        if json {
            text = LabEvent(time: frame.time, engine: .tcp, role: .wire, kind: .wire(frame)).jsonLine(wire: row)
        } else {
            text = "\(WireClock.microseconds(frame.time)) \(row.line)"
            if let explanation = row.explanation { text += "\n    " + explanation }
        }
        var segment: (from: UInt16, to: UInt16, length: Int)?
        if let tcp = row.decoded.tcp, tcp.payloadLength > 0 { segment = (tcp.sourcePort, tcp.destinationPort, tcp.payloadLength) }
        append(Item(time: frame.time, order: 0, text: text, frame: frame, segment: segment))
    }

    private func append(_ item: Item) {
        var item = item
        lock.lock()
        order += 1
        item.order = order
        pending.append(item)
        lock.unlock()
        if immediate { flush(all: true) }
    }

    /// Which captured segments a receive's bytes came from (under the lock, in time order):
    /// `    from the 2000 B segment at 17:46:25.569597 (its bytes 1-1024; 976 left)`.
    private func drained(by item: Item) -> String {
        if let segment = item.segment {
            unread[Self.key(segment.from, segment.to), default: []].append((item.time, segment.length, 0))
            return ""
        }
        guard let receive = item.receive, receive.count > 0 else { return "" }
        let key = Self.key(receive.remote, receive.local)
        var queue = unread[key] ?? []
        var wanted = receive.count
        var pieces: [String] = []
        while wanted > 0, !queue.isEmpty {
            let take = min(wanted, queue[0].length - queue[0].taken)
            let first = queue[0].taken + 1
            let last = queue[0].taken + take
            queue[0].taken += take
            wanted -= take
            let left = queue[0].length - queue[0].taken
            let whole = first == 1 && left == 0
            pieces.append(
                "the \(queue[0].length) B segment at \(WireClock.microseconds(queue[0].time))"
                    + (whole ? "" : " (its bytes \(first)-\(last)" + (left > 0 ? "; \(left) left)" : ")")))
            if left == 0 { queue.removeFirst() }
        }
        unread[key] = queue
        guard !pieces.isEmpty else { return "" }
        let missing = wanted > 0 ? "; \(wanted) B from segments not captured" : ""
        return "\n    from " + pieces.joined(separator: ", ") + missing
    }

    private static func key(_ from: UInt16, _ to: UInt16) -> UInt32 { UInt32(from) << 16 | UInt32(to) }

    /// Writes the rows older than `hold` (all of them at the end), oldest first. Without the
    /// wire (`hold` 0) nothing is waited for: every row is written.
    func flush(all: Bool) {
        let all = all || hold == 0
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return }
        let now = Date()
        var limit = now.addingTimeInterval(-hold)
        if let oldest = entered.values.filter({ now.timeIntervalSince($0) < Self.longestWait }).min(), oldest < limit {
            limit = oldest.addingTimeInterval(-0.000_001)
        }
        var ready = pending.filter { all || $0.time <= limit }.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
        guard !ready.isEmpty else { return }
        pending.removeAll { all || $0.time <= limit }
        if !json {
            for index in ready.indices { ready[index].text += drained(by: ready[index]) }
        }
        let bytes = Array(ready.map { $0.text + "\n" }.joined().utf8)
        if failed == nil, let code = Output.writeAll(bytes, to: fd) { failed = code }
        guard let pcap else { return }
        for item in ready {
            if let frame = item.frame {
                save(pcap.writer.packet(PcapFile.Record(frame: frame, comment: comments.isEmpty ? nil : comments.joined(separator: "\n"))))
                comments = []
            } else if let note = item.note {
                comments.append(note)
            }
        }
    }
}
