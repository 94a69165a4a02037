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
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// ASCII case-insensitive equality of field names, without allocating lowercased copies.
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { x, y in
                x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
            }
    }

    /// `GET /index.html HTTP/1.1`
    public var requestLine: String { "\(method) \(target) HTTP/\(version.major).\(version.minor)" }

    /// Whether the connection stays open after the response (RFC 9112, section 9.3): HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        let tokens = (field("Connection") ?? "").lowercased().split(separator: ",").map {
            String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        if tokens.contains("close") { return false }
        if version.minor >= 1 { return true }
        return tokens.contains("keep-alive")
    }
}
