/// A numeric socket address as people read it: `127.0.0.1:12000` or `[::1]:12000`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The numeric host (`127.0.0.1`, `::1`); IPv4-mapped IPv6 addresses are shown as IPv4.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        let mapped = "::ffff:"
        if host.hasPrefix(mapped), host.utf8.dropFirst(mapped.utf8.count).contains(UInt8(ascii: ".")) {
            self.host = String(host.dropFirst(mapped.count))
        } else {
            self.host = host
        }
        self.port = port
    }

    /// An IPv4 address's text as inet_ntop writes it, kept as it is (nothing to unmap: the
    /// check costs a String prefix search per datagram a logging server names).
    public init(ipv4 host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    // Byte search: String.contains(String) goes through Foundation, measured as a hot spot
    // when every captured frame and message names its addresses.
    public var isIPv6: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// A socket bound to every address (`0.0.0.0`, `::`): no packet carries that address.
    public var isUnspecified: Bool { host == "0.0.0.0" || host == "::" }

    /// As a packet would name it: an unspecified address reads `(any address):PORT`, since the
    /// kernel picks the real one per packet.
    public var onWire: String {
        isUnspecified ? "(any address):\(port)" : description
    }

    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
