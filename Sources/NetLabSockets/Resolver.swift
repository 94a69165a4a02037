import Glibc
import NetLabCore

/// Host names and literals to socket addresses, through getaddrinfo.
enum Resolver {
    /// An IPv4 or IPv6 address written out (`127.0.0.1`, `::1`), not a name.
    static func isLiteral(_ host: String?) -> Bool {
        guard let host else { return false }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The addresses for `host` (a name, `localhost`, an IPv4 or IPv6 literal) and `port`,
    /// in the order the system prefers. `passive` with a nil host means "every local address".
    static func resolve(
        host: String?, port: UInt16, type: SocketType, passive: Bool = false
    ) throws(SocketError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = type.rawValue
        // AI_ADDRCONFIG only for names: it drops IPv6 answers on a machine whose only IPv6
        // address is the loopback's, and a literal (`::1`) then resolved to nothing at all.
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : isLiteral(host) ? AI_NUMERICHOST : AI_ADDRCONFIG)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        if status != 0 {
            let message = String(cString: gai_strerror(status))
            throw SocketError(
                operation: .getaddrinfo,
                code: .resolver(code: status, name: eaiName(status), message: message),
                host: host)
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var cursor = list
        while let info = cursor {
            if let address = info.pointee.ai_addr,
                info.pointee.ai_family == AF_INET || info.pointee.ai_family == AF_INET6
            {
                addresses.append(SocketAddress(address, length: info.pointee.ai_addrlen))
            }
            cursor = info.pointee.ai_next
        }
        if addresses.isEmpty {
            throw SocketError(
                operation: .getaddrinfo,
                code: .resolver(code: EAI_NONAME, name: "EAI_NONAME", message: "No IPv4 or IPv6 address"),
                host: host)
        }
        return addresses
    }

    static func eaiName(_ code: Int32) -> String {
        switch code {
        case EAI_NONAME: "EAI_NONAME"
        case EAI_AGAIN: "EAI_AGAIN"
        case EAI_FAIL: "EAI_FAIL"
        case EAI_FAMILY: "EAI_FAMILY"
        case EAI_SERVICE: "EAI_SERVICE"
        case EAI_MEMORY: "EAI_MEMORY"
        case EAI_SYSTEM: "EAI_SYSTEM"
        default: "EAI \(code)"
        }
    }
}
