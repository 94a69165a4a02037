/// Turns a request-target into path segments under a document root, refusing anything that
/// could reach outside it. Pure: the engine still resolves the real path on disk (symlinks)
/// and checks containment.
public enum HTTPTarget {
    public enum Refusal: Error, Equatable, Sendable {
        /// 400: not a path netlab can read (bad percent-encoding, not UTF-8, wrong form).
        case malformed(String)
        /// 403: a path that tries to leave the root or hide a separator.
        case forbidden(String)

        public var status: Int {
            switch self {
            case .malformed: 400
            case .forbidden: 403
            }
        }
    }

    /// The decoded segments of the target's path: `/a/b%20c/?q` gives `["a", "b c"]`.
    /// `.` and empty segments are dropped; `..`, encoded `/` or `\`, and NUL are refused.
    public static func segments(of target: String) -> Result<[String], Refusal> {
        var path = Substring(target)
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            // Absolute form: keep only the path (RFC 9112, section 3.2.2).
            let afterScheme = path[path.range(of: "://")!.upperBound...]
            guard let slash = afterScheme.firstIndex(of: "/") else { return .success([]) }
            path = afterScheme[slash...]
        }
        guard path.hasPrefix("/") else { return .failure(.malformed("the target must start with /")) }
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
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
            if segment == ".." { return .failure(.forbidden("'..' in the path")) }
            result.append(segment)
        }
        return .success(result)
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

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
