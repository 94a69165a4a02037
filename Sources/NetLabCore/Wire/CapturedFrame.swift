import Foundation

/// One frame as a capture delivered it: the kernel's timestamp and the bytes from the first
/// link-layer byte. Pure data: capturing lives in NetLabCapture, decoding in `FrameDecoder`.
public struct CapturedFrame: Sendable, Equatable {
    /// The link-layer header type (pcap's `LINKTYPE_*` numbers, as pcap and pcapng files store them).
    public struct LinkType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Ethernet II (also Linux's `lo`, with zero addresses).
        public static let ethernet = LinkType(rawValue: 1)
        /// Raw IPv4 or IPv6, no link header.
        public static let raw = LinkType(rawValue: 101)
        /// Linux cooked capture v1 (the `any` interface, older libpcap).
        public static let linuxCooked = LinkType(rawValue: 113)
        /// Linux cooked capture v2 (the `any` interface).
        public static let linuxCooked2 = LinkType(rawValue: 276)
        /// Linux netfilter's log (`nflog:GROUP`): packets a firewall rule logged, with its prefix.
        public static let nflog = LinkType(rawValue: 239)

        public var description: String {
            switch self {
            case .ethernet: "Ethernet"
            case .raw: "raw IP"
            case .linuxCooked: "Linux cooked v1"
            case .linuxCooked2: "Linux cooked v2"
            case .nflog: "netfilter log"
            default: "link type \(rawValue)"
            }
        }
    }

    /// When the kernel saw the frame (wall clock, like the engines' event times).
    public var time: Date
    public var linkType: LinkType
    /// The captured bytes (at most the snapshot length).
    public var bytes: [UInt8]
    /// The frame's length on the wire (more than `bytes.count` when the capture cut it).
    public var length: Int

    public init(time: Date, linkType: LinkType, bytes: [UInt8], length: Int? = nil) {
        self.time = time
        self.linkType = linkType
        self.bytes = bytes
        self.length = length ?? bytes.count
    }
}
