import HTTPTypes

/// An incremental HTTP/1.x request-head parser (RFC 9112): a value-type state machine fed
/// the bytes received so far. It finds the end of the head, checks the limits, and returns
/// the parsed head with how many bytes it used, so pipelined requests parse one after another.
public struct HTTPRequestParser: Sendable {
    public struct Limits: Equatable, Sendable {
        public var requestLine = 8192
        public var headerBytes = 16384
        public var headerCount = 100
        public init() {}
    }

    public enum ParseResult: Equatable, Sendable {
        /// The head is not complete yet.
        case needMore
        /// A complete head, which used `consumed` bytes of the input (the body, if any, is not included).
        case head(HTTPRequestHead, consumed: Int)
        case failed(HTTPRefusal)
    }

    public let limits: Limits
    /// How far previous calls searched for the end of the head, so feeding a byte at a time
    /// stays linear.
    private var searched = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses the start of `bytes` (everything received and not yet consumed). Call again with
    /// more bytes after `.needMore`; after `.head`, drop `consumed` bytes and call again.
    public mutating func parse(_ bytes: ArraySlice<UInt8>) -> ParseResult {
        // Empty lines before a request line are ignored (RFC 9112, section 2.2).
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard start < bytes.endIndex else { return .needMore }
        let from = max(start, bytes.startIndex + searched - 3)
        guard let end = Self.endOfHead(bytes, from: from) else {
            searched = bytes.count
            if let lineEnd = bytes[start...].firstIndex(of: 0x0A) {
                if lineEnd - start > limits.requestLine { return .failed(.uriTooLong(limit: limits.requestLine)) }
            } else if bytes.endIndex - start > limits.requestLine {
                return .failed(.uriTooLong(limit: limits.requestLine))
            }
            if bytes.endIndex - start > limits.requestLine + limits.headerBytes {
                return .failed(.headersTooLarge("more than \(limits.headerBytes) bytes"))
            }
            return .needMore
        }
        searched = 0
        switch Self.parseHead(bytes[start..<end.headEnd], limits: limits) {
        case .success(let head): return .head(head, consumed: end.afterHead - bytes.startIndex)
        case .failure(let error): return .failed(error)
        }
    }

    /// The index after the head's last line and after its blank line, if complete.
    private static func endOfHead(_ bytes: ArraySlice<UInt8>, from: Int) -> (headEnd: Int, afterHead: Int)? {
        var i = max(from, bytes.startIndex)
        while i < bytes.endIndex {
            if bytes[i] == 0x0A {
                // LF LF or LF CR LF ends the head (bare LF is accepted as a line end).
                if i + 1 < bytes.endIndex, bytes[i + 1] == 0x0A { return (i + 1, i + 2) }
                if i + 2 < bytes.endIndex, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { return (i + 1, i + 3) }
            }
            i += 1
        }
        return nil
    }

