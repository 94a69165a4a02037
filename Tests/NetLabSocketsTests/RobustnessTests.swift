import Foundation
import Glibc
import NetLabCore
import Testing

@testable import NetLabSockets

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

extension LoopbackTests {
    /// Issue 10: clients that misbehave on purpose must not take a server down or lock others out.
    @Suite struct RobustnessTests {
        /// A server released without `stop()` closes its socket (the port can be bound again) and
        /// no handler or timer of it runs afterwards (its deadline timer fires every 0.25 s: the
        /// test outlives several ticks).
        @Test func serversReleasedWithoutStopCloseTheirSockets() async throws {
            var tcp: TCPServer? = TCPServer(events: .discard)
            var udp: UDPServer? = UDPServer(events: .discard)
            let tcpPort = try tcp!.start(host: "127.0.0.1", port: 0).port
            let udpPort = try udp!.start(host: "127.0.0.1", port: 0).port
            // A client connected while the server goes away.
            _ = await TCPClient(events: .discard).send([0x61], host: "127.0.0.1", port: tcpPort, timeout: 2)
            tcp = nil
            udp = nil
            var freed = false
            for _ in 0..<200 where !freed {
                try await Task.sleep(for: .milliseconds(10))
                let again = (TCPServer(events: .discard), UDPServer(events: .discard))
                if (try? again.0.start(host: "127.0.0.1", port: tcpPort)) != nil, (try? again.1.start(host: "127.0.0.1", port: udpPort)) != nil {
                    freed = true
                }
                again.0.stop()
                again.1.stop()
            }
            #expect(freed, "both ports free again")
            try await Task.sleep(for: .milliseconds(600))  // ticks of the released listener, if any were left
            _ = tcp
            _ = udp
        }

        /// A client pipelines GETs and never reads: the server must stop reading it (the client's
        /// send blocks) instead of queueing responses in memory, keep serving others, and close it
        /// after the idle timeout. Before: 4.2 GB in 8 s.
        @Test func pipeliningClientThatNeverReadsIsHeldBackThenClosed() async throws {
            var configuration = HTTPServer.Configuration(site: .builtIn)
            configuration.idleTimeout = 0.5
            let events = EventRecorder()
            let server = HTTPServer(events: events.sink, configuration: configuration)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let flooder = try #require(LoopbackPeer(connectingTo: port, receiveBuffer: 4096))
            flooder.setNonBlocking()
            let request = Array("GET /HelloWorld.html HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            var batch: [UInt8] = []
            for _ in 0..<1000 { batch += request }
            // Send until the socket is full; bounded: 64 MiB would be 1.5 million requests.
            var sent = 0
            var full = false
            while sent < 64 << 20 {
                let n = flooder.send(batch)
                if n < 0 {
                    if errno == EAGAIN { full = true }
                    break
                }
                sent += n
            }
            #expect(full, "the server kept reading: \(sent) bytes of requests accepted")
            #expect(sent < 16 << 20)
            // Another client is served meanwhile.
            let other = try await TCPClient(events: .discard).send(Array("GET / HTTP/1.0\r\n\r\n".utf8), host: "127.0.0.1", port: port).get()
            #expect(text(other).hasPrefix("HTTP/1.1 200 OK"))
            // The flooder reads nothing: closed after the idle timeout (0.5 s; waited for up to
            // 10 without reading, which would let the server go on).
            #expect(flooder.waitsForHangUp(milliseconds: 10_000))
            // Its access-log line says why the response stopped short.
            server.stop()
            #expect(events.kinds.contains { if case .served(_, _, _, _, _, "the client read nothing for 0.5 s") = $0 { true } else { false } })
        }

        /// Idle and vanished clients cannot lock a TCP server out: past the limit new clients are
        /// reset (an error, never an empty reply), and once the idle ones time out they are served.
        @Test func idleClientsTimeOutAndTurnedAwayClientsHearAReset() async throws {
            let events = EventRecorder()
            let server = TCPServer(events: events.sink, maxConnections: 4, idleTimeout: 0.5)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let idle = (0..<4).compactMap { _ in LoopbackPeer(connectingTo: port) }
            // Wait (bounded) until the server holds all four.
            for _ in 0..<1000 where server.connectionCount < 4 { try await Task.sleep(nanoseconds: 1_000_000) }
            #expect(server.connectionCount == 4)
            let turnedAway = await TCPClient(events: .discard).send(Array("hello".utf8), host: "127.0.0.1", port: port)
            switch turnedAway {
            case .failure(.socket(let error)):
                #expect(error.errnoValue == ECONNRESET || error.errnoValue == EPIPE, "\(error)")
            default:
                Issue.record("a turned-away client must fail, got \(turnedAway)")
            }
            #expect(events.kinds.contains { if case .rejected(_, let reason) = $0 { reason.contains("(connection reset)") } else { false } })
            // The idle four are closed after 0.5 s; then a client is served (waited for up to 10 s).
            for peer in idle { #expect(peer.readsToTheEnd(seconds: 10)) }
            let served = await TCPClient(events: .discard).send(Array("hello".utf8), host: "127.0.0.1", port: port)
            #expect(served == .success(Array("HELLO".utf8)))
            #expect(events.kinds.filter { if case .idleClosed(_, 0.5) = $0 { true } else { false } }.count == 4)
        }

        /// Past the HTTP limit the 503 comes after the request is read, so it is not destroyed by
        /// a reset: every turned-away request gets it.
        @Test func busyHTTPServerAnswers503EveryTime() async throws {
            var configuration = HTTPServer.Configuration(site: .builtIn)
            configuration.maxConnections = 1
            let server = HTTPServer(events: .discard, configuration: configuration)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let holder = try #require(LoopbackPeer(connectingTo: port))
            for _ in 0..<1000 where server.connectionCount < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
            for _ in 0..<20 {
                let reply = try await TCPClient(events: .discard).send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), host: "127.0.0.1", port: port)
                    .get()
                #expect(text(reply).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
                #expect(text(reply).contains("Retry-After: 1\r\n"))
            }
            // The held connection must outlive the requests (unused, it could be released early).
            withExtendedLifetime(holder) {}
        }

