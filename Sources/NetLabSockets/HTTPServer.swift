import Dispatch
import NetLabCore

/// The lab's web server, done right: static files over HTTP/1.0 and 1.1 with keep-alive,
/// pipelining, the right status for every bad request, and nothing served from outside the root.
public final class HTTPServer: @unchecked Sendable {
    // @unchecked: `state` and everything reachable from it are touched only on `queue`.
    public struct Configuration: Sendable {
        public var site: HTTPSite
        public var limits = HTTPRequestParser.Limits()
        /// Seconds from a request's first byte to the end of its head.
        public var headerTimeout = 10.0
        /// Seconds a keep-alive connection may sit without a request (or a reader without reading).
        public var idleTimeout = 30.0
        public var maxConnections = 1024
        /// Answer with `Connection: close` every time (the lab's one-request server).
        public var closeAfterEachResponse = false

        public init(site: HTTPSite = .builtIn) {
            self.site = site
        }
    }

    private enum State {
        case stopped
        case listening(StreamListener)
    }

    public let configuration: Configuration
    private let sink: EventSink
    /// Serial queue owning the listening socket and every connection.
    private let queue = DispatchQueue(label: "netlab.http-server")
    private var state = State.stopped

    public init(events: EventSink, configuration: Configuration = Configuration()) {
        self.sink = events
        self.configuration = configuration
    }

    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let result: Result<Endpoint, SocketError> = queue.sync {
            if case .listening(let listener) = state { return .success(listener.local) }
            do throws(SocketError) {
                let listener = try StreamListener(
                    host: host, port: port, queue: queue, engine: .http, sink: sink,
                    maxConnections: configuration.maxConnections, rejection: Self.busyResponse
                ) { [sink, configuration] handle, peer, local in
                    HTTPServerConnection(handle: handle, peer: peer, local: local, sink: sink, configuration: configuration)
                }
                state = .listening(listener)
                return .success(listener.local)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What a client past the connection limit gets before the connection closes.
    static let busyResponse: [UInt8] = {
        let page = HTTPResponseHead.errorPage(503, detail: "Too many connections; try again in a moment.")
        return HTTPResponseHead(status: 503, fields: [("Content-Type", "text/html; charset=utf-8"),
                                                      ("Content-Length", String(page.count)), ("Connection", "close"),
                                                      ("Retry-After", "1")]).bytes + page
    }()

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

extension HTTPServer: ServerEngine {}
