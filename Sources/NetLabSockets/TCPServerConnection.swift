import Glibc
import NetLabCore

/// One accepted client of the TCP uppercase server. Lives on the server's queue.
final class TCPServerConnection: StreamConnection {
    /// Read no more while this much reply is waiting for a slow reader.
    static let maxPending = 256 * 1024
    static let readSize = 64 * 1024

    private let handle: SocketHandle
    let peer: Endpoint
    let local: Endpoint
    private let sink: EventSink
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var peerFinished = false
    private var onClose: (() -> Void)?
    /// Reply to the first read, then close (the lab server's way).
    private let oneMessage: Bool

    init(handle: SocketHandle, peer: Endpoint, local: Endpoint, sink: EventSink, oneMessage: Bool = false) {
        self.oneMessage = oneMessage
        self.handle = handle
        self.peer = peer
        self.local = local
        self.sink = sink
    }

    func begin(onClose: @escaping () -> Void) {
        self.onClose = onClose
        handle.onReadable { [self] in readable() }
        // The client's message is often in already: read it now, not one epoll round later.
        readable()
    }

    /// Closes the socket; `completion` runs after the descriptor is closed.
    func close(completion: (() -> Void)? = nil) {
        let wasClosing = handle.isClosing
        handle.close { [self] in
            if !wasClosing {
                onClose?()
                onClose = nil
            }
            completion?()
        }
    }

    /// Reads, uppercases and replies until a short read (the socket is drained; the reactor is
    /// level-triggered and calls again) or the reply backlog is full.
    private func readable() {
        let scratch = handle.reactor.scratch
        while !handle.isClosing, !peerFinished, pending.count - pendingStart <= Self.maxPending {
            let count: Int?
            do throws(SocketError) {
                count = try Syscall.nonBlocking("recv", endpoint: peer) { recv(handle.fd, scratch.baseAddress, scratch.count, 0) }
            } catch {
                sink.emit(.tcp, .server, .failed(error))
                close()
                return
            }
            guard let count else { return }
            if count == 0 {
                peerFinished = true
                handle.pauseReading()
                if pendingStart == pending.count { close() }
                return
            }
            if oneMessage {
                // No more reading: close once this reply is out.
                peerFinished = true
                handle.pauseReading()
            }
            let chunk = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            sink.emitPayload(.tcp, .server, .received(bytes: Array(chunk), from: peer, to: local))
            Uppercase.applyInPlace(chunk)
            if pendingStart == pending.count {
                // Nothing queued: send straight from the read buffer, queue only what is left.
                let written: Int?
                do throws(SocketError) {
                    written = try Syscall.nonBlocking("send", endpoint: peer) {
                        send(handle.fd, chunk.baseAddress, count, Int32(MSG_NOSIGNAL))
                    }
                } catch {
                    sink.emit(.tcp, .server, .failed(error))
                    close()
                    return
                }
                let sent = written ?? 0
                if sent > 0 { sink.emitPayload(.tcp, .server, .sent(bytes: Array(chunk[0..<sent]), from: local, to: peer)) }
                if sent == count {
                    if peerFinished { close() }
                    // A short read drained the socket; the level-triggered reactor calls again.
                    if count < scratch.count { return }
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
    }

    private func flush() {
        while pendingStart < pending.count {
            let written: Int?
            do throws(SocketError) {
                written = try Syscall.nonBlocking("send", endpoint: peer) {
                    pending.withUnsafeBytes { bytes in
                        send(handle.fd, bytes.baseAddress! + pendingStart, bytes.count - pendingStart, Int32(MSG_NOSIGNAL))
                    }
                }
            } catch {
                sink.emit(.tcp, .server, .failed(error))
                close()
                return
            }
            guard let written else {
                // The client reads slower than it writes: wait for room, stop reading meanwhile.
                if pending.count - pendingStart > Self.maxPending { handle.pauseReading() }
                handle.onWritable { [self] in flush() }
                return
            }
            sink.emitPayload(.tcp, .server, .sent(bytes: Array(pending[pendingStart..<pendingStart + written]), from: local, to: peer))
            pendingStart += written
        }
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        handle.finishWriting()
        if peerFinished {
            close()
        } else {
            handle.resumeReading()
        }
    }
}
