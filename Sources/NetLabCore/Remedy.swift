#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something the user can do about a failure; each front end says it with its own commands.
public enum Remedy: Sendable, Equatable {
    /// A port next to a taken one, to suggest instead.
    public static func neighbour(of port: UInt16) -> UInt16 { port == 65535 ? port - 1 : port + 1 }

    /// The port is taken: stop its holder, or use another port.
    case freeOrChangePort(port: UInt16)
    /// The port is blocked by TIME_WAIT for up to a minute: wait, or use another port.
    case waitOrChangePort(port: UInt16)
    /// Ports below 1024 need privilege: use 1024 or above.
    case unprivilegedPort
    /// Out of descriptors: close connections or raise `ulimit -n`.
    case raiseDescriptorLimit
    /// Nothing listens there: start the server, or check the port.
    case startServer(Endpoint)
    /// An unconnected UDP socket was not told of the ICMP error: a connected one would be.
    case connectedUDP
}
