import Dispatch
import Foundation
import NetLabConsole
import NetLabCore
import NetLabEvents
import Synchronization
import Testing

@testable import NetLabSockets

/// The event stream is in causal order by construction: a send's event takes its place (and
/// its time) before the call, a receive's after it returns.
extension LoopbackTests {
    @Suite struct CausalOrderTests {
        /// Events from a kept place are delivered in the place's order, and a batch that arrived
        /// while the drain waited at the place is still delivered (it once was not: the stream
        /// stalled for good).
        @Test func keptPlacesHoldTheirOrderAndNothingStalls() async throws {
            let queue = DispatchQueue(label: "test.sink")
            let seen = Mutex<[String]>([])
            let sink = EventSink(queue: queue) { event in
                if case .notice(let text) = event.kind { seen.withLock { $0.append(text) } }
            }
            let entered = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                sink.stamped(
                    .tcp, .client, call: .send,
                    {
                        entered.signal()
                        release.wait()  // the "call" takes its time; others emit meanwhile
                        return 1
                    }, events: { _ in [.notice("the send")] })
                done.signal()
            }
            entered.wait()
            sink.emit(.tcp, .server, .notice("after 1"))
            // Let the drain run and stop at the kept place, then emit a second batch.
            queue.sync {}
            sink.emit(.tcp, .server, .notice("after 2"))
            queue.sync {}
            sink.emit(.tcp, .server, .notice("after 3"))
            release.signal()
            done.wait()
            // Bounded wait for delivery: the queue must drain by itself.
            for _ in 0..<200 where seen.withLock({ $0.count }) < 4 {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(seen.withLock { $0 } == ["the send", "after 1", "after 2", "after 3"])
        }

        /// 1,000 exchanges over TCP, UDP and HTTP through one sink: every message's `sent` event
        /// comes before the `received` of the same bytes, and times never go backwards.
        @Test func thousandMixedExchangesHaveNoInversions() async throws {
            let recorder = EventRecorder()
            let sink = recorder.sink
            let tcp = TCPServer(events: sink)
            let udp = UDPServer(events: sink)
            let site = FileManager.default.temporaryDirectory.appendingPathComponent("order-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: site) }
            let http = HTTPServer(events: sink, configuration: HTTPServer.Configuration(site: try HTTPSite.root(site.path)))
            let tcpPort = try tcp.start(host: "127.0.0.1", port: 0).port
            let udpPort = try udp.start(host: "127.0.0.1", port: 0).port
            let httpPort = try http.start(host: "127.0.0.1", port: 0).port
            defer {
                tcp.stop()
                udp.stop()
                http.stop()
            }
            let tcpClient = TCPClient(events: sink)
            let udpClient = UDPClient(events: sink)
            let httpClient = TCPClient(events: sink, engine: .http)
            for index in 0..<1000 {
                let message = Array("message \(index)".utf8)
                switch index % 3 {
                case 0: _ = try await tcpClient.send(message, host: "127.0.0.1", port: tcpPort, timeout: 10).get()
                case 1: _ = try await udpClient.send(message, host: "127.0.0.1", port: udpPort, timeout: 10).get()
                default:
                    let request = Array("GET /missing-\(index) HTTP/1.0\r\n\r\n".utf8)
                    _ = try await httpClient.send(request, host: "127.0.0.1", port: httpPort, timeout: 10).get()
                }
            }
            let events = recorder.all
            var inversions = 0
            var backwards = 0
            var unmatched: [[UInt8]] = []  // sent, not yet received
            for (index, event) in events.enumerated() {
                if index > 0, event.time < events[index - 1].time { backwards += 1 }
                switch event.kind {
                case .sent(let bytes, _, _): unmatched.append(bytes)
                case .received(let bytes, _, _):
                    // TCP may split or join; every message here fits one segment on loopback.
                    if let position = unmatched.firstIndex(of: bytes) { unmatched.remove(at: position) } else { inversions += 1 }
                default: break
                }
            }
            #expect(events.filter { if case .received = $0.kind { true } else { false } }.count >= 2000)
            #expect(inversions == 0)
            #expect(backwards == 0)

            // The same stream in the console's timeline (the newest 1,000 rows it keeps): every
            // received message's row comes after the row that sent it.
            var state = ConsoleState()
            for event in events { _ = state.update(.event(event), now: event.time) }
            var sentRows: [[UInt8]] = []
            var rowInversions = 0
            var checked = 0
            for row in state.timeline.rows.items where row.lane == .call && !row.bytes.isEmpty {
                if row.outgoing {
                    sentRows.append(row.bytes)
                } else if let position = sentRows.firstIndex(of: row.bytes) {
                    sentRows.remove(at: position)
                    checked += 1
                } else if checked > 0 || !sentRows.isEmpty {
                    rowInversions += 1  // a reply before its request (the kept window's first rows aside)
                }
            }
            #expect(checked > 200)
            #expect(rowInversions == 0)
        }
    }
}
