import Foundation
import Synchronization

/// Every decision about what to answer to a request head: method (405/501), target (400/403),
/// the site's resource (404/301/listing/file), validators (304/412), ranges (206/416), the
/// busy answer (503), the fields of the head. A value type with no I/O of its own: the site
/// lookup and the clock are injected.
public struct HTTPResponder {
    public typealias Lookup = (HTTPTarget.Path) -> Result<HTTPResource, HTTPRefusal>

    public let closeAfterEachResponse: Bool
    /// Past the connection limit: every answer is 503, then close.
    public let busy: Bool
    let clock: HTTPClock
    let lookup: Lookup

    /// `closeAfterEachResponse`: `Connection: close` every time (the lab's one-request server).
    public init(closeAfterEachResponse: Bool = false, busy: Bool, clock: HTTPClock, lookup: @escaping Lookup) {
        self.closeAfterEachResponse = closeAfterEachResponse
        self.busy = busy
        self.clock = clock
        self.lookup = lookup
    }

    /// The answer to a complete request head.
    public func respond(to head: HTTPRequestHead) -> HTTPResponsePlan {
        let keepAlive = head.keepAlive && !closeAfterEachResponse && !busy
        if busy {
            return page(
                503, "Too many connections; try again in a moment.", head: head, keepAlive: false,
                extra: [("Retry-After", "1")])
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            // A method HTTP defines but this server does not serve is 405 (with Allow); one it
            // does not know at all is 501 (RFC 9110, sections 15.5.6 and 15.6.2). Without a
            // framed body (Content-Length or chunked) either ends the connection: a student's
            // client often sends a body with no length, and read as the next request it would
            // get an answer nobody asked for (a 400). A framed body is skipped and the
            // connection kept.
            let keep = keepAlive && (head.bodyLength > 0 || head.chunked)
            if HTTPRequestHead.standardMethods.contains(head.method) {
                return page(
                    405, "\(head.method) is not served here; use GET or HEAD.", head: head, keepAlive: keep,
                    extra: [("Allow", "GET, HEAD")])
            }
            return page(
                501, "the method \(head.method) is not implemented here; use GET or HEAD.", head: head,
                keepAlive: keep)
        }
        let target: HTTPTarget.Path
        switch HTTPTarget.path(of: head.target) {
        case .success(let found): target = found
        case .failure(let refusal): return page(refusal.status, refusal.detail, head: head, keepAlive: keepAlive)
        }
        switch lookup(target) {
        case .failure(let refusal):
            return page(refusal.status, refusal.detail, head: head, keepAlive: keepAlive)
        case .success(.redirect(let location)):
            return page(301, "this folder is at \(location)", head: head, keepAlive: keepAlive, extra: [("Location", location)])
        case .success(.listing(let listing)):
            let headOnly = head.method == "HEAD"
            return response(
                status: 200, contentType: "text/html; charset=utf-8", body: headOnly ? .none : .bytes(listing),
                length: listing.count, modified: nil, keepAlive: keepAlive, request: head,
                extra: [("Cache-Control", "no-cache")])
        case .success(.file(let token, let size, let modified, let version, let name)):
            return file(
                .file(token, offset: 0, length: size), size: size, modified: modified, version: version, name: name,
                head: head, keepAlive: keepAlive)
        case .success(.memory(let bytes, let modified, let version, let name)):
            return file(
                .bytes(bytes), size: bytes.count, modified: modified, version: version, name: name, head: head,
                keepAlive: keepAlive)
        }
    }

    /// The answer to bytes that are not a request (parse errors): the page, then close.
    public func refuse(_ refusal: HTTPRefusal) -> HTTPResponsePlan {
        let page = HTTPResponseHead.errorPage(refusal.status, detail: refusal.detail)
        return response(
            status: refusal.status, contentType: "text/html; charset=utf-8", body: .bytes(page), length: page.count,
            modified: nil, keepAlive: false, request: nil)
    }

    /// 408: a request head that did not arrive in time; then close.
    public func timedOut() -> HTTPResponsePlan {
        refuse(HTTPRefusal(408, "The request did not arrive in time."))
    }

