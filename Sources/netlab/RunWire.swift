import Foundation
import NetLabCapture
import NetLabCore

/// The packets beside a traced program's calls: a loopback capture whose filter follows the
/// ports the program names (connect, sendto, bind), each added before its call runs.
final class RunWire: @unchecked Sendable {
    // @unchecked: `ports` is guarded by `lock`; the capture is its own (it locks inside).
    private let capture: WireCapture
    private let lock = NSLock()
    private var ports: Set<UInt16> = []

    private init(capture: WireCapture) {
        self.capture = capture
    }

    /// A capture on the loopback writing into `output`, or nil (said once on stderr) when this
    /// user may not capture: the calls are shown alone.
    static func start(output: RunOutput) -> RunWire? {
        let capture: WireCapture
        do {
            // No port yet: a filter that passes nothing until the program names one.
            capture = try WireCapture(interface: "lo", filter: "tcp port 0")
        } catch {
            Output.error("the calls alone, no packets beside them: \(error.message)")
            return nil
        }
        let wire = RunWire(capture: capture)
        let matcher = CaptureFilter.PortMatcher()
        capture.start { [weak wire] frame in
            guard let wire else { return }
            let watching = wire.watched
            if !watching.isEmpty, matcher.matches(FrameDecoder.decode(frame), ports: watching) { output.add(frame) }
        }
        return wire
    }

    private var watched: Set<UInt16> {
        lock.lock()
        defer { lock.unlock() }
        return ports
    }

    /// Adds `port` to the filter; returns once the new filter is in force.
    func watch(_ port: UInt16) {
        lock.lock()
        let added = ports.insert(port).inserted
        let list = ports.sorted()
        lock.unlock()
        if added { capture.setFilter(CaptureFilter.expression(ports: list)) }
    }

    /// Ends the capture once the kernel has handed over what it holds: frames come in blocks
    /// retired at most 10 ms after their first frame, so the last exchange's frames (the FIN,
    /// an ICMP error) arrive up to that long after the program ended (15 ms: that and a margin).
    func stop() {
        usleep(15_000)
        capture.stop()
    }

    var linkType: CapturedFrame.LinkType { capture.linkType }

    /// The kernel's counts as the capture ended.
    var statistics: (received: UInt64, dropped: UInt64, interfaceDropped: UInt64)? {
        capture.statistics.map { (UInt64($0.received), UInt64($0.dropped), UInt64($0.interfaceDropped)) }
    }
}
