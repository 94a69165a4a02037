import CNetLabSys
import Dispatch
import NetLabCore

/// An engine's serial queue and its reactor. The reactor (an epoll descriptor) is made on
/// first use, on the queue, by the call that needs it: a process out of descriptors gets
/// that call's EMFILE as an error (a server that cannot start, an exchange that fails),
/// never a crash when an engine is created.
final class EngineLoop: @unchecked Sendable {
    // @unchecked: `made` is touched only on `queue`.
    let queue: DispatchQueue
    private var made: Reactor?
    /// Makes the epoll descriptor (replaced in tests by one that fails as a full process does).
    private let epollCreate: @Sendable () -> Int32

    init(label: String, epollCreate: @escaping @Sendable () -> Int32 = { netlab_epoll_create() }) {
        queue = DispatchQueue(label: label)
        self.epollCreate = epollCreate
    }

    /// The reactor, made now if this is the first call. On the queue only.
    func reactor() throws(SocketError) -> Reactor {
        assertOn(queue)
        if let made { return made }
        let reactor = try Reactor(queue: queue, epollCreate: epollCreate)
        made = reactor
        return reactor
    }

}

/// Traps in debug builds when called off `queue` (as an event loop's in-loop assertion);
/// free in release builds. Engines, their loops and reactors use it at their entry points.
@inline(__always)
func assertOn(_ queue: DispatchQueue) {
    #if DEBUG
    dispatchPrecondition(condition: .onQueue(queue))
    #endif
}

/// The stopped <-> running lifecycle every server shares (TCP and HTTP through their
/// listener, UDP through its socket): start and stop are synchronous calls from outside the
/// queue, both idempotent, and a server released without `stop()` closes what it ran on its
/// own queue.
final class ServerLifecycle<Running>: @unchecked Sendable {
    // @unchecked: `running` is touched only on the loop's queue.
    let loop: EngineLoop
    private var running: Running?

    init(loop: EngineLoop) {
        self.loop = loop
    }

    convenience init(label: String) {
        self.init(loop: EngineLoop(label: label))
    }

    /// Reads what is running (nil: stopped), on the queue.
    func read<T>(_ body: (Running?) -> T) -> T {
        loop.queue.sync { body(running) }
    }

    /// Starts with `open` unless already running; returns what runs. `open` runs on the queue.
    func start(_ open: (Reactor) throws(SocketError) -> Running) throws(SocketError) -> Running {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let result: Result<Running, SocketError> = loop.queue.sync {
            if let running { return .success(running) }
            do throws(SocketError) {
                let started = try open(try loop.reactor())
                running = started
                return .success(started)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Stops what runs with `close` (on the queue), and returns once it has entered and left
    /// the group it is given for everything it closes.
    func stop(_ close: (Running, DispatchGroup) -> Void) {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let done = DispatchGroup()
        loop.queue.sync {
            guard let stopping = running else { return }
            running = nil
            close(stopping, done)
        }
        done.wait()
    }

    /// For the owner's deinit: closes what runs on the queue, later, without waiting.
    func abandon(_ close: @escaping @Sendable (Running) -> Void) {
        guard let left = running else { return }
        running = nil
        let owned = QueueOwned(value: left)
        loop.queue.async { close(owned.value) }
    }
}
