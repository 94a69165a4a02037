import CNetLabSys
import Dispatch
import Foundation
import Glibc
import NetLabCore
import NetLabEvents

/// One client of the HTTP server, as I/O only: it reads into its `HTTPConnectionState`, asks
/// the `HTTPResponder` for each answer, streams the answers (files 64 KiB at a time, or by
/// sendfile), and carries out what the state says about closing and deadlines. Lives on the
/// server's queue. Its socket has TCP_NODELAY from the listening socket.
final class HTTPServerConnection: SocketHandle, LinkedConnection {
    private enum Chunk {
        case bytes([UInt8], offset: Int)
        case file(OpenFile, offset: Int, remaining: Int)
        /// Reached when the response before it is fully sent: the access-log event.
        case done(request: HTTPRequestHead?, status: Int, bytes: Int, started: UInt64)
    }

    static let readSize = 64 * 1024
    /// What sendfile hands to the socket at a time (a pipe's 16 pages).
    static let spliceChunk = 64 * 1024

    let peer: Endpoint
    private let local: Endpoint
    private let sink: EventSink
    private let clock: HTTPClock
    private var state: HTTPConnectionState
    private let responder: HTTPResponder
    /// The file the responder's latest lookup opened (kept if the answer sends it).
    private let opened: QueueBoundObject<OpenedFileSlot>
    private var output: [Chunk] = []
    /// Bytes of the response at the front of the queue already sent (for an unfinished one's log line).
    private var sentOfCurrent = 0
    /// Why the connection is closing early, for the access-log line of an unfinished response.
    private var abortReason = "the server closed the connection"
    /// Whether TCP_CORK is set on the socket (a large file's answer, the close after it).
    private var corked = false
    /// Whether the client's FIN had come when this side sent its own (shutdown or close).
    private var finOrder: Bool?
    /// Asked (a getsockopt) only when a `closed` event is wanted, before the socket closes.
    var peerClosedFirst: Bool? { finOrder ?? Syscall.peerHasClosed(fd) }

    /// `busy`: past the connection limit: read the request head, answer 503, close (answering
    /// before reading made the close a reset that often destroyed the 503 in flight).
    init(
        fd: Int32, reactor: Reactor, peer: Endpoint, local: Endpoint, sink: EventSink, configuration: HTTPServer.Configuration,
        lookup: HTTPSiteLookup, busy: Bool = false, clock: HTTPClock = .system
    ) {
        self.peer = peer
        self.local = local
        self.sink = sink
        self.clock = clock
        state = HTTPConnectionState(
            limits: configuration.limits, headerTimeout: configuration.headerTimeout,
            idleTimeout: configuration.idleTimeout, readSize: Self.readSize, busy: busy,
            now: clock.uptimeNanoseconds())
        opened = lookup.opened
        responder = HTTPResponder(
            closeAfterEachResponse: configuration.closeAfterEachResponse, busy: busy, clock: clock, lookup: lookup.find)
        super.init(fd: fd, reactor: reactor)
    }

    var link = ListenerLink()

    override func close(completion: (() -> Void)? = nil) {
        state.disarm()
        if !isClosing { logUnfinished() }
        output.removeAll()  // the files in it close as they go
        super.close(completion: completion)
    }

    // MARK: Reading

    private func updateReading() {
        guard !isClosing else { return }
        if state.wantsToRead {
            resumeReading()
        } else {
            pauseReading()
        }
    }

