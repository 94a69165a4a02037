/// Relative TCP sequence and acknowledgement numbers, as Wireshark shows them: each direction
/// of a connection counts from its initial sequence number (the SYN is 0, the first data byte
/// 1). A direction first seen without a SYN counts from the sequence number before its first
/// packet, so a lone RST/ACK reads `seq 1`, or from the byte before the first acknowledgement
/// of it, whichever comes first.
public struct TCPSequenceNumbers: Sendable, Equatable {
    public struct Direction: Hashable, Sendable {
        public var source: Endpoint
        public var destination: Endpoint
    }

    /// Initial sequence number per direction. Bounded: a flood of connections forgets the
    /// oldest half instead of growing without end.
    private var bases: [Direction: UInt32] = [:]
    private var order: [Direction] = []
    public static let capacity = 4096

    public init() {}

    /// The relative sequence and acknowledgement numbers of `frame` (nil if it is not TCP);
    /// the acknowledgement is nil when the ACK flag is off or the other direction is unseen.
    public mutating func relative(_ frame: DecodedFrame) -> (sequence: UInt32, acknowledgement: UInt32?)? {
        guard let tcp = frame.tcp, let (source, destination) = frame.endpoints else { return nil }
        let forward = Direction(source: source, destination: destination)
        let base: UInt32
        if tcp.flags.contains(.syn) || bases[forward] == nil {
            base = tcp.flags.contains(.syn) ? tcp.sequence : tcp.sequence &- 1
            if bases.updateValue(base, forKey: forward) == nil { remember(forward) }
        } else {
            base = bases[forward]!
        }
        var acknowledgement: UInt32?
        if tcp.flags.contains(.ack) {
            let backward = Direction(source: destination, destination: source)
            if bases[backward] == nil {
                // The other direction is unseen (a capture started mid-connection): its
                // numbers count from the byte before the one acknowledged, so this reads
                // `ack 1` as tshark's Ack=1 (it printed the absolute number).
                bases[backward] = tcp.acknowledgement &- 1
                remember(backward)
            }
            acknowledgement = tcp.acknowledgement &- bases[backward]!
        }
        return (tcp.sequence &- base, acknowledgement)
    }

    private mutating func remember(_ direction: Direction) {
        order.append(direction)
        if order.count > Self.capacity {
            let forgotten = order.prefix(Self.capacity / 2)
            for old in forgotten { bases[old] = nil }
            order.removeFirst(Self.capacity / 2)
        }
    }
}
