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

        public var label: String { WireText.label(decoded) }
        public func summaries(number: Int) -> [String] {
            WireText.summaries(decoded, number: number, relative: sequence.map { ($0, acknowledgement) })
        }
    }

    private var numbers = TCPSequenceNumbers()
    /// Connections whose SYN has been seen without an answer yet (client -> server), bounded.
    private var unansweredSYNs: [TCPSequenceNumbers.Direction] = []

    public init() {}

    public mutating func take(_ frame: CapturedFrame) -> Row {
        let decoded = FrameDecoder.decode(frame)
        let relative = numbers.relative(decoded)
        var explanation: String?
        if let tcp = decoded.tcp, let (source, destination) = decoded.endpoints {
            let forward = TCPSequenceNumbers.Direction(source: source, destination: destination)
            let backward = TCPSequenceNumbers.Direction(source: destination, destination: source)
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
        }
        return Row(frame: frame, decoded: decoded, sequence: relative?.sequence, acknowledgement: relative?.acknowledgement,
                   line: WireText.line(decoded, relative: relative), explanation: explanation)
    }

    public static func refused(_ server: Endpoint) -> String {
        "nothing listens on TCP \(server): the kernel answered the SYN with RST, so connect() fails with ECONNREFUSED"
    }

    public static func reset(_ sender: Endpoint) -> String {
        "\(sender) reset the connection: the other side's next recv() or send() fails with ECONNRESET"
    }

    public static func udpUnreachable(_ target: Endpoint) -> String {
        "nothing listens on UDP \(target): the kernel sent this error back; an unconnected socket is not told "
            + "(recvfrom() waits until its timeout), a connected one's next recv() fails with ECONNREFUSED"
    }
}
