import HTTPTypes

/// A response's status line and header fields, serialized for HTTP/1.1.
public struct HTTPResponseHead: Equatable, Sendable {
    public var status: Int
    public var fields: [(name: String, value: String)]

    public init(status: Int, fields: [(name: String, value: String)] = []) {
        self.status = status
        self.fields = fields
    }

    public static func == (a: HTTPResponseHead, b: HTTPResponseHead) -> Bool {
        a.status == b.status && a.fields.elementsEqual(b.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// `200 OK`, `404 Not Found`, ... with the reason phrases of swift-http-types.
    public static func reason(_ code: Int) -> String {
        reasons[code] ?? ""
    }

    /// Built once: every response head looks its phrase up.
    private static let reasons: [Int: String] = {
        let known: [HTTPResponse.Status] = [
            .ok, .partialContent, .movedPermanently, .notModified, .badRequest, .forbidden, .notFound, .methodNotAllowed,
            .requestTimeout, .preconditionFailed, .uriTooLong, .rangeNotSatisfiable, .requestHeaderFieldsTooLarge,
            .internalServerError, .notImplemented, .serviceUnavailable, .httpVersionNotSupported,
        ]
        return Dictionary(uniqueKeysWithValues: known.map { ($0.code, $0.reasonPhrase) })
    }()

    public var statusLine: String { "HTTP/1.1 \(status) \(Self.reason(status))" }

    /// The head as bytes: status line, fields, blank line.
    public var bytes: [UInt8] {
        var writer = Writer(status: status, room: fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        for field in fields { writer.field(field.name, field.value) }
        return writer.finish()
    }

    /// Writes a head straight into one byte array, field by field: a response head per
    /// request is on the HTTP server's hot path (an array of fields, then the bytes, cost
    /// four allocations more per response).
    public struct Writer {
        private var out: [UInt8] = []

        public init(status: Int, room: Int = 256) {
            out.reserveCapacity(64 + room)
            out += "HTTP/1.1 ".utf8
            out += String(status).utf8
            out.append(0x20)
            out += HTTPResponseHead.reason(status).utf8
            lineEnd()
        }

        /// Fields only, no status line (`fieldBytes`): a part of a head written once and kept.
        public init(fieldsOnly: Void) {
            out.reserveCapacity(256)
        }

        /// The fields written so far, without the blank line.
        public var fieldBytes: [UInt8] { out }

        /// Fields written before (`fieldBytes` of another writer), appended as they are.
        public mutating func append(_ fields: [UInt8]) {
            out += fields
        }

        /// CR LF as two appends: an array literal here cost an allocation per response.
        private mutating func lineEnd() {
            out.append(0x0D)
            out.append(0x0A)
        }

        public mutating func field(_ name: String, _ value: String) {
            out += name.utf8
            out.append(0x3A)
            out.append(0x20)
            out += value.utf8
            lineEnd()
        }

        /// The head with its blank line. Mutating, not consuming: a consuming one appended to
        /// a copy of the bytes (an allocation per response).
        public mutating func finish() -> [UInt8] {
            lineEnd()
            return out
        }
    }

    /// A small HTML page for an error status, e.g. the lab's 404.
    public static func errorPage(_ code: Int, detail: String) -> [UInt8] {
        let title = "\(code) \(reason(code))"
        let escaped = detail.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
        return Array(
            """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(title)</title></head>
            <body><h1>\(title)</h1><p>\(escaped)</p><hr><p>netlab</p></body></html>

            """.utf8)
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
