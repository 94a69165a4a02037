import CNetLabSys
import Dispatch
import Glibc
import NetLabCore

/// One accepted connection of a stream server (TCP uppercase, HTTP).
protocol StreamConnection: AnyObject {
    /// Starts serving; `onClose` runs on the queue once the connection is closed (the
    /// listener reports `closed` and forgets the connection there).
    func begin(onClose: @escaping () -> Void)
    /// Closes the connection; `completion` runs after the descriptor is closed.
    func close(completion: (() -> Void)?)
    /// Called every `tick` interval with the uptime in nanoseconds, for deadlines.
    func tick(now: UInt64)
}

extension StreamConnection {
    func tick(now: UInt64) {}
}

/// The listening socket of a stream server and its open connections. Lives on the server's
/// queue; the server owns it while running.
final class StreamListener {
    typealias Make = (_ handle: SocketHandle, _ peer: Endpoint, _ local: Endpoint) -> StreamConnection

    let local: Endpoint
    private let handle: SocketHandle
    private let engine: LabEvent.Engine
    private let sink: EventSink
    private let maxConnections: Int
    private let make: Make
    /// Written (best effort) to a connection refused for the limit, e.g. an HTTP 503.
    private let rejection: [UInt8]?
    private var connections: [ObjectIdentifier: StreamConnection] = [:]
    /// Sweeps the connections' deadlines. One timer for all: a dispatch timer per request
    /// cost a manager-thread wake-up each (17% of the HTTP server's time in a profile).
    private var ticker: DispatchSourceTimer?

    var connectionCount: Int { connections.count }

    /// Binds and listens; reports `listening` or `failed`.
    init(host: String?, port: UInt16, reactor: Reactor, engine: LabEvent.Engine, sink: EventSink,
         maxConnections: Int, rejection: [UInt8]? = nil, tick: Double? = nil, make: @escaping Make) throws(SocketError) {
        let fd: Int32
        do throws(SocketError) {
            (fd, local) = try ServerSocket.open(host: host, port: port, type: .stream)
        } catch {
            sink.emit(engine, .server, .failed(error))
            throw error
        }
        self.handle = SocketHandle(fd: fd, reactor: reactor)
        self.engine = engine
        self.sink = sink
        self.maxConnections = maxConnections
        self.make = make
        self.rejection = rejection
        handle.onReadable { [unowned self] in acceptAll() }
        if let tick {
            let ticker = DispatchSource.makeTimerSource(queue: reactor.queue)
            ticker.schedule(deadline: .now() + tick, repeating: tick, leeway: .milliseconds(Int(tick * 250)))
            ticker.setEventHandler { [unowned self] in
                let now = DispatchTime.now().uptimeNanoseconds
                for connection in connections.values { connection.tick(now: now) }
            }
            ticker.resume()
            self.ticker = ticker
        }
        sink.emit(engine, .server, .listening(local))
    }

    /// Closes every connection, then the listening socket; leaves `group` when all are closed.
    func close(entering group: DispatchGroup) {
        ticker?.cancel()
        ticker = nil
        for connection in connections.values {
            group.enter()
            connection.close { group.leave() }
        }
        connections.removeAll()
        group.enter()
        handle.close { [sink, engine, local] in
            sink.emit(engine, .server, .stopped(local))
            group.leave()
        }
    }

    private func acceptAll() {
        // Accept until EAGAIN: one readiness event may stand for many pending connections.
        while !handle.isClosing {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd: Int32?
            do throws(SocketError) {
                fd = try Syscall.nonBlocking("accept", endpoint: local) {
                    withUnsafeMutablePointer(to: &storage) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { netlab_accept_nonblocking(handle.fd, $0, &length) }
                    }
                }
            } catch {
                // ECONNABORTED and friends concern one client; EMFILE needs the user to know.
                sink.emit(engine, .server, .failed(error))
                if error.errnoValue == EMFILE || error.errnoValue == ENFILE { return }
                continue
            }
            guard let fd else { return }
            SocketCount.opened()
            let peer = SocketAddress(storage: storage, length: length).endpoint
            if connections.count >= maxConnections {
                if let rejection {
                    _ = rejection.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                Syscall.close(fd)
                sink.emit(engine, .server, .rejected(peer: peer, reason: "limit of \(maxConnections) connections reached"))
                continue
            }
            // The connection's own address only shows in payload events: skip the getsockname otherwise.
            let connectionLocal = sink.wantsPayloads ? SocketAddress.local(of: fd)?.endpoint ?? local : local
            let connection = make(SocketHandle(fd: fd, reactor: handle.reactor), peer, connectionLocal)
            let id = ObjectIdentifier(connection)
            connections[id] = connection
            sink.emitTraffic(engine, .server, .accepted(peer: peer))
            connection.begin { [weak self, sink, engine] in
                self?.connections[id] = nil
                sink.emitTraffic(engine, .server, .closed(peer: peer))
            }
        }
    }
}
