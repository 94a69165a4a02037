import CNetLabSys
import Dispatch
import Glibc
import NetLabCore
import NetLabEvents

/// One accepted connection of a stream server (TCP uppercase, HTTP).
protocol StreamConnection: AnyObject {
    /// Starts serving; the connection tells `listener` just before its socket is closed
    /// (`connectionWillClose`: the `closed` event, stamped before the FIN) and once it is
    /// (`connectionDidClose`: the listener forgets it), holding it until then. No closure per
    /// connection: a listener and a pointer to it.
    func begin(listener: StreamListener)
    /// The client's address.
    var peer: Endpoint { get }
    /// Its socket's descriptor number (the listener's table is indexed by it).
    var descriptor: Int32 { get }
    /// Whether the client's FIN came before this side's (true: the client holds TIME_WAIT;
    /// nil when no FIN order applies, a reset).
    var peerClosedFirst: Bool? { get }
    /// Closes the connection; `completion` runs after the descriptor is closed.
    func close(completion: (() -> Void)?)
    /// Called every sweep interval with the uptime in nanoseconds, for deadlines.
    func checkDeadlines(now: UInt64)
}

extension StreamConnection {
    func checkDeadlines(now: UInt64) {}
}

/// A connection that is its socket's handle (one object per accepted connection) and tells
/// its listener as its socket closes, through a `ListenerLink`: the socket's close observer,
/// with the two forwarding calls written once.
protocol LinkedConnection: SocketHandle, StreamConnection, SocketCloseObserver {
    var link: ListenerLink { get set }
    /// Reads what is in and acts on it; returns whether the first recv found anything (bytes,
    /// the end or an error) rather than nothing yet.
    @discardableResult
    func readable() -> Bool
}

extension LinkedConnection {
    var descriptor: Int32 { fd }

    func socketWillClose() { link.willClose(self) }

    func socketDidClose() { link.didClose(self) }

    /// Holds `listener` until the socket closes and hears the socket close. The message is
    /// often in already: read now, and join the epoll set only if the connection then waits
    /// (one answered at once, a `Connection: close` request or a `--one-message` one, never
    /// does: no epoll_ctl at all), unless the last connections' first reads found nothing
    /// (`EarlyReads`); then read whenever the socket is readable.
    func begin(listener: StreamListener) {
        link.attach(listener)
        observer = self
        if listener.earlyReads.shouldTry() {
            listener.earlyReads.record(found: readable())
            guard !isClosing else { return }
        }
        onReadable { [self] in readable() }
    }
}

/// Whether a connection just accepted reads before it first waits in epoll. On a lightly
/// loaded server its request is usually in already, and that read saves an epoll_ctl and a
/// wait; under a load that keeps accept() busy it almost never is (2.0 recv per request under
/// wrk: every connection's first read said EAGAIN). After two connections in a row found
/// nothing the read is skipped, but every 8th connection still tries it, so the guess follows
/// the load. (1 KiB `Connection: close` under wrk, 8 alternated rounds: CPU per request
/// -2.2%, recvfrom per request 2.05 -> 1.12.)
struct EarlyReads {
    private var misses = 0
    private var skipped = 0

    /// Whether this connection should read now; counts the skips.
    mutating func shouldTry() -> Bool {
        guard misses >= 2 else { return true }
        skipped += 1
        guard skipped >= 8 else { return false }
        skipped = 0
        return true
    }

    /// What the read found: bytes, the end or an error (true), or nothing yet (false).
    mutating func record(found: Bool) {
        misses = found ? 0 : min(misses + 1, 2)
    }
}

/// The listener a connection tells as its socket closes, held until the socket is closed
/// (then let go: the listener and its connections do not keep each other).
struct ListenerLink {
    private var listener: StreamListener?

    mutating func attach(_ listener: StreamListener) { self.listener = listener }

    func willClose(_ connection: StreamConnection) { listener?.connectionWillClose(connection) }

    mutating func didClose(_ connection: StreamConnection) {
        let told = listener
        listener = nil
        told?.connectionDidClose(connection)
    }
}

/// The listening socket of a stream server and its open connections. Lives on the server's
/// queue; the server owns it while running.
final class StreamListener {
    /// Makes the connection for an accepted socket (the connection is its socket's handle, on
    /// `reactor`). `busy`: the server is at its limit; return a connection that turns the
    /// client away politely (HTTP's 503), or nil to reset it.
    typealias Make = (_ fd: Int32, _ reactor: Reactor, _ peer: Endpoint, _ local: Endpoint, _ busy: Bool) -> StreamConnection?

    /// Turned-away connections that may be kept open at once while they get their answer.
    static let maxBusy = 64
    /// Descriptors left for everything else (the console's other engines, files being
    /// served): 64, or a quarter of a small limit.
    static var descriptorReserve: Int { min(64, DescriptorLimit.current / 4) }