    /// A file's answer: its validators, then preconditions (304/412), then a range (206/416)
    /// or the whole file (200). `whole` is the whole file, in memory or open.
    private func file(
        _ whole: HTTPResponsePlan.Body, size: Int, modified: Int, version: Int, name: String,
        head: HTTPRequestHead, keepAlive: Bool
    ) -> HTTPResponsePlan {
        let headOnly = head.method == "HEAD"
        let known = Self.knownFields(size: size, version: version, name: name)
        let etag = known?.etag ?? Self.etag(size: size, version: version)
        // no-cache: the browser may keep the file but must ask (cheaply, with the validators)
        // before using it, so a student's edit shows on the next reload.
        let answer: HTTPResponsePlan
        switch HTTPPreconditions.evaluate(head, etag: etag, modified: modified) {
        case .notModified:
            answer = response(
                status: 304, contentType: nil, body: .none, length: nil, modified: modified, keepAlive: keepAlive,
                request: head, etag: etag)
        case .failed:
            answer = page(
                412, "the file is not the version the request's If-Match or If-Unmodified-Since names", head: head,
                keepAlive: keepAlive, extra: [("ETag", etag), ("Cache-Control", "no-cache")])
        case .proceed:
            // Looked up only for a head written field by field.
            var contentType: String { MIMEType.forFile(name) }
            switch HTTPPreconditions.range(head, size: size, etag: etag, modified: modified) {
            case .whole:
                let now = clock.secondsSince1970()
                // Its fields from Server to Accept-Ranges are the same in every whole answer while
                // the file stays the same version: written once (one lookup here took the place
                // of the MIME type's, the ETag's and Last-Modified's, and of six fields written:
                // Connection: close, alternated, CPU per request -1.1% at 1 MiB, -1.4% at
                // 1 KiB). Not kept for a file dated in the future: its Last-Modified is Date,
                // which moves.
                let fields: [UInt8]
                if modified <= now, let known {
                    fields = known.bytes
                } else {
                    fields = Self.wholeFileFields(contentType: contentType, size: size, modified: min(modified, now), etag: etag)
                    if modified <= now { Self.rememberFields(size: size, version: version, name: name, etag: etag, bytes: fields) }
                }
                answer = response(
                    status: 200, now: now, fields: fields, body: headOnly ? .none : whole, keepAlive: keepAlive, request: head)
            case .part(let first, let last):
                let part: HTTPResponsePlan.Body =
                    switch whole {
                    case .file(let token, _, _): .file(token, offset: first, length: last - first + 1)
                    case .bytes(let bytes): .bytes(Array(bytes[first...last]))
                    case .none: .none
                    }
                answer = response(
                    status: 206, contentType: contentType, body: part, length: last - first + 1, modified: modified,
                    keepAlive: keepAlive, request: head, etag: etag, ranges: true,
                    extra: [("Content-Range", "bytes \(first)-\(last)/\(size)")])
            case .unsatisfiable:
                answer = page(
                    416, "the file has \(size) bytes; the requested range starts past its end", head: head,
                    keepAlive: keepAlive, extra: [("Content-Range", "bytes */\(size)"), ("Accept-Ranges", "bytes")])
            }
        }
        return answer
    }

    /// An error or notice page (the body is left out for HEAD).
    private func page(
        _ status: Int, _ detail: String, head: HTTPRequestHead, keepAlive: Bool,
        extra: [(name: String, value: String)] = []
    ) -> HTTPResponsePlan {
        let page = HTTPResponseHead.errorPage(status, detail: detail)
        return response(
            status: status, contentType: "text/html; charset=utf-8",
            body: head.method == "HEAD" ? .none : .bytes(page), length: page.count, modified: nil,
            keepAlive: keepAlive, request: head, extra: extra)
    }

    /// `etag`: the ETag and `Cache-Control: no-cache` (a file's validators); `ranges`:
    /// `Accept-Ranges: bytes`; then `extra`, then Connection.
    private func response(
        status: Int, contentType: String?, body: HTTPResponsePlan.Body, length: Int?, modified: Int?,
        keepAlive: Bool, request: HTTPRequestHead?, etag: String? = nil, ranges: Bool = false,
        extra: [(name: String, value: String)] = []
    ) -> HTTPResponsePlan {
        let now = clock.secondsSince1970()
        var head = HTTPResponseHead.Writer(status: status, room: 256 + Self.room(for: body))
        head.field("Date", Self.date(now))
        head.field("Server", "netlab")
        if let contentType { head.field("Content-Type", contentType) }
        if let length { head.field("Content-Length", String(length)) }
        // Never later than Date (a file touched into the future must not look newer than now).
        if let modified { head.field("Last-Modified", Self.lastModified(min(modified, now))) }
        if let etag {
            head.field("ETag", etag)
            head.field("Cache-Control", "no-cache")
        }
        if ranges { head.field("Accept-Ranges", "bytes") }
        for field in extra { head.field(field.name, field.value) }
        head.field("Connection", keepAlive ? "keep-alive" : "close")
        return HTTPResponsePlan(status: status, head: head.finish(), body: body, keepAlive: keepAlive, request: request)
    }

