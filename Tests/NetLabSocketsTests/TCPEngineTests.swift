import Glibc
import NetLabCore
import NetLabSockets
import Testing

extension LoopbackTests {
    @Suite struct TCPEngineTests {
        @Test(arguments: ["127.0.0.1", "::1", "localhost"])
        func clientAndServerRoundTrip(host: String) async throws {
            let serverEvents = EventRecorder()
            let server = TCPServer(events: serverEvents.sink)
            let port = try server.start(host: host == "localhost" ? nil : host, port: 0).port
            defer { server.stop() }
            let client = TCPClient(events: EventRecorder().sink)
            let reply = try await client.send(Array("hello, welcome to lab".utf8), host: host, port: port).get()
            #expect(reply == Array("HELLO, WELCOME TO LAB".utf8))
        }

        @Test func eventsTellTheWholeStory() async throws {
            let serverEvents = EventRecorder()
            let clientEvents = EventRecorder()
            let server = TCPServer(events: serverEvents.sink)
            let local = try server.start(host: "127.0.0.1", port: 0)
            let client = TCPClient(events: clientEvents.sink)
            _ = try await withCheckedThrowingContinuation { continuation in
                client.send(Array("abc".utf8), host: "127.0.0.1", port: local.port, exchange: 7) { continuation.resume(with: $0) }
            }
            server.stop()

            let allClientKinds = clientEvents.kinds
            #expect(clientEvents.all.allSatisfy { $0.exchange == 7 }, "every event of the exchange carries its id")
            // The connect() call first (stamped before the call), then its completion; the call
            // names the address the kernel gave the socket, the connection's own.
            let clientKinds = Array(allClientKinds.dropFirst())
            guard case .connected(let clientAddress, let peer) = clientKinds.first else {
                Issue.record("second client event: \(String(describing: clientKinds.first))")
                return
            }
            #expect(allClientKinds.first == .connecting(peer: local, local: clientAddress))
            #expect(peer == local)
            #expect(clientKinds.dropFirst().first == .sent(bytes: Array("abc".utf8), from: clientAddress, to: local))
            #expect(clientKinds.contains(.received(bytes: Array("ABC".utf8), from: local, to: clientAddress)))
            // The half-close after the message, then close(): each stamped before its call.
            #expect(clientKinds.firstIndex(of: .shutdown(peer: local)) == 2)
            #expect(clientKinds.last == .closed(peer: local))

            #expect(
                serverEvents.kinds == [
                    .listening(local),
                    .accepted(peer: clientAddress),
                    .received(bytes: Array("abc".utf8), from: clientAddress, to: local),
                    .sent(bytes: Array("ABC".utf8), from: local, to: clientAddress),
                    // The client half-closed first (its FIN came before the server's): it holds
                    // TIME_WAIT, as `ss -tan state time-wait` shows after such an exchange.
                    .closed(peer: clientAddress, peerClosedFirst: true),
                    .stopped(local),
                ])
        }

        /// A server's log without --verbose prints what came in, never a connection's opening or
        /// closing: those events are not made (nor the getsockopt a closed event asks for, nor
        /// a getsockname on a listener bound to one address, whose connections all have its).
        @Test(arguments: ["127.0.0.1", "0.0.0.0"])
        func aLogWithoutConnectionEvents(host: String) async throws {
            let recorder = EventRecorder()
            let server = TCPServer(events: recorder.inlineSink(detail: .receives, connections: false))
            let local = try server.start(host: host, port: 0)
            let client = TCPClient(events: EventRecorder().sink)
            let reply = try await client.send(Array("abc".utf8), host: "127.0.0.1", port: local.port).get()
            #expect(reply == Array("ABC".utf8))
            server.stop()
            let kinds = recorder.kinds
            #expect(kinds.count == 3, "\(kinds)")
            #expect(kinds.first == .listening(local))
            #expect(kinds.last == .stopped(local))
            guard case .received(let bytes, let from, let to) = kinds.dropFirst().first else {
                Issue.record("no received event: \(kinds)")
                return
            }
            #expect(bytes == Array("abc".utf8))
            #expect(from.host == "127.0.0.1" && from.port != local.port)
            // On the wildcard address the connection's own address is asked for (127.0.0.1).
            #expect(to == Endpoint(host: "127.0.0.1", port: local.port))
        }

