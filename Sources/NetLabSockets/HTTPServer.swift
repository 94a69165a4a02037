import Dispatch
import NetLabCore
import NetLabEvents

/// The lab's web server, done right: static files over HTTP/1.0 and 1.1 with keep-alive,
/// pipelining, the right status for every bad request, and nothing served from outside the root.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var site: HTTPSite
        public var limits = HTTPRequestParser.Limits()
        /// Seconds from a request's first byte to the end of its head.
        public var headerTimeout = 10.0
        /// Seconds a keep-alive connection may sit without a request (or a reader without reading).
        public var idleTimeout = Configuration.defaultIdleTimeout
        public static let defaultIdleTimeout = 30.0
        public var maxConnections = 1024
        /// Answer with `Connection: close` every time (the lab's one-request server).
        public var closeAfterEachResponse = false
        /// A folder without index.html gets a generated listing instead of 403.
        public var listDirectories = false

        public init(site: HTTPSite = .builtIn) {
            self.site = site
        }
    }

    public let configuration: Configuration
    private let server: StreamServer
    private let cache: QueueBound<HTTPFileCache>

    public init(events: EventSink, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let loop = EngineLoop(label: StreamServer.label(.http))
        let cache = QueueBound(HTTPFileCache(), on: loop.queue)
        self.cache = cache
        let lookup = HTTPSiteLookup(configuration: configuration, cache: cache, queue: loop.queue)
        server = StreamServer(
            engine: .http, sink: events, maxConnections: configuration.maxConnections,
            sweepInterval: min(0.25, configuration.headerTimeout / 4, configuration.idleTimeout / 4),
            noDelay: true, loop: loop
        ) { fd, reactor, peer, local, busy in
            HTTPServerConnection(
                fd: fd, reactor: reactor, peer: peer, local: local, sink: events, configuration: configuration, lookup: lookup,
                busy: busy)
        }
    }

    /// The bound address while listening.
    public var localEndpoint: Endpoint? { server.localEndpoint }

    /// Number of open client connections (not counting ones being turned away).
    public var connectionCount: Int { server.connectionCount }

    /// Binds and listens; returns the bound address. Reports `listening` or `failed`.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        try server.start(host: host, port: port)
    }

    /// Closes every connection and the listening socket, and lets go of the files kept open;
    /// returns once all are closed.
    public func stop() {
        server.stop()
        cache.queue.sync { cache.value.releaseHeld() }
    }

}

extension HTTPServer: ServerEngine {}
