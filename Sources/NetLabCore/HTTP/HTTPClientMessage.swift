/// What the HTTP client sends for a line the user typed, and how it reads the answer.
public enum HTTPClientMessage {
    /// A path (`/`, `/index.html`) becomes a GET; a full request line (`HEAD / HTTP/1.0`) is
    /// sent as typed. Either way `Host` (for HTTP/1.1) and `Connection: close` are added.
    public static func request(for line: String, host: String, port: UInt16) -> [UInt8] {
        let trimmed = line.trimmingSpaces
        var requestLine = trimmed.hasPrefix("/") || trimmed.isEmpty ? "GET \(trimmed.isEmpty ? "/" : trimmed) HTTP/1.1" : trimmed
        if !requestLine.contains(" HTTP/") { requestLine += " HTTP/1.1" }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var text = requestLine + "\r\n"
        if requestLine.hasSuffix("HTTP/1.1") { text += "Host: \(authority)\r\n" }
        text += "User-Agent: netlab\r\nConnection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// The status line, header lines and body of a response, split at the first blank line.
    public struct Response: Equatable, Sendable {
        public var statusLine: String
        public var status: Int?
        public var headerLines: [String]
        public var body: [UInt8]

        /// The response's whole length (head and body), when known.
        public var total: Int?

        /// The first header field called `name` (any case), its value trimmed.
        public func field(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            return headerLines.first { $0.lowercased().hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingSpaces }
        }

        /// `200 OK, text/html, body 214 bytes (391 with the head)`, for a one-line summary:
        /// the body and the whole response are labelled, so neither is mistaken for the other.
        public var summary: String {
            let type =
                headerLines.first { $0.lowercased().hasPrefix("content-type:") }
                .map { String($0.dropFirst("content-type:".count)).trimmingSpaces } ?? "no Content-Type"
            let status = statusLine.split(separator: " ", maxSplits: 1).dropFirst().first ?? Substring(statusLine)
            let whole = total.map { " (\($0) with the head)" } ?? ""
            return "\(status), \(type), body \(body.count) bytes\(whole)"
        }
    }

    /// The whole response's length in bytes once its head is in and says how long the body
    /// is (`Content-Length`, or no body at all: HEAD, 1xx, 204, 304); nil while the head is
    /// incomplete or the body runs to the end of the connection (chunked, or no length).
    /// Lets a client stop at the end of a response on a connection the server keeps open.
    public static func responseLength(_ bytes: [UInt8], toHEAD: Bool) -> Int? {
        guard let end = headEnd(bytes) else { return nil }
        let response = parseResponse(Array(bytes[..<end]))
        guard let status = response.status else { return nil }
        if toHEAD || (100..<200).contains(status) || status == 204 || status == 304 { return end }
        var length: Int?
        for line in response.headerLines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingSpaces
            if name == "transfer-encoding" { return nil }
            if name == "content-length" {
                guard let parsed = Int(value), parsed >= 0, length == nil || length == parsed else { return nil }
                length = parsed
            }
        }
        // A length no response can have (`Content-Length: 9223372036854775807`) is read to the
        // end of the connection, as if no length were given: never an overflow.
        guard let length else { return nil }
        let (total, overflow) = end.addingReportingOverflow(length)
        return overflow ? nil : total
    }

    /// The body length the head promises (`Content-Length`), when the head is in and names one.
    public static func promisedBody(_ bytes: [UInt8]) -> Int? {
        guard let end = headEnd(bytes), let total = responseLength(bytes, toHEAD: false) else { return nil }
        return total - end
    }

    /// The index just past the blank line that ends a response head, if it has arrived.
    public static func headEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A { return i + 2 }
            if i + 3 < bytes.count, bytes[i] == 0x0D, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x0D, bytes[i + 3] == 0x0A {
                return i + 4
            }
            i += 1
        }
        return nil
    }

    /// The response, once its whole head has arrived (nil before).
    public static func split(_ bytes: [UInt8]) -> Response? {
        headEnd(bytes) == nil ? nil : parseResponse(bytes)
    }

    public static func parseResponse(_ bytes: [UInt8]) -> Response {
        let bodyStart = headEnd(bytes) ?? bytes.count
        // Split bytes, not a String: in Swift "\r\n" is one Character and never equals "\n".
        // The blank line that ends the head is the only empty one: dropped.
        let lines = bytes[0..<bodyStart].split(separator: 0x0A).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }.filter { !$0.isEmpty }
        let statusLine = lines.first ?? ""
        let parts = statusLine.split(separator: " ")
        let status = parts.count >= 2 && parts[0].hasPrefix("HTTP/") ? Int(parts[1]) : nil
        return Response(
            statusLine: statusLine, status: status, headerLines: Array(lines.dropFirst()),
            body: Array(bytes[bodyStart...]), total: bytes.count)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
