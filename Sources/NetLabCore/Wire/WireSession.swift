import Foundation

/// Reads a stream of captured frames as a student would: numbers each one, keeps TCP's
/// relative sequence numbers, and explains the two frames the lab is about (an RST that
/// answers a SYN, an ICMP port unreachable) in terms of the socket calls they affect.
public struct WireSession: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var frame: CapturedFrame
        public var decoded: DecodedFrame
        public var sequence: UInt32?
        public var acknowledgement: UInt32?
        /// `127.0.0.1:57248 > 127.0.0.1:12000 SYN seq 0 win 65495`
        public var line: String
        /// What the frame means for the sockets (RST and ICMP errors only).
        public var explanation: String?
        /// The TCP window in bytes: scaled by the shift the sender announced in its SYN when
        /// both SYNs were seen with one (RFC 7323), as tshark computes it; the raw field
        /// otherwise (a capture started mid-connection cannot know the scale).
        public var window: Int?

        public var label: String { WireText.label(decoded) }
        public func summaries(number: Int) -> [String] {
            WireText.summaries(decoded, number: number, relative: sequence.map { ($0, acknowledgement) })
        }
    }

    private var numbers = TCPSequenceNumbers()
    /// Connections whose SYN has been seen without an answer yet (client -> server), bounded.
    private var unansweredSYNs: [TCPSequenceNumbers.Direction] = []
    /// The window scale each direction announced in its SYN (nil: it sent none). Bounded like
    /// the sequence numbers.
    private var scales: [TCPSequenceNumbers.Direction: UInt8?] = [:]

    public init() {}

    public mutating func take(_ frame: CapturedFrame) -> Row {
        let decoded = FrameDecoder.decode(frame)
        let relative = numbers.relative(decoded)
        var explanation: String?
        var window: Int?
        if let tcp = decoded.tcp, let (source, destination) = decoded.endpoints {
            let forward = TCPSequenceNumbers.Direction(source: source, destination: destination)
            let backward = TCPSequenceNumbers.Direction(source: destination, destination: source)
            window = Int(tcp.window)
            if tcp.flags.contains(.syn) {
                if scales.count > 4096 { scales.removeAll() }
                scales[forward] = Self.windowScale(frame.bytes, tcp)
            } else if let mine = scales[forward] ?? nil, (scales[backward] ?? nil) != nil {
                // Both SYNs carried the option: the scale is in force (RFC 7323; at most 14).
                window = Int(tcp.window) << Int(min(mine, 14))
            }
            if tcp.flags.contains(.syn) && !tcp.flags.contains(.ack) {
                unansweredSYNs.append(forward)
                if unansweredSYNs.count > 256 { unansweredSYNs.removeFirst(128) }
            } else if let index = unansweredSYNs.firstIndex(of: backward) {
                unansweredSYNs.remove(at: index)
                if tcp.flags.contains(.rst) { explanation = Self.refused(source) }
            } else if tcp.flags.contains(.rst) {
                explanation = Self.reset(source)
            }
        } else if WireText.isPortUnreachable(decoded), let quoted = decoded.icmp?.quoted, quoted.protocolNumber == 17 {
            explanation = Self.udpUnreachable(quoted.destination)
        } else if let icmp = decoded.icmp, icmp.version == 4, icmp.type == 3, icmp.code == 1, let quoted = icmp.quoted, let ip = decoded.ip {
            explanation = Self.hostUnreachable(quoted.destination.host, reporter: ip.source, ownKernel: ip.source == quoted.source.host)
        }
        return Row(
            frame: frame, decoded: decoded, sequence: relative?.sequence, acknowledgement: relative?.acknowledgement,
            line: WireText.line(decoded, relative: relative, window: window), explanation: explanation, window: window)
    }

    /// The window scale option (kind 3) of a SYN's options, if it has one.
    static func windowScale(_ bytes: [UInt8], _ tcp: DecodedFrame.TCP) -> UInt8? {
        var index = tcp.range.lowerBound + 20
        while index < tcp.range.upperBound {
            let kind = bytes[index]
            if kind == 0 { return nil }
            if kind == 1 {
                index += 1
                continue
            }
            guard index + 1 < tcp.range.upperBound else { return nil }
            let length = Int(bytes[index + 1])
            guard length >= 2, index + length <= tcp.range.upperBound else { return nil }
            if kind == 3, length == 3 { return bytes[index + 2] }
            index += length
        }
        return nil
    }

    public static func refused(_ server: Endpoint) -> String {
        "nothing listens on TCP \(server): the kernel answered the SYN with RST, so connect() fails with ECONNREFUSED"
    }

    public static func reset(_ sender: Endpoint) -> String {
        "\(sender) reset the connection: the other side's next recv() or send() fails with ECONNRESET"
    }

    public static func hostUnreachable(_ host: String, reporter: String, ownKernel: Bool) -> String {
        (ownKernel
            ? "\(reporter)'s own kernel could not deliver the packet to \(host) (on a link: nobody answered ARP for it) and says so to itself"
            : "\(reporter) could not deliver the packet to \(host)")
            + ": the socket that sent it gets EHOSTUNREACH (a connect() fails, a connected socket's next call fails)"
    }

    public static func udpUnreachable(_ target: Endpoint) -> String {
        "nothing listens on UDP \(target): the kernel sent this error back; an unconnected socket is not told "
            + "(recvfrom() waits until its timeout), a connected one's next recv() fails with ECONNREFUSED"
    }
}
