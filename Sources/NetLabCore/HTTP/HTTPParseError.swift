/// Why a request cannot be served, with the status the server answers.
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400: the bytes are not an HTTP/1.x request.
    case badRequest(String)
    /// 414: the request line is longer than the limit.
    case uriTooLong(limit: Int)
    /// 431: the header section is too large or has too many fields.
    case headersTooLarge(String)
    /// 505: a well-formed version other than 1.x.
    case versionNotSupported(String)
    /// 501: a method or transfer coding this server does not know.
    case notImplemented(String)

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .headersTooLarge: 431
        case .versionNotSupported: 505
        case .notImplemented: 501
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let why): "bad request: \(why)"
        case .uriTooLong(let limit): "request line longer than \(limit) bytes"
        case .headersTooLarge(let why): "header section too large: \(why)"
        case .versionNotSupported(let version): "HTTP version \(version) is not supported (only 1.x)"
        case .notImplemented(let what): "\(what) is not implemented here"
        }
    }
}
