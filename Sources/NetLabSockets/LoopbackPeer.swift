import Foundation
import Glibc
import Synchronization

/// A plain blocking TCP socket on 127.0.0.1, for playing the peers netlab must survive: a
/// client that never reads, one that resets mid-response, a server that answers and never
/// closes. Internal (tests reach it with `@testable import`), so that even their socket calls
/// stay in this module. Closed when released.
final class LoopbackPeer: Sendable {
    let fd: Int32
    /// Closed once, whichever thread gets there first (a test hands a listener to a thread).
    private let closed = Atomic<Bool>(false)

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks SO_RCVBUF first (so the peer's
    /// window fills after a few KiB). Nil if the connection fails.
    init?(connectingTo port: UInt16, receiveBuffer: Int32? = nil) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = Self.loopback(port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            return nil
        }
    }

    /// A listener on 127.0.0.1 at a port the system picks (`port`).
    init(listening: Void) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 8)
    }

    private init(accepted: Int32) { fd = accepted }

    deinit { close() }

    /// The local port (of a listener: the one to connect to).
    var port: UInt16 { SocketAddress.local(of: fd)?.endpoint.port ?? 0 }

    func accept() -> LoopbackPeer { LoopbackPeer(accepted: Glibc.accept(fd, nil, nil)) }

    /// The connection waiting on another listener (`listener`, which may be non-blocking),
    /// within `milliseconds`; nil when none came.
    static func accept(from listener: Int32, within milliseconds: Int32) -> LoopbackPeer? {
        var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, milliseconds) == 1 else { return nil }
        let accepted = Glibc.accept(listener, nil, nil)
        return accepted >= 0 ? LoopbackPeer(accepted: accepted) : nil
    }

    /// Whether TCP_NODELAY is set on this socket (nil: it could not be read).
    var noDelay: Bool? {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &length) == 0 ? value != 0 : nil
    }

    /// One `send`; the count written, or -1 (`errno` says why: EAGAIN when non-blocking and full).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    @discardableResult
    func send(_ text: String) -> Int { send(Array(text.utf8)) }

    /// One `recv` of at most `max` bytes: [] at the end of the stream, nil on an error or timeout.
    func receive(max: Int = 65536) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = recv(fd, &buffer, max, 0)
        return n < 0 ? nil : Array(buffer[0..<n])
    }

    /// Everything until the end of the stream (or an error, or `seconds` without a byte).
    func receiveAll(seconds: Int = 10) -> [UInt8] {
        setReceiveTimeout(seconds: seconds)
        var all: [UInt8] = []
        while let chunk = receive(), !chunk.isEmpty { all += chunk }
        return all
    }

    /// Reads until the peer's end of stream or reset; false if `seconds` pass without either.
    func readsToTheEnd(seconds: Int) -> Bool {
        setReceiveTimeout(seconds: seconds)
        while true {
            if let chunk = receive() {
                if chunk.isEmpty { return true }
                continue
            }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    /// Waits, without reading, until the connection reports an error or hang-up (the peer
    /// reset or closed it); false after `milliseconds`.
    func waitsForHangUp(milliseconds: Int32) -> Bool {
        var watch = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&watch, 1, milliseconds) == 1 && Int32(watch.revents) & (Int32(POLLHUP) | Int32(POLLERR)) != 0
    }

    func setNonBlocking() { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

    func setReceiveTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Closes with a reset (SO_LINGER 0) instead of a FIN.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(fd)
    }

    /// Hands the descriptor over (to a `SocketHandle` in a test): this peer no longer closes it.
    func handOver() -> Int32 {
        _ = closed.exchange(true, ordering: .acquiringAndReleasing)
        return fd
    }

    /// Makes descriptor `number` refer to this socket too (dup2): a closed number reused at
    /// once, as the next accept() may reuse it. Whoever holds `number` closes it.
    func duplicate(onto number: Int32) -> Bool { dup2(fd, number) == number }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A socket this process holds (an engine's own), as a test may inspect it without making
/// socket calls outside this module.
struct HeldSocket {
    let fd: Int32
    let listening: Bool
    let nonBlocking: Bool
    /// SO_RCVTIMEO in microseconds (0: none; the kernel keeps it in whole ticks).
    let receiveTimeoutMicroseconds: Int
    /// Whether TCP_CORK is set (the kernel holds partial segments back).
    let corked: Bool

    /// This process's sockets whose own address has `port` (listeners and accepted ones).
    static func onPort(_ port: UInt16) -> [HeldSocket] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap(Int32.init).sorted().compactMap { fd in
            guard let local = SocketAddress.local(of: fd), local.family == AF_INET || local.family == AF_INET6,
                local.endpoint.port == port
            else { return nil }
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size)
            var timeout = timeval()
            var timeoutSize = socklen_t(MemoryLayout<timeval>.size)
            getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, &timeoutSize)
            var cork: Int32 = 0
            getsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &cork, &size)
            return HeldSocket(
                fd: fd, listening: listening != 0, nonBlocking: fcntl(fd, F_GETFL) & O_NONBLOCK != 0,
                receiveTimeoutMicroseconds: Int(timeout.tv_sec) * 1_000_000 + Int(timeout.tv_usec), corked: cork != 0)
        }
    }
}
