import Synchronization

/// What netlab captures: TCP and UDP on the lab's ports, and the ICMP/ICMPv6 errors that quote
/// a datagram to or from one of them (the port unreachable the lab's second question is about).
public enum CaptureFilter {
    /// A pcap-filter expression (as `tcpdump` takes). ICMP errors carry the offending packet's
    /// IP header (variable length for IPv4: its IHL) and its first 8 bytes, the ports first.
    ///
    /// Past `exactPorts` distinct ports the expression is a port range with every ICMP error
    /// (libpcap's compiler takes time that grows faster than the square of the ports: 400 of
    /// them took 9-12 s here, and the kernel takes at most 4,096 instructions), and
    /// `matches` keeps only the watched ports in user space (`isExact` says which).
    public static func expression(ports: [UInt16]) -> String {
        var unique: [UInt16] = []
        var seen = Set<UInt16>()
        for port in ports where seen.insert(port).inserted { unique.append(port) }
        guard !unique.isEmpty else { return "tcp or udp or icmp or icmp6 or \(unusual)" }
        if unique.count > exactPorts, let low = unique.min(), let high = unique.max() {
            return "tcp portrange \(low)-\(high) or udp portrange \(low)-\(high) or (icmp and (icmp[0] == 3 or icmp[0] == 11))"
                + " or (icmp6 and ip6[6] == 58 and ip6[40] >= 1 and ip6[40] <= 4) or \(unusual)"
        }
        var parts: [String] = []
        for port in unique {
            parts.append("tcp port \(port)")
            parts.append("udp port \(port)")
        }
        let quotedIPv4 = unique.map { port in
            "icmp[8 + ((icmp[8] & 0xf) * 4) : 2] == \(port) or icmp[8 + ((icmp[8] & 0xf) * 4) + 2 : 2] == \(port)"
        }.joined(separator: " or ")
        let quotedIPv6 = unique.map { port in
            "ip6[88 : 2] == \(port) or ip6[90 : 2] == \(port)"
        }.joined(separator: " or ")
        // icmp[0]: type 3 destination unreachable, 11 time exceeded; ICMPv6 types 1-4 are errors.
        parts.append("(icmp and (icmp[0] == 3 or icmp[0] == 11) and (\(quotedIPv4)))")
        parts.append("(icmp6 and ip6[6] == 58 and ip6[40] >= 1 and ip6[40] <= 4 and (\(quotedIPv6)))")
        parts.append(unusual)
        return parts.joined(separator: " or ")
    }

    /// Packets whose ports the kernel filter cannot see, passed on for `PortMatcher` to judge:
    /// IPv4 fragments after the first, and IPv6 packets with extension headers (a fragment
    /// header, hop-by-hop or destination options), where libpcap looks for the ports at the
    /// wrong place. (A 65,527-byte datagram to ::1 is fragmented on the loopback: before this,
    /// none of its pieces passed, so a reply could appear without its request.)
    static let unusual = "(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] != 6 and ip6[6] != 17 and ip6[6] != 58)"

    /// The most distinct ports `expression` names one by one (it compiles in milliseconds).
    public static let exactPorts = 32

    /// Whether a frame belongs to the watched ports: TCP or UDP from or to one, or an ICMP
    /// error quoting a datagram from or to one (the same choice `expression` makes in the kernel).
    public static func matches(_ frame: DecodedFrame, ports: Set<UInt16>) -> Bool {
        switch frame.transport {
        case .tcp(let tcp): ports.contains(tcp.sourcePort) || ports.contains(tcp.destinationPort)
        case .udp(let udp): ports.contains(udp.sourcePort) || ports.contains(udp.destinationPort)
        case .icmp(let icmp):
            icmp.quoted.map { ports.contains($0.source.port) || ports.contains($0.destination.port) } ?? false
        default: false
        }
    }

    /// Judges each captured frame against the watched ports: a datagram's later fragments,
    /// which carry no ports, follow the first fragment's verdict (by addresses and
    /// identification, the newest 64 remembered, under a mutex taken for fragments only).
    public final class PortMatcher: Sendable {
        private let followed = Mutex<[FragmentKey]>([])

        struct FragmentKey: Equatable, Sendable {
            var source: String
            var destination: String
            var identification: UInt32
        }

        public init() {}

        /// Whether `frame` belongs to `ports` (empty: every port).
        public func matches(_ frame: DecodedFrame, ports: Set<UInt16>) -> Bool {
            guard let ip = frame.ip, let fragment = ip.fragment else {
                return ports.isEmpty || CaptureFilter.matches(frame, ports: ports)
            }
            let key = FragmentKey(source: ip.source, destination: ip.destination, identification: fragment.identification)
            if fragment.offset == 0 {
                guard ports.isEmpty || CaptureFilter.matches(frame, ports: ports) else { return false }
                followed.withLock { followed in
                    followed.append(key)
                    if followed.count > 64 { followed.removeFirst() }
                }
                return true
            }
            return followed.withLock { followed in
                guard let index = followed.lastIndex(of: key) else { return ports.isEmpty }
                if !fragment.more { followed.remove(at: index) }
                return true
            }
        }
    }

    /// The interface that carries traffic for `host`: `lo` for loopback names and addresses
    /// (and for servers on every address, whose lab traffic is local), `any` otherwise.
    public static func interface(for host: String?) -> String {
        guard let host, !host.isEmpty else { return "lo" }
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower.hasPrefix("127.") || lower == "0.0.0.0" || lower == "::" {
            return "lo"
        }
        return "any"
    }
}
