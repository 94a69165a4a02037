import Dispatch
import NetLabCore
import NetLabEvents

/// A stream server (TCP uppercase, HTTP): a listener in the shared server lifecycle; the two
/// differ only in what serves each connection.
final class StreamServer: Sendable {
    typealias Make = @Sendable (_ fd: Int32, _ reactor: Reactor, _ peer: Endpoint, _ local: Endpoint, _ busy: Bool) -> StreamConnection?

    private let engine: LabEvent.Engine
    private let sink: EventSink
    private let maxConnections: Int
    private let make: Make
    /// Seconds between deadline sweeps of the connections.
    private let sweepInterval: Double
    /// TCP_NODELAY on the listening socket, for every connection (HTTP).
    private let noDelay: Bool
    /// Owns the listening socket and every connection, on its queue.
    private let lifecycle: ServerLifecycle<StreamListener>
    /// Step mode: accept() waits for the room's key (nil: never).
    private let gate: StepGate?

    init(
        engine: LabEvent.Engine, sink: EventSink, maxConnections: Int, sweepInterval: Double = 0.25, noDelay: Bool = false,
        loop: EngineLoop? = nil, gate: StepGate? = nil, make: @escaping Make
    ) {
        self.gate = gate
        self.sweepInterval = sweepInterval
        self.noDelay = noDelay
        self.engine = engine
        self.sink = sink
        self.maxConnections = maxConnections
        self.make = make
        self.lifecycle = ServerLifecycle(loop: loop ?? EngineLoop(label: Self.label(engine)))
    }

    /// The queue's name: `netlab.tcp-server`, `netlab.http-server`.
    static func label(_ engine: LabEvent.Engine) -> String {
        "netlab.\(engine.rawValue.lowercased())-server"
    }

    /// Released without `stop()`: the listener closes its connections and socket on the queue
    /// (it lives until then), so nothing leaks and no timer fires into freed memory.
    deinit {
        lifecycle.abandon { listener in listener.close(entering: DispatchGroup()) }
    }

    var localEndpoint: Endpoint? { lifecycle.read { $0?.local } }

    var connectionCount: Int { lifecycle.read { $0?.connectionCount ?? 0 } }

    func start(host: String?, port: UInt16) throws(SocketError) -> Endpoint {
        let (engine, sink, maxConnections, sweepInterval, noDelay, make, gate) = (
            engine, sink, maxConnections, sweepInterval, noDelay, make, gate
        )
        do throws(SocketError) {
            return try lifecycle.start { reactor throws(SocketError) in
                try StreamListener(
                    host: host, port: port, reactor: reactor, engine: engine, sink: sink,
                    maxConnections: maxConnections, sweepInterval: sweepInterval, noDelay: noDelay, gate: gate, make: make)
            }.local
        } catch {
            // The listener reports its own bind/listen failures; the reactor's is reported here.
            if error.operation == .epollCreate { sink.emit(engine, .server, .failed(error)) }
            throw error
        }
    }

    func stop() {
        lifecycle.stop { listener, done in listener.close(entering: done) }
    }
}
