/// Turns a request-target into path segments under a document root, refusing anything that
/// could reach outside it. Pure: the engine still resolves the real path on disk (symlinks)
/// and checks containment.
public enum HTTPTarget {
    /// A target's path, decoded: its segments, whether it ended in `/` (a folder's URL), and
    /// the query as sent.
    public struct Path: Equatable, Sendable {
        public var segments: [String]
        public var trailingSlash: Bool
        public var query: String?

        /// The path as a URL path again (`/a/b%20c/`), for a redirect's Location.
        public var encoded: String {
            "/" + segments.map(HTTPTarget.percentEncode).joined(separator: "/") + (trailingSlash && !segments.isEmpty ? "/" : "")
        }
    }

    /// The decoded segments of the target's path: `/a/b%20c/?q` gives `["a", "b c"]`.
    public static func segments(of target: String) -> Result<[String], HTTPRefusal> {
        path(of: target).map(\.segments)
    }

    /// The target's path with dot segments removed as RFC 3986 (section 5.2.4) says: `.` and
    /// empty segments go, `..` removes the segment before it (`/a/../b` is `/b`). A `..` with
    /// nothing left to remove would leave the root: refused, as are encoded `/` or `\` and NUL.
    public static func path(of target: String) -> Result<Path, HTTPRefusal> {
        plainPath(of: target).map { .success($0) } ?? decodedPath(of: target)
    }

    /// The common case without Character-by-Character string work (a tenth of the HTTP
    /// server's time in a profile): a target of only letters, digits, `-`, `_`, `.`, `~` and
    /// `/`, none of its segments `.` or `..`. Then nothing is encoded and nothing normalised
    /// but empty segments; anything else (`%`, `?`, dot segments, absolute form) takes
    /// `decodedPath`, and `HTTPTargetTests` checks that both agree.
    static func plainPath(of target: String) -> Path? {
        let bytes = target.utf8
        guard bytes.first == 0x2F,
            bytes.allSatisfy({ byte in
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E, 0x7E, 0x2F: true
                default: false
                }
            })
        else { return nil }
        // The segments between slashes, walked in place (a split made an array more).
        var segments: [String] = []
        var start = bytes.startIndex
        var index = start
        while true {
            let atEnd = index == bytes.endIndex
            if atEnd || bytes[index] == 0x2F {
                if start != index {
                    let piece = bytes[start..<index]
                    if piece.allSatisfy({ $0 == 0x2E }) && piece.count <= 2 { return nil }  // "." or ".."
                    segments.append(String(decoding: piece, as: UTF8.self))
                }
                if atEnd { break }
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        return Path(segments: segments, trailingSlash: bytes.last == 0x2F || segments.isEmpty, query: nil)
    }

    /// Every target: percent-decoding, dot segments, queries, absolute form.
    static func decodedPath(of target: String) -> Result<Path, HTTPRefusal> {
        var path = Substring(target)
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            // Absolute form: keep only the path (RFC 9112, section 3.2.2).
            let afterScheme = path[path.range(of: "://")!.upperBound...]
            guard let slash = afterScheme.firstIndex(of: "/") else { return .success(Path(segments: [], trailingSlash: true)) }
            path = afterScheme[slash...]
        }
        guard path.hasPrefix("/") else { return .failure(.malformed("the target must start with /")) }
        var query: String?
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            if path[end] == "?" { query = String(path[path.index(after: end)...].prefix { $0 != "#" }) }
            path = path[..<end]
        }
        var result: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let bytes = percentDecode(raw) else { return .failure(.malformed("bad percent-encoding in \(raw)")) }
            if bytes.contains(0) { return .failure(.forbidden("a NUL byte in the path")) }
            if bytes.contains(0x2F) || bytes.contains(0x5C) {
                return .failure(.forbidden("an encoded slash or a backslash in the path"))
            }
            guard let segment = String(validatingUTF8Bytes: bytes[...]) else {
                return .failure(.malformed("the path is not UTF-8"))
            }
            if segment == "." { continue }
            if segment == ".." {
                guard !result.isEmpty else { return .failure(.forbidden("'..' would leave the served folder")) }
                result.removeLast()
                continue
            }
            result.append(segment)
        }
        // A path ending in "/", "/." or "/.." names a folder ("/a/./b" names b).
        let last = path.split(separator: "/").last.flatMap(percentDecode)
        let endsInDot = last == Array(".".utf8) || last == Array("..".utf8)
        return .success(Path(segments: result, trailingSlash: path.hasSuffix("/") || endsInDot || result.isEmpty, query: query))
    }

    /// Percent-encodes a segment for a URL path (unreserved characters and sub-delims stay).
    public static func percentEncode(_ segment: String) -> String {
        percentEncode(segment) { byte in
            switch byte {
            case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D, 0x3A, 0x40: true
            default: isUnreserved(byte)
            }
        }
    }

    /// Every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) encoded: a listing's
    /// link made of a file's name can then never start a scheme (`javascript%3A...` is a
    /// relative path), whatever the name holds.
    public static func percentEncodeStrict(_ name: String) -> String {
        percentEncode(name, keeping: isUnreserved)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: true
        default: false
        }
    }

    private static func percentEncode(_ text: String, keeping: (UInt8) -> Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case _ where keeping(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
            }
        }
        return out
    }

    static func percentDecode(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            guard b == 0x25 else {
                out.append(b)
                continue
            }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// The value of an ASCII hexadecimal digit (also for chunk sizes).
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
