/// Takes a captured frame apart: link layer (Ethernet, Linux cooked v1/v2, raw IP), IPv4/IPv6,
/// TCP, UDP, ICMP/ICMPv6 (with the ports of the datagram an error quotes). Pure: bytes in,
/// values out; a short or odd frame decodes as far as its bytes go, never traps.
public enum FrameDecoder {
    public static let etherTypeIPv4: UInt16 = 0x0800
    public static let etherTypeIPv6: UInt16 = 0x86dd

    public static func decode(_ frame: CapturedFrame) -> DecodedFrame {
        let bytes = frame.bytes
        var decoded = DecodedFrame(
            link: .unknown(frame.linkType), linkRange: 0..<0, ip: nil, transport: nil,
            payload: bytes.count..<bytes.count, length: frame.length, capturedLength: bytes.count)
        let reader = ByteReader(bytes)
        let network: UInt16?
        switch frame.linkType {
        case .ethernet:
            guard bytes.count >= 14 else { return decoded }
            var etherType = reader.u16(12)
            var end = 14
            // One 802.1Q tag, as a switch port mirror may deliver.
            if etherType == 0x8100, bytes.count >= 18 {
                etherType = reader.u16(16)
                end = 18
            }
            decoded.link = .ethernet(source: Array(bytes[6..<12]), destination: Array(bytes[0..<6]), etherType: etherType)
            decoded.linkRange = 0..<end
            network = etherType
        case .linuxCooked:
            guard bytes.count >= 16 else { return decoded }
            let addressLength = min(8, Int(reader.u16(4)))
            decoded.link = .linuxCooked(
                version: 1, packetType: reader.u16(0), protocolType: reader.u16(14),
                address: Array(bytes[6..<(6 + addressLength)]))
            decoded.linkRange = 0..<16
            network = reader.u16(14)
        case .linuxCooked2:
            guard bytes.count >= 20 else { return decoded }
            let addressLength = min(8, Int(bytes[11]))
            decoded.link = .linuxCooked(
                version: 2, packetType: UInt16(bytes[10]), protocolType: reader.u16(0),
                address: Array(bytes[12..<(12 + addressLength)]))
            decoded.linkRange = 0..<20
            network = reader.u16(0)
        case .raw:
            decoded.link = .raw
            network = bytes.first.map { $0 >> 4 == 6 ? etherTypeIPv6 : etherTypeIPv4 }
        case .nflog:
            guard let (prefix, payload) = nflog(bytes) else { return decoded }
            decoded.link = .nflog(prefix: prefix)
            decoded.linkRange = 0..<payload.lowerBound
            network = bytes[0] == 10 ? etherTypeIPv6 : bytes[0] == 2 ? etherTypeIPv4 : nil
        default:
            return decoded
        }
        guard let network else { return decoded }
        let start = decoded.linkRange.upperBound
        if network == 0x0806 {
            decoded.arp = arp(reader, at: start)
            return decoded
        }
        guard let (ip, transportStart, transportEnd) = decodeIP(reader, at: start, etherType: network) else { return decoded }
        decoded.ip = ip
        decoded.payload = transportStart..<transportStart
        if let fragment = ip.fragment, fragment.offset > 0 {
            // A later piece: its bytes continue the datagram's; no transport header, no ports.
            decoded.transport = .other(ip.protocolNumber)
            decoded.payload = transportStart..<transportEnd
            return decoded
        }
        decodeTransport(
            &decoded, reader, protocolNumber: ip.protocolNumber, version: ip.version,
            start: transportStart, end: transportEnd)
        return decoded
    }

    /// An ARP message for IPv4 over Ethernet (hardware type 1, 6-byte addresses, 4-byte IPs).
    static func arp(_ reader: ByteReader, at start: Int) -> DecodedFrame.ARP? {
        let bytes = reader.bytes
        guard bytes.count >= start + 28, reader.u16(start) == 1, reader.u16(start + 2) == etherTypeIPv4,
            bytes[start + 4] == 6, bytes[start + 5] == 4
        else { return nil }
        return DecodedFrame.ARP(
            operation: reader.u16(start + 6), senderMAC: Array(bytes[(start + 8)..<(start + 14)]),
            senderIP: ipv4(bytes, start + 14), targetIP: ipv4(bytes, start + 24), range: start..<(start + 28))
    }