    private static func parseHead(_ head: ArraySlice<UInt8>, limits: Limits) -> Result<HTTPRequestHead, HTTPRefusal> {
        // Walks the lines in place: no array of lines, no String until a value is kept.
        var cursor = head.startIndex
        func nextLine() -> ArraySlice<UInt8>? {
            guard cursor < head.endIndex else { return nil }
            let end = head[cursor...].firstIndex(of: 0x0A) ?? head.endIndex
            var line = head[cursor..<end]
            cursor = end < head.endIndex ? end + 1 : end
            if line.last == 0x0D { line = line.dropLast() }
            return line
        }
        guard let first = nextLine(), !(first.isEmpty && cursor >= head.endIndex) else {
            return .failure(.badRequest("empty request"))
        }
        if first.count > limits.requestLine { return .failure(.uriTooLong(limit: limits.requestLine)) }
        guard let space1 = first.firstIndex(of: 0x20), let space2 = first[(space1 + 1)...].firstIndex(of: 0x20),
            !first[(space2 + 1)...].contains(0x20)
        else {
            return .failure(.badRequest("the request line must be METHOD SP TARGET SP HTTP-VERSION"))
        }
        let methodBytes = first[first.startIndex..<space1]
        let targetBytes = first[(space1 + 1)..<space2]
        guard !methodBytes.isEmpty, !targetBytes.isEmpty else {
            return .failure(.badRequest("the request line must be METHOD SP TARGET SP HTTP-VERSION"))
        }
        guard isToken(methodBytes) else { return .failure(.badRequest("the method is not a token")) }
        guard targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.badRequest("the target has spaces, control bytes or non-ASCII bytes"))
        }
        let version: (Int, Int)
        switch parseVersion(first[(space2 + 1)...]) {
        case .success(let v): version = v
        case .failure(let error): return .failure(error)
        }
        if head.count - first.count > limits.headerBytes {
            return .failure(.headersTooLarge("more than \(limits.headerBytes) bytes"))
        }
        var fields: [HTTPRequestHead.Field] = []
        // Room for a field per line at once: growing by appends cost two allocations.
        fields.reserveCapacity(min(head[cursor...].count { $0 == 0x0A } + 1, limits.headerCount))
        var fieldCount = 0
        var hosts = 0
        var contentLength: String?
        var transferCoding: String?
        while let line = nextLine() {
            guard let first = line.first else { continue }
            fieldCount += 1
            if fieldCount > limits.headerCount {
                return .failure(.headersTooLarge("more than \(limits.headerCount) fields"))
            }
            if first == 0x20 || first == 0x09 { return .failure(.badRequest("obsolete line folding")) }
            guard let colon = line.firstIndex(of: 0x3A) else { return .failure(.badRequest("a header line without ':'")) }
            let nameBytes = line[line.startIndex..<colon]
            guard isToken(nameBytes) else {
                return .failure(.badRequest("an invalid header name (no spaces before ':')"))
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            var value = line[(colon + 1)...]
            while let b = value.first, b == 0x20 || b == 0x09 { value = value.dropFirst() }
            while let b = value.last, b == 0x20 || b == 0x09 { value = value.dropLast() }
            guard HTTPField.isValidValue(value) else { return .failure(.badRequest("a control byte in the \(name) header")) }
            let text = String(decoding: value, as: UTF8.self)
            if HTTPRequestHead.sameName(name, "host") { hosts += 1 }
            if HTTPRequestHead.sameName(name, "transfer-encoding") {
                transferCoding = ((transferCoding.map { $0 + "," } ?? "") + text).lowercased()
            }
            if HTTPRequestHead.sameName(name, "content-length") {
                if let earlier = contentLength, earlier != text { return .failure(.badRequest("conflicting Content-Length headers")) }
                contentLength = text
            }
            fields.append(.init(name: name, value: text))
        }
        if version.1 >= 1 && hosts != 1 {
            return .failure(.badRequest(hosts == 0 ? "HTTP/1.1 requires a Host header" : "more than one Host header"))
        }
        var bodyLength = 0
        var chunked = false
        if let coding = transferCoding {
            // Only "chunked" alone is understood; with Content-Length too the message is
            // ambiguous (a request-smuggling shape), so it is refused (RFC 9112, section 6.3).
            let codings = coding.split(separator: ",").map { String($0).trimmingSpaces }
            guard codings == ["chunked"] else { return .failure(.notImplemented("the transfer coding \"\(coding)\"")) }
            if contentLength != nil { return .failure(.badRequest("both Transfer-Encoding and Content-Length")) }
            chunked = true
        }
        if let length = contentLength {
            guard !length.isEmpty, length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), length.utf8.count <= 12,
                let value = Int(length)
            else {
                return .failure(.badRequest("Content-Length is not a number"))
            }
            bodyLength = value
        }
        return .success(
            HTTPRequestHead(
                method: String(decoding: methodBytes, as: UTF8.self),
                target: String(decoding: targetBytes, as: UTF8.self),
                version: version, fields: fields, bodyLength: bodyLength, chunked: chunked))
    }

    /// RFC 9110 token: one or more of ! # $ % & ' * + - . ^ _ ` | ~, digits and letters.
    static func isToken(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
            case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
            default: false
            }
        }
    }

    /// Bytes, not a String: one allocation less per request.
    private static func parseVersion(_ bytes: ArraySlice<UInt8>) -> Result<(Int, Int), HTTPRefusal> {
        let start = bytes.startIndex
        guard bytes.count == 8, bytes.prefix(5).elementsEqual("HTTP/".utf8), bytes[start + 6] == 0x2E,
            (0x30...0x39).contains(bytes[start + 5]), (0x30...0x39).contains(bytes[start + 7])
        else {
            return .failure(.badRequest("the version must look like HTTP/1.1"))
        }
        let major = Int(bytes[start + 5] - 0x30)
        let minor = Int(bytes[start + 7] - 0x30)
        // HTTP/1.2 and later 1.x are answered as 1.1 (RFC 9112, section 2.3); 2.0 and up are not HTTP/1.
        guard major == 1 else { return .failure(.versionNotSupported(String(decoding: bytes.dropFirst(5), as: UTF8.self))) }
        return .success((major, minor))
    }
}

extension String {
    /// The bytes as a String, or nil if they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: ArraySlice<UInt8>) {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(scalars)
    }
}
