import CNetLabSys
import Glibc
import NetLabCore

/// Opening the bound socket of a server, the same way for TCP and UDP.
enum ServerSocket {
    /// A bound (and, for TCP, listening) non-blocking socket and the address it is bound to.
    ///
    /// With no host the server takes every local address: `::` with IPv6-only off, so IPv4
    /// clients reach it too, or `0.0.0.0` on a machine without IPv6.
    static func open(host: String?, port: UInt16, type: SocketType, noDelay: Bool = false) throws(SocketError) -> (fd: Int32, local: Endpoint) {
        let candidates: [SocketAddress]
        if let host {
            candidates = [try Resolver.resolve(host: host, port: port, type: type, passive: true)[0]]
        } else {
            let any6 = try Resolver.resolve(host: "::", port: port, type: type, passive: true)[0]
            let any4 = try Resolver.resolve(host: "0.0.0.0", port: port, type: type, passive: true)[0]
            candidates = [any6, any4]
        }
        var lastError: SocketError?
        for address in candidates {
            do throws(SocketError) {
                return try bind(address, type: type, noDelay: noDelay)
            } catch let error where error.errnoValue == EAFNOSUPPORT && host == nil {
                lastError = error
            }
        }
        throw lastError!
    }

    private static func bind(_ address: SocketAddress, type: SocketType, noDelay: Bool) throws(SocketError) -> (fd: Int32, local: Endpoint) {
        let endpoint = address.endpoint
        let fd = try Syscall.socket(family: address.family, type: type)
        do throws(SocketError) {
            // Restarting right after a stop must not fail while old connections sit in TIME_WAIT.
            // Not for UDP: there it would let two servers share a port without an error.
            if type == .stream {
                try Syscall.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
                // TCP keepalive, inherited by every accepted socket (no syscall per connection):
                // a client whose machine vanished is found after 60 s idle + 3 probes 10 s apart.
                try Syscall.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
                try Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, 60)
                try Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, 10)
                try Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, 3)
                // Inherited too (Linux copies it to accepted sockets): an HTTP response is
                // written whole, and Nagle's algorithm would hold its small last piece for the
                // client's delayed ACK (measured: 40 ms per keep-alive request).
                if noDelay { try Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }
            }
            if address.family == AF_INET6 {
                try Syscall.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0)
            }
            if type == .datagram {
                // Each datagram's destination address comes with it (a server on every
                // address learns which one was asked, and answers from it); on an IPv6
                // socket this covers IPv4 datagrams too, as IPv4-mapped addresses.
                if address.family == AF_INET6 {
                    try Syscall.setOption(fd, NETLAB_IPPROTO_IPV6, NETLAB_IPV6_RECVPKTINFO, 1)
                } else {
                    try Syscall.setOption(fd, NETLAB_IPPROTO_IP, NETLAB_IP_PKTINFO, 1)
                }
            }
            do throws(SocketError) {
                try Syscall.call(.bind, endpoint: endpoint) {
                    address.withSockaddr { Glibc.bind(fd, $0, $1) }
                }
            } catch  where error.errnoValue == EADDRINUSE {
                // Name who holds the port, so the student does not have to guess.
                var named = error
                let holders = PortHolder.holders(of: address.endpoint.port, type)
                if !holders.isEmpty {
                    named.holder = holders.joined(separator: " and ")
                } else if type == .stream {
                    named.timeWait = PortHolder.timeWaitWithoutListener(port: address.endpoint.port)
                }
                throw named
            }
            if type == .stream {
                try Syscall.call(.listen, endpoint: endpoint) { Glibc.listen(fd, SOMAXCONN) }
            }
            let local = SocketAddress.local(of: fd)?.endpoint ?? endpoint
            return (fd, local)
        } catch {
            Syscall.close(fd)
            throw error
        }
    }
}
