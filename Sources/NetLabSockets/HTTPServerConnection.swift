import CNetLabSys
import Dispatch
import Foundation
import Glibc
import NetLabCore

/// One client of the HTTP server: parses request heads as bytes arrive, answers them in order
/// (pipelining), streams files 64 KiB at a time, and enforces the timeouts. Lives on the
/// server's queue.
final class HTTPServerConnection: StreamConnection {
    private enum Chunk {
        case bytes([UInt8], offset: Int)
        case file(fd: Int32, offset: Int, remaining: Int)
        /// Reached when the response before it is fully sent: the access-log event.
        case done(requestLine: String, status: Int, bytes: Int, started: DispatchTime)
    }

    static let readSize = 64 * 1024
    /// Parse no further pipelined requests while this much is waiting to be sent.
    static let maxQueued = 256 * 1024

    private let handle: SocketHandle
    private let peer: Endpoint
    private let local: Endpoint
    private let sink: EventSink
    private let configuration: HTTPServer.Configuration
    private var input: [UInt8] = []
    private var parser: HTTPRequestParser
    private var skipBody = 0
    /// A chunked request body being skipped (the length is found by decoding it).
    private var chunkedBody: HTTPChunkedBody?
    private var output: [Chunk] = []
    private var queuedBytes = 0
    private var closeAfterFlush = false
    private var peerFinished = false
    /// When (uptime ns) `timeoutAction` runs, checked by the listener's sweep.
    private var deadline: UInt64 = .max
    private var timeoutAction: (() -> Void)?
    private var waitingForHead = false
    /// When (uptime ns) a reader that takes nothing is given up on: set when a write finds
    /// the socket full, cleared by the next write that sends something. Apart from the
    /// read-side deadline, so no header or idle timer can push it back.
    private var writeDeadline: UInt64 = .max

    /// The server's small-file cache (nil: read every file each time).
    private let cache: HTTPFileCache?
    /// Past the connection limit: read the request head, answer 503, close (answering before
    /// reading made the close a reset that often destroyed the 503 in flight).
    private let busy: Bool
    /// Bytes of the response at the front of the queue already sent (for an unfinished one's log line).
    private var sentOfCurrent = 0
    /// Why the connection is closing early, for the access-log line of an unfinished response.
    private var abortReason = "the server closed the connection"

    init(handle: SocketHandle, peer: Endpoint, local: Endpoint, sink: EventSink, configuration: HTTPServer.Configuration,
         cache: HTTPFileCache? = nil, busy: Bool = false) {
        self.busy = busy
        self.cache = cache
        self.handle = handle
        self.peer = peer
        self.local = local
        self.sink = sink
        self.configuration = configuration
        self.parser = HTTPRequestParser(limits: configuration.limits)
    }

