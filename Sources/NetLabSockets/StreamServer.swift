import Dispatch
import NetLabCore

/// The lifecycle of a stream server (stopped <-> listening), shared by the TCP uppercase
/// server and the HTTP server, which differ only in what serves each connection.
final class StreamServer: @unchecked Sendable {
    // @unchecked: `state` and everything reachable from it are touched only on `queue`.
    private enum State {
        case stopped
        case listening(StreamListener)
    }

    typealias Make = @Sendable (_ handle: SocketHandle, _ peer: Endpoint, _ local: Endpoint, _ busy: Bool) -> StreamConnection?

    private let engine: LabEvent.Engine
    private let sink: EventSink
    private let maxConnections: Int
    private let make: Make
    /// Seconds between deadline sweeps of the connections.
    private let tick: Double
    /// Serial queue owning the listening socket and every connection.
    private let queue: DispatchQueue
    private let reactor: Reactor
    private var state = State.stopped

    init(engine: LabEvent.Engine, sink: EventSink, maxConnections: Int, tick: Double = 0.25, make: @escaping Make) {
        self.tick = tick
        self.engine = engine
        self.sink = sink
        self.maxConnections = maxConnections
        self.make = make
        self.queue = DispatchQueue(label: "netlab.\(engine.rawValue.lowercased())-server")
        self.reactor = Reactor(queue: queue)
    }

    /// Released without `stop()`: the listener closes its connections and socket on the queue
    /// (it lives until then), so nothing leaks and no timer fires into freed memory.
    deinit {
        if case .listening(let listener) = state {
            let owned = QueueOwned(value: listener)
            queue.async { owned.value.close(entering: DispatchGroup()) }
        }
    }

    var localEndpoint: Endpoint? {
        queue.sync {
            if case .listening(let listener) = state { return listener.local }
            return nil
        }
    }

    var connectionCount: Int {
        queue.sync {
            if case .listening(let listener) = state { return listener.connectionCount }
            return 0
        }
    }

    func start(host: String?, port: UInt16) throws(SocketError) -> Endpoint {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let result: Result<Endpoint, SocketError> = queue.sync {
            if case .listening(let listener) = state { return .success(listener.local) }
            do throws(SocketError) {
                let listener = try StreamListener(
                    host: host, port: port, reactor: reactor, engine: engine, sink: sink, maxConnections: maxConnections,
                    tick: tick, make: make)
                state = .listening(listener)
                return .success(listener.local)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func stop() {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let done = DispatchGroup()
        queue.sync {
            guard case .listening(let listener) = state else { return }
            state = .stopped
            listener.close(entering: done)
        }
        done.wait()
    }
}
