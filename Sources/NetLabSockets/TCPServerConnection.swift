import Glibc
import NetLabCore
import NetLabEvents

/// One accepted client of the TCP uppercase server. Lives on the server's queue.
final class TCPServerConnection: SocketHandle, LinkedConnection {
    /// Read no more while this much reply is waiting for a slow reader.
    static let maxPending = 256 * 1024
    static let readSize = 64 * 1024
    /// What the lab's TCPServer.py asks of its one recv().
    static let labReadSize = 1024

    let peer: Endpoint
    let local: Endpoint
    private let sink: EventSink
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var peerFinished = false
    /// recv() failed (a reset: no FIN order).
    private var wasReset = false
    /// Asked just before close(): the kernel's state says whether the client's FIN came first.
    var peerClosedFirst: Bool? { wasReset ? nil : Syscall.peerHasClosed(fd) }
    /// Reply to the first read, then close (the lab server's way).
    private let oneMessage: Bool
    /// Closed after this many seconds without a byte either way (0: never).
    private let idleTimeout: Double
    /// Set by every read and write (a store, no clock read on the data path); the listener's
    /// sweep notes when it last saw the connection quiet.
    private var active = true
    /// Uptime (ns) of the first sweep that found no activity since the one before.
    private var quietSince: UInt64 = 0

    init(
        fd: Int32, reactor: Reactor, peer: Endpoint, local: Endpoint, sink: EventSink, oneMessage: Bool = false,
        idleTimeout: Double = TCPServer.defaultIdleTimeout
    ) {
        self.idleTimeout = idleTimeout
        self.oneMessage = oneMessage
        self.peer = peer
        self.local = local
        self.sink = sink
        super.init(fd: fd, reactor: reactor)
    }

    var link = ListenerLink()

    /// Closes a connection idle past the timeout: a client that vanished without a FIN (or
    /// never sends) cannot hold one of the server's connections for ever.
    /// The idle time is measured from the first quiet sweep, so it is closed between
    /// `idleTimeout` and `idleTimeout` plus one sweep (a quarter of it at most) after its last byte.
    func checkDeadlines(now: UInt64) {
        guard idleTimeout > 0, !isClosing else { return }
        if active {
            active = false
            quietSince = now
            return
        }
        guard now > quietSince, Double(now - quietSince) / 1e9 >= idleTimeout else { return }
        sink.emitTraffic(.tcp, .server, .idleClosed(peer: peer, seconds: idleTimeout))
        close()
    }

    /// Reads, uppercases and replies until a short read (the socket is drained; the reactor is
    /// level-triggered and calls again) or the reply backlog is full. Returns whether the first
    /// recv found anything (bytes, the end or an error) rather than nothing yet.
    @discardableResult
    func readable() -> Bool {
        let scratch = reactor.scratch
        var found = false
        while !isClosing, !peerFinished, pending.count - pendingStart <= Self.maxPending {
            let count: Int?
            do throws(SocketError) {
                // One message: one recv(1024), as the lab's server (the rest stays unread, and
                // the close then resets the connection).
                let size = oneMessage ? Self.labReadSize : scratch.count
                count = try Syscall.nonBlocking(.recv, endpoint: peer) { recv(fd, scratch.baseAddress, size, 0) }
            } catch {
                wasReset = true
                sink.emit(.tcp, .server, .failed(error))
                close()
                return true
            }
            guard let count else { return found }
            found = true
            active = true
            if count == 0 {
                peerFinished = true
                pauseReading()
                if pendingStart == pending.count { close() }
                return true
            }
            if oneMessage {
                // No more reading: close once this reply is out.
                peerFinished = true
                pauseReading()
            }
            let chunk = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            sink.emitReceived(
                .tcp, .server, call: .recv, bytes: UnsafeRawBufferPointer(chunk), sender: { .endpoint(peer) },
                .received(bytes: Array(chunk), from: peer, to: local))
            Uppercase.applyInPlace(chunk)
            if pendingStart == pending.count {
                // Nothing queued: send straight from the read buffer, queue only what is left.
                guard let sent = write(UnsafeRawBufferPointer(chunk)) else { return true }
                if sent == count {
                    if peerFinished { close() }
                    // A short read drained the socket; the level-triggered reactor calls again.
                    if count < scratch.count { return true }
                    continue
                }
                pending.removeAll(keepingCapacity: true)
                pendingStart = 0
                pending.append(contentsOf: chunk[sent...])
            } else {
                pending.append(contentsOf: chunk)
            }
            flush()
        }
        return found
    }

    /// Sends what it can of `bytes` and reports it: the count written (0: the socket is full),
    /// or nil when the send failed and the connection is closed.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let written: Int?
        do throws(SocketError) {
            written = try sink.stamped(
                .tcp, .server, call: .send,
                { () throws(SocketError) -> Int? in
                    try Syscall.nonBlocking(.send, endpoint: peer) {
                        send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                    }
                },
                events: { written in
                    guard let written, written > 0 else { return [] }
                    return [.sent(bytes: Array(bytes[0..<written]), from: local, to: peer)]
                })
        } catch {
            sink.emit(.tcp, .server, .failed(error))
            close()
            return nil
        }
        guard let written, written > 0 else { return 0 }
        active = true
        return written
    }

    private func flush() {
        while pendingStart < pending.count {
            let start = pendingStart
            guard let written = pending.withUnsafeBytes({ write(UnsafeRawBufferPointer(rebasing: $0[start...])) }) else { return }
            if written == 0 {
                // The client reads slower than it writes: wait for room, stop reading meanwhile.
                if pending.count - pendingStart > Self.maxPending { pauseReading() }
                onWritable { [self] in flush() }
                return
            }
            pendingStart += written
        }
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        finishWriting()
        if peerFinished {
            close()
        } else {
            resumeReading()
        }
    }
}