    let local: Endpoint
    private let handle: SocketHandle
    private let engine: LabEvent.Engine
    private let sink: EventSink
    private let maxConnections: Int
    private let make: Make
    private var connections = ConnectionTable()
    /// A shortage of descriptors, from its first EMFILE until a second passes without one:
    /// said once when it starts and once when it ends, however often accept() fails between.
    private var shortageSince: UInt64?
    private var lastShortage: UInt64 = 0
    private var shortageFailures = 0
    /// Accepting is paused (the listening socket unwatched) until a connection closes or the next sweep.
    private var paused = false
    /// Sweeps the connections' deadlines. One timer for all: a dispatch timer per request
    /// cost a manager-thread wake-up each (17% of the HTTP server's time in a profile).
    private var sweeper: DispatchSourceTimer?

    var connectionCount: Int { connections.count - connections.busyCount }
    /// Whether the next connection reads before it first waits (the connections ask and report).
    var earlyReads = EarlyReads()
    /// Step mode: accept() waits for the room's key; the connections the kernel completes
    /// meanwhile wait in the listen backlog.
    private let gate: StepGate?
    private var acceptAllowed = false

    /// Binds and listens; reports `listening` or `failed`.
    init(
        host: String?, port: UInt16, reactor: Reactor, engine: LabEvent.Engine, sink: EventSink,
        maxConnections: Int, sweepInterval: Double = 0.25, noDelay: Bool = false, gate: StepGate? = nil, make: @escaping Make
    ) throws(SocketError) {
        self.gate = gate
        let fd: Int32
        do throws(SocketError) {
            (fd, local) = try ServerSocket.open(host: host, port: port, type: .stream, noDelay: noDelay)
        } catch {
            sink.emit(engine, .server, .failed(error))
            throw error
        }
        self.handle = SocketHandle(fd: fd, reactor: reactor)
        // Every accept either finds a connection the reactor reported or waits `socketWait`
        // at most (Linux applies SO_RCVTIMEO to accept); accepted sockets are non-blocking
        // all the same (accept4's flag).
        Reactor.waitInSocket(fd)
        self.engine = engine
        self.sink = sink
        // Below the descriptors the process may open, so the limit (and its answer) comes
        // before accept() fails with EMFILE.
        self.maxConnections = min(maxConnections, max(1, DescriptorLimit.current - Self.descriptorReserve))
        self.make = make
        // Strong, as the sweeper's: `close(entering:)` always runs (the server's stop, or its
        // deinit), and closing the socket drops this handler and cancelling the sweeper drops
        // its own, which lets the listener go. A weak reference would give the listener a side
        // table, and every retain and release of it (two per connection, its link) the
        // runtime's slow path (with the reactor's, 1% of the HTTP server's CPU under wrk).
        handle.onReadable { [self] in acceptAll() }
        let sweeper = DispatchSource.makeTimerSource(queue: reactor.queue)
        sweeper.schedule(deadline: .now() + sweepInterval, repeating: sweepInterval, leeway: .milliseconds(Int(sweepInterval * 250)))
        sweeper.setEventHandler { [self] in
            let now = DispatchTime.now().uptimeNanoseconds
            for connection in connections.all { connection.checkDeadlines(now: now) }
            // Descriptors may have been freed elsewhere in the process: try again.
            if paused { resumeAccepting() }
            // `lastShortage` may be later than `now`: a connection closed by this sweep
            // resumes accepting, which can hit EMFILE again (an unsigned `now - lastShortage`
            // then trapped: found under `ulimit -n 40` with idle clients timing out).
            if let since = shortageSince, !paused, now > lastShortage, now - lastShortage > 1_000_000_000 {
                shortageSince = nil
                let seconds = Double(lastShortage - since) / 1e9
                sink.emit(
                    engine, .server,
                    .notice(
                        "accepting connections again: the descriptor shortage lasted \(Self.format(seconds)) s"
                            + " (\(shortageFailures) accept() calls failed with EMFILE meanwhile; \(connectionCount) connections open)"))
                shortageFailures = 0
            }
        }
        sweeper.resume()
        self.sweeper = sweeper
        sink.emit(engine, .server, .listening(local))
    }