    func begin(onClose: @escaping () -> Void) {
        handle.onClosed = onClose
        // Responses are written whole; Nagle's algorithm would hold a small last piece back
        // for the client's delayed ACK (measured: 40 ms per keep-alive request).
        try? Syscall.setOption(handle.fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        handle.onReadable { [self] in readable() }
        arm(busy ? min(1, configuration.headerTimeout) : configuration.idleTimeout) { [self] in
            abortReason = "nothing arrived for \(ClientFailure.format(configuration.idleTimeout)) s"
            close()
        }
        // The request is often in already: read it now, not one epoll round later.
        readable()
    }

    func close(completion: (() -> Void)? = nil) {
        deadline = .max
        timeoutAction = nil
        if !handle.isClosing { logUnfinished() }
        for chunk in output { if case .file(let fd, _, _) = chunk { Glibc.close(fd) } }
        output.removeAll()
        handle.close(completion: completion)
    }

    // MARK: Reading

    /// Input kept unparsed at most: a head at its limits plus one read.
    private var inputLimit: Int { configuration.limits.requestLine + configuration.limits.headerBytes + Self.readSize }

    /// Reads only while there is room: with responses backed up (a client that pipelines and
    /// never reads) or the input full, the socket is left unread, so the kernel's buffers and
    /// TCP's window hold the client back, not this process's memory.
    private func updateReading() {
        guard !handle.isClosing else { return }
        if peerFinished || queuedBytes >= Self.maxQueued || input.count > inputLimit {
            handle.pauseReading()
        } else {
            handle.resumeReading()
        }
    }

    private func readable() {
        let buffer = handle.reactor.scratch
        while !handle.isClosing, !peerFinished, queuedBytes < Self.maxQueued, input.count <= inputLimit {
            let count: Int?
            do throws(SocketError) {
                count = try Syscall.nonBlocking("recv", endpoint: peer) {
                    recv(handle.fd, buffer.baseAddress, min(buffer.count, Self.readSize), 0)
                }
            } catch {
                if error.errnoValue != ECONNRESET { sink.emit(.http, .server, .failed(error)) }
                abortReason = "the client reset the connection"
                close()
                return
            }
            guard let count else { break }
            if count == 0 {
                peerFinished = true
                handle.pauseReading()
                break
            }
            let chunk = UnsafeBufferPointer(rebasing: buffer[0..<count])
            sink.emitPayload(.http, .server, call: .recv, .received(bytes: Array(chunk), from: peer, to: local))
            input.append(contentsOf: chunk)
            // A short read drained the socket: the (level-triggered) reactor calls again for
            // more, so skip the recv that would only say EAGAIN (one syscall per request).
            if count < min(buffer.count, Self.readSize) { break }
        }
        process()
        if peerFinished && output.isEmpty && !handle.isClosing { close() }
        updateReading()
    }

    /// Answers every complete request in the input, in order, while the output has room.
    private func process() {
        while !closeAfterFlush, !handle.isClosing, queuedBytes < Self.maxQueued {
            if skipBody > 0 {
                let n = min(skipBody, input.count)
                input.removeFirst(n)
                skipBody -= n
                if skipBody > 0 { break }
            }
            if var body = chunkedBody {
                switch body.consume(input[...]) {
                case .needMore:
                    input.removeAll(keepingCapacity: true)
                    chunkedBody = body
                    flush()
                    return
                case .done(let consumed):
                    input.removeFirst(consumed)
                    chunkedBody = nil
                case .failed(let error):
                    chunkedBody = nil
                    input.removeAll()
                    respondError(error, requestLine: "-")
                    continue
                }
            }
            switch parser.parse(input[...]) {
            case .needMore:
                if input.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) {
                    input.removeAll()  // blank lines between requests are ignored
                } else if !waitingForHead {
                    // The header timeout runs from the first byte and is not extended by more:
                    // a client sending a byte a minute cannot hold the connection.
                    waitingForHead = true
                    arm(configuration.headerTimeout) { [self] in timedOutReadingHead() }
                }
                if peerFinished && !input.isEmpty && output.isEmpty {
                    respondError(.badRequest("the connection ended in the middle of a request"), requestLine: "-")
                }
                flush()
                return
            case .head(let head, let consumed):
                input.removeFirst(consumed)
                skipBody = head.bodyLength
                if head.chunked { chunkedBody = HTTPChunkedBody() }
                waitingForHead = false
                respond(to: head)
            case .failed(let error):
                input.removeAll()
                respondError(error, requestLine: "-")
            }
        }
        flush()
    }

    private func idle() {
        waitingForHead = false
        arm(configuration.idleTimeout) { [self] in close() }
    }

    private func timedOutReadingHead() {
        guard output.isEmpty else {
            // Responses are still going out: finish them, then close (no later deadline
            // would otherwise be armed, and the half-sent head could hold the connection).
            closeAfterFlush = true
            return
        }
        let body = HTTPResponseHead.errorPage(408, detail: "The request did not arrive in time.")
        queueResponse(status: 408, contentType: "text/html; charset=utf-8", body: .bytes(body, offset: 0), length: body.count,
                      modified: nil, keepAlive: false, headOnly: false, requestLine: "-", started: .now())
        closeAfterFlush = true
        flush()
    }

    // MARK: Responding