        /// A response the client walks away from still gets its access-log line, marked unfinished.
        @Test func abortedResponseIsLogged() async throws {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-abort-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            try Data(count: 8 << 20).write(to: root.appendingPathComponent("big.bin"))
            let events = EventRecorder()
            let server = HTTPServer(events: events.sink, configuration: HTTPServer.Configuration(site: try HTTPSite.root(root.path)))
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let peer = try #require(LoopbackPeer(connectingTo: port, receiveBuffer: 4096))
            peer.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(peer.receive(max: 1024)?.isEmpty == false)
            peer.reset()  // mid-response
            var line: LabEvent.Kind?
            for _ in 0..<2000 {
                line = events.kinds.first { if case .served = $0 { true } else { false } }
                if line != nil { break }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
            guard case .served(_, let requestLine, let status, let bytes, _, let unfinished) = line else {
                Issue.record("no access-log line for the aborted response")
                return
            }
            #expect(requestLine == "GET /big.bin HTTP/1.1")
            #expect(status == 200)
            #expect(bytes < 8 << 20)
            #expect(unfinished == "the client closed the connection" || unfinished == "the client reset the connection")
        }

        /// A file rewritten at the same size with its modification time put back is still seen as
        /// changed (its change time moved): no stale bytes from the cache.
        @Test func cacheSeesASameSizeRewriteWithRestoredModificationTime() async throws {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-ctime-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            let page = root.appendingPathComponent("page.txt")
            try "version A\n".write(to: page, atomically: false, encoding: .utf8)
            var info = stat()
            stat(page.path, &info)
            let server = HTTPServer(events: .discard, configuration: HTTPServer.Configuration(site: try HTTPSite.root(root.path)))
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            for _ in 0..<2 {
                let reply = try await TCPClient(events: .discard).send(Array("GET /page.txt HTTP/1.0\r\n\r\n".utf8), host: "127.0.0.1", port: port)
                    .get()
                #expect(text(reply).hasSuffix("version A\n"))
            }
            try "version B\n".write(to: page, atomically: false, encoding: .utf8)
            var times = [info.st_atim, info.st_mtim]
            #expect(utimensat(AT_FDCWD, page.path, &times, 0) == 0)
            var after = stat()
            stat(page.path, &after)
            #expect(after.st_mtim.tv_sec == info.st_mtim.tv_sec && after.st_mtim.tv_nsec == info.st_mtim.tv_nsec && after.st_size == info.st_size)
            let reply = try await TCPClient(events: .discard).send(Array("GET /page.txt HTTP/1.0\r\n\r\n".utf8), host: "127.0.0.1", port: port).get()
            #expect(text(reply).hasSuffix("version B\n"))
        }

        /// The HTTP client stops at the end of a response whose server keeps the connection open.
        @Test func httpClientStopsAtContentLength() async throws {
            // A listener that answers one request with a Content-Length and never closes.
            let listener = LoopbackPeer(listening: ())
            let port = listener.port
            let answered = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let connection = listener.accept()
                _ = connection.receive(max: 4096)
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
                answered.signal()
                _ = done.wait(timeout: .now() + 30)  // keeps the connection open
                connection.close()
            }
            defer { done.signal() }
            let result = await TCPClient(events: .discard, engine: .http).send(
                HTTPClientMessage.request(for: "/", host: "127.0.0.1", port: port), host: "127.0.0.1", port: port, timeout: 20)
            #expect(answered.wait(timeout: .now() + 1) == .success)
            #expect(result == .success(Array("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n".utf8)))
        }
    }
}

