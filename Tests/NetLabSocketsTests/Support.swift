import Dispatch
import Foundation
import Testing
import NetLabCore
import NetLabSockets

/// Collects an engine's events for inspection.
final class EventRecorder: @unchecked Sendable {
    // @unchecked: `events` is touched only on `queue`.
    let queue = DispatchQueue(label: "test.events")
    private var events: [LabEvent] = []

    var sink: EventSink {
        EventSink(queue: queue) { [self] event in events.append(event) }
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
    for _ in 0..<50 {
        do {
            return try server.start(host: "127.0.0.1", port: UInt16.random(in: 20000...32000)).port
        } catch {
            lastError = error
        }
    }
    throw lastError!
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
