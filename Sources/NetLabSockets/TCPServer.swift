import Dispatch
import Foundation
import Glibc
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
        case listening(Listener)
    }

    private final class Listener {
        let handle: SocketHandle
        let local: Endpoint
        var connections: [ObjectIdentifier: TCPServerConnection] = [:]
        init(handle: SocketHandle, local: Endpoint) {
            self.handle = handle
            self.local = local
        }
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
            if case .listening(let listener) = state { return listener.connections.count }
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
                let (fd, local) = try ServerSocket.open(host: host, port: port, type: .stream)
                let listener = Listener(handle: SocketHandle(fd: fd, queue: queue), local: local)
                listener.handle.onReadable { [unowned self, unowned listener] in acceptAll(listener) }
                state = .listening(listener)
                sink.emit(.tcp, .server, .listening(local))
                return .success(local)
            } catch {
                sink.emit(.tcp, .server, .failed(error))
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
            for connection in listener.connections.values {
                done.enter()
                connection.close { done.leave() }
            }
            listener.connections.removeAll()
            done.enter()
            listener.handle.close { [sink] in
                sink.emit(.tcp, .server, .stopped(listener.local))
                done.leave()
            }
        }
        done.wait()
    }

    private func acceptAll(_ listener: Listener) {
        // Accept until EAGAIN: one readiness event may stand for many pending connections.
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd: Int32?
            do throws(SocketError) {
                fd = try Syscall.nonBlocking("accept", endpoint: listener.local) {
                    withUnsafeMutablePointer(to: &storage) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            accept(listener.handle.fd, $0, &length)
                        }
                    }
                }
            } catch {
                // ECONNABORTED and friends concern one client; EMFILE needs the user to know.
                sink.emit(.tcp, .server, .failed(error))
                if error.errnoValue == EMFILE || error.errnoValue == ENFILE { return }
                continue
            }
            guard let fd else { return }
            Syscall.adoptAccepted(fd)
            let peer = SocketAddress(storage: storage, length: length).endpoint
            if listener.connections.count >= maxConnections {
                Syscall.close(fd)
                sink.emit(.tcp, .server, .rejected(peer: peer, reason: "limit of \(maxConnections) connections reached"))
                continue
            }
            let local = SocketAddress.local(of: fd)?.endpoint ?? listener.local
            let connection = TCPServerConnection(
                handle: SocketHandle(fd: fd, queue: queue), peer: peer, local: local, sink: sink)
            let id = ObjectIdentifier(connection)
            listener.connections[id] = connection
            sink.emit(.tcp, .server, .accepted(peer: peer))
            connection.begin { [weak listener] in listener?.connections[id] = nil }
        }
    }
}
