/// The request line and header fields of one HTTP/1.x request, as parsed.
public struct HTTPRequestHead: Equatable, Sendable {
    public struct Field: Equatable, Sendable {
        public var name: String
        public var value: String
    }

    public var method: String
    /// The request-target exactly as sent (origin form `/a/b?q`, or absolute form).
    public var target: String
    /// (1, 0), (1, 1), or a later 1.x, which is answered as 1.1 (RFC 9112, section 2.3).
    public var version: (major: Int, minor: Int)
    public var fields: [Field]
    /// Bytes of body that follow the head (from Content-Length); the server skips them.
    public var bodyLength: Int
    /// The body follows in chunked transfer coding (its length is found by decoding it).
    public var chunked = false

    public static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.target == b.target && a.version == b.version && a.fields == b.fields
            && a.bodyLength == b.bodyLength && a.chunked == b.chunked
    }

    /// The methods RFC 9110 (and PATCH, RFC 5789) define: a server that does not serve one
    /// answers 405; any other method is 501.
    public static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    /// The first value of a field, by case-insensitive name.
    public func field(_ name: String) -> String? {
        for index in fields.indices where Self.sameName(fields[index].name, name) { return fields[index].value }
        return nil
    }

    /// ASCII case-insensitive equality of field names, without allocating lowercased copies.
    /// A request's fields are compared with a dozen names (the parser's, the preconditions',
    /// Range, Connection): lengths first, then the bytes where they lie. (A zip of the two
    /// UTF-8 views, generic and not inlined, cost 1.4% of the HTTP server's CPU per request
    /// under wrk.)
    static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        return a.withUTF8 { sameName($0, b) }
    }

    /// Equal lengths assumed.
    private static func sameBytes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<x.count where !sameByte(x[index], y[index]) { return false }
        return true
    }

    /// Equal, or the same ASCII letter in another case.
    @inline(__always)
    private static func sameByte(_ x: UInt8, _ y: UInt8) -> Bool {
        x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
    }

    /// `GET /index.html HTTP/1.1`
    public var requestLine: String {
        // Appended into one string of its final size (an interpolation took two allocations).
        var line = ""
        line.reserveCapacity(method.utf8.count + target.utf8.count + 12)
        line += method
        line += " "
        line += target
        line += " HTTP/"
        line += String(version.major)
        line += "."
        line += String(version.minor)
        return line
    }

    /// Whether the connection stays open after the response (RFC 9112, section 9.3): HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`. Every
    /// Connection field counts (RFC 9110, section 5.3: repeated fields are one list).
    public var keepAlive: Bool {
        var close = false
        var keepAlive = false
        for field in fields where Self.sameName(field.name, "Connection") {
            Self.forEachToken(field.value) { token in
                if Self.sameName(token, "close") { close = true }
                if Self.sameName(token, "keep-alive") { keepAlive = true }
            }
        }
        if close { return false }
        return version.minor >= 1 || keepAlive
    }

    /// The comma-separated tokens of a field value, spaces and tabs around each trimmed: the
    /// value's bytes where they lie (a Substring per token was most of this getter's time).
    static func forEachToken(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x2C { end += 1 }
                var first = start
                var last = end
                while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
                while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 { last -= 1 }
                if first < last { body(UnsafeBufferPointer(rebasing: bytes[first..<last])) }
                start = end + 1
            }
        }
    }

    /// Bytes (a token) compared with a name, ASCII case-insensitively.
    static func sameName(_ a: UnsafeBufferPointer<UInt8>, _ b: String) -> Bool {
        guard a.count == b.utf8.count else { return false }
        var b = b
        return b.withUTF8 { sameBytes(a, $0) }
    }
}
