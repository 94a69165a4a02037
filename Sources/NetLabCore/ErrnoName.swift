#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Symbolic names and messages of the errno values that sockets produce.
///
/// glibc's `strerrorname_np` is not imported by Swift and does not exist on macOS, so the
/// names the lab meets are listed here, keyed by the platform's own constants.
public enum ErrnoName {
    public struct Entry: Sendable {
        public let name: String
        public let message: String
    }

    static let table: [Int32: Entry] = {
        let pairs: [(Int32, String, String)] = [
            (EPERM, "EPERM", "Operation not permitted"),
            (ENOENT, "ENOENT", "No such file or directory"),
            (EINTR, "EINTR", "Interrupted system call"),
            (EIO, "EIO", "Input/output error"),
            (EBADF, "EBADF", "Bad file descriptor"),
            (EAGAIN, "EAGAIN", "Resource temporarily unavailable"),
            (ENOMEM, "ENOMEM", "Cannot allocate memory"),
            (EACCES, "EACCES", "Permission denied"),
            (EINVAL, "EINVAL", "Invalid argument"),
            (ENFILE, "ENFILE", "Too many open files in system"),
            (EMFILE, "EMFILE", "Too many open files"),
            (EPIPE, "EPIPE", "Broken pipe"),
            (ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"),
            (EDESTADDRREQ, "EDESTADDRREQ", "Destination address required"),
            (EMSGSIZE, "EMSGSIZE", "Message too long"),
            (EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket"),
            (ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available"),
            (EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported"),
            (EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"),
            (EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol"),
            (EADDRINUSE, "EADDRINUSE", "Address already in use"),
            (EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"),
            (ENETDOWN, "ENETDOWN", "Network is down"),
            (ENETUNREACH, "ENETUNREACH", "Network is unreachable"),
            (ECONNABORTED, "ECONNABORTED", "Software caused connection abort"),
            (ECONNRESET, "ECONNRESET", "Connection reset by peer"),
            (ENOBUFS, "ENOBUFS", "No buffer space available"),
            (EISCONN, "EISCONN", "Transport endpoint is already connected"),
            (ENOTCONN, "ENOTCONN", "Transport endpoint is not connected"),
            (ETIMEDOUT, "ETIMEDOUT", "Connection timed out"),
            (ECONNREFUSED, "ECONNREFUSED", "Connection refused"),
            (EHOSTDOWN, "EHOSTDOWN", "Host is down"),
            (EHOSTUNREACH, "EHOSTUNREACH", "No route to host"),
            (EALREADY, "EALREADY", "Operation already in progress"),
            (EINPROGRESS, "EINPROGRESS", "Operation now in progress"),
        ]
        var table: [Int32: Entry] = [:]
        for (code, name, message) in pairs { table[code] = Entry(name: name, message: message) }
        return table
    }()

    /// `ECONNREFUSED` for 111 on Linux; `errno N` for a value the table does not know.
    public static func name(_ code: Int32) -> String { table[code]?.name ?? "errno \(code)" }

    /// The C library's wording, e.g. "Connection refused".
    public static func message(_ code: Int32) -> String { table[code]?.message ?? "Unknown error \(code)" }
}
