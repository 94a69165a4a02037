/// A socket call netlab makes, by the name the C library gives it: what failed in a
/// `SocketError`, and which call a timeline row stands for (`LabEvent.call`).
public enum SocketOperation: String, Sendable, CaseIterable, CustomStringConvertible {
    case socket, bind, listen, accept, connect, shutdown, setsockopt
    case send, sendto, sendmmsg, sendfile, recv, recvfrom, recvmmsg
    case getaddrinfo
    /// The engine's readiness set.
    case epollCreate = "epoll_create1"
    /// Reading a file being served (HTTP).
    case pread

    /// `connect`: written with `()` after it on screen.
    public var description: String { rawValue }
}
