import Glibc
import NetLabCore
import Testing

@testable import NetLabSockets

/// Literals resolve as themselves, whatever addresses the machine has (AI_ADDRCONFIG is for
/// names only: with it, `::1` resolved to nothing on a machine whose only IPv6 address is the
/// loopback's, and `netlab check tcp ::1` failed before checking anything).
@Suite struct ResolverTests {
    @Test(arguments: [("127.0.0.1", true), ("::1", true), ("fe80::1", true), ("10.13.0.2", true), ("localhost", false), ("", false)])
    func literalsAreTold(host: String, literal: Bool) {
        #expect(Resolver.isLiteral(host) == literal)
    }

    @Test func anIPv6LiteralIsItself() throws {
        let addresses = try Resolver.resolve(host: "::1", port: 12000, type: .stream)
        #expect(addresses.map(\.endpoint) == [Endpoint(host: "::1", port: 12000)])
        #expect(try Resolver.resolve(host: "127.0.0.1", port: 9, type: .datagram).map(\.endpoint) == [Endpoint(host: "127.0.0.1", port: 9)])
    }
}
