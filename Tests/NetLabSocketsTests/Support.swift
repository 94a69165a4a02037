import Dispatch
import Foundation
import Glibc
import NetLabCore
import NetLabEvents
import NetLabSockets
import TestPorts
import Testing

/// Collects an engine's events for inspection.
final class EventRecorder: @unchecked Sendable {
    // @unchecked: `events` is touched only on `queue`.
    let queue = DispatchQueue(label: "test.events")
    private var events: [LabEvent] = []

    var sink: EventSink {
        EventSink(queue: queue) { [self] event in events.append(event) }
    }

    /// A sink such as a headless server's log uses: inline, with its detail, and a
    /// connection's own events only when asked.
    func inlineSink(detail: EventSink.Detail, connections: Bool) -> EventSink {
        EventSink.inline(detail: detail, connections: connections) { [self] event in queue.sync { events.append(event) } }
    }

    /// Everything recorded so far (everything emitted before this call is included).
    var all: [LabEvent] { queue.sync { events } }

    var kinds: [LabEvent.Kind] { all.map(\.kind) }

    func bytes(received: Bool) -> [UInt8] {
        all.flatMap { event -> [UInt8] in
            switch event.kind {
            case .received(let bytes, _, _) where received: bytes
            case .sent(let bytes, _, _) where !received: bytes
            default: []
            }
        }
    }
}

/// Every loopback test of the engines runs one at a time, so that `SocketCount.open` (the
/// sockets the engines hold in this process) counts only the test at hand; no other test
/// target runs engines in-process.
@Suite(.serialized) struct LoopbackTests {}

/// A loopback port where nothing listens: bound by a server that is then stopped.
func closedPort(host: String = "127.0.0.1") throws -> UInt16 {
    let server = TCPServer(events: .discard)
    let port = try server.start(host: host, port: 0).port
    server.stop()
    return port
}

/// Starts `server` on a test-chosen port below the ephemeral range (32768 and up on Linux),
/// so that restarting on the same port cannot collide with some other test's client socket.
func startOnFixedPort(_ server: any ServerEngine) throws -> UInt16 {
    var lastError: SocketError?
    let port = TestPorts.take(in: 20000...23999) { port in
        do throws(SocketError) {
            _ = try server.start(host: "127.0.0.1", port: port)
            return true
        } catch {
            lastError = error
            return false
        }
    }
    guard let port else { throw lastError ?? .errno(.bind, EADDRINUSE) }
    return port
}

/// Starts `server` again on `port` right after a stop. Other tests in this process spawn
/// programs; a child between fork and exec briefly holds a copy of every descriptor, the
/// just-closed socket included, so the port can be busy for a moment. Retries for at most a
/// second, on EADDRINUSE only.
func restart(_ server: any ServerEngine, port: UInt16) throws -> UInt16 {
    var lastError = SocketError.errno(.bind, EADDRINUSE)
    for _ in 0..<50 {
        let result: Result<Endpoint, SocketError>
        do {
            result = .success(try server.start(host: "127.0.0.1", port: port))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let endpoint): return endpoint.port
        case .failure(let error):
            guard error.errnoValue == EADDRINUSE else { throw error }
            lastError = error
            usleep(20_000)
        }
    }
    throw lastError
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// The body after an HTTP response's first head.
func body(_ bytes: [UInt8]) -> [UInt8] {
    let marker: [UInt8] = [13, 10, 13, 10]
    guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == marker }) else { return [] }
    return Array(bytes[(end + 4)...])
}
