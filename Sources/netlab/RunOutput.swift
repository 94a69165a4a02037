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
    private var pending: [(time: Date, order: Int, text: String, frame: CapturedFrame?, note: String?)] = []
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

    init(fd: Int32, hold: TimeInterval, json: Bool) {
        self.fd = fd
        self.hold = hold
        self.json = json
    }

    func add(_ call: TracedCall, text: String, note: String) {
        append(call.stamp, text, note: note)
    }

    /// Starts the pcapng file (its header written now, before any frame).
    func write(to fd: Int32, path: String, linkType: CapturedFrame.LinkType, interface: String) {
        let writer = PcapFile.PcapngWriter(linkTypes: [linkType])
        lock.lock()
        defer { lock.unlock() }
        pcap = (fd, writer, path)
        save(writer.header(sectionComment: "Captured by netlab run; each packet's comment lists the program's calls made before it",
                           interfaceName: interface))
    }

    /// Ends the pcapng file: the calls after the last frame, and the kernel's counts.
    func finishFile(received: UInt64, dropped: UInt64, interfaceDropped: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard let pcap else { return }
        save(pcap.writer.statistics(received: received, dropped: dropped, interfaceDropped: interfaceDropped, at: Date(),
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
        lock.unlock()
        var text: String
        if json {
            text = LabEvent(time: frame.time, engine: .tcp, role: .wire, kind: .wire(frame)).jsonLine(wire: row)
        } else {
            text = "\(WireClock.microseconds(frame.time)) \(row.line)"
            if let explanation = row.explanation { text += "\n    " + explanation }
        }
        append(frame.time, text, frame: frame)
    }

    private func append(_ time: Date, _ text: String, frame: CapturedFrame? = nil, note: String? = nil) {
        lock.lock()
        order += 1
        pending.append((time, order, text, frame, note))
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
