import Glibc
import Testing

@testable import NetLabCore
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

    /// A logging server writes an IPv4 sender's text from its bytes: the same text as
    /// the address's `Endpoint`, for IPv4 (every byte value, ports at their edges) and IPv6
    /// (loopback, an IPv4-mapped address shown as IPv4, a scoped one).
    @Test func appendedTextIsTheEndpointsText() {
        func check(_ storage: sockaddr_storage, _ length: Int) {
            var line: [UInt8] = Array("x".utf8)
            withUnsafePointer(to: storage) { SocketAddress.sender(at: $0, length: socklen_t(length)) }.write(to: &line)
            let endpoint = SocketAddress(storage: storage, length: socklen_t(length)).endpoint
            #expect(String(decoding: line, as: UTF8.self) == "x" + endpoint.description, "\(endpoint)")
        }
        func ipv4(_ bytes: [UInt8], port: UInt16) -> sockaddr_storage {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
            return storage
        }
        for position in 0..<4 {
            for value in 0...255 {
                var bytes: [UInt8] = [127, 0, 0, 1]
                bytes[position] = UInt8(value)
                check(ipv4(bytes, port: [0, 9, 10, 12000, 65535][value % 5]), MemoryLayout<sockaddr_in>.size)
            }
        }
        func ipv6(_ last: [UInt8], scope: UInt32 = 0) -> sockaddr_storage {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(54321).bigEndian
            address.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
                for (index, byte) in last.enumerated() { raw[16 - last.count + index] = byte }
            }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in6.self) }
            return storage
        }
        check(ipv6([1]), MemoryLayout<sockaddr_in6>.size)
        check(ipv6([0xFF, 0xFF, 127, 0, 0, 1]), MemoryLayout<sockaddr_in6>.size)
        var linkLocal = ipv6([1])
        withUnsafeMutableBytes(of: &linkLocal) { raw in
            // fe80::1 on the loopback interface (index 1).
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
            raw[offset] = 0xFE
            raw[offset + 1] = 0x80
        }
        withUnsafeMutableBytes(of: &linkLocal) { raw in
            raw.storeBytes(of: UInt32(1), toByteOffset: MemoryLayout<sockaddr_in6>.offset(of: \.sin6_scope_id)!, as: UInt32.self)
        }
        check(linkLocal, MemoryLayout<sockaddr_in6>.size)
    }
}