    private func respond(to head: HTTPRequestHead) {
        let started = DispatchTime.now()
        let keepAlive = head.keepAlive && !configuration.closeAfterEachResponse && !busy
        let headOnly = head.method == "HEAD"
        if busy {
            respondPage(503, "Too many connections; try again in a moment.", head: head, keepAlive: false,
                        extra: [("Retry-After", "1")], started: started)
            return
        }
        guard head.method == "GET" || headOnly else {
            // A method HTTP defines but this server does not serve is 405 (with Allow); one it
            // does not know at all is 501 (RFC 9110, sections 15.5.6 and 15.6.2).
            if HTTPRequestHead.standardMethods.contains(head.method) {
                respondPage(405, "\(head.method) is not served here; use GET or HEAD.", head: head, keepAlive: keepAlive,
                            extra: [("Allow", "GET, HEAD")], started: started)
            } else {
                respondPage(501, "the method \(head.method) is not implemented here; use GET or HEAD.", head: head,
                            keepAlive: keepAlive, started: started)
            }
            return
        }
        let target: HTTPTarget.Path
        switch HTTPTarget.path(of: head.target) {
        case .success(let found): target = found
        case .failure(let refusal):
            let detail: String = switch refusal {
            case .malformed(let why), .forbidden(let why): why
            }
            respondPage(refusal.status, detail, head: head, keepAlive: keepAlive, started: started)
            return
        }
        switch configuration.site.resolve(target, listDirectories: configuration.listDirectories, cache: cache) {
        case .failure(let refusal):
            respondPage(refusal.status, refusal.detail, head: head, keepAlive: keepAlive, started: started)
        case .success(.redirect(let location)):
            respondPage(301, "this folder is at \(location)", head: head, keepAlive: keepAlive,
                        extra: [("Location", location)], started: started)
        case .success(.listing(let page)):
            queueResponse(status: 200, contentType: "text/html; charset=utf-8", body: headOnly ? nil : .bytes(page, offset: 0),
                          length: page.count, modified: nil, keepAlive: keepAlive, headOnly: headOnly,
                          requestLine: head.requestLine, started: started, extra: [("Cache-Control", "no-cache")])
        case .success(.file(let fd, let size, let modified, let version, let name)):
            respondWithFile(.file(fd: fd, offset: 0, remaining: size), size: size, modified: modified, version: version,
                            name: name, head: head, keepAlive: keepAlive, started: started)
        case .success(.memory(let bytes, let modified, let version, let name)):
            respondWithFile(.bytes(bytes, offset: 0), size: bytes.count, modified: modified, version: version,
                            name: name, head: head, keepAlive: keepAlive, started: started)
        }
    }

    /// A file's answer: its validators, then preconditions (304/412), then a range (206/416)
    /// or the whole file (200). `body` is the whole file, in memory or open.
    private func respondWithFile(_ body: Chunk, size: Int, modified: Int, version: Int, name: String,
                                 head: HTTPRequestHead, keepAlive: Bool, started: DispatchTime) {
        let headOnly = head.method == "HEAD"
        let etag = HTTPPreconditions.etag(size: size, modifiedNanoseconds: version)
        // no-cache: the browser may keep the file but must ask (cheaply, with the validators)
        // before using it, so a student's edit shows on the next reload.
        let validators: [(name: String, value: String)] = [("ETag", etag), ("Cache-Control", "no-cache")]
        func drop() { if case .file(let fd, _, _) = body { Glibc.close(fd) } }
        switch HTTPPreconditions.evaluate(head, etag: etag, modified: modified) {
        case .notModified:
            drop()
            queueResponse(status: 304, contentType: nil, body: nil, length: nil, modified: modified, keepAlive: keepAlive,
                          headOnly: true, requestLine: head.requestLine, started: started, extra: validators)
            return
        case .failed:
            drop()
            respondPage(412, "the file is not the version the request's If-Match or If-Unmodified-Since names", head: head,
                        keepAlive: keepAlive, extra: validators, started: started)
            return
        case .proceed:
            break
        }
        let contentType = MIMEType.forFile(name)
        switch HTTPPreconditions.range(head, size: size, etag: etag, modified: modified) {
        case .whole:
            if headOnly { drop() }
            queueResponse(status: 200, contentType: contentType, body: headOnly ? nil : body, length: size, modified: modified,
                          keepAlive: keepAlive, headOnly: headOnly, requestLine: head.requestLine, started: started,
                          extra: validators + [("Accept-Ranges", "bytes")])
        case .part(let first, let last):
            let part: Chunk = switch body {
            case .file(let fd, _, _): .file(fd: fd, offset: first, remaining: last - first + 1)
            case .bytes(let bytes, _): .bytes(Array(bytes[first...last]), offset: 0)
            case .done: body
            }
            queueResponse(status: 206, contentType: contentType, body: part, length: last - first + 1, modified: modified,
                          keepAlive: keepAlive, headOnly: false, requestLine: head.requestLine, started: started,
                          extra: validators + [("Accept-Ranges", "bytes"), ("Content-Range", "bytes \(first)-\(last)/\(size)")])
        case .unsatisfiable:
            drop()
            respondPage(416, "the file has \(size) bytes; the requested range starts past its end", head: head,
                        keepAlive: keepAlive, extra: [("Content-Range", "bytes */\(size)"), ("Accept-Ranges", "bytes")],
                        started: started)
        }
    }

