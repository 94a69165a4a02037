import Glibc
import Testing

@testable import NetLabSockets

/// The peer's address text is written by hand for IPv4 (the log and every event carry it):
/// it must be exactly what the C library's inet_ntop writes.
@Suite struct SocketAddressTests {
    private func libraryText(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { inet_ntop(AF_INET, $0.baseAddress, &text, 64) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func dottedQuadIsInetNtopsText() {
        // Every byte value in every position (the digit counts change at 10 and 100).
        for position in 0..<4 {
            for value in 0...255 {
                var bytes: [UInt8] = [127, 0, 0, 1]
                bytes[position] = UInt8(value)
                let ours = bytes.withUnsafeBytes { SocketAddress.dottedQuad($0) }
                #expect(ours == libraryText(bytes), "\(bytes)")
            }
        }
        #expect([UInt8]([255, 255, 255, 255]).withUnsafeBytes { SocketAddress.dottedQuad($0) } == "255.255.255.255")
    }

    /// A UDP batch's destination is family plus 16 address bytes (IPv4 in the first four).
    @Test func numericHostReadsTheFirstFourBytesForIPv4() {
        var wide: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &wide) { raw in
            for (index, byte) in [192, 168, 10, 254, 9, 9, 9, 9].enumerated() { raw[index] = UInt8(byte) }
        }
        #expect(SocketAddress.numericHost(AF_INET, wide) == "192.168.10.254")
        var loopback = in6_addr()
        withUnsafeMutableBytes(of: &loopback) { $0[15] = 1 }
        #expect(SocketAddress.numericHost(AF_INET6, loopback) == "::1")
    }

    @Test func endpointOfAnIPv4AddressUsesIt() {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(12000).bigEndian
        address.sin_addr.s_addr = UInt32(0x0A00_02FE).bigEndian  // 10.0.2.254
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
        let endpoint = SocketAddress(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in>.size)).endpoint
        #expect(endpoint.host == "10.0.2.254")
        #expect(endpoint.port == 12000)
    }
}
