/// Why a request gets an error status instead of what it asked for: the status and the
/// sentence its error page says. One type for every stage that can refuse (the parser, the
/// target's path, the site on disk, the responder).
public struct HTTPRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    /// The error page's sentence, e.g. `/missing.html is not on this server`.
    public var detail: String

    public init(_ status: Int, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { detail }

    /// 400: the bytes are not an HTTP/1.x request.
    public static func badRequest(_ why: String) -> HTTPRefusal { HTTPRefusal(400, "bad request: \(why)") }
    /// 414: the request line is longer than the limit.
    public static func uriTooLong(limit: Int) -> HTTPRefusal { HTTPRefusal(414, "request line longer than \(limit) bytes") }
    /// 431: the header section is too large or has too many fields.
    public static func headersTooLarge(_ why: String) -> HTTPRefusal { HTTPRefusal(431, "header section too large: \(why)") }
    /// 505: a well-formed version other than 1.x.
    public static func versionNotSupported(_ version: String) -> HTTPRefusal {
        HTTPRefusal(505, "HTTP version \(version) is not supported (only 1.x)")
    }
    /// 501: a method or transfer coding this server does not know.
    public static func notImplemented(_ what: String) -> HTTPRefusal { HTTPRefusal(501, "\(what) is not implemented here") }
    /// 400: a target that is not a path netlab can read (bad percent-encoding, not UTF-8, wrong form).
    public static func malformed(_ why: String) -> HTTPRefusal { HTTPRefusal(400, why) }
    /// 403: a path that tries to leave the root or hide a separator.
    public static func forbidden(_ why: String) -> HTTPRefusal { HTTPRefusal(403, why) }
}
