import Foundation
import NetLabCore
import Testing

/// A headless server's log builds its most common line (bytes received) straight into bytes;
/// it must read exactly as the line the event's own text gives: clock, engine, summary.
@Suite struct ReceivedLineTests {
    private func built(_ event: LabEvent) -> String? {
        var line: [UInt8] = Array("before|".utf8)
        guard event.appendReceivedLine(to: &line) else {
            #expect(line == Array("before|".utf8), "a declined event left bytes behind")
            return nil
        }
        #expect(line.starts(with: Array("before|".utf8)))
        return String(decoding: line.dropFirst(7), as: UTF8.self)
    }

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