    /// Room for an in-memory body in its head's array: the server sends head and body as one
    /// array, and appends the body to the head without another allocation.
    private static func room(for body: HTTPResponsePlan.Body) -> Int {
        if case .bytes(let bytes) = body { return bytes.count }
        return 0
    }

    /// A whole file's 200 answer: Date, its fields from Server to Accept-Ranges
    /// (`wholeFileFields`), Connection; the order `response(status:contentType:...)` writes
    /// every other answer's head in.
    private func response(
        status: Int, now: Int, fields: [UInt8], body: HTTPResponsePlan.Body, keepAlive: Bool, request: HTTPRequestHead
    ) -> HTTPResponsePlan {
        var head = HTTPResponseHead.Writer(status: status, room: 64 + fields.count + Self.room(for: body))
        head.field("Date", Self.date(now))
        head.append(fields)
        head.field("Connection", keepAlive ? "keep-alive" : "close")
        return HTTPResponsePlan(status: status, head: head.finish(), body: body, keepAlive: keepAlive, request: request)
    }

    /// The fields of a whole file's answer from Server to Accept-Ranges, in the order
    /// `response(status:contentType:...)` writes them.
    static func wholeFileFields(contentType: String, size: Int, modified: Int, etag: String) -> [UInt8] {
        var fields = HTTPResponseHead.Writer(fieldsOnly: ())
        fields.field("Server", "netlab")
        fields.field("Content-Type", contentType)
        fields.field("Content-Length", String(size))
        fields.field("Last-Modified", HTTPDate.format(modified))
        fields.field("ETag", etag)
        fields.field("Cache-Control", "no-cache")
        fields.field("Accept-Ranges", "bytes")
        return fields.fieldBytes
    }

    /// A file version's ETag and whole-answer fields. Keyed by the version (the modification
    /// time in nanoseconds); the size and name must match too. A few entries: the files being
    /// served now; cleared when it grows past 64.
    private static let fieldsCache = Mutex<[Int: (size: Int, name: String, etag: String, bytes: [UInt8])]>([:])

    private static func knownFields(size: Int, version: Int, name: String) -> (etag: String, bytes: [UInt8])? {
        fieldsCache.withLock { cache in
            guard let found = cache[version], found.size == size, found.name == name else { return nil }
            return (found.etag, found.bytes)
        }
    }

    private static func rememberFields(size: Int, version: Int, name: String, etag: String, bytes: [UInt8]) {
        fieldsCache.withLock { cache in
            if cache.count >= 64 { cache.removeAll(keepingCapacity: true) }
            cache[version] = (size, name, etag, bytes)
        }
    }

    /// The Date header's value, formatted once per second (shared by every server's queue).
    private static let dateCache = Mutex<(second: Int, text: String)>((-1, ""))

    /// Last-Modified values, formatted once per file version (a few entries: the files being
    /// served now; cleared when it grows past 64).
    private static let modifiedCache = Mutex<[Int: String]>([:])

    static func lastModified(_ second: Int) -> String {
        modifiedCache.withLock { cache in
            if let text = cache[second] { return text }
            if cache.count >= 64 { cache.removeAll(keepingCapacity: true) }
            let text = HTTPDate.format(second)
            cache[second] = text
            return text
        }
    }

    /// ETags, made once per file version (as Last-Modified values: a few entries, cleared
    /// past 64): formatting one took two allocations per response.
    private static let etagCache = Mutex<[Int: (size: Int, tag: String)]>([:])

    static func etag(size: Int, version: Int) -> String {
        etagCache.withLock { cache in
            if let found = cache[version], found.size == size { return found.tag }
            if cache.count >= 64 { cache.removeAll(keepingCapacity: true) }
            let tag = HTTPPreconditions.etag(size: size, modifiedNanoseconds: version)
            cache[version] = (size, tag)
            return tag
        }
    }

    static func date(_ second: Int) -> String {
        dateCache.withLock { cache in
            if cache.second != second { cache = (second, HTTPDate.format(second)) }
            return cache.text
        }
    }
}