    private func respondPage(_ status: Int, _ detail: String, head: HTTPRequestHead, keepAlive: Bool,
                             extra: [(name: String, value: String)] = [], started: DispatchTime) {
        let page = HTTPResponseHead.errorPage(status, detail: detail)
        let headOnly = head.method == "HEAD"
        queueResponse(status: status, contentType: "text/html; charset=utf-8", body: headOnly ? nil : .bytes(page, offset: 0),
                      length: page.count, modified: nil, keepAlive: keepAlive, headOnly: headOnly,
                      requestLine: head.requestLine, started: started, extra: extra)
    }

    private func respondError(_ error: HTTPParseError, requestLine: String) {
        let page = HTTPResponseHead.errorPage(error.status, detail: error.description)
        queueResponse(status: error.status, contentType: "text/html; charset=utf-8", body: .bytes(page, offset: 0),
                      length: page.count, modified: nil, keepAlive: false, headOnly: false, requestLine: requestLine,
                      started: .now())
    }

    private func queueResponse(status: Int, contentType: String?, body: Chunk?, length: Int?, modified: Int?,
                               keepAlive: Bool, headOnly: Bool, requestLine: String, started: DispatchTime,
                               extra: [(name: String, value: String)] = []) {
        var fields: [(name: String, value: String)] = [("Date", Self.currentDate()),
                                                       ("Server", "netlab")]
        if let contentType { fields.append(("Content-Type", contentType)) }
        if let length { fields.append(("Content-Length", String(length))) }
        // Never later than Date (a file touched into the future must not look newer than now).
        if let modified { fields.append(("Last-Modified", HTTPDate.format(min(modified, Int(Date().timeIntervalSince1970))))) }
        fields += extra
        fields.append(("Connection", keepAlive ? "keep-alive" : "close"))
        var head = HTTPResponseHead(status: status, fields: fields).bytes
        var total = head.count
        switch body {
        case .bytes(let page, _):
            head += page  // one write for head and an in-memory body
            total += page.count
            output.append(.bytes(head, offset: 0))
        case .some(let file):
            output.append(.bytes(head, offset: 0))
            output.append(file)
            total += length ?? 0
        case .none:
            output.append(.bytes(head, offset: 0))
        }
        queuedBytes += total
        output.append(.done(requestLine: requestLine, status: status, bytes: total, started: started))
        if !keepAlive { closeAfterFlush = true }
    }

    /// The Date header's value, formatted once per second (per server queue: one at a time).
    private nonisolated(unsafe) static var dateCache: (second: Int, text: String) = (-1, "")
    private static let dateLock = NSLock()

    static func currentDate() -> String {
        let second = Int(Date().timeIntervalSince1970)
        dateLock.lock()
        defer { dateLock.unlock() }
        if dateCache.second != second { dateCache = (second, HTTPDate.format(second)) }
        return dateCache.text
    }

    // MARK: Writing

