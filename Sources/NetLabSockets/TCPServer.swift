import NetLabCore
import NetLabEvents
import Synchronization

/// The lab's TCP uppercase server: every byte a client sends comes back uppercased.
///
/// The stream is transformed as it arrives (uppercase is byte-wise), so a client that waits
/// for its reply without closing (the lab's TCPClient) gets it, and so does a message of any
/// size. The connection closes once the client has closed its side and the reply is out.
/// Many clients are served at once. `start()` and `stop()` can be repeated any number of times.
public final class TCPServer: Sendable {
    /// Connections beyond this are accepted and reset at once (the client's recv() fails with
    /// ECONNRESET), with a `rejected` event. Lowered to fit the descriptor limit.
    public let maxConnections: Int
    /// Seconds a connection may send and read nothing before the server closes it (0: never).
    public let idleTimeout: Double
    public static let defaultIdleTimeout = 60.0
    private let server: StreamServer
    /// Whether new connections are answered as the lab's server answers (one recv(1024), the
    /// reply, close): the console's `:tcp-mode lab`.
    private let labMode: LabMode

    /// Shared with the accepting queue (an `Atomic` cannot be captured twice).
    private final class LabMode: Sendable {
        let on: Atomic<Bool>
        init(_ on: Bool) { self.on = Atomic(on) }
    }

    /// The mode for the connections accepted from now on.
    public func setOneMessage(_ on: Bool) { labMode.on.store(on, ordering: .relaxed) }

    /// `oneMessage`: answer one `recv(1024)` and close, as the lab's TCPServer.py does (the
    /// rest of a longer message stays unread, so the close resets the connection). The server then closes first, so TIME_WAIT stays on the
    /// server's side instead of filling the client's ephemeral ports under load.
    public init(
        events: EventSink, maxConnections: Int = 1024, oneMessage: Bool = false,
        idleTimeout: Double = TCPServer.defaultIdleTimeout, gate: StepGate? = nil
    ) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        let sweepInterval = idleTimeout > 0 ? min(1, idleTimeout / 4) : 1
        let labMode = LabMode(oneMessage)
        self.labMode = labMode
        server = StreamServer(engine: .tcp, sink: events, maxConnections: maxConnections, sweepInterval: sweepInterval, gate: gate) {
            [labMode] fd, reactor, peer, local, busy in
            busy
                ? nil
                : TCPServerConnection(
                    fd: fd, reactor: reactor, peer: peer, local: local, sink: events, oneMessage: labMode.on.load(ordering: .relaxed),
                    idleTimeout: idleTimeout)
        }
    }

    /// The bound address while listening.
    public var localEndpoint: Endpoint? { server.localEndpoint }

    /// Number of open client connections.
    public var connectionCount: Int { server.connectionCount }

    /// Binds and listens; returns the bound address (useful with port 0). If already
    /// listening, returns the current address. Reports `listening` or `failed`.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        try server.start(host: host, port: port)
    }

    /// Closes every connection and the listening socket; returns once all are closed.
    public func stop() { server.stop() }
}
