import CNetLabSys
import Dispatch
import NetLabCore
import NetLabEvents

/// An engine's serial queue and its reactor. The reactor (an epoll descriptor) is made on
/// first use, on the queue, by the call that needs it: a process out of descriptors gets
/// that call's EMFILE as an error (a server that cannot start, an exchange that fails),
/// never a crash when an engine is created.
final class EngineLoop: Sendable {
    let queue: DispatchQueue
    private let made: QueueBound<Reactor?>
    /// Makes the epoll descriptor (replaced in tests by one that fails as a full process does).
    private let epollCreate: @Sendable () -> Int32

    init(label: String, epollCreate: @escaping @Sendable () -> Int32 = { netlab_epoll_create() }) {
        queue = DispatchQueue(label: label)
        made = QueueBound(nil, on: queue)
        self.epollCreate = epollCreate
    }

    /// The reactor, made now if this is the first call. On the queue only.
    func reactor() throws(SocketError) -> Reactor {
        if let reactor = made.value { return reactor }
        let reactor = try Reactor(queue: queue, epollCreate: epollCreate)
        made.value = reactor
        return reactor
    }

}

/// The stopped <-> running lifecycle every server shares (TCP and HTTP through their
/// listener, UDP through its socket): start and stop are synchronous calls from outside the
/// queue, both idempotent, and a server released without `stop()` closes what it ran on its
/// own queue.
final class ServerLifecycle<Running>: Sendable {
    let loop: EngineLoop
    private let running: QueueBound<Running?>

    init(loop: EngineLoop) {
        self.loop = loop
        running = QueueBound(nil, on: loop.queue)
    }

    convenience init(label: String) {
        self.init(loop: EngineLoop(label: label))
    }

    /// Reads what is running (nil: stopped), on the queue.
    func read<T>(_ body: (Running?) -> T) -> T {
        loop.queue.sync { body(running.value) }
    }

    /// Starts with `open` unless already running; returns what runs. `open` runs on the queue.
    func start(_ open: (Reactor) throws(SocketError) -> Running) throws(SocketError) -> Running {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let result: Result<Running, SocketError> = loop.queue.sync {
            if let running = running.value { return .success(running) }
            do throws(SocketError) {
                let started = try open(try loop.reactor())
                running.value = started
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
            guard let stopping = running.value else { return }
            running.value = nil
            close(stopping, done)
        }
        done.wait()
    }

    /// For the owner's deinit: closes what runs, on the queue, later, without waiting.
    func abandon(_ close: @escaping @Sendable (Running) -> Void) {
        loop.queue.async { [running] in
            guard let left = running.value else { return }
            running.value = nil
            close(left)
        }
    }
}