    /// Runs one send-like call; returns the bytes it wrote, or nil when flush must stop: the
    /// socket is full (flush runs again when it has room, unless the client stays away past
    /// the idle timeout) or the send failed (the connection is closed).
    private func write(_ operation: String, _ call: () -> Int) -> Int? {
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
            handle.onWritable { [self] in flush() }
            if writeDeadline == .max {
                writeDeadline = DispatchTime.now().uptimeNanoseconds + UInt64(configuration.idleTimeout * 1e9)
            }
            return nil
        }
        if written > 0 { writeDeadline = .max }
        sentOfCurrent += written
        return written
    }

    private func flush() {
        while let chunk = output.first, !handle.isClosing {
            switch chunk {
            case .done(let requestLine, let status, let bytes, let started):
                output.removeFirst()
                queuedBytes -= bytes
                sentOfCurrent = 0
                let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                sink.emitTraffic(.http, .server, .served(peer: peer, requestLine: requestLine, status: status, bytes: bytes, milliseconds: ms))
            case .file(let fd, let offset, let remaining):
                guard remaining > 0 else {
                    Glibc.close(fd)
                    output.removeFirst()
                    continue
                }
                if !sink.wantsPayloads {
                    // Nobody looks at the bytes: the kernel copies file to socket (sendfile).
                    var position = off_t(offset)
                    guard let sent = write("sendfile", { netlab_sendfile(handle.fd, fd, &position, remaining) }) else { return }
                    guard sent > 0 else {
                        // The file got shorter than its Content-Length: the response cannot be finished.
                        sink.emit(.http, .server, .failed(.errno("sendfile", EIO, endpoint: peer)))
                        close()
                        return
                    }
                    output[0] = .file(fd: fd, offset: offset + sent, remaining: remaining - sent)
                    continue
                }
                // Read the next piece of the file; memory per connection stays at 64 KiB.
                var piece = [UInt8](repeating: 0, count: min(Self.readSize, remaining))
                let n = piece.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
                guard n > 0 else {
                    sink.emit(.http, .server, .failed(.errno("pread", n < 0 ? errno : EIO, endpoint: peer)))
                    close()
                    return
                }
                piece.removeLast(piece.count - n)
                output[0] = .file(fd: fd, offset: offset + n, remaining: remaining - n)
                output.insert(.bytes(piece, offset: 0), at: 0)
            case .bytes(var bytes, let offset):
                // Send a response head together with the start of its file: one syscall, one segment.
                if offset == 0, output.count > 1, case .file(let fd, let fileOffset, let remaining) = output[1], remaining > 0,
                   bytes.count < Self.readSize {
                    let room = min(Self.readSize - bytes.count, remaining)
                    let start = bytes.count
                    bytes += [UInt8](repeating: 0, count: room)
                    let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + start, room, off_t(fileOffset)) }
                    if n > 0 {
                        bytes.removeLast(room - n)
                        output[1] = .file(fd: fd, offset: fileOffset + n, remaining: remaining - n)
                        output[0] = .bytes(bytes, offset: 0)
                    } else {
                        bytes.removeLast(room)
                    }
                }
                guard let written = sink.stamped(.http, .server, call: .send, {
                    write("send", {
                        bytes.withUnsafeBytes { send(handle.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                    })
                }, events: { written in
                    guard let written, written > 0 else { return [] }
                    return [.sent(bytes: Array(bytes[offset..<offset + written]), from: local, to: peer)]
                }) else { return }
                if offset + written == bytes.count {
                    output.removeFirst()
                } else {
                    output[0] = .bytes(bytes, offset: offset + written)
                }
            }
        }
        guard !handle.isClosing else { return }
        handle.finishWriting()
        defer { updateReading() }
        if closeAfterFlush {
            // With unread input, close() answers with a reset, which may cost the client the
            // end of the response: send the FIN first.
            if !input.isEmpty { shutdown(handle.fd, Int32(SHUT_WR)) }
            close()
        } else if peerFinished && input.isEmpty {
            close()
        } else if !input.isEmpty && skipBody == 0 && chunkedBody == nil && !waitingForHead {
            process()
        } else if !waitingForHead {
            idle()
        }
    }

    /// The access-log line of the response that was being sent when the connection closed.
    private func logUnfinished() {
        for chunk in output {
            guard case .done(let requestLine, let status, let bytes, let started) = chunk else { continue }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
            sink.emitTraffic(.http, .server, .served(peer: peer, requestLine: requestLine, status: status,
                                                     bytes: min(sentOfCurrent, bytes), milliseconds: ms, unfinished: abortReason))
            return
        }
    }

    private func arm(_ seconds: Double, _ action: @escaping () -> Void) {
        deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        timeoutAction = action
    }

    func tick(now: UInt64) {
        if now >= writeDeadline, !handle.isClosing {
            abortReason = "the client read nothing for \(ClientFailure.format(configuration.idleTimeout)) s"
            close()
            return
        }
        guard now >= deadline, !handle.isClosing, let action = timeoutAction else { return }
        deadline = .max
        timeoutAction = nil
        action()
    }
}