    /// Reads what is in, answers, and closes or waits; returns whether the first recv found
    /// anything (bytes, the end or an error) rather than nothing yet.
    @discardableResult
    func readable() -> Bool {
        let buffer = reactor.scratch
        var found = false
        while !isClosing, state.wantsToRead {
            let count: Int?
            do throws(SocketError) {
                count = try Syscall.nonBlocking(.recv, endpoint: peer) {
                    recv(fd, buffer.baseAddress, min(buffer.count, Self.readSize), 0)
                }
            } catch {
                if error.errnoValue != ECONNRESET { sink.emit(.http, .server, .failed(error)) }
                abortReason = "the client reset the connection"
                close()
                return true
            }
            guard let count else { break }
            found = true
            if count == 0 {
                state.receivedEnd()
                pauseReading()
                break
            }
            let chunk = UnsafeBufferPointer(rebasing: buffer[0..<count])
            sink.emitPayload(.http, .server, call: .recv, .received(bytes: Array(chunk), from: peer, to: local))
            state.received(chunk)
            // A short read drained the socket: the (level-triggered) reactor calls again for
            // more, so skip the recv that would only say EAGAIN (one syscall per request).
            if count < min(buffer.count, Self.readSize) { break }
        }
        answerWaitingRequests()
        if state.isFinished && !isClosing { close() }
        updateReading()
        return found
    }

    /// Queues an answer for every complete request in the input, in order, while the output
    /// has room; then sends. One reading of the clock for the pass (its requests came in the
    /// same reads): three per request were a tenth of the server's own time per request.
    private func answerWaitingRequests() {
        let now = clock.uptimeNanoseconds()
        while !isClosing, let step = state.nextStep(now: now) {
            switch step {
            case .respond(let head): queue(responder.respond(to: head), now: now)
            case .refuse(let refusal): queue(responder.refuse(refusal), now: now)
            }
        }
        flush(now: now)
    }

    /// `now`: when the answer was made (its access-log line's duration runs from then).
    private func queue(_ response: consuming HTTPResponsePlan, now: UInt64) {
        var token: FileToken? = nil
        if case .file(let sent, _, _) = response.body { token = sent }
        // Kept only when this answer sends it; otherwise it closes here (HEAD, 304, 412, 416).
        let file = opened.value.take(token)
        let started = now
        let total = response.length  // before the head moves out of the plan
        // A response is two or three chunks: room for them at once, not by growing.
        output.reserveCapacity(output.count + 3)
        switch response.body {
        case .none:
            output.append(.bytes(response.head, offset: 0))
        case .bytes(let body):
            // One write for head and an in-memory body. The plan lets go of its head first, so
            // the append finds it unique (and with room: the responder made it) and copies
            // nothing but the body.
            var bytes = response.head
            response.head = []
            bytes += body
            output.append(.bytes(bytes, offset: 0))
        case .file(_, let offset, let length):
            output.append(.bytes(response.head, offset: 0))
            assert(file != nil, "a plan that sends a file the lookup did not open")
            if let file { output.append(.file(file, offset: offset, remaining: length)) }
        }
        output.append(.done(request: response.request, status: response.status, bytes: total, started: started))
        state.queued(bytes: total, keepAlive: response.keepAlive)
    }

    // MARK: Writing

    /// Runs one send-like call; returns the bytes it wrote, or nil when flush must stop: the
    /// socket is full (flush runs again when it has room, unless the client stays away past
    /// the idle timeout) or the send failed (the connection is closed).
    private func write(_ operation: SocketOperation, _ call: () -> Int) -> Int? {
        let written: Int?
        do throws(SocketError) {
            written = try Syscall.nonBlocking(operation, endpoint: peer, call)
        } catch {
            if error.errnoValue != EPIPE && error.errnoValue != ECONNRESET { sink.emit(.http, .server, .failed(error)) }
            abortReason = "the client closed the connection"
            close()
            return nil
        }
        guard let written else {
            // Full: wait for room. The stall timer runs from here; it is re-armed only after
            // progress (a write that went out), so a client that stops reading is closed
            // after the idle timeout however often anything else wakes the connection.
            onWritable { [self] in flush() }
            state.writeStalled(now: clock.uptimeNanoseconds())
            return nil
        }
        if written > 0 { state.wroteSome() }
        sentOfCurrent += written
        return written
    }