    /// An NFLOG record: a 4-byte header (address family, version, group), then attributes of
    /// length, type (both in the capturing host's byte order, as the kernel wrote them) and
    /// value, each padded to 4 bytes. The prefix (type 10) and where the packet (type 9) sits.
    static func nflog(_ bytes: [UInt8]) -> (prefix: String, payload: Range<Int>)? {
        guard bytes.count >= 4 else { return nil }
        func hostU16(_ at: Int) -> Int {
            Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) })
        }
        var prefix = ""
        var payload: Range<Int>?
        var offset = 4
        while offset + 4 <= bytes.count {
            let length = hostU16(offset)
            let type = hostU16(offset + 2) & 0x7fff
            guard length >= 4 else { break }
            let value = (offset + 4)..<min(bytes.count, offset + length)
            if type == 10 { prefix = String(decoding: bytes[value].prefix { $0 != 0 }, as: UTF8.self) }
            if type == 9 { payload = value }
            offset += (length + 3) & ~3
        }
        return payload.map { (prefix, $0) }
    }

    /// The IP header at `start`: the header, where its payload starts and ends (within the captured bytes).
    private static func decodeIP(_ reader: ByteReader, at start: Int, etherType: UInt16) -> (DecodedFrame.IP, Int, Int)? {
        let count = reader.bytes.count
        if etherType == etherTypeIPv4 {
            guard count >= start + 20, reader.bytes[start] >> 4 == 4 else { return nil }
            let headerLength = Int(reader.bytes[start] & 0x0f) * 4
            guard headerLength >= 20, count >= start + headerLength else { return nil }
            let total = Int(reader.u16(start + 2))
            let end = min(count, start + max(total, headerLength))
            var ip = DecodedFrame.IP(
                version: 4, source: ipv4(reader.bytes, start + 12), destination: ipv4(reader.bytes, start + 16),
                protocolNumber: reader.bytes[start + 9], hopLimit: reader.bytes[start + 8],
                range: start..<(start + headerLength))
            let flagsAndOffset = reader.u16(start + 6)
            if flagsAndOffset & 0x3fff != 0 {  // MF set, or an offset: a fragment
                ip.fragment = DecodedFrame.Fragment(
                    offset: Int(flagsAndOffset & 0x1fff) * 8, more: flagsAndOffset & 0x2000 != 0,
                    identification: UInt32(reader.u16(start + 4)))
            }
            return (ip, start + headerLength, end)
        }
        if etherType == etherTypeIPv6 {
            guard count >= start + 40, reader.bytes[start] >> 4 == 6 else { return nil }
            let payloadLength = Int(reader.u16(start + 4))
            var next = reader.bytes[start + 6]
            var offset = start + 40
            var fragment: DecodedFrame.Fragment?
            // Skip extension headers (hop-by-hop, routing, fragment, destination options) to the
            // transport; a fragment header (8 bytes) says where this piece sits in the whole.
            while [0, 43, 44, 60].contains(next), count >= offset + 8 {
                if next == 44 {
                    let field = reader.u16(offset + 2)
                    fragment = DecodedFrame.Fragment(offset: Int(field >> 3) * 8, more: field & 1 != 0, identification: reader.u32(offset + 4))
                    next = reader.bytes[offset]
                    offset += 8
                } else {
                    next = reader.bytes[offset]
                    offset += (Int(reader.bytes[offset + 1]) + 1) * 8
                }
            }
            var ip = DecodedFrame.IP(
                version: 6, source: ipv6(reader.bytes, start + 8), destination: ipv6(reader.bytes, start + 24),
                protocolNumber: next, hopLimit: reader.bytes[start + 7], range: start..<min(offset, count))
            ip.fragment = fragment
            return (ip, min(offset, count), min(count, start + 40 + payloadLength))
        }
        return nil
    }

    private static func decodeTransport(
        _ decoded: inout DecodedFrame, _ reader: ByteReader, protocolNumber: UInt8,
        version: Int, start: Int, end: Int
    ) {
        switch protocolNumber {
        case 6:
            guard end >= start + 20 else {
                decoded.transport = .other(6)
                return
            }
            let headerLength = Int(reader.bytes[start + 12] >> 4) * 4
            let headerEnd = min(end, start + max(20, headerLength))
            decoded.transport = .tcp(
                DecodedFrame.TCP(
                    sourcePort: reader.u16(start), destinationPort: reader.u16(start + 2),
                    sequence: reader.u32(start + 4), acknowledgement: reader.u32(start + 8),
                    flags: DecodedFrame.TCPFlags(rawValue: reader.u16(start + 12) & 0x01ff),
                    window: reader.u16(start + 14), payloadLength: end - headerEnd, range: start..<headerEnd))
            decoded.payload = headerEnd..<end
        case 17:
            guard end >= start + 8 else {
                decoded.transport = .other(17)
                return
            }
            let length = Int(reader.u16(start + 4))
            let payloadEnd = min(end, start + max(8, length))
            decoded.transport = .udp(
                DecodedFrame.UDP(
                    sourcePort: reader.u16(start), destinationPort: reader.u16(start + 2),
                    length: length, payloadLength: payloadEnd - (start + 8),
                    range: start..<(start + 8)))
            decoded.payload = (start + 8)..<payloadEnd
        case 1 where version == 4, 58 where version == 6:
            guard end >= start + 8 else {
                decoded.transport = .other(protocolNumber)
                return
            }
            let type = reader.bytes[start]
            let isError = version == 4 ? [3, 11, 12].contains(type) : (1...4).contains(type)
            var quoted: DecodedFrame.Quoted?
            if isError {
                quoted = quotedDatagram(reader, at: start + 8, end: end, version: version)
            }
            decoded.transport = .icmp(
                DecodedFrame.ICMP(
                    version: version, type: type, code: reader.bytes[start + 1],
                    quoted: quoted, range: start..<(start + 8)))
            decoded.payload = (start + 8)..<end
        default:
            decoded.transport = .other(protocolNumber)
            decoded.payload = start..<end
        }
    }

    /// The IP header and first 8 bytes of the datagram an ICMP error carries back.
    private static func quotedDatagram(_ reader: ByteReader, at start: Int, end: Int, version: Int) -> DecodedFrame.Quoted? {
        guard let (ip, transport, _) = decodeIP(reader, at: start, etherType: version == 4 ? etherTypeIPv4 : etherTypeIPv6),
            [6, 17].contains(ip.protocolNumber), transport + 4 <= end
        else { return nil }
        return DecodedFrame.Quoted(
            protocolNumber: ip.protocolNumber,
            source: Endpoint(host: ip.source, port: reader.u16(transport)),
            destination: Endpoint(host: ip.destination, port: reader.u16(transport + 2)))
    }

    static func ipv4(_ bytes: [UInt8], _ at: Int) -> String {
        "\(bytes[at]).\(bytes[at + 1]).\(bytes[at + 2]).\(bytes[at + 3])"
    }

    /// RFC 5952 text: lowercase, leading zeros dropped, the longest run of two or more zero
    /// groups (the first if tied) as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`.
    static func ipv6(_ bytes: [UInt8], _ at: Int) -> String {
        let groups = (0..<8).map { UInt16(bytes[at + 2 * $0]) << 8 | UInt16(bytes[at + 2 * $0 + 1]) }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xffff {
            return "::ffff:" + ipv4(bytes, at + 12)
        }
        var best = (start: -1, count: 0)
        var run = (start: -1, count: 0)
        for (i, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.count + 1)
                if run.count > best.count { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.count >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.count)...].joined(separator: ":")
        return head + "::" + tail
    }
}

/// Integer reads at offsets the caller has checked: big-endian (network order, the default)
/// or little-endian (a capture file written on such a machine).
struct ByteReader {
    let bytes: [UInt8]
    let bigEndian: Bool
    init(_ bytes: [UInt8], bigEndian: Bool = true) {
        self.bytes = bytes
        self.bigEndian = bigEndian
    }
    func u16(_ at: Int) -> UInt16 {
        bigEndian ? UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) : UInt16(bytes[at + 1]) << 8 | UInt16(bytes[at])
    }
    func u32(_ at: Int) -> UInt32 {
        bigEndian ? UInt32(u16(at)) << 16 | UInt32(u16(at + 2)) : UInt32(u16(at + 2)) << 16 | UInt32(u16(at))
    }
}
