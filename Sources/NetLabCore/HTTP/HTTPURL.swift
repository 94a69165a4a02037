/// An `http://` URL taken apart the way `http-get` needs it: host, port, and the request target.
///
/// Written out instead of Foundation's `URL` because the CLI must refuse what `URL` accepts
/// quietly: a port past 65535 (`URL.port` is an `Int`; narrowing it trapped) and a port too long
/// for an `Int` (`URL.port` was nil, so the request went to port 80).
public struct HTTPURL: Equatable, Sendable {
    public var host: String
    public var port: UInt16
    /// The path and query, `/` when the URL has none.
    public var target: String

    public init(host: String, port: UInt16, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case https
        case notHTTP(String)
        case noHost(String)
        case badPort(String, port: String)
        case badHost(String)

        public var description: String {
            switch self {
            case .https:
                return "netlab speaks plain HTTP, not HTTPS: use an http:// URL"
            case .notHTTP(let url):
                return "\(url) is not an http:// URL: write it as http://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8080/"
            case .noHost(let url):
                return "\(url) names no host: write it as http://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8080/"
            case .badPort(let url, let port):
                return "\(url) has port \"\(port)\", which is not a port number: use 1-65535, e.g. http://127.0.0.1:8080/"
            case .badHost(let url):
                return "\(url) has a malformed host: an IPv6 address goes in brackets, e.g. http://[::1]:8080/"
            }
        }
    }

    /// Whether `text` is meant as a URL (has a scheme) rather than a path or request line.
    public static func looksLikeURL(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        return text[colon...].hasPrefix("://") && scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) }
    }

    public static func parse(_ text: String) throws(ParseError) -> HTTPURL {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") { throw .https }
        guard lower.hasPrefix("http://") else { throw .notHTTP(text) }
        let rest = text.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }  // fragments stay in the browser
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }  // user:pass@
        guard !authority.isEmpty else { throw .noHost(text) }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .badHost(text) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badHost(text) }
                portText = after.dropFirst()
            }
        } else {
            if authority.filter({ $0 == ":" }).count > 1 { throw .badHost(text) }
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
        }
        guard !host.isEmpty else { throw .noHost(text) }
        var port: UInt16 = 80
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portText),
                (1...65535).contains(value)
            else { throw .badPort(text, port: String(portText)) }
            port = UInt16(value)
        }
        return HTTPURL(host: String(host), port: port, target: target)
    }
}
