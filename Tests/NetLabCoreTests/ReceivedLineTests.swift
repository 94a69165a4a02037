import Foundation
import Testing

@testable import NetLabCore

/// A headless server's log builds its most common line (bytes received) straight into bytes;
/// it must read exactly as the line the event's own text gives: clock, engine, summary.
/// What `append` adds after bytes already in the line (nil when it declines, which must leave
/// the line as it was).
func builtLine(_ append: (inout [UInt8]) -> Bool) -> String? {
    var line: [UInt8] = Array("before|".utf8)
    guard append(&line) else {
        #expect(line == Array("before|".utf8), "a declined event left bytes behind")
        return nil
    }
    #expect(line.starts(with: Array("before|".utf8)))
    return String(decoding: line.dropFirst(7), as: UTF8.self)
}

@Suite struct ReceivedLineTests {
    /// The digits every log line's numbers (ports, sizes, the clock) are written with: the
    /// same as `String(value)` at each length's edges, with zeros inside, and at Int.max.
    @Test func decimalDigitsReadAsTheNumber() {
        var values = [0, 1, 9, 10, 11, 99, 100, 101, 1000, 1009, 65535, 65536, 1_000_000, 2_000_000_007, Int.max]
        var power = 1
        for _ in 0..<18 {
            values += [power - 1, power, power + 1]
            power *= 10
        }
        for value in values {
            var line: [UInt8] = Array("n=".utf8)
            line.append(decimal: value)
            #expect(String(decoding: line, as: UTF8.self) == "n=\(value)")
        }
    }

    private func built(_ event: LabEvent) -> String? { builtLine { event.appendReceivedLine(to: &$0) } }

    private func received(_ bytes: [UInt8], from: Endpoint, engine: LabEvent.Engine = .udp, at seconds: Double) -> LabEvent {
        LabEvent(
            time: Date(timeIntervalSince1970: seconds), engine: engine, role: .server,
            kind: .received(bytes: bytes, from: from, to: Endpoint(host: "127.0.0.1", port: 12000)))
    }

    @Test func readsAsTheEventsOwnText() {
        let long = Array(String(repeating: "abcdefgh", count: 8).utf8)
        // 47 ASCII bytes then "é" (2 bytes): the 48-byte preview must not split it.
        let accentAtTheCut = Array((String(repeating: "x", count: 47) + "é and more").utf8)
        let payloads: [[UInt8]] = [
            [], Array("a".utf8), Array("hello".utf8), long, Array(long.prefix(48)), Array(long.prefix(49)),
            Array("a\u{1b}[2Jb".utf8), Array("back\\slash".utf8), [0xFF, 0x41, 0x0A, 0x00], Array("héllo ✓".utf8),
            accentAtTheCut, Array(repeating: 0x7F, count: 60),
        ]
        let peers = [
            Endpoint(host: "127.0.0.1", port: 54321), Endpoint(host: "::1", port: 0), Endpoint(host: "10.0.0.255", port: 65535),
            Endpoint(host: "fe80::1%lo", port: 9),
            // Longer than the line's room on the stack: built in the array instead, the same.
            Endpoint(host: String(repeating: "h", count: 600), port: 7),
        ]
        var checked = 0
        for (index, bytes) in payloads.enumerated() {
            for peer in peers {
                for engine in [LabEvent.Engine.udp, .tcp] {
                    // Milliseconds 0, 7, 42, 999 and in between.
                    let event = received(bytes, from: peer, engine: engine, at: 1_796_300_000 + [0.0, 0.007, 0.042, 0.9995][index % 4])
                    #expect(built(event) == "\(event.clockTime) \(engine.rawValue) \(event.summary)")
                    checked += 1
                }
            }
        }
        #expect(checked == payloads.count * peers.count * 2)
    }

    @Test func pinsTheTextOfOneLine() throws {
        let event = received(Array("hi\n".utf8), from: Endpoint(host: "127.0.0.1", port: 40000), at: 1_796_300_000.5)
        let line = try #require(built(event))
        #expect(line.hasSuffix(" UDP 127.0.0.1:40000 -> 3 bytes \"hi\\n\""), "\(line)")
        #expect(line.wholeMatch(of: /\d\d:\d\d:\d\d\.500 .*/) != nil, "\(line)")
    }

