/// Conditional requests (RFC 9110, section 13.2.2, in its order) and byte ranges (section
/// 14) for a file with a strong validator: the decisions, without I/O.
public enum HTTPPreconditions {
    public enum Decision: Equatable, Sendable {
        case proceed
        /// 304: the client's copy is current (GET and HEAD only).
        case notModified
        /// 412: an If-Match or If-Unmodified-Since condition failed.
        case failed
    }

    /// `"size-mtime"` in hexadecimal, nanoseconds included: changes when the file does.
    public static func etag(size: Int, modifiedNanoseconds: Int) -> String {
        var tag = "\""
        tag.reserveCapacity(36)
        tag += String(size, radix: 16)
        tag += "-"
        tag += String(modifiedNanoseconds, radix: 16)
        tag += "\""
        return tag
    }

    /// Evaluates the request's preconditions against the file's ETag and modification time
    /// (seconds), in RFC 9110's order: If-Match, else If-Unmodified-Since; then
    /// If-None-Match, else If-Modified-Since (If-None-Match wins when both are sent).
    public static func evaluate(_ head: HTTPRequestHead, etag: String, modified: Int) -> Decision {
        let safe = head.method == "GET" || head.method == "HEAD"
        if let match = head.field("If-Match") {
            if !matches(match, etag, weak: false) { return .failed }
        } else if let since = head.field("If-Unmodified-Since").flatMap(HTTPDate.parse), modified > since {
            return .failed
        }
        if let noneMatch = head.field("If-None-Match") {
            if matches(noneMatch, etag, weak: true) { return safe ? .notModified : .failed }
        } else if safe, let since = head.field("If-Modified-Since").flatMap(HTTPDate.parse), modified <= since {
            return .notModified
        }
        return .proceed
    }

    /// Whether a list of entity tags (or `*`) matches `etag`; weak comparison ignores `W/`.
    static func matches(_ list: String, _ etag: String, weak: Bool) -> Bool {
        let tags = list.split(separator: ",").map { String($0).trimmingSpaces }
        if tags.contains("*") { return true }
        return tags.contains { tag in
            if tag == etag { return true }
            guard weak else { return false }
            return (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }

    public enum Range: Equatable, Sendable {
        /// No usable Range: send the whole file (also for several ranges, which is allowed).
        case whole
        /// 206: bytes `first...last` of the file.
        case part(first: Int, last: Int)
        /// 416: no byte of the file is in the range.
        case unsatisfiable
    }

    /// The single byte range a GET asks for (`bytes=0-99`, `bytes=100-`, `bytes=-100`), honoured
    /// only if If-Range (when present) still names this file.
    public static func range(_ head: HTTPRequestHead, size: Int, etag: String, modified: Int) -> Range {
        guard head.method == "GET", let value = head.field("Range") else { return .whole }
        if let ifRange = head.field("If-Range") {
            let current = ifRange.hasPrefix("\"") ? ifRange == etag : HTTPDate.parse(ifRange) == modified
            if !current { return .whole }
        }
        let text = value.trimmingSpaces
        guard text.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = text.dropFirst(6)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard parts.count == 2 else { return .whole }
        if parts[0].isEmpty {
            // The last N bytes.
            guard let count = Int(parts[1]), count >= 0 else { return .whole }
            if count == 0 || size == 0 { return .unsatisfiable }
            return .part(first: max(0, size - count), last: size - 1)
        }
        guard let first = Int(parts[0]), first >= 0 else { return .whole }
        let last: Int
        if parts[1].isEmpty {
            last = size - 1
        } else {
            guard let end = Int(parts[1]), end >= first else { return .whole }
            last = min(end, size - 1)
        }
        return first < size ? .part(first: first, last: last) : .unsatisfiable
    }
}
