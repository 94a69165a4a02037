#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An errno value with its name and the C library's wording: `Errno(ECONNREFUSED).name` is
/// `ECONNREFUSED`, `.message` "Connection refused".
///
/// glibc's `strerrorname_np` is not imported by Swift and does not exist on macOS, so the
/// names the lab meets are listed here, keyed by the platform's own constants.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// `ECONNREFUSED` for 111 on Linux; `errno N` for a value the table does not know.
    public var name: String { Self.table[rawValue]?.name ?? "errno \(rawValue)" }
    /// The C library's wording, e.g. "Connection refused".
    public var message: String { Self.table[rawValue]?.message ?? "Unknown error \(rawValue)" }
    /// Whether the table names this value.
    public var isKnown: Bool { Self.table[rawValue] != nil }
    public var description: String { name }

    public static let addressInUse = Errno(EADDRINUSE)
    public static let brokenPipe = Errno(EPIPE)
    public static let connectionRefused = Errno(ECONNREFUSED)
    public static let connectionReset = Errno(ECONNRESET)
    public static let permissionDenied = Errno(EACCES)
    public static let tooManyOpenFiles = Errno(EMFILE)
    public static let tooManyOpenFilesInSystem = Errno(ENFILE)
    public static let wouldBlock = Errno(EAGAIN)

    private static let table: [Int32: (name: String, message: String)] = {
        let pairs: [(Int32, String, String)] = [
            (EPERM, "EPERM", "Operation not permitted"),
            (ENOENT, "ENOENT", "No such file or directory"),
            (EINTR, "EINTR", "Interrupted system call"),
            (EIO, "EIO", "Input/output error"),
            (ENXIO, "ENXIO", "No such device or address"),
            (EEXIST, "EEXIST", "File exists"),
            (ENOTDIR, "ENOTDIR", "Not a directory"),
            (EISDIR, "EISDIR", "Is a directory"),
            (EFBIG, "EFBIG", "File too large"),
            (ENOSPC, "ENOSPC", "No space left on device"),
            (EROFS, "EROFS", "Read-only file system"),
            (EDQUOT, "EDQUOT", "Disk quota exceeded"),
            (ELOOP, "ELOOP", "Too many levels of symbolic links"),
            (ENAMETOOLONG, "ENAMETOOLONG", "File name too long"),
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
        var table: [Int32: (name: String, message: String)] = [:]
        for (code, name, message) in pairs { table[code] = (name, message) }
        return table
    }()
}
