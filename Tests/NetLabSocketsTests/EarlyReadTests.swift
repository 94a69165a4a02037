import Foundation
import NetLabCore
import Testing

@testable import NetLabSockets

/// The guess whether a connection just accepted reads before it waits in epoll.
@Suite struct EarlyReadsTests {
    /// What `shouldTry` says for the next `count` connections, each recording `found`.
    private func run(_ guess: inout EarlyReads, _ count: Int, found: Bool) -> [Bool] {
        (0..<count).map { _ in
            let tried = guess.shouldTry()
            if tried { guess.record(found: found) }
            return tried
        }
    }

    @Test func readsWhileTheRequestsAreIn() {
        var guess = EarlyReads()
        let tried = run(&guess, 20, found: true)
        #expect(tried.allSatisfy { $0 })
    }

    @Test func twoMissesInARowSkipSevenThenTryAgain() {
        var guess = EarlyReads()
        // Two misses, then seven skipped, the eighth tried (and missed), seven skipped again.
        let pattern = run(&guess, 2 + 8 + 8, found: false)
        let expected = [true, true] + Array(repeating: false, count: 7) + [true] + Array(repeating: false, count: 7) + [true]
        #expect(pattern == expected)
    }

    @Test func aHitWhenTryingAgainReadsEveryTimeAgain() {
        var guess = EarlyReads()
        let missed = run(&guess, 2 + 7, found: false)
        #expect(missed == [true, true] + Array(repeating: false, count: 7))
        let eighth = guess.shouldTry()
        #expect(eighth, "the eighth after the misses tries")
        guess.record(found: true)
        // One miss alone (between hits) changes nothing.
        let after = run(&guess, 10, found: true) + run(&guess, 1, found: false) + run(&guess, 1, found: true) + run(&guess, 1, found: false)
        #expect(after == Array(repeating: true, count: 13))
    }
}

extension LoopbackTests {
    /// Connections whose first read is skipped (after silent clients made the server guess
    /// that requests come late) wait in epoll and are answered like the others.
    @Suite struct SkippedEarlyReadTests {
        /// Two connected clients that say nothing yet: each accepted connection's first read
        /// finds nothing, so the next connections skip it.
        private func silentPair(_ port: UInt16) throws -> [LoopbackPeer] {
            try (0..<2).map { _ in try #require(LoopbackPeer(connectingTo: port)) }
        }

        @Test func tcpClientsAreAnsweredWhenTheirFirstReadIsSkipped() throws {
            let server = TCPServer(events: .discard, oneMessage: true)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            for round in 0..<3 {
                let silent = try silentPair(port)
                for index in 0..<10 {
                    let peer = try #require(LoopbackPeer(connectingTo: port))
                    peer.setReceiveTimeout(seconds: 10)
                    peer.send("round \(round) client \(index)")
                    // Required: a connection never answered fails the test at its first timeout.
                    try #require(peer.receive(max: 256).map { String(decoding: $0, as: UTF8.self) } == "ROUND \(round) CLIENT \(index)")
                }
                for (index, peer) in silent.enumerated() {
                    peer.setReceiveTimeout(seconds: 10)
                    peer.send("late \(index)")
                    try #require(peer.receive(max: 256).map { String(decoding: $0, as: UTF8.self) } == "LATE \(index)")
                }
            }
        }

        @Test func httpRequestsAreAnsweredWhenTheirFirstReadIsSkipped() throws {
            let server = HTTPServer(events: .discard, configuration: .init(site: .builtIn))
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let request = "GET /HelloWorld.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            for _ in 0..<3 {
                let silent = try silentPair(port)
                for _ in 0..<10 {
                    let peer = try #require(LoopbackPeer(connectingTo: port))
                    peer.send(request)
                    let answer = String(decoding: peer.receiveAll(), as: UTF8.self)
                    try #require(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.contains("<h1>Hello World!</h1>"))
                }
                for peer in silent {
                    peer.send(request)
                    try #require(String(decoding: peer.receiveAll(), as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
                }
            }
        }
    }
}