/// An engine's epoll descriptor is made when it is first needed; a process with no
/// descriptor left gets EMFILE from that call as an error, where it used to trap.
@Suite struct EngineLoopTests {
    static func fullProcess() -> EngineLoop {
        EngineLoop(label: "test.full") {
            errno = EMFILE
            return -1
        }
    }

    @Test func aServerThatCannotMakeItsReactorFailsToStart() {
        let lifecycle = ServerLifecycle<Int>(loop: Self.fullProcess())
        #expect(throws: SocketError.errno(.epollCreate, EMFILE)) { try lifecycle.start { _ in 1 } }
        #expect(lifecycle.read { $0 } == nil)
        let error = SocketError.errno(.epollCreate, EMFILE)
        #expect(
            error.description
                == "epoll_create1() failed: Too many open files (EMFILE, errno 24): the process has run out of file descriptors")
        #expect(error.remedy == .raiseDescriptorLimit)
    }

    @Test func anExchangeThatCannotMakeItsReactorEndsWithTheError() async {
        let recorder = EventRecorder()
        let core = ClientCore(loop: Self.fullProcess(), sink: recorder.sink)
        let result = await withCheckedContinuation { continuation in
            core.run({ _ in preconditionFailure("no exchange without a reactor") }) { continuation.resume(returning: $0) }
        }
        #expect(result == .failure(.socket(.errno(.epollCreate, EMFILE))))
    }

    /// A stopped server lets go of its listener and its reactor: their handlers hold them
    /// strongly (nothing on the hot path is referred to weakly), so the cycles must break when
    /// the server stops (the listening socket's handler, which holds the listener, which holds
    /// its socket, which holds the reactor, is dropped as the socket closes; kept, this fails).
    /// The test alone holds the reactor weakly, after a connection has been served.
    @Test func aStoppedServerLetsGoOfItsReactor() throws {
        var loop: EngineLoop? = EngineLoop(label: "test.released")
        let queue = try #require(loop).queue
        var server: StreamServer? = StreamServer(engine: .tcp, sink: .discard, maxConnections: 8, loop: loop) {
            fd, reactor, peer, local, _ in
            TCPServerConnection(fd: fd, reactor: reactor, peer: peer, local: local, sink: .discard, oneMessage: true, idleTimeout: 5)
        }
        let local = try #require(server).start(host: "127.0.0.1", port: 0)
        weak let reactor = queue.sync { try? loop?.reactor() }
        #expect(reactor != nil)
        let peer = try #require(LoopbackPeer(connectingTo: local.port))
        #expect(peer.send("hello") == 5)
        #expect(peer.receiveAll() == Array("HELLO".utf8))
        server?.stop()
        server = nil
        loop = nil
        // What the queue still runs (a closing connection's last handler) may hold it a moment:
        // the queue is drained, every millisecond for 10 s at most (nothing tells when).
        let deadline = DispatchTime.now() + 10
        while reactor != nil && DispatchTime.now() < deadline {
            queue.sync {}
            usleep(1000)
        }
        #expect(reactor == nil, "the reactor outlived its server")
    }

    @Test func aWorkingLoopMakesOneReactorAndServes() throws {
        let lifecycle = ServerLifecycle<ObjectIdentifier>(label: "test.working")
        let first = try lifecycle.start { ObjectIdentifier($0) }
        let second = try lifecycle.start { _ in preconditionFailure("already running: not started again") }
        #expect(first == second)
        var closed = 0
        lifecycle.stop { _, _ in closed += 1 }
        lifecycle.stop { _, _ in closed += 1 }
        #expect(closed == 1)
    }
}

/// The HTTP server sets TCP_NODELAY once, on its listening socket: Linux copies it to every
/// accepted socket (the fact the server relies on instead of a setsockopt per connection).
@Suite struct ListenerOptionTests {
    @Test func acceptedSocketsInheritNoDelayFromTheListener() throws {
        for noDelay in [true, false] {
            let (fd, local) = try ServerSocket.open(host: "127.0.0.1", port: 0, type: .stream, noDelay: noDelay)
            defer { Syscall.close(fd) }
            let peer = try #require(LoopbackPeer(connectingTo: local.port))
            // The listener is non-blocking: wait until the connection is there.
            let accepted = try #require(LoopbackPeer.accept(from: fd, within: 5000))
            #expect(accepted.noDelay == noDelay)
            withExtendedLifetime(peer) {}
        }
    }
}
