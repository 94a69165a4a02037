import Foundation

/// A traced call in words: `connect(3, 127.0.0.1:12000) = -1 ECONNREFUSED`, and the same
/// explanation netlab gives for its own calls when one fails.
public enum TraceText {
    /// The call and its result, strace's order (name, arguments, `= result`), with addresses as
    /// text, flags by name and the bytes moved (escaped, the first 64 shown).
    public static func line(_ call: TracedCall) -> String {
        let fd = call.descriptor
        let a = call.arguments
        var arguments: [String]
        switch call.call {
        case .socket:
            arguments = [domain(a[0]), type(a[1]), "\(a[2])"]
        case .connect, .bind:
            arguments = ["\(fd)", call.address?.description ?? "(address not read)"]
        case .listen:
            arguments = ["\(fd)", "\(Int32(truncatingIfNeeded: a[1]))"]
        case .accept, .accept4:
            arguments = ["\(fd)"]
        case .shutdown:
            arguments = ["\(fd)", ["SHUT_RD", "SHUT_WR", "SHUT_RDWR"][safe: Int(a[1])] ?? "\(a[1])"]
        case .sendto, .write:
            arguments = ["\(fd)", quoted(call.data, total: Int(a[2])), "\(a[2])"]
            if call.call == .sendto, let address = call.address { arguments.append(address.description) }
        case .recvfrom, .read:
            arguments = ["\(fd)", "\(a[2])"]
        case .sendmsg:
            arguments = ["\(fd)", quoted(call.data, total: call.data.count)]
            if let address = call.address { arguments.append(address.description) }
        case .setsockopt, .getsockopt:
            arguments = ["\(fd)", level(a[1]), option(level: a[1], a[2])]
        default:
            arguments = ["\(fd)"]
        }
        var text = "\(call.call.rawValue)(\(arguments.joined(separator: ", "))) = "
        if let errno = call.errno {
            text += "-1 \(Errno(errno).name) (\(Errno(errno).message))"
        } else {
            text += "\(call.result)"
            switch call.call {
            case .recvfrom, .read, .recvmsg:
                if call.result > 0 {
                    text += " " + quoted(call.data, total: Int(call.result))
                    if let address = call.address, call.call != .read { text += " from \(address)" }
                } else if call.socketKind != "UDP" {
                    text += " (end of stream: the peer closed its side)"
                }
            case .accept, .accept4:
                if let address = call.address { text += " from \(address)" }
            default:
                break
            }
            if let unread = call.unread, unread > 0, [.recvfrom, .read, .recvmsg].contains(call.call) {
                text += " (\(unread) more byte\(unread == 1 ? "" : "s") wait unread in the socket)"
            }
        }
        return text
    }

    /// A close() with bytes still unread: Linux answers with a reset (RST), not a FIN, and the
    /// peer's recv() fails with ECONNRESET (the lab's TCPServer.py and a message over 1024 bytes).
    public static func unreadAtClose(_ call: TracedCall) -> String? {
        guard call.call == .close, call.errno == nil, let unread = call.unread, unread > 0 else { return nil }
        return "\(unread) byte\(unread == 1 ? " was" : "s were") still unread: closing now sends a reset (RST), not a FIN, "
            + "and the other side's next recv() fails with ECONNRESET"
    }

    /// One JSON object per call (`netlab run --json`).
    public static func json(_ call: TracedCall) -> String {
        var fields: [(String, JSONValue)] = [
            ("time", .string(LabEvent.isoTime(call.stamp))), ("pid", .number(Double(call.pid))),
            ("call", .string(call.call.rawValue)), ("result", .number(Double(call.result))), ("text", .string(line(call))),
        ]
        if call.call != .socket { fields.append(("fd", .number(Double(call.descriptor)))) }
        if let kind = call.socketKind { fields.append(("socket", .string(kind))) }
        if let errno = call.errno { fields.append(("errno", .string(Errno(errno).name))) }
        if let address = call.address { fields.append(("address", .string(address.description))) }
        if !call.data.isEmpty { fields.append(("hex", .string(call.data.map { String(format: "%02x", $0) }.joined()))) }
        if let explanation = explanation(call) { fields.append(("explanation", .string(explanation))) }
        if let exit = call.exit { fields.append(("seconds", .number(exit.timeIntervalSince(call.entry)))) }
        return JSONValue.object(fields).text
    }

    /// A failed call as the error netlab's own engines report (its explanation and remedy).
    public static func error(_ call: TracedCall) -> SocketError? {
        guard let errno = call.errno, let operation = operation(call.call) else { return nil }
        return SocketError.errno(operation, errno, endpoint: call.address)
    }

    /// netlab's explanation of a failed call (the one its own clients and servers give), or nil.
    public static func explanation(_ call: TracedCall) -> String? {
        error(call)?.explanation
    }

    static func operation(_ call: TracedCall.Syscall) -> SocketOperation? {
        switch call {
        case .socket: .socket
        case .bind: .bind
        case .listen: .listen
        case .accept, .accept4: .accept
        case .connect: .connect
        case .shutdown: .shutdown
        case .setsockopt: .setsockopt
        case .sendto, .sendmsg, .sendmmsg, .write: .send
        case .recvfrom, .recvmsg, .recvmmsg, .read: .recv
        default: nil
        }
    }

    static func quoted(_ bytes: [UInt8], total: Int) -> String {
        let shown = bytes.prefix(64)
        let escaped = TerminalSafe.escape(shown)
        let text = "\"" + (shown.contains(UInt8(ascii: "\"")) ? escaped.replacingOccurrences(of: "\"", with: "\\\"") : escaped) + "\""
        return shown.count < total ? text + "..." : text
    }

    static func domain(_ value: UInt64) -> String {
        [1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"][value] ?? "\(value)"
    }

    static func type(_ value: UInt64) -> String {
        var names = [[1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET"][value & 0xf] ?? "\(value & 0xf)"]
        if value & 0o4000 != 0 { names.append("SOCK_NONBLOCK") }
        if value & 0o2000000 != 0 { names.append("SOCK_CLOEXEC") }
        return names.joined(separator: "|")
    }

    static func level(_ value: UInt64) -> String {
        [1: "SOL_SOCKET", 6: "IPPROTO_TCP", 0: "IPPROTO_IP", 41: "IPPROTO_IPV6", 17: "IPPROTO_UDP"][value] ?? "\(value)"
    }

    static func option(level: UInt64, _ value: UInt64) -> String {
        switch level {
        case 1:
            [
                2: "SO_REUSEADDR", 6: "SO_BROADCAST", 7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 13: "SO_LINGER",
                15: "SO_REUSEPORT", 20: "SO_RCVTIMEO", 21: "SO_SNDTIMEO", 4: "SO_ERROR", 3: "SO_TYPE",
            ][value] ?? "\(value)"
        case 6:
            [1: "TCP_NODELAY", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL", 6: "TCP_KEEPCNT"][value] ?? "\(value)"
        default:
            "\(value)"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
