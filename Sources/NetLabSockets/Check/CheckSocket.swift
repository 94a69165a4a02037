import Dispatch
import Glibc
import NetLabCore

/// A client socket for `netlab check`: non-blocking underneath, every wait bounded by a
/// deadline (poll), so a server that never answers costs the timeout, never a hang.
final class CheckSocket {
    let fd: Int32
    let peer: Endpoint

    private init(fd: Int32, peer: Endpoint) {
        self.fd = fd
        self.peer = peer
    }

    deinit { Syscall.close(fd) }

    /// Connects (TCP) or connects the datagram socket (UDP: replies from elsewhere are then
    /// filtered out by the kernel) to the first address of `host`.
    static func connect(host: String, port: UInt16, type: SocketType, timeout: Double) throws(SocketError) -> CheckSocket {
        let address = try Resolver.resolve(host: host, port: port, type: type)[0]
        let fd = try Syscall.socket(family: address.family, type: type)
        let socket = CheckSocket(fd: fd, peer: address.endpoint)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            guard errno == EINPROGRESS else { throw .errno(.connect, errno, endpoint: address.endpoint) }
            guard socket.wait(for: Int16(POLLOUT), until: deadline(timeout)) else {
                throw .errno(.connect, ETIMEDOUT, endpoint: address.endpoint)
            }
            let pending = Syscall.pendingError(fd)
            if pending != 0 { throw .errno(.connect, pending, endpoint: address.endpoint) }
        }
        return socket
    }

    static func deadline(_ seconds: Double) -> UInt64 {
        DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
    }

    /// Waits until `events` or the deadline; true if ready.
    func wait(for events: Int16, until deadline: UInt64) -> Bool {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&entry, 1, Int32(min(Double(deadline - now) / 1e6 + 1, 60_000)))
            if result > 0 { return true }
            if result < 0 && errno != EINTR { return true }  // the next call reports the error
        }
    }

    /// Sends every byte before the deadline (TCP) or one datagram (UDP).
    func send(_ bytes: [UInt8], until deadline: UInt64) throws(SocketError) {
        var offset = 0
        repeat {
            guard wait(for: Int16(POLLOUT), until: deadline) else { throw .errno(.send, ETIMEDOUT, endpoint: peer) }
            let sent = try Syscall.nonBlocking(.send, endpoint: peer) {
                bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            offset += sent ?? 0
        } while offset < bytes.count
    }

    /// Tells the server the message is complete (the lab's client does not; some checks do).
    func finishSending() {
        // Ignored on purpose: on a connection already gone, the next receive says so.
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads until the server closes, `enough` bytes have come, or the deadline: the bytes,
    /// whether the server closed (end of file), and the error that ended it, if one did.
    func receive(until deadline: UInt64, enough: Int = .max, limit: Int = 1 << 20)
        -> (bytes: [UInt8], closed: Bool, error: SocketError?) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count < enough && bytes.count < limit {
            guard wait(for: Int16(POLLIN), until: deadline) else { return (bytes, false, nil) }
            do throws(SocketError) {
                let count = try Syscall.nonBlocking(.recv, endpoint: peer) {
                    buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                }
                guard let count else { continue }
                if count == 0 { return (bytes, true, nil) }
                bytes += buffer[0..<count]
            } catch {
                return (bytes, false, error)
            }
        }
        return (bytes, false, nil)
    }

    /// One datagram, or nil by the deadline.
    func receiveDatagram(until deadline: UInt64) -> Result<[UInt8], SocketError>? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        guard wait(for: Int16(POLLIN), until: deadline) else { return nil }
        do throws(SocketError) {
            guard let count = try Syscall.nonBlocking(.recv, endpoint: peer, {
                buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            }) else { return nil }
            return .success(Array(buffer[0..<count]))
        } catch {
            return .failure(error)
        }
    }
}