    @Test func declinesEveryOtherLine() {
        let peer = Endpoint(host: "127.0.0.1", port: 1)
        #expect(built(received(Array("GET / HTTP/1.1\r\n".utf8), from: peer, engine: .http, at: 0)) == nil)
        let others: [LabEvent.Kind] = [
            .accepted(peer: peer), .sent(bytes: [0x41], from: peer, to: peer), .closed(peer: peer), .notice("hello"),
        ]
        for kind in others {
            #expect(built(LabEvent(engine: .tcp, role: .server, kind: kind)) == nil)
        }
    }
}

/// A headless HTTP server's access line is built straight into bytes too; it must read
/// exactly as the line the event's own text gives.
@Suite struct ServedLineTests {
    private func built(_ event: LabEvent) -> String? { builtLine { event.appendServedLine(to: &$0) } }

    private func served(
        _ requestLine: String, peer: Endpoint, status: Int = 200, bytes: Int = 1300, milliseconds: Double,
        unfinished: String? = nil, at seconds: Double = 1_796_300_000.042
    ) -> LabEvent {
        LabEvent(
            time: Date(timeIntervalSince1970: seconds), engine: .http, role: .server,
            kind: .served(
                peer: peer, requestLine: requestLine, status: status, bytes: bytes, milliseconds: milliseconds,
                unfinished: unfinished))
    }

    @Test func readsAsTheEventsOwnText() {
        let requestLines = [
            "GET / HTTP/1.1", "GET /1m.bin HTTP/1.0", "-", "HEAD /a%20b?q=1&r=\u{1b}[2J HTTP/1.1", "GET /é✓ HTTP/1.1",
            "GET /back\\slash HTTP/1.1", "POST /x\ty HTTP/1.1",
            // Longer than the line's room on the stack once escaped: built in the array instead.
            "GET /" + String(repeating: "\u{1b}", count: 300) + " HTTP/1.1",
        ]
        let peers = [Endpoint(host: "127.0.0.1", port: 54321), Endpoint(host: "::1", port: 0), Endpoint(host: "fe80::1%lo", port: 65535)]
        // Ties (0.05, 0.25: rounded away from zero), carries (999.95), and large durations.
        let durations: [Double] = [0, 0.04, 0.05, 0.15, 0.25, 1, 7.96, 12.34, 999.95, 1_000_000.06, 123_456_789.75, 99_999_999_999_999.9]
        var checked = 0
        for requestLine in requestLines {
            for peer in peers {
                for (index, milliseconds) in durations.enumerated() {
                    let unfinished = index % 3 == 0 ? "the client closed the connection" : nil
                    let status = [200, 304, 404, 503][index % 4]
                    let event = served(
                        requestLine, peer: peer, status: status, bytes: [0, 1, 1300, 1_048_832][index % 4],
                        milliseconds: milliseconds, unfinished: unfinished)
                    #expect(built(event) == "\(event.clockTime) HTTP \(event.summary)")
                    checked += 1
                }
            }
        }
        #expect(checked == requestLines.count * peers.count * durations.count)
    }

    @Test func pinsTheTextOfOneLine() throws {
        let event = served("GET /HelloWorld.html HTTP/1.1", peer: Endpoint(host: "127.0.0.1", port: 40000), milliseconds: 0.26)
        let line = try #require(built(event))
        #expect(line.hasSuffix(" HTTP 127.0.0.1:40000 \"GET /HelloWorld.html HTTP/1.1\" 200 1300 bytes sent (head and body) 0.3 ms"), "\(line)")
        #expect(line.wholeMatch(of: /\d\d:\d\d:\d\d\.042 .*/) != nil, "\(line)")
    }

    /// Durations whose text would need an exponent, and every other event, are left to the
    /// event's own text.
    @Test func declinesWhatItCannotWrite() {
        let peer = Endpoint(host: "127.0.0.1", port: 1)
        #expect(built(served("GET / HTTP/1.1", peer: peer, milliseconds: 1e15)) == nil)
        #expect(built(served("GET / HTTP/1.1", peer: peer, milliseconds: .infinity)) == nil)
        #expect(built(served("GET / HTTP/1.1", peer: peer, milliseconds: .nan)) == nil)
        let others: [LabEvent.Kind] = [.received(bytes: [0x41], from: peer, to: peer), .accepted(peer: peer), .notice("hello")]
        for kind in others {
            #expect(built(LabEvent(engine: .http, role: .server, kind: kind)) == nil)
        }
    }
}
