import Glibc
import NetLabCore

/// An IPv4 or IPv6 socket address in a `sockaddr_storage`, ready for bind/connect/sendto.
struct SocketAddress: Sendable {
    var storage = sockaddr_storage()
    var length: socklen_t

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// Copies the address an `addrinfo` points at.
    init(_ pointer: UnsafePointer<sockaddr>, length: socklen_t) {
        self.length = length
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(length)))
        }
    }

    var family: Int32 { Int32(storage.ss_family) }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafePointer(to: storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// An IPv4 or IPv6 address (`in_addr`, `in6_addr`, or bytes laid out as one) as text, by
    /// inet_ntop: made on the stack and read straight into the String (an address fits a
    /// small string's inline bytes), so no heap allocation per datagram or connection.
    static func numericHost<Address>(_ family: Int32, _ address: Address) -> String? {
        // An IPv4 address is its first four bytes (an `in_addr`, or the start of the 16-byte
        // buffer a UDP batch's destinations share with IPv6).
        if family == AF_INET, MemoryLayout<Address>.size >= 4 {
            return withUnsafeBytes(of: address) { dottedQuad(UnsafeRawBufferPointer(rebasing: $0[0..<4])) }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { text -> String? in
            let converted = withUnsafeBytes(of: address) { inet_ntop(family, $0.baseAddress, text.baseAddress, 64) }
            guard converted != nil else { return nil }
            let length = strnlen(text.baseAddress!, 64)
            return text.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
        }
    }

    /// Four bytes in network order as `a.b.c.d`, what inet_ntop writes (whose sprintf was
    /// about 1% of the TCP server's samples per connection), written on the stack.
    static func dottedQuad(_ bytes: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { text in
            var count = 0
            for index in 0..<4 {
                if index > 0 {
                    text[count] = 0x2E
                    count += 1
                }
                let byte = bytes[index]
                if byte >= 100 {
                    text[count] = 0x30 + byte / 100
                    count += 1
                }
                if byte >= 10 {
                    text[count] = 0x30 + byte / 10 % 10
                    count += 1
                }
                text[count] = 0x30 + byte % 10
                count += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: text[0..<count]), as: UTF8.self)
        }
    }

    /// The address at `address` as a log line's sender: an IPv4 one as its bytes (no String
    /// made: a log line per datagram), any other as its `endpoint`.
    static func sender(at address: UnsafePointer<sockaddr_storage>, length: socklen_t) -> LabEvent.Sender {
        guard Int32(address.pointee.ss_family) == AF_INET else {
            return .endpoint(SocketAddress(storage: address.pointee, length: length).endpoint)
        }
        let ipv4 = UnsafeRawPointer(address).load(as: sockaddr_in.self)
        let bytes = withUnsafeBytes(of: ipv4.sin_addr) { ($0[0], $0[1], $0[2], $0[3]) }
        return .ipv4(address: bytes, port: UInt16(bigEndian: ipv4.sin_port))
    }

    /// The numeric host and port, e.g. `127.0.0.1:12000`. IPv4 and IPv6 without a scope go
    /// through inet_ntop (a log line per datagram asks for this: getnameinfo, with its
    /// printf-formatted port, cost several times as much); a scoped IPv6 address keeps
    /// getnameinfo's `%interface`.
    var endpoint: Endpoint {
        let fast: Endpoint? = withUnsafeBytes(of: storage) { raw -> Endpoint? in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let address = raw.load(as: sockaddr_in.self)
                return Self.numericHost(AF_INET, address.sin_addr).map { Endpoint(ipv4: $0, port: UInt16(bigEndian: address.sin_port)) }
            case AF_INET6:
                let address = raw.load(as: sockaddr_in6.self)
                guard address.sin6_scope_id == 0 else { return nil }
                return Self.numericHost(AF_INET6, address.sin6_addr).map { Endpoint(host: $0, port: UInt16(bigEndian: address.sin6_port)) }
            default:
                return nil
            }
        }
        if let fast { return fast }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let result = withSockaddr { address, length in
            getnameinfo(
                address, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                NI_NUMERICHOST | NI_NUMERICSERV)
        }
        guard result == 0 else { return Endpoint(host: "?", port: 0) }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let serviceText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Endpoint(host: hostText, port: UInt16(serviceText) ?? 0)
    }

    /// The address a socket is bound to.
    static func local(of fd: Int32) -> SocketAddress? {
        fetch { getsockname(fd, $0, $1) }
    }

    private static func fetch(
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage, length: length) : nil
    }
}
