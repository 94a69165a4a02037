import Dispatch
import Foundation
import NetLabEvents
import Synchronization
import Testing

@testable import NetLabCore

/// A headless server's sink may take a message received without an event being made of it
/// (`receivedLine`); what it declines, and every sink without one, gets the event.
@Suite struct ReceivedLineSinkTests {
    /// What reached the sink: lines its `receivedLine` took, and events.
    final class Heard: Sendable {
        let lines = Mutex<[String]>([])
        let events = Mutex<[LabEvent.Kind]>([])
        /// Events the engine made (`kind` evaluated).
        let made = Mutex(0)
    }

    private func sink(detail: EventSink.Detail = .receives, takes: Bool, _ heard: Heard) -> EventSink {
        EventSink.inline(
            detail: detail,
            receivedLine: { engine, bytes, sender, _ in
                guard takes else { return false }
                var line = Array("\(engine.rawValue) ".utf8)
                sender.write(to: &line)
                line += Array(" ".utf8) + Array(bytes)
                heard.lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
                return true
            },
            { event in heard.events.withLock { $0.append(event.kind) } })
    }

    private let peer = Endpoint(host: "127.0.0.1", port: 40000)

    private func report(_ sink: EventSink, _ text: String, _ heard: Heard) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            sink.emitReceived(
                .udp, .server, call: .recvmmsg, bytes: raw, sender: { .ipv4(address: (127, 0, 0, 1), port: 40000) },
                {
                    heard.made.withLock { $0 += 1 }
                    return .received(bytes: bytes, from: peer, to: peer)
                }())
        }
    }

    @Test func aTakenMessageMakesNoEvent() {
        let heard = Heard()
        report(sink(takes: true, heard), "hello", heard)
        #expect(heard.lines.withLock { $0 } == ["UDP 127.0.0.1:40000 hello"])
        #expect(heard.events.withLock { $0.isEmpty })
        #expect(heard.made.withLock { $0 } == 0, "the event was made though nobody took it")
    }

    @Test func aDeclinedMessageIsAnEvent() {
        let heard = Heard()
        report(sink(takes: false, heard), "hello", heard)
        #expect(heard.lines.withLock { $0.isEmpty })
        #expect(heard.events.withLock { $0 } == [.received(bytes: Array("hello".utf8), from: peer, to: peer)])
        #expect(heard.made.withLock { $0 } == 1)
    }

    @Test func aSinkThatWantsNoReceivesHearsNothing() {
        let heard = Heard()
        report(sink(detail: .traffic, takes: true, heard), "hello", heard)
        #expect(heard.lines.withLock { $0.isEmpty } && heard.events.withLock { $0.isEmpty } && heard.made.withLock { $0 } == 0)
    }

    /// A message reported after it came (a UDP server answers first) carries the time it
    /// came, to the line and, declined, to the event.
    @Test func aLaterReportCarriesTheTimeTheMessageCame() {
        let came = Date(timeIntervalSince1970: 1_796_300_000.25)
        let times = Mutex<[Date]>([])
        let events = Mutex<[LabEvent]>([])
        for takes in [true, false] {
            let sink = EventSink.inline(
                detail: .receives,
                receivedLine: { _, _, _, time in
                    times.withLock { $0.append(time) }
                    return takes
                }, { event in events.withLock { $0.append(event) } })
            Array("hi".utf8).withUnsafeBytes { raw in
                sink.emitReceived(
                    .udp, .server, call: .recvmmsg, bytes: raw, sender: { .endpoint(peer) }, at: came,
                    .received(bytes: Array("hi".utf8), from: peer, to: peer))
            }
        }
        #expect(times.withLock { $0 } == [came, came])
        #expect(events.withLock { $0.map(\.time) } == [came])
    }

    @Test func aQueuedSinkGetsTheEvent() {
        let heard = Heard()
        let queue = DispatchQueue(label: "test.received-line")
        report(EventSink(queue: queue) { event in heard.events.withLock { $0.append(event.kind) } }, "hi", heard)
        queue.sync {}
        #expect(heard.events.withLock { $0 } == [.received(bytes: Array("hi".utf8), from: peer, to: peer)])
    }
}
