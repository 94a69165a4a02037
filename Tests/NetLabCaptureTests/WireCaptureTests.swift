import Foundation
import Glibc
import NetLabCapture
import NetLabCore
import Testing

/// The capture itself, on the loopback (needs root or CAP_NET_RAW: CI is root).
@Suite(.serialized, .enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
struct WireCaptureTests {
    /// Frames the handler was given, for the test thread to wait on.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [DecodedFrame] = []
        private let arrived = DispatchSemaphore(value: 0)

        func add(_ frame: CapturedFrame) {
            lock.lock()
            frames.append(FrameDecoder.decode(frame))
            lock.unlock()
            arrived.signal()
        }

        /// Waits (at most `seconds` in all) until a frame satisfies `matches`.
        func wait(within seconds: Double, _ matches: (DecodedFrame) -> Bool) -> Bool {
            let deadline = DispatchTime.now() + seconds
            while true {
                lock.lock()
                let found = frames.contains(where: matches)
                lock.unlock()
                if found { return true }
                if arrived.wait(timeout: deadline) == .timedOut { return false }
            }
        }
    }

    /// A UDP datagram from an unbound socket to 127.0.0.1:`port` (nobody need listen).
    static func sendDatagram(to port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let byte: [UInt8] = [0x61]
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, byte, 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    static func isDatagram(_ frame: DecodedFrame, to port: UInt16) -> Bool {
        frame.udp != nil && frame.endpoints?.1.port == port
    }

    /// Filters replaced in a burst (a `:port` typed right after start-up, `:watch` again and
    /// again) never end the capture: a break that finds its filter already applied goes on.
    /// (It ended the capture thread, and the wire stayed empty for the rest of the session.)
    @Test func filterChangesInABurstKeepTheCaptureRunning() throws {
        let port: UInt16 = 29_871
        let capture = try WireCapture(interface: "lo", filter: "udp port \(port)")
        let collected = Collected()
        capture.start { collected.add($0) }
        defer { capture.stop() }
        for round in 0..<300 {
            capture.setFilter("udp port \(round % 2 == 0 ? port + 1 : port)")
        }
        Self.sendDatagram(to: port)
        #expect(collected.wait(within: 5) { Self.isDatagram($0, to: port) }, "the capture still delivers after 300 filter changes")
    }

    /// A new filter is in force when setFilter returns: a datagram sent next is judged by it.
    @Test func aNewFilterIsInForceWhenSetFilterReturns() throws {
        let (old, new): (UInt16, UInt16) = (29_873, 29_874)
        let capture = try WireCapture(interface: "lo", filter: "udp port \(old)")
        let collected = Collected()
        capture.start { collected.add($0) }
        defer { capture.stop() }
        #expect(capture.setFilter("udp port \(new)"))
        Self.sendDatagram(to: old)
        Self.sendDatagram(to: new)
        #expect(collected.wait(within: 5) { Self.isDatagram($0, to: new) })
        #expect(!collected.wait(within: 0) { Self.isDatagram($0, to: old) }, "the old port's datagram was filtered out")
    }

    /// A 65,527-byte datagram to ::1 is larger than the loopback's MTU, so IPv6 fragments it
    /// and the ports sit behind a fragment header, where libpcap's `udp port` does not look
    /// (tcpdump with that filter shows neither piece). netlab's filter passes both, the first
    /// piece matches the port and the last follows it: the labels read as tcpdump -v's
    /// `frag (ID:0|65488)` and `frag (ID:65488|47)`.
    @Test func aFragmentedIPv6DatagramIsSeenWhole() throws {
        let port: UInt16 = 29_875
        let capture = try WireCapture(interface: "lo", filter: CaptureFilter.expression(ports: [port]))
        let matcher = CaptureFilter.PortMatcher()
        let collected = Collected()
        capture.start { frame in
            if matcher.matches(FrameDecoder.decode(frame), ports: [port]) { collected.add(frame) }
        }
        defer { capture.stop() }
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_loopback
        let message = [UInt8](repeating: 0x61, count: 65_527)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        #expect(sent == message.count)
        #expect(collected.wait(within: 5) { WireText.label($0) == "IPv6 fragment of UDP: bytes 65488-65534 of the datagram, the last" })
        #expect(collected.wait(within: 5) { WireText.label($0) == "UDP 65527 B, first fragment (65480 B here)" && $0.endpoints?.1.port == port })
    }
}
