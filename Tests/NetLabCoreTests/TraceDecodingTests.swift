import Foundation
import NetLabCore
import Testing

/// `netlab run`'s decoding, from register sets recorded on x86-64 (strace's view of the same
/// calls in the comments): pure, no tracee.
@Suite struct TraceDecodingTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// A call as the registers gave it: number (orig_rax), rdi, rsi, rdx, r10, r8, r9, rax.
    static func call(_ number: Int, _ arguments: [UInt64], result: Int64, data: [UInt8] = [], address: Endpoint? = nil) -> TracedCall {
        var call = TracedCall(
            pid: 4242, call: TracedCall.x86_64[number]!, arguments: arguments + [UInt64](repeating: 0, count: 6 - arguments.count),
            result: result, entry: at)
        call.data = data
        call.address = address
        return call
    }

    static let server = Endpoint(host: "127.0.0.1", port: 12000)

    @Test func x86NumbersNameTheCalls() {
        #expect(TracedCall.x86_64[41] == .socket && TracedCall.x86_64[42] == .connect && TracedCall.x86_64[44] == .sendto)
        #expect(TracedCall.x86_64[45] == .recvfrom && TracedCall.x86_64[288] == .accept4 && TracedCall.x86_64[3] == .close)
        #expect(Set(TracedCall.x86_64.values) == Set(TracedCall.Syscall.allCases), "every call has its number")
        // aarch64's generic table: the same calls, other numbers.
        #expect(TracedCall.aarch64[198] == .socket && TracedCall.aarch64[203] == .connect && TracedCall.aarch64[206] == .sendto)
        #expect(TracedCall.aarch64[207] == .recvfrom && TracedCall.aarch64[242] == .accept4 && TracedCall.aarch64[57] == .close)
        #expect(Set(TracedCall.aarch64.values) == Set(TracedCall.Syscall.allCases) && TracedCall.aarch64.count == TracedCall.x86_64.count)
    }

    @Test func socketAddressesAsText() {
        // struct sockaddr_in for 127.0.0.1:12000 (family in the machine's order, port in network order).
        #expect(SocketAddressBytes.endpoint([2, 0, 0x2e, 0xe0, 127, 0, 0, 1] + [UInt8](repeating: 0, count: 8)) == Self.server)
        let loopback6 = [UInt8](repeating: 0, count: 15) + [1]
        #expect(SocketAddressBytes.endpoint([10, 0, 0x2e, 0xe0, 0, 0, 0, 0] + loopback6 + [0, 0, 0, 0]) == Endpoint(host: "::1", port: 12000))
        #expect(SocketAddressBytes.endpoint([1, 0, 0x2f]) == nil, "AF_UNIX is not an Endpoint")
        #expect(SocketAddressBytes.endpoint([2, 0, 0x2e]) == nil, "cut short")
    }

    @Test func linesReadAsStraceWouldSayThem() {
        // socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
        #expect(TraceText.line(Self.call(41, [2, 0x80001, 0], result: 3)) == "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3")
        #expect(TraceText.line(Self.call(41, [10, 0x802, 0], result: 4)) == "socket(AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK, 0) = 4")
        // connect(3, {... sin_port=htons(12000) ...}, 16) = -1 ECONNREFUSED (Connection refused)
        let refused = Self.call(42, [3, 0x7ffc_0000, 16], result: -111, address: Self.server)
        #expect(TraceText.line(refused) == "connect(3, 127.0.0.1:12000) = -1 ECONNREFUSED (Connection refused)")
        #expect(TraceText.explanation(refused) == "nothing is listening on 127.0.0.1:12000")
        // sendto(3, "hello", 5, 0, NULL, 0) = 5; recvfrom(3, "HELLO", 1024, 0, NULL, NULL) = 5
        #expect(TraceText.line(Self.call(44, [3, 0x5000, 5, 0, 0, 0], result: 5, data: Array("hello".utf8))) == "sendto(3, \"hello\", 5) = 5")
        #expect(
            TraceText.line(Self.call(45, [3, 0x5000, 1024, 0, 0, 0], result: 5, data: Array("HELLO".utf8)))
                == "recvfrom(3, 1024) = 5 \"HELLO\"")
        var end = Self.call(45, [3, 0x5000, 1024], result: 0)
        end.socketKind = "TCP"
        #expect(TraceText.line(end) == "recvfrom(3, 1024) = 0 (end of stream: the peer closed its side)")
        // A UDP datagram names its sender; control bytes and quotes are escaped; long data is cut.
        #expect(
            TraceText.line(Self.call(45, [3, 0x5000, 2048, 0, 0x6000, 0x6100], result: 3, data: [0x68, 0x1b, 0x22], address: Self.server))
                == "recvfrom(3, 2048) = 3 \"h\\x1b\\\"\" from 127.0.0.1:12000")
        #expect(
            TraceText.line(Self.call(1, [4, 0x5000, 2000], result: 2000, data: [UInt8](repeating: 0x61, count: 2000)))
                == "write(4, \"\(String(repeating: "a", count: 64))\"..., 2000) = 2000")
        #expect(
            TraceText.line(Self.call(288, [3, 0x6000, 0x6100, 0x80000], result: 4, address: Endpoint(host: "127.0.0.1", port: 40000)))
                == "accept4(3) = 4 from 127.0.0.1:40000")
        #expect(TraceText.line(Self.call(54, [3, 1, 2, 0x7000, 4], result: 0)) == "setsockopt(3, SOL_SOCKET, SO_REUSEADDR) = 0")
        #expect(TraceText.line(Self.call(48, [3, 1], result: 0)) == "shutdown(3, SHUT_WR) = 0")
        #expect(TraceText.line(Self.call(50, [3, 1], result: 0)) == "listen(3, 1) = 0")
    }

    @Test func jsonCarriesTheFieldsAndTheWords() throws {
        let refused = Self.call(42, [3, 0x7ffc_0000, 16], result: -111, address: Self.server)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(TraceText.json(refused).utf8)) as? [String: Any])
        #expect(object["call"] as? String == "connect" && object["fd"] as? Int == 3 && object["result"] as? Int == -111)
        #expect(object["errno"] as? String == "ECONNREFUSED" && object["address"] as? String == "127.0.0.1:12000")
        #expect(object["explanation"] as? String == "nothing is listening on 127.0.0.1:12000")
        #expect(object["pid"] as? Int == 4242)
    }

    /// sendmsg/recvmsg: a `struct msghdr` (name, namelen, iov, iovlen, ...) and its iovecs, as
    /// a 64-bit little-endian program lays them out.
    @Test func messageHeadersAndTheirVectors() {
        func word(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let header = word(0x7000) + word(16) + word(0x8000) + word(2) + word(0) + word(0) + word(0)
        let parsed = TracedCall.MessageHeader(header)
        #expect(parsed?.name == 0x7000 && parsed?.nameLength == 16 && parsed?.vectors == 0x8000 && parsed?.vectorCount == 2)
        let vectors = TracedCall.MessageHeader.vectors(word(0x9000) + word(2) + word(0x9100) + word(3))
        #expect(vectors.map(\.base) == [0x9000, 0x9100] && vectors.map(\.length) == [2, 3])
        #expect(TracedCall.MessageHeader([1, 2, 3]) == nil, "cut short")
        #expect(
            TraceText.line(Self.call(46, [4, 0x7000, 0], result: 5, data: Array("hello".utf8), address: Self.server))
                == "sendmsg(4, \"hello\", 127.0.0.1:12000) = 5")
        #expect(
            TraceText.line(Self.call(47, [3, 0x7000, 0], result: 5, data: Array("hello".utf8), address: Self.server))
                == "recvmsg(3) = 5 \"hello\" from 127.0.0.1:12000")
    }

    /// What the tracer reads from the program, per call.
    @Test func fetchesFollowTheCallsArguments() {
        #expect(TracedCall.fetches(.sendto) == [.sent(pointer: 1, length: 2), .addressIn(pointer: 4, length: 5)])
        #expect(TracedCall.fetches(.recvfrom) == [.received(pointer: 1), .addressOut(pointer: 4, lengthPointer: 5)])
        #expect(TracedCall.fetches(.accept4) == [.addressOut(pointer: 1, lengthPointer: 2)])
        #expect(TracedCall.fetches(.listen).isEmpty)
    }
}

/// The microsecond clock of traced rows and frames: local time as `LabEvent.clock` gives it,
/// then six digits, rounded, never 1,000,000.
struct WireClockTests {
    @Test func microsecondsFollowTheLocalClock() {
        for seconds in [0.0, 1_796_300_000.000_000_4, 1_796_300_059.999_999_7, 1_796_303_599.123_456, 1_796_340_000.5] {
            let time = Date(timeIntervalSince1970: seconds)
            let text = WireClock.microseconds(time)
            let whole = seconds.rounded(.down)
            let micros = min(999_999, Int(((seconds - whole) * 1e6).rounded()))
            let expected = LabEvent.clock(Date(timeIntervalSince1970: whole)).prefix(8) + "." + String(format: "%06d", micros)
            #expect(text == expected)
            #expect(text.count == 15)
        }
        #expect(WireClock.microseconds(Date(timeIntervalSince1970: 1_796_300_059.999_999_7)).hasSuffix(".999999"))
    }
}
