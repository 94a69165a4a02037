/// A frame taken apart header by header. Each header knows where it sits in the frame
/// (`range`), so a view can mark its bytes.
public struct DecodedFrame: Sendable, Equatable {
    public enum Link: Sendable, Equatable {
        case ethernet(source: [UInt8], destination: [UInt8], etherType: UInt16)
        /// Linux cooked capture (`version` 1 or 2): who sent it and the protocol it carries.
        case linuxCooked(version: Int, packetType: UInt16, protocolType: UInt16, address: [UInt8])
        case raw
        /// A packet a firewall rule logged (netfilter's NFLOG) before it threw the packet away;
        /// `prefix` is the rule's words (netlab's faults log their own name: `drop tcp 12000`).
        case nflog(prefix: String)
        /// A link type this decoder does not read.
        case unknown(CapturedFrame.LinkType)
    }

    public struct IP: Sendable, Equatable {
        public var version: Int
        public var source: String
        public var destination: String
        /// The transport protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
        public var protocolNumber: UInt8
        /// TTL (IPv4) or hop limit (IPv6).
        public var hopLimit: UInt8
        public var range: Range<Int>
        /// Set when the packet is a fragment of a larger one (IPv4's offset and MF bit, or
        /// IPv6's fragment header); only the first fragment carries the ports.
        public var fragment: Fragment? = nil
    }

    /// One piece of a datagram too large for the link: where it starts in the whole, whether
    /// more follow, and the identification shared by every piece of that datagram.
    public struct Fragment: Sendable, Equatable, Hashable {
        public var offset: Int
        public var more: Bool
        public var identification: UInt32
    }

    public struct TCPFlags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let fin = TCPFlags(rawValue: 0x01)
        public static let syn = TCPFlags(rawValue: 0x02)
        public static let rst = TCPFlags(rawValue: 0x04)
        public static let psh = TCPFlags(rawValue: 0x08)
        public static let ack = TCPFlags(rawValue: 0x10)
        public static let urg = TCPFlags(rawValue: 0x20)
        public static let ece = TCPFlags(rawValue: 0x40)
        public static let cwr = TCPFlags(rawValue: 0x80)
        /// Accurate ECN (RFC 9768; the old NS bit): tshark 4.0 labels it `[AE]`.
        public static let ae = TCPFlags(rawValue: 0x100)

        /// Names in the order people say them: SYN/ACK, FIN/ACK, PSH/ACK, RST/ACK.
        public static let named: [(TCPFlags, String)] = [
            (.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"),
            (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"), (.ae, "AE"),
        ]

        public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
    }

    public struct TCP: Sendable, Equatable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        /// Raw sequence and acknowledgement numbers (see `TCPSequenceNumbers` for relative ones).
        public var sequence: UInt32
        public var acknowledgement: UInt32
        public var flags: TCPFlags
        public var window: UInt16
        public var payloadLength: Int
        public var range: Range<Int>
    }

    public struct UDP: Sendable, Equatable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        /// The UDP length field: header and payload.
        public var length: Int
        public var payloadLength: Int
        public var range: Range<Int>
    }

    /// The datagram an ICMP error quotes: whose packet could not be delivered.
    public struct Quoted: Sendable, Equatable {
        public var protocolNumber: UInt8
        public var source: Endpoint
        public var destination: Endpoint
    }

    public struct ICMP: Sendable, Equatable {
        /// 4 for ICMP, 6 for ICMPv6.
        public var version: Int
        public var type: UInt8
        public var code: UInt8
        public var quoted: Quoted?
        public var range: Range<Int>
    }

    public enum Transport: Sendable, Equatable {
        case tcp(TCP)
        case udp(UDP)
        case icmp(ICMP)
        /// A protocol this decoder does not read (its number).
        case other(UInt8)
    }

    /// An ARP message (a host asking who has an IPv4 address on its link, or the answer).
    public struct ARP: Sendable, Equatable {
        /// 1 request, 2 reply.
        public var operation: UInt16
        public var senderMAC: [UInt8]
        public var senderIP: String
        public var targetIP: String
        public var range: Range<Int>
        public var isRequest: Bool { operation == 1 }
    }

    public var link: Link
    public var linkRange: Range<Int>
    public var ip: IP?
    public var transport: Transport?
    /// Where the transport's payload sits in the frame (empty when there is none).
    public var payload: Range<Int>
    /// Bytes on the wire and bytes captured.
    public var length: Int
    public var capturedLength: Int
    /// Set for an ARP frame (no IP header then).
    public var arp: ARP? = nil

    /// The fault that threw this packet away, when it came from the firewall's log.
    public var droppedBy: String? {
        if case .nflog(let prefix) = link { prefix } else { nil }
    }

    public var tcp: TCP? { if case .tcp(let value) = transport { value } else { nil } }
    public var udp: UDP? { if case .udp(let value) = transport { value } else { nil } }
    public var icmp: ICMP? { if case .icmp(let value) = transport { value } else { nil } }

    /// The sending and receiving socket addresses (nil for ICMP and undecoded frames).
    public var endpoints: (source: Endpoint, destination: Endpoint)? {
        guard let ip else { return nil }
        switch transport {
        case .tcp(let tcp):
            return (Endpoint(host: ip.source, port: tcp.sourcePort), Endpoint(host: ip.destination, port: tcp.destinationPort))
        case .udp(let udp):
            return (Endpoint(host: ip.source, port: udp.sourcePort), Endpoint(host: ip.destination, port: udp.destinationPort))
        default:
            return nil
        }
    }
}
