import NetLabCore
import Testing

@testable import NetLabSockets

extension LoopbackTests {
    /// A listener that is all its engine watches waits for the next connection in accept()
    /// (a receive timeout of 2 ms, one tick) instead of in epoll. That is safe only if the
    /// listening socket alone blocks, and only for a bounded time: a connection that blocked
    /// would stall every other client of the engine.
    @Suite struct WaitingAcceptTests {
        /// One message and its reply on `peer` (the text of the reply, or what went wrong).
        private func exchange(_ peer: LoopbackPeer, _ text: String) -> String {
            peer.setReceiveTimeout(seconds: 10)
            peer.send(text)
            guard let reply = peer.receive(max: 256) else { return "no reply" }
            return String(decoding: reply, as: UTF8.self)
        }

        @Test func onlyTheListenerBlocksAndOnlyForATick() throws {
            let server = TCPServer(events: .discard)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let client = try #require(LoopbackPeer(connectingTo: port))
            #expect(exchange(client, "still open") == "STILL OPEN")

            let held = HeldSocket.onPort(port)
            let listeners = held.filter(\.listening)
            let accepted = held.filter { !$0.listening }
            #expect(listeners.count == 1 && accepted.count == 1, "\(held)")
            for listener in listeners {
                #expect(!listener.nonBlocking, "the listener waits in accept()")
                // 2 ms asked; the kernel keeps it in whole ticks (4 ms at HZ=250, 10 at HZ=100).
                #expect((2000...10_000).contains(listener.receiveTimeoutMicroseconds), "\(listener)")
            }
            for connection in accepted {
                #expect(connection.nonBlocking, "an accepted connection never blocks the engine")
            }
        }

        /// One-message clients one after another (the server waits for each in accept), then
        /// two at once with one left open: every one is answered.
        @Test func clientsOneAfterAnotherAndTogetherAreAllAnswered() throws {
            let server = TCPServer(events: .discard, oneMessage: true)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            for index in 0..<200 {
                let peer = try #require(LoopbackPeer(connectingTo: port))
                #expect(exchange(peer, "client \(index)") == "CLIENT \(index)")
            }
            // Connected, silent: the server has a connection open and goes back to epoll.
            let silent = try #require(LoopbackPeer(connectingTo: port))
            let other = try #require(LoopbackPeer(connectingTo: port))
            #expect(exchange(other, "the other one") == "THE OTHER ONE")
            other.close()
            #expect(exchange(silent, "now me") == "NOW ME")
        }
    }
}
