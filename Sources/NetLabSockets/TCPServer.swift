import NetLabCore
import NetLabEvents

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

    /// `oneMessage`: answer the first read and close, as the lab's TCPServer.py does (one
    /// `recv(1024)`, reply, close). The server then closes first, so TIME_WAIT stays on the
    /// server's side instead of filling the client's ephemeral ports under load.
    public init(
        events: EventSink, maxConnections: Int = 1024, oneMessage: Bool = false,
        idleTimeout: Double = TCPServer.defaultIdleTimeout, gate: StepGate? = nil
    ) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        let sweepInterval = idleTimeout > 0 ? min(1, idleTimeout / 4) : 1
        server = StreamServer(engine: .tcp, sink: events, maxConnections: maxConnections, sweepInterval: sweepInterval, gate: gate) {
            handle, peer, local, busy in
            busy
                ? nil
                : TCPServerConnection(
                    handle: handle, peer: peer, local: local, sink: events, oneMessage: oneMessage,
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
