import Dispatch
import NetLabCore

/// The lab's TCP uppercase server: every byte a client sends comes back uppercased.
///
/// The stream is transformed as it arrives (uppercase is byte-wise), so a client that waits
/// for its reply without closing (the lab's TCPClient) gets it, and so does a message of any
/// size. The connection closes once the client has closed its side and the reply is out.
/// Many clients are served at once. `start()` and `stop()` can be repeated any number of times.
public final class TCPServer: @unchecked Sendable {
    // @unchecked: `state` and everything reachable from it are touched only on `queue`.
    private enum State {
        case stopped
        case listening(StreamListener)
    }

    /// Connections beyond this are accepted and closed at once, with a `rejected` event.
    public let maxConnections: Int
    private let sink: EventSink
    /// Serial queue owning the listening socket and every connection.
    private let queue = DispatchQueue(label: "netlab.tcp-server")
    private var state = State.stopped

    public init(events: EventSink, maxConnections: Int = 1024) {
        self.sink = events
        self.maxConnections = maxConnections
    }

    /// The bound address while listening.
    public var localEndpoint: Endpoint? {
        queue.sync {
            if case .listening(let listener) = state { return listener.local }
            return nil
        }
    }

    /// Number of open client connections.
    public var connectionCount: Int {
        queue.sync {
            if case .listening(let listener) = state { return listener.connectionCount }
            return 0
        }
    }

    /// Binds and listens; returns the bound address (useful with port 0). If already
    /// listening, returns the current address. Reports `listening` or `failed`.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let result: Result<Endpoint, SocketError> = queue.sync {
            if case .listening(let listener) = state { return .success(listener.local) }
            do throws(SocketError) {
                let listener = try StreamListener(
                    host: host, port: port, queue: queue, engine: .tcp, sink: sink, maxConnections: maxConnections
                ) { [sink] handle, peer, local in
                    TCPServerConnection(handle: handle, peer: peer, local: local, sink: sink)
                }
                state = .listening(listener)
                return .success(listener.local)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Closes every connection and the listening socket; returns once all are closed.
    public func stop() {
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