    /// `now`: the clock of the pass that queued the answers, if one did (read here otherwise).
    private func flush(now: UInt64? = nil) {
        while let chunk = output.first, !isClosing {
            switch chunk {
            case .done(let request, let status, let bytes, let started):
                output.removeFirst()
                state.sent(bytes: bytes)
                sentOfCurrent = 0
                // Made only for a sink that wants it (an autoclosure): a quiet server reads no clock here.
                sink.emitTraffic(
                    .http, .server,
                    .served(
                        peer: peer, requestLine: request?.requestLine ?? "-", status: status, bytes: bytes,
                        milliseconds: Double(clock.uptimeNanoseconds() - started) / 1e6))
            case .file(let file, let offset, let remaining):
                let fd = file.fd
                guard remaining > 0 else {
                    output.removeFirst()  // and so closed
                    continue
                }
                if !sink.wantsPayloads {
                    // Nobody looks at the bytes: the kernel copies file to socket (sendfile).
                    var position = off_t(offset)
                    guard let sent = write(.sendfile, { netlab_sendfile(self.fd, fd, &position, remaining) }) else { return }
                    guard sent > 0 else {
                        // The file got shorter than its Content-Length: the response cannot be finished.
                        sink.emit(.http, .server, .failed(.errno(.sendfile, EIO, endpoint: peer)))
                        close()
                        return
                    }
                    output[0] = .file(file, offset: offset + sent, remaining: remaining - sent)
                    continue
                }
                // Read the next piece of the file; memory per connection stays at 64 KiB.
                var piece = [UInt8](repeating: 0, count: min(Self.readSize, remaining))
                let n = piece.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
                guard n > 0 else {
                    sink.emit(.http, .server, .failed(.errno(.pread, n < 0 ? errno : EIO, endpoint: peer)))
                    close()
                    return
                }
                piece.removeLast(piece.count - n)
                output[0] = .file(file, offset: offset + n, remaining: remaining - n)
                output.insert(.bytes(piece, offset: 0), at: 0)
            case .bytes(var bytes, let offset):
                var flags = Int32(MSG_NOSIGNAL)
                if output.count > 1, case .file(_, _, let remaining) = output[1], remaining > 0, !sink.wantsPayloads {
                    // The head waits in the socket for the file that sendfile sends next, and
                    // leaves in one segment with its first bytes: no copy of the file through
                    // this process (pread and send of 64 KiB cost 32 us of a 1 MiB answer's
                    // 208 under perf). MSG_MORE holds it, but past one splice chunk the head
                    // and the chunk end in a segment of their own (a ~280-byte one in every
                    // answer over 64 KiB, tcpdump). An answer the close follows is corked
                    // instead: full segments only, and its tail leaves with the FIN (1 MiB
                    // Connection: close, alternated: requests/s +4%). Not a kept-alive one:
                    // corked, 1 MiB keep-alive cost 1.6-2x the CPU per request (alternated),
                    // and there is no FIN to push its tail (flushed() always closes a
                    // connection that corks).
                    if bytes.count - offset + remaining > Self.spliceChunk && state.closeAfterFlush {
                        cork()
                    } else {
                        flags |= Int32(MSG_MORE)
                    }
                } else if output.count == 2, case .done = output[1], state.closeAfterFlush, !sink.wantsPayloads {
                    // The last bytes before the connection closes (the flush ends in shutdown
                    // or close right after this send): held back (MSG_MORE), they leave with
                    // the FIN in one segment, one packet less per connection each way than a
                    // data segment and then a FIN (tcpdump). Only where no event wants the
                    // bytes, as for sendfile: the console's timeline keeps its data segment
                    // and FIN apart.
                    flags |= Int32(MSG_MORE)
                } else if offset == 0, output.count > 1, case .file(let file, let fileOffset, let remaining) = output[1],
                    remaining > 0, bytes.count < Self.readSize
                {
                    // The bytes are shown: read the start of the file and send it with the head,
                    // one syscall, one segment.
                    let room = min(Self.readSize - bytes.count, remaining)
                    let start = bytes.count
                    bytes += [UInt8](repeating: 0, count: room)
                    let n = bytes.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress! + start, room, off_t(fileOffset)) }
                    if n > 0 {
                        bytes.removeLast(room - n)
                        output[1] = .file(file, offset: fileOffset + n, remaining: remaining - n)
                        output[0] = .bytes(bytes, offset: 0)
                    } else {
                        bytes.removeLast(room)
                    }
                }
                guard
                    let written = sink.stamped(
                        .http, .server, call: .send,
                        {
                            write(
                                .send,
                                {
                                    bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, flags) }
                                })
                        },
                        events: { written in
                            guard let written, written > 0 else { return [] }
                            return [.sent(bytes: Array(bytes[offset..<offset + written]), from: local, to: peer)]
                        })
                else { return }
                if offset + written == bytes.count {
                    output.removeFirst()
                } else {
                    output[0] = .bytes(bytes, offset: offset + written)
                }
            }
        }
        guard !isClosing else { return }
        finishWriting()
        defer { updateReading() }
        // The FIN that shutdown or close sends pushes out what a cork holds.
        switch state.flushed(now: now ?? clock.uptimeNanoseconds()) {
        case .close(let halfCloseFirst):
            // Ignored on purpose: a shutdown that fails (the client already reset) changes nothing here.
            if halfCloseFirst {
                // The FIN goes now, before close(): its order decides who holds TIME_WAIT.
                if sink.connections { finOrder = Syscall.peerHasClosed(fd) }
                sink.emitConnection(.http, .server, .shutdown(peer: peer))
                _ = shutdown(fd, Int32(SHUT_WR))
            }
            close()
        case .continueWithInput:
            answerWaitingRequests()
        case .wait:
            break
        }
    }

    /// Sets TCP_CORK (once): from then on the kernel sends full segments only, until the FIN.
    /// Ignored on purpose when it fails: the bytes go out the same, in more segments.
    private func cork() {
        guard !corked else { return }
        corked = true
        try? Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_CORK, 1)
    }

    /// The access-log line of the response that was being sent when the connection closed.
    private func logUnfinished() {
        for chunk in output {
            guard case .done(let request, let status, let bytes, let started) = chunk else { continue }
            let ms = Double(clock.uptimeNanoseconds() - started) / 1e6
            sink.emitTraffic(
                .http, .server,
                .served(
                    peer: peer, requestLine: request?.requestLine ?? "-", status: status,
                    bytes: min(sentOfCurrent, bytes), milliseconds: ms, unfinished: abortReason))
            return
        }
    }

    func checkDeadlines(now: UInt64) {
        guard !isClosing, let expiry = state.expired(now: now) else { return }
        switch expiry {
        case .close(let reason):
            abortReason = reason
            close()
        case .requestTimedOut:
            // The connection's own clock (the sweep's may be another: a test's).
            let time = clock.uptimeNanoseconds()
            queue(responder.timedOut(), now: time)
            flush(now: time)
        }
    }
}

/// What the connections of one HTTP server share to find a request's resource: the site, its
/// file cache, and the slot where the file a lookup opens waits until the connection takes
/// it. One per server, not a closure and a slot per connection (two allocations per request):
/// the connections run one at a time on the server's queue, and each takes its file right
/// after its lookup, before anything else runs there.
final class HTTPSiteLookup: Sendable {
    let opened: QueueBoundObject<OpenedFileSlot>
    let find: @Sendable (HTTPTarget.Path) -> Result<HTTPResource, HTTPRefusal>

    init(configuration: HTTPServer.Configuration, cache: QueueBound<HTTPFileCache>?, queue: DispatchQueue) {
        let opened = QueueBoundObject(OpenedFileSlot(), on: queue)
        let site = configuration.site
        let listDirectories = configuration.listDirectories
        self.opened = opened
        find = { target in site.resolve(target, listDirectories: listDirectories, cache: cache, opened: opened.value) }
    }
}
