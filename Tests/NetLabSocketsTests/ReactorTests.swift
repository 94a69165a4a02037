import Dispatch
import Glibc
import Testing

@testable import NetLabSockets

@Suite struct ReactorTests {
    /// What the handlers saw, on the reactor's queue only.
    private final class Seen {
        var handles: [SocketHandle] = []
        var fresh: SocketHandle?
        var swapped = false
        var lateCalls = 0
    }

    /// An event epoll reported for a socket that an earlier handler of the same batch closed is
    /// dropped, also when the socket's descriptor number already belongs to a new socket: the
    /// reactor finds sockets by number, and an event's id carries the registration's serial
    /// number besides (looked up by the number alone, the new socket's handler runs: tried).
    @Test func aLateEventDoesNotReachTheSocketThatReusedItsNumber() throws {
        let loop = EngineLoop(label: "test.reactor-reuse")
        let listener = LoopbackPeer(listening: ())
        var clients: [LoopbackPeer] = []
        var descriptors: [Int32] = []
        for _ in 0..<2 {
            let client = try #require(LoopbackPeer(connectingTo: listener.port))
            #expect(client.send("x") == 1)
            clients.append(client)
            descriptors.append(listener.accept().handOver())
        }
        let spare = try #require(LoopbackPeer(connectingTo: listener.port))
        let seen = Seen()
        // Both sockets have a byte waiting when they join the epoll set, in one block of the
        // queue: the reactor's next epoll_wait reports both, and whichever handler runs first
        // closes the other socket and gives its number to a new one (which has nothing to read).
        try loop.queue.sync {
            let reactor = try loop.reactor()
            seen.handles = descriptors.map { SocketHandle(fd: $0, reactor: reactor) }
            for (index, handle) in seen.handles.enumerated() {
                handle.onReadable {
                    handle.pauseReading()
                    guard !seen.swapped else { return }
                    seen.swapped = true
                    let other = seen.handles[1 - index]
                    let number = other.fd
                    other.close()
                    guard spare.duplicate(onto: number) else { return }
                    let fresh = SocketHandle(fd: number, reactor: reactor)
                    fresh.onReadable { seen.lateCalls += 1 }
                    seen.fresh = fresh
                }
            }
        }
        // The handlers run on the queue: asked every millisecond, for 10 s at most.
        let deadline = DispatchTime.now() + 10
        while !loop.queue.sync(execute: { seen.swapped }) && DispatchTime.now() < deadline { usleep(1000) }
        loop.queue.sync {
            #expect(seen.swapped)
            #expect(seen.fresh != nil, "dup2 gave the closed number to a new socket")
            #expect(seen.lateCalls == 0, "the closed socket's event reached the socket that took its number")
            for handle in seen.handles { handle.close() }
            seen.fresh?.close()
        }
        _ = clients
    }
}
