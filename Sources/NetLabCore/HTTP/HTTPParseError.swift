/// Why a request cannot be served, with the status the server answers.
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400: the bytes are not an HTTP/1.x request.
    case badRequest(String)
    /// 414: the request line is longer than the limit.
    case uriTooLong(limit: Int)
    /// 431: the header section is too large or has too many fields.
    case headersTooLarge(String)
    /// 505: a well-formed version other than 1.0 and 1.1.
    case versionNotSupported(String)

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .headersTooLarge: 431
        case .versionNotSupported: 505
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let why): "bad request: \(why)"
        case .uriTooLong(let limit): "request line longer than \(limit) bytes"
        case .headersTooLarge(let why): "header section too large: \(why)"
        case .versionNotSupported(let version): "HTTP version \(version) is not supported (only 1.0 and 1.1)"
        }
    }
}