        @Test func oneMebibyteMessage() async throws {
            let serverEvents = EventRecorder()
            let server = TCPServer(events: serverEvents.sink)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let message = randomBytes(1 << 20)
            let client = TCPClient(events: .discard)
            let reply = try await client.send(message, host: "127.0.0.1", port: port, timeout: 30).get()
            #expect(reply.count == message.count)
            #expect(reply == Uppercase.apply(message))
            // The events hold every byte that crossed the server's socket.
            #expect(serverEvents.bytes(received: true) == message)
            #expect(serverEvents.bytes(received: false) == reply)
        }

        @Test func manyClientsAtOnce() async throws {
            let server = TCPServer(events: .discard)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let client = TCPClient(events: .discard)
            let replies = await withTaskGroup(of: (Int, Result<[UInt8], ClientFailure>).self) { group in
                for i in 0..<100 {
                    group.addTask { (i, await client.send(Array("client \(i) says hi".utf8), host: "127.0.0.1", port: port)) }
                }
                var all: [Int: Result<[UInt8], ClientFailure>] = [:]
                for await (i, result) in group { all[i] = result }
                return all
            }
            #expect(replies.count == 100)
            for (i, result) in replies {
                #expect(try result.get() == Array("CLIENT \(i) SAYS HI".utf8))
            }
        }

        @Test func connectionRefusedWhenNothingListens() async throws {
            let port = try closedPort()
            let events = EventRecorder()
            let result = await TCPClient(events: events.sink).send([0x61], host: "127.0.0.1", port: port)
            guard case .failure(.socket(let error)) = result else {
                Issue.record("expected a socket error, got \(result)")
                return
            }
            #expect(error.errnoValue == ECONNREFUSED)
            #expect(error.operation == .connect)
            #expect(error.description.hasSuffix("nothing is listening on 127.0.0.1:\(port)"))
            #expect(events.kinds.count == 2 && events.kinds.last == .failed(error))
            guard case .connecting(let peer, let from?) = events.kinds.first else {
                Issue.record("first event: \(String(describing: events.kinds.first))")
                return
            }
            // The SYN's own flow: the port the kernel gave the socket, from which it was refused.
            #expect(peer == Endpoint(host: "127.0.0.1", port: port) && from.host == "127.0.0.1" && from.port != 0)
        }

        @Test func unknownHostIsAResolverError() async {
            let result = await TCPClient(events: .discard).send([0x61], host: "no-such-host.invalid", port: 12000)
            guard case .failure(.socket(let error)) = result, case .resolver = error.code else {
                Issue.record("expected a resolver error, got \(result)")
                return
            }
            #expect(error.description.contains("no-such-host.invalid"))
        }

        @Test func addressInUse() throws {
            let first = TCPServer(events: .discard)
            let port = try first.start(host: "127.0.0.1", port: 0).port
            defer { first.stop() }
            let events = EventRecorder()
            let second = TCPServer(events: events.sink)
            #expect {
                try second.start(host: "127.0.0.1", port: port)
            } throws: { error in
                (error as? SocketError)?.errnoValue == EADDRINUSE
                    && (error as? SocketError)?.operation == .bind
                    && "\(error)".contains("port \(port)")
            }
            #expect(events.kinds.count == 1)
        }

        @Test func stopClosesOpenConnections() async throws {
            let server = TCPServer(events: .discard)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            let clientEvents = EventRecorder()
            // A client that never finishes sending keeps its connection open: send, then stop the server.
            let client = TCPClient(events: clientEvents.sink)
            async let result = client.send(Array(repeating: 0x61, count: 10), host: "127.0.0.1", port: port, timeout: 10)
            // Wait until the server has the connection (bounded).
            for _ in 0..<2000 where server.connectionCount == 0 { await Task.yield() }
            server.stop()
            #expect(server.connectionCount == 0)
            _ = await result
            #expect(server.localEndpoint == nil)
        }

        @Test func startStopStartManyTimesWithoutLeakingDescriptors() async throws {
            let server = TCPServer(events: .discard)
            let client = TCPClient(events: .discard)
            var port = try startOnFixedPort(server)
            _ = try await client.send([0x61], host: "127.0.0.1", port: port).get()
            server.stop()
            let before = SocketCount.open
            for _ in 0..<100 {
                port = try restart(server, port: port)
                #expect(try await client.send([0x62], host: "127.0.0.1", port: port).get() == [0x42])
                server.stop()
            }
            #expect(SocketCount.open == before, "sockets held by the engines")
        }
    }
}
