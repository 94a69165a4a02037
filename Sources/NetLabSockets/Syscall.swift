import Glibc
import NetLabCore

/// The one place that turns a C library call's `-1` into a typed `SocketError` naming the
/// call (a `SocketOperation`), retrying on EINTR. Every socket call whose failure matters goes
/// through `call` or `nonBlocking`; the few whose result is ignored say why where they are.
enum Syscall {
    /// Runs `body` until it does not fail with EINTR; returns its result or the errno as an error.
    @discardableResult
    static func call<T: BinaryInteger>(
        _ operation: SocketOperation, endpoint: @autoclosure () -> Endpoint? = nil, _ body: () -> T
    ) throws(SocketError) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SocketError.errno(operation, code, endpoint: endpoint())
        }
    }

    /// Like `call`, but EAGAIN/EWOULDBLOCK come back as `nil`: "try again when ready".
    static func nonBlocking<T: BinaryInteger>(
        _ operation: SocketOperation, endpoint: @autoclosure () -> Endpoint? = nil, _ body: () -> T
    ) throws(SocketError) -> T? {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SocketError.errno(operation, code, endpoint: endpoint())
        }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var value = value
        try call(.setsockopt) {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// The pending error of a socket (after a non-blocking connect), 0 if none.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return errno }
        return value
    }

    /// Whether the peer's FIN has arrived on a TCP socket, from the kernel's own state
    /// (TCP_INFO): CLOSE_WAIT yes, ESTABLISHED no, anything else (reset, already closing) nil.
    /// What netlab read does not tell: an unread FIN sits behind unread bytes.
    static func peerHasClosed(_ fd: Int32) -> Bool? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
        switch Int32(info.tcpi_state) {
        case Int32(TCP_CLOSE_WAIT): return true
        case Int32(TCP_ESTABLISHED): return false
        default: return nil
        }
    }

    /// A new non-blocking, close-on-exec socket.
    static func socket(family: Int32, type: SocketType) throws(SocketError) -> Int32 {
        let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try call(.socket) { Glibc.socket(family, type.rawValue | flags, 0) }
        SocketCount.opened()
        return fd
    }

    /// Closes a socket this module opened (the only way they are closed).
    static func close(_ fd: Int32) {
        // Ignored on purpose: on Linux the descriptor is released even when close() reports
        // an error (EINTR, EIO), so there is nothing to retry and nothing left to free.
        _ = Glibc.close(fd)
        SocketCount.closed()
    }

    /// Closes a file this module opened to serve (not a socket, so not counted). Its result
    /// is ignored for the reason `close` gives.
    static func closeFile(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// Stream (TCP) or datagram (UDP).
package enum SocketType: Sendable {
    case stream, datagram
    var rawValue: Int32 {
        switch self {
        case .stream: Int32(SOCK_STREAM.rawValue)
        case .datagram: Int32(SOCK_DGRAM.rawValue)
        }
    }
}
