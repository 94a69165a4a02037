/// How a UDP client's socket addresses the server: the one choice the console (F8,
/// `:udp-mode`), the command line (`--connected`) and the engine share.
public enum UDPMode: String, Equatable, CaseIterable, Sendable {
    /// `sendto()` on an unconnected socket, as the lab's client does: if nobody listens, the
    /// datagram vanishes and the client only times out.
    case unconnected
    /// `connect()` first: Linux then reports the ICMP port unreachable as ECONNREFUSED.
    case connected
}