    /// Closes every connection, then the listening socket; leaves `group` when all are closed.
    func close(entering group: DispatchGroup) {
        sweeper?.cancel()
        sweeper = nil
        for connection in connections.all {
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
        if let gate, gate.isOn, !acceptAllowed, !handle.isClosing {
            // Step mode: the handshake completes in the kernel; accept() waits for its key.
            handle.pauseReading()
            gate.before(
                engine, side: "server", call: "accept()",
                detail: "on \(local) (the kernel has completed the handshake: the connection waits in the backlog until then)",
                on: handle.reactor.queue
            ) { [weak self] in
                guard let self, !handle.isClosing else { return }
                handle.resumeReading()
                acceptAllowed = true
                acceptAll()
                acceptAllowed = false
            }
            return
        }
        // One connection per readiness event (level-triggered: the reactor reports the
        // listener again while more wait), then more only while waiting for them is free.
        var started: UInt64?  // of the first waiting accept: read only when one may wait
        while !handle.isClosing {
            guard acceptOne() else { return }
            // The next connection is waited for here, in accept() (the socket's receive timeout,
            // at most the reactor's linger), instead of in epoll, only while this listener is
            // all its reactor watches: a lab client's connections one after another then cost
            // accept, recv, send, close, as the C floor's, without an epoll_wait and an accept
            // that finds nothing besides. Otherwise (connections open, another socket watched,
            // step mode) back to the reactor, which reports the listener again while more wait.
            guard Reactor.socketWait > 0, connections.isEmpty, gate?.isOn != true, !paused, handle.isAlone else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            if now - (started ?? now) >= Reactor.drainBudgetNanoseconds { return }
            started = started ?? now
        }
    }

    /// Accepts one connection and begins it; false when none was waiting (EAGAIN, also a
    /// waiting accept's timeout) or accepting must pause (no descriptor left).
    private func acceptOne() -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd: Int32?
        do throws(SocketError) {
            fd = try Syscall.nonBlocking(.accept, endpoint: local) {
                withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { netlab_accept_nonblocking(handle.fd, $0, &length) }
                }
            }
        } catch {
            if error.errnoValue == EMFILE || error.errnoValue == ENFILE {
                pauseAccepting(error)
                return false
            }
            // ECONNABORTED and friends concern one client.
            sink.emit(engine, .server, .failed(error))
            return true
        }
        guard let fd else { return false }
        SocketCount.opened()
        let peer = SocketAddress(storage: storage, length: length).endpoint
        let atLimit = connectionCount >= maxConnections
        if atLimit && connections.busyCount >= Self.maxBusy {
            reset(fd, peer: peer)
            return true
        }
        // The connection's own address only shows in payload events, and differs from the
        // listener's only on a wildcard address (0.0.0.0, ::): skip the getsockname otherwise.
        let wildcard = local.host == "0.0.0.0" || local.host == "::"
        let connectionLocal = sink.detail >= .receives && wildcard ? SocketAddress.local(of: fd)?.endpoint ?? local : local
        guard let connection = make(fd, handle.reactor, peer, connectionLocal, atLimit) else {
            Self.resetOnClose(fd)
            Syscall.close(fd)
            sink.emit(engine, .server, .rejected(peer: peer, reason: "limit of \(maxConnections) connections reached (connection reset)"))
            return true
        }
        connections.insert(connection, busy: atLimit)
        if atLimit {
            sink.emit(engine, .server, .rejected(peer: peer, reason: "limit of \(maxConnections) connections reached (answered 503)"))
        } else {
            sink.emitConnection(engine, .server, .accepted(peer: peer))
        }
        connection.begin(listener: self)
        return true
    }

    /// A connection's socket is about to close: `closed` (not for one turned away).
    func connectionWillClose(_ connection: StreamConnection) {
        guard !connections.isBusy(connection) else { return }
        sink.emitConnection(engine, .server, .closed(peer: connection.peer, peerClosedFirst: connection.peerClosedFirst))
    }

    /// A connection's socket is closed: forgotten, and accepting resumes if it was paused.
    func connectionDidClose(_ connection: StreamConnection) {
        connections.remove(connection)
        if paused { resumeAccepting() }
    }

    /// Closes an accepted socket with a reset (SO_LINGER 0): the client's recv() or send()
    /// fails with ECONNRESET, so no client mistakes the refusal for an empty reply.
    private func reset(_ fd: Int32, peer: Endpoint) {
        Self.resetOnClose(fd)
        Syscall.close(fd)
        sink.emit(engine, .server, .rejected(peer: peer, reason: "limit of \(maxConnections) connections reached (connection reset)"))
    }

    static func resetOnClose(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        // Ignored on failure: the close is then an ordinary FIN, which the client still sees as no reply.
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Out of descriptors: stop watching the listening socket (level-triggered, it would
    /// report the waiting connections again at once, forever), say so once, and try again
    /// when a connection closes or on the next sweep. Waiting clients stay in the backlog.
    private func pauseAccepting(_ error: SocketError) {
        handle.pauseReading()
        paused = true
        shortageFailures += 1
        lastShortage = DispatchTime.now().uptimeNanoseconds
        guard shortageSince == nil else { return }
        shortageSince = lastShortage
        sink.emit(engine, .server, .failed(error))
        sink.emit(
            engine, .server,
            .notice(
                "accepting paused with \(connectionCount) connections open (limit: \(DescriptorLimit.current) descriptors);"
                    + " new clients wait until one closes"))
    }

    private func resumeAccepting() {
        guard !handle.isClosing else { return }
        paused = false
        handle.resumeReading()
        acceptAll()
    }

    static func format(_ seconds: Double) -> String {
        String((seconds * 10).rounded() / 10)
    }
}
