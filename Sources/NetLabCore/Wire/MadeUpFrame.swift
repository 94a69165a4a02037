import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Frames built around socket messages when nothing was captured (no capture rights): an
/// Ethernet header with zero addresses, IPv4 or IPv6, then TCP (PSH/ACK, sequence numbers
/// counted per direction) or UDP, checksums left zero. Wireshark reads them; whoever saves
/// them must say they are made up (see `PcapFile.Record.comment`).
public struct MadeUpFrames: Sendable {
    private var nextSequence: [String: UInt32] = [:]

    public init() {}

    public static let sectionComment =
        "NOT A CAPTURE: netlab could not capture packets (it needs CAP_NET_RAW), so these "
        + "frames were made up from the socket messages, with invented headers (no handshakes, no ACKs, no checksums)"
    public static let packetComment = "made up by netlab from a socket message; not captured"

    /// A frame carrying `payload` from `source` to `destination`; nil if an address is not numeric.
    public mutating func frame(
        _ payload: [UInt8], from source: Endpoint, to destination: Endpoint, udp: Bool,
        time: Date
    ) -> CapturedFrame? {
        // An unconnected UDP socket's own address reads 0.0.0.0 (or ::): on the wire the
        // kernel puts the address of the route it takes, for the loopback 127.0.0.1 or ::1
        // (`ip route get 127.0.0.5` says src 127.0.0.1).
        var source = source
        if source.host == "0.0.0.0" && destination.host.hasPrefix("127.") { source.host = "127.0.0.1" }
        if source.host == "::" && destination.host == "::1" { source.host = "::1" }
        guard let sourceAddress = Self.address(source.host), let destinationAddress = Self.address(destination.host),
            sourceAddress.count == destinationAddress.count
        else { return nil }
        var transport: [UInt8] = []
        if udp {
            transport.u16be(source.port)
            transport.u16be(destination.port)
            transport.u16be(UInt16(truncatingIfNeeded: 8 + payload.count))
            transport.u16be(0)
        } else {
            let key = "\(source)>\(destination)"
            let sequence = nextSequence[key, default: 1]
            nextSequence[key] = sequence &+ UInt32(truncatingIfNeeded: payload.count)
            let reverse = nextSequence["\(destination)>\(source)", default: 1]
            transport.u16be(source.port)
            transport.u16be(destination.port)
            transport.u32be(sequence)
            transport.u32be(reverse)
            transport += [0x50, 0x18]  // 20-byte header; PSH, ACK
            transport.u16be(65535)
            transport.u16be(0)
            transport.u16be(0)
        }
        let body = transport + payload
        var ip: [UInt8] = []
        let etherType: UInt16
        if sourceAddress.count == 4 {
            etherType = 0x0800
            ip = [0x45, 0]
            ip.u16be(UInt16(truncatingIfNeeded: 20 + body.count))
            ip += [0, 0, 0x40, 0, 64, udp ? 17 : 6, 0, 0]
            ip += sourceAddress + destinationAddress
        } else {
            etherType = 0x86dd
            ip = [0x60, 0, 0, 0]
            ip.u16be(UInt16(truncatingIfNeeded: body.count))
            ip += [udp ? 17 : 6, 64]
            ip += sourceAddress + destinationAddress
        }
        var ethernet = [UInt8](repeating: 0, count: 12)
        ethernet.u16be(etherType)
        let bytes = ethernet + ip + body
        return CapturedFrame(time: time, linkType: .ethernet, bytes: bytes)
    }

    /// The 4 or 16 bytes of a numeric address.
    static func address(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

extension [UInt8] {
    mutating func u16be(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xff))
    }
    mutating func u32be(_ value: UInt32) {
        u16be(UInt16(value >> 16))
        u16be(UInt16(value & 0xffff))
    }
}
