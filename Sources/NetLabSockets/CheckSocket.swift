import Dispatch
import Glibc
import NetLabCore

/// A client socket for `netlab check` (the NetLabCheck module): non-blocking underneath, every wait bounded by a
/// deadline (poll), so a server that never answers costs the timeout, never a hang.
package final class CheckSocket {
    package let fd: Int32
    package let peer: Endpoint
    /// An unconnected datagram socket's destination (`datagram(host:port:)`).
    private var target: SocketAddress?

    private init(fd: Int32, peer: Endpoint) {
        self.fd = fd
        self.peer = peer
    }

    /// An unconnected UDP socket for `host`:`port`, as the lab's UDPClient.py has: a reply
    /// is taken from any sender (and the sender named), and with IP_RECVERR the ICMP error
    /// for a datagram is still reported to it (an unconnected socket is otherwise not told).
    package static func datagram(host: String, port: UInt16) throws(SocketError) -> CheckSocket {
        let address = try Resolver.resolve(host: host, port: port, type: .datagram)[0]
        let fd = try Syscall.socket(family: address.family, type: .datagram)
        var on: Int32 = 1
        let v6 = address.family == AF_INET6
        // IPV6_RECVERR is 25, IP_RECVERR 11 (linux/in6.h, linux/in.h).
        _ = setsockopt(fd, v6 ? Int32(IPPROTO_IPV6) : Int32(IPPROTO_IP), v6 ? 25 : 11, &on, 4)
        let socket = CheckSocket(fd: fd, peer: address.endpoint)
        socket.target = address
        return socket
    }

    /// Sends one datagram to the unconnected socket's destination.
    package func sendDatagram(_ bytes: [UInt8], until deadline: UInt64) throws(SocketError) {
        guard let target else { return try send(bytes, until: deadline) }
        while true {
            guard wait(for: Int16(POLLOUT), until: deadline) else { throw .errno(.sendto, ETIMEDOUT, endpoint: peer) }
            let sent = try Syscall.nonBlocking(.sendto, endpoint: peer) {
                bytes.withUnsafeBytes { buffer in
                    target.withSockaddr { Glibc.sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, $1) }
                }
            }
            if sent != nil { return }
        }
    }

    /// One datagram and who sent it, or nil by the deadline.
    package func receiveDatagramFrom(until deadline: UInt64) -> Result<(bytes: [UInt8], from: Endpoint), SocketError>? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            guard wait(for: Int16(POLLIN), until: deadline) else { return nil }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            do throws(SocketError) {
                let count = try Syscall.nonBlocking(.recvfrom, endpoint: peer) {
                    buffer.withUnsafeMutableBytes { bytes in
                        withUnsafeMutablePointer(to: &storage) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                Glibc.recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                            }
                        }
                    }
                }
                guard let count else { continue }
                return .success((Array(buffer[0..<count]), SocketAddress(storage: storage, length: length).endpoint))
            } catch {
                return .failure(error)
            }
        }
    }

    deinit { Syscall.close(fd) }

    /// Connects (TCP) or connects the datagram socket (UDP: replies from elsewhere are then
    /// filtered out by the kernel) to the first address of `host`, by `deadline`. A server
    /// already found unreachable (`unreachable`) fails at once, the same way: a host that
    /// never answers costs one timeout, not one per check.
    package static func connect(
        host: String, port: UInt16, type: SocketType, log: ConnectionLog? = nil,
        until deadline: UInt64
    ) throws(SocketError) -> CheckSocket {
        if let known = log?.stoppedBy { throw known }
        if let log, let ready = log.preconnected {
            log.preconnected = nil
            // Made while the servers before it were checked: used unless the server closed it
            // meanwhile (an idle timeout), in which case a new one is made.
            if !ready.closedByPeer {
                log.succeeded += 1
                return ready
            }
        }
        do {
            let socket = try open(host: host, port: port, type: type, until: deadline)
            log?.succeeded += 1
            return socket
        } catch {
            // Nobody accepting connections there (now): the checks after this one fail at once
            // with the same error, and the report says it once. A reset (the server accepted,
            // then closed at once) is the check's own failure, not this.
            // After a connection was made, only a refusal (or no route) means the server is
            // gone: a connect() that times out may be a full backlog (a server that serves one
            // client at a time, while a check holds a first connection open).
            if type == .stream, Self.noOneAccepting(error), (log?.succeeded ?? 0) == 0 || error.errnoValue != ETIMEDOUT {
                log?.stoppedBy = error
            }
            throw error
        }
    }

    /// Refused, no answer by the deadline, no route, or no such host.
    package static func noOneAccepting(_ error: SocketError) -> Bool {
        if error.operation == .getaddrinfo { return true }
        guard let value = error.errnoValue else { return false }
        return [ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(value)
    }

    private static func open(host: String, port: UInt16, type: SocketType, until deadline: UInt64) throws(SocketError) -> CheckSocket {
        let address = try Resolver.resolve(host: host, port: port, type: type)[0]
        let fd = try Syscall.socket(family: address.family, type: type)
        let socket = CheckSocket(fd: fd, peer: address.endpoint)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            guard errno == EINPROGRESS else { throw .errno(.connect, errno, endpoint: address.endpoint) }
            guard socket.wait(for: Int16(POLLOUT), until: deadline) else {
                throw .errno(.connect, ETIMEDOUT, endpoint: address.endpoint)
            }
            let pending = Syscall.pendingError(fd)
            if pending != 0 { throw .errno(.connect, pending, endpoint: address.endpoint) }
        }
        return socket
    }

    /// The connections one server's checks made, in order (the checks of a server run one
    /// after another on one thread): how many were made, and the failure that stopped them.
    package final class ConnectionLog {
        package var succeeded = 0
        package var stoppedBy: SocketError?
        /// A connection made beforehand (`connectAll`), used by the first check that connects.
        package var preconnected: CheckSocket?
        package init() {}
    }

    /// Connects to each server, many at once (non-blocking connects and one poll per batch),
    /// each within `timeout`, and keeps what it made: the connection, for the server's first
    /// check to use (a server that takes one client is not used up by a probe), or the error.
    /// So a room of hosts that never answer costs about one timeout, not one per host. At most
    /// `keep` connections are kept open at once; past that a made one is closed again.
    package static func connectAll(
        _ servers: [(host: String, port: UInt16)], timeout: Double,
        batch: Int = max(16, min(1024, DescriptorLimit.current / 2 - 32)), keep: Int = max(16, DescriptorLimit.current / 4)
    ) -> [Result<CheckSocket?, SocketError>] {
        var outcomes = [Result<CheckSocket?, SocketError>](repeating: .success(nil), count: servers.count)
        var kept = 0
        func made(_ index: Int, _ fd: Int32, _ peer: Endpoint) {
            if kept < keep {
                outcomes[index] = .success(CheckSocket(fd: fd, peer: peer))
                kept += 1
            } else {
                Syscall.close(fd)
            }
        }
        var start = 0
        while start < servers.count {
            let end = min(start + batch, servers.count)
            let deadline = deadline(timeout)
            var pending: [(index: Int, fd: Int32, peer: Endpoint)] = []
            for index in start..<end {
                do throws(SocketError) {
                    let address = try Resolver.resolve(host: servers[index].host, port: servers[index].port, type: .stream)[0]
                    let fd = try Syscall.socket(family: address.family, type: .stream)
                    if address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 {
                        made(index, fd, address.endpoint)
                    } else if errno == EINPROGRESS {
                        pending.append((index, fd, address.endpoint))
                    } else {
                        outcomes[index] = .failure(.errno(.connect, errno, endpoint: address.endpoint))
                        Syscall.close(fd)
                    }
                } catch {
                    outcomes[index] = .failure(error)
                }
            }
            while !pending.isEmpty {
                let now = DispatchTime.now().uptimeNanoseconds
                var entries = pending.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
                let ready = now < deadline ? poll(&entries, nfds_t(entries.count), Int32(min(Double(deadline - now) / 1e6 + 1, 60_000))) : 0
                if ready < 0 && errno == EINTR { continue }
                var waiting: [(index: Int, fd: Int32, peer: Endpoint)] = []
                for (entry, item) in zip(entries, pending) {
                    if entry.revents != 0 {
                        let pendingError = Syscall.pendingError(item.fd)
                        if pendingError != 0 {
                            outcomes[item.index] = .failure(.errno(.connect, pendingError, endpoint: item.peer))
                            Syscall.close(item.fd)
                        } else {
                            made(item.index, item.fd, item.peer)
                        }
                    } else if ready <= 0 {
                        outcomes[item.index] = .failure(.errno(.connect, ETIMEDOUT, endpoint: item.peer))
                        Syscall.close(item.fd)
                    } else {
                        waiting.append(item)
                    }
                }
                pending = waiting
            }
            start = end
        }
        return outcomes
    }

    /// Whether the server closed this (idle) connection already: end of file or a reset waiting.
    var closedByPeer: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        if entry.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        return Glibc.recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0
    }

    package static func deadline(_ seconds: Double) -> UInt64 {
        DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
    }

    /// Waits until `events` or the deadline; true if ready.
    package func wait(for events: Int16, until deadline: UInt64) -> Bool {
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
    package func send(_ bytes: [UInt8], until deadline: UInt64) throws(SocketError) {
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
    package func finishSending() {
        // Ignored on purpose: on a connection already gone, the next receive says so.
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// What a reply read ended with: its first bytes (at most `CheckResult.keptBytes`), how
    /// many came in all, whether the server closed (end of file), and the error that ended
    /// it, if one did.
    package struct Reply {
        package var bytes: [UInt8] = []
        package var count = 0
        package var closed = false
        package var error: SocketError?
        /// The read stopped at `readLimit`: the server was still sending.
        package var cut = false
    }

    /// How much of one reply a check reads at most: a server that sends without end costs
    /// this much reading, and only `CheckResult.keptBytes` of it is kept.
    static let readLimit = 16 << 20

    /// Reads until the server closes, `enough` bytes have come, `readLimit`, or the deadline.
    /// With `grace`, reading goes on that many seconds after `enough` came (never past the
    /// deadline): bytes a server sends beyond the expected ones are then seen in every run,
    /// not only when they happen to arrive with the rest.
    package func receive(until deadline: UInt64, enough: Int = .max, grace: Double = 0) -> Reply {
        var reply = Reply()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var deadline = deadline
        var enough = enough
        while true {
            if reply.count >= enough {
                guard grace > 0, enough != .max else { return reply }
                deadline = min(deadline, Self.deadline(grace))
                enough = .max
            }
            guard reply.count < Self.readLimit else {
                reply.cut = true
                return reply
            }
            guard wait(for: Int16(POLLIN), until: deadline) else { return reply }
            do throws(SocketError) {
                let count = try Syscall.nonBlocking(.recv, endpoint: peer) {
                    buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                }
                guard let count else { continue }
                if count == 0 {
                    reply.closed = true
                    return reply
                }
                reply.count += count
                let room = CheckResult.keptBytes - reply.bytes.count
                if room > 0 { reply.bytes += buffer[0..<min(count, room)] }
            } catch {
                reply.error = error
                return reply
            }
        }
    }

    /// One datagram, or nil by the deadline.
    package func receiveDatagram(until deadline: UInt64) -> Result<[UInt8], SocketError>? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        guard wait(for: Int16(POLLIN), until: deadline) else { return nil }
        do throws(SocketError) {
            guard
                let count = try Syscall.nonBlocking(
                    .recv, endpoint: peer,
                    {
                        buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                    })
            else { return nil }
            return .success(Array(buffer[0..<count]))
        } catch {
            return .failure(error)
        }
    }
}
