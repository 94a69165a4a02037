import Foundation
import Glibc
import NetLabCore
import NetLabEvents
import NetLabSockets
import Synchronization
import Testing

extension LoopbackTests {
    @Suite struct UDPEngineTests {
        @Test(arguments: ["127.0.0.1", "::1"])
        func clientAndServerRoundTrip(host: String) async throws {
            let serverEvents = EventRecorder()
            let server = UDPServer(events: serverEvents.sink)
            let local = try server.start(host: host, port: 0)
            let clientEvents = EventRecorder()
            let reply = try await UDPClient(events: clientEvents.sink)
                .send(Array("hello, welcome".utf8), host: host, port: local.port).get()
            server.stop()
            #expect(reply == Array("HELLO, WELCOME".utf8))
            guard case .sent(_, let clientSocket, let to) = clientEvents.kinds.first else {
                Issue.record("first client event: \(clientEvents.kinds)")
                return
            }
            #expect(to == local)
            // An unconnected client socket is bound to the wildcard address; the server sees the
            // address the datagram actually came from, on the same port.
            let clientAddress = Endpoint(host: host, port: clientSocket.port)
            #expect(
                serverEvents.kinds == [
                    .listening(local),
                    .received(bytes: Array("hello, welcome".utf8), from: clientAddress, to: local),
                    .sent(bytes: Array("HELLO, WELCOME".utf8), from: local, to: clientAddress),
                    .stopped(local),
                ])
        }

        /// A log of what came (no `sent` events) is written after the replies have gone:
        /// from the bytes as they came, not the uppercased reply, stamped with when they came.
        @Test func aLogOfWhatCameShowsTheBytesAsTheyCame() async throws {
            let lines = Mutex<[(text: String, time: Date)]>([])
            let sink = EventSink.inline(
                detail: .receives,
                receivedLine: { _, bytes, _, time in
                    lines.withLock { $0.append((String(decoding: bytes, as: UTF8.self), time)) }
                    return true
                }, { _ in })
            let server = UDPServer(events: sink)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            let before = Date()
            let reply = try await UDPClient(events: .discard).send(Array("mixed Case".utf8), host: "127.0.0.1", port: port).get()
            let after = Date()
            server.stop()
            #expect(reply == Array("MIXED CASE".utf8))
            let heard = lines.withLock { $0 }
            #expect(heard.map(\.text) == ["mixed Case"])
            #expect(heard.allSatisfy { $0.time >= before && $0.time <= after })
        }

        @Test func dualStackServerAnswersIPv4AndIPv6() async throws {
            let server = UDPServer(events: .discard)
            let port = try server.start(host: nil, port: 0).port
            defer { server.stop() }
            let client = UDPClient(events: .discard)
            #expect(try await client.send([0x61], host: "127.0.0.1", port: port).get() == [0x41])
            #expect(try await client.send([0x62], host: "::1", port: port).get() == [0x42])
        }

        /// A server on every address reports the address each datagram was sent to (IP_PKTINFO),
        /// never `0.0.0.0` or `::`, and its reply leaves from that address.
        @Test(arguments: ["127.0.0.1", "::1"])
        func serverOnEveryAddressNamesTheRealDestination(host: String) async throws {
            let serverEvents = EventRecorder()
            let server = UDPServer(events: serverEvents.sink)
            let port = try server.start(host: nil, port: 0).port
            let clientEvents = EventRecorder()
            let reply = try await UDPClient(events: clientEvents.sink).send([0x61], host: host, port: port).get()
            server.stop()
            #expect(reply == [0x41])
            let asked = Endpoint(host: host, port: port)
            let addresses = serverEvents.kinds.compactMap { kind -> (Endpoint, Endpoint)? in
                switch kind {
                case .received(_, let from, let to): (from, to)
                case .sent(_, let from, let to): (from, to)
                default: nil
                }
            }
            #expect(addresses.count == 2)
            #expect(addresses.first?.1 == asked, "received: addressed to \(asked)")
            #expect(addresses.last?.0 == asked, "sent: from \(asked)")
            // The client heard the reply from the address it asked.
            #expect(clientEvents.kinds.contains { if case .received(_, let from, _) = $0 { from == asked } else { false } })
        }

        @Test func silentWhenNobodyListens() async throws {
            let port = try closedPort()
            let events = EventRecorder()
            let result = await UDPClient(events: events.sink).send([0x61], host: "127.0.0.1", port: port, timeout: 0.3)
            #expect(result == .failure(.timedOut(engine: .udp, peer: Endpoint(host: "127.0.0.1", port: port), seconds: 0.3)))
            // The datagram did leave: sendto() reported no error.
            guard case .sent(let bytes, _, _) = events.kinds.first else {
                Issue.record("events: \(events.kinds)")
                return
            }
            #expect(bytes == [0x61])
            #expect(events.kinds.last == .timedOut(peer: Endpoint(host: "127.0.0.1", port: port), seconds: 0.3))
        }

        @Test(arguments: ["127.0.0.1", "::1"])
        func connectedSocketHearsTheRefusal(host: String) async throws {
            let port = try closedPort(host: host)
            let result = await UDPClient(events: .discard)
                .send([0x61], host: host, port: port, mode: .connected, timeout: 5)
            guard case .failure(.socket(let error)) = result else {
                Issue.record("expected ECONNREFUSED, got \(result)")
                return
            }
            #expect(error.errnoValue == ECONNREFUSED)
            #expect(error.description.contains("ICMP port unreachable"))
        }

        @Test(arguments: [("127.0.0.1", 65507), ("::1", 65527)])
        func largestDatagram(host: String, size: Int) async throws {
            let server = UDPServer(events: .discard)
            let port = try server.start(host: host, port: 0).port
            defer { server.stop() }
            let message = randomBytes(size)
            let reply = try await UDPClient(events: .discard).send(message, host: host, port: port).get()
            #expect(reply == Uppercase.apply(message))
        }

        @Test func oversizeDatagramIsExplained() async throws {
            let result = await UDPClient(events: .discard).send(randomBytes(65508), host: "127.0.0.1", port: 9)
            guard case .failure(.socket(let error)) = result else {
                Issue.record("expected EMSGSIZE, got \(result)")
                return
            }
            #expect(error.errnoValue == EMSGSIZE)
            #expect(error.explanation.contains("65507"))
        }

        @Test func addressInUse() throws {
            let first = UDPServer(events: .discard)
            let port = try first.start(host: "127.0.0.1", port: 0).port
            defer { first.stop() }
            #expect {
                try UDPServer(events: .discard).start(host: "127.0.0.1", port: port)
            } throws: { error in
                (error as? SocketError)?.errnoValue == EADDRINUSE
            }
        }

        @Test func startStopStartManyTimesWithoutLeakingDescriptors() async throws {
            let server = UDPServer(events: .discard)
            let client = UDPClient(events: .discard)
            var port = try startOnFixedPort(server)
            server.stop()
            let before = SocketCount.open
            for _ in 0..<100 {
                port = try restart(server, port: port)
                #expect(try await client.send([0x7A], host: "127.0.0.1", port: port).get() == [0x5A])
                server.stop()
            }
            #expect(SocketCount.open == before, "sockets held by the engines")
        }
    }
}
