#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The plain-language half of every socket error: one place, used by the CLI and the console.
public enum SocketErrorExplanation {
    public static func explain(_ error: SocketError) -> String {
        switch error.code {
        case .resolver:
            let host = error.host.map { "\"\($0)\"" } ?? "the host name"
            return "\(host) could not be turned into an address; check the spelling, or use an IP address such as 127.0.0.1"
        case .errno(let value):
            let meaning = explain(errno: value.rawValue, operation: error.operation, endpoint: error.endpoint, holder: error.holder)
            guard error.timeWait > 0, let endpoint = error.endpoint else { return meaning }
            let connections = error.timeWait == 1 ? "1 connection on it is" : "\(error.timeWait) connections on it are"
            if value == .addressInUse && error.holder == nil {
                // Checked on Linux: the lab's TCPServer.py closes first, so each connection leaves
                // a TIME_WAIT on the server's port for 60 s; as that socket had no SO_REUSEADDR,
                // bind() of the port fails meanwhile, netlab's (which sets it) included.
                return "port \(endpoint.port) on \(endpoint.host) is held by no program, but \(connections) in TIME_WAIT, "
                    + "left by a server that closed first without SO_REUSEADDR (as the lab's TCPServer.py does): "
                    + "the port is free again within 60 s"
            }
            return meaning + "; \(connections) in TIME_WAIT, so a server that does not set SO_REUSEADDR "
                + "(the lab's TCPServer.py) cannot bind port \(endpoint.port) again for up to 60 s"
        }
    }

    public static func remedy(_ error: SocketError) -> Remedy? {
        guard let value = error.errnoValue else { return nil }
        switch value {
        case EADDRINUSE:
            guard let port = error.endpoint?.port else { return nil }
            return error.holder == nil && error.timeWait > 0 ? .waitOrChangePort(port: port) : .freeOrChangePort(port: port)
        case EACCES where error.operation == .bind && (error.endpoint?.port ?? 1024) < 1024: return .unprivilegedPort
        case EMFILE, ENFILE: return .raiseDescriptorLimit
        case ECONNREFUSED where error.operation == .connect: return error.endpoint.map { .startServer($0) }
        default: return nil
        }
    }

    static func explain(errno value: Int32, operation: SocketOperation, endpoint: Endpoint?, holder: String? = nil) -> String {
        let target = endpoint?.description ?? "the other side"
        let port = endpoint.map { String($0.port) } ?? "that port"
        let host = endpoint?.host ?? "that address"
        switch value {
        case ECONNREFUSED:
            if operation == .connect {
                return "nothing is listening on \(target)"
            }
            return "nothing is listening on \(target): its host answered with ICMP port unreachable, "
                + "which Linux reports on a connected UDP socket"
        case EADDRINUSE:
            if let holder {
                return "port \(port) on \(host) is already taken by \(holder)"
            }
            return "another program is already using port \(port) on \(host)"
        case EACCES:
            if operation == .bind, let endpoint, endpoint.port < 1024 {
                return "ports below 1024 need root (or CAP_NET_BIND_SERVICE)"
            }
            return "the system does not allow this on \(target) (a firewall rule or a broadcast address?)"
        case EPERM:
            return "the system refused to send to \(target); a firewall rule may block it"
        case EADDRNOTAVAIL:
            if operation == .bind {
                return "\(host) is not an address of this machine; listen on 0.0.0.0 or :: (all addresses) or on one of this machine's own addresses"
            }
            return "no local address can reach \(target); check the address"
        case ENETUNREACH:
            return "this machine has no route to \(host)'s network; check the address and the network connection"
        case EHOSTUNREACH, EHOSTDOWN:
            return "\(host) cannot be reached; the host may be down or a firewall may block it"
        case ETIMEDOUT:
            return "\(target) did not answer; the host may be down or a firewall may drop the packets"
        case ECONNRESET:
            // Checked with tcpdump: the lab's TCPServer.py (recv(1024), send, close) sent 1024
            // bytes, then RST for the 976 it never read; the client's recv() got ECONNRESET
            // and none of the 1024 bytes.
            return "\(target) reset the connection (RST): most often the program there closed its socket with part of "
                + "the message unread (the lab's TCPServer.py reads only 1024 bytes), so its kernel sent a reset instead "
                + "of a FIN, and reply bytes already on their way may be lost with it"
        case EPIPE:
            return "\(target) closed the connection before everything was sent"
        case ECONNABORTED:
            return "the connection from \(target) was aborted before it could be accepted"
        case EMSGSIZE:
            return "a UDP datagram holds at most 65507 bytes over IPv4 (65527 over IPv6); send a shorter message"
        case EAFNOSUPPORT:
            return "this machine does not support \(endpoint?.isIPv6 == true ? "IPv6" : "this address family"); try an IPv4 address such as 127.0.0.1"
        case EMFILE, ENFILE:
            return "the process has run out of file descriptors"
        case ENOBUFS, ENOMEM:
            return "the system is short of memory for sockets; try again with less traffic"
        case ENOTCONN:
            return "the socket is not connected to \(target)"
        case EINVAL:
            return "the system rejected the arguments of \(operation)(); check the address and port"
        default:
            return "the system could not \(operation)() on \(target)"
        }
    }
}
