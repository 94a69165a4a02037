#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed socket operation, as a value that explains itself to a student.
///
/// `description` reads like:
/// `connect() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000`
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A syscall set errno.
        case errno(Errno)
        /// `getaddrinfo` failed with an `EAI_*` code; `message` is `gai_strerror`'s text.
        case resolver(code: Int32, name: String, message: String)
    }

    /// The call that failed: `connect`, `bind`, `recv`, `getaddrinfo`.
    public var operation: SocketOperation
    public var code: Code
    /// The address the call was about (the peer for connect/send, our own for bind).
    public var endpoint: Endpoint?
    /// The host name as the user typed it, for resolver errors.
    public var host: String?
    /// For EADDRINUSE: who holds the port, e.g. `python3 TCPServer.py (pid 4242)`, when found.
    public var holder: String?
    /// Connections on this machine's side of the port in TIME_WAIT with nothing listening
    /// there (found for EADDRINUSE with no holder, and for a refused loopback connect).
    public var timeWait = 0

    public init(operation: SocketOperation, code: Code, endpoint: Endpoint? = nil, host: String? = nil, holder: String? = nil) {
        self.operation = operation
        self.code = code
        self.endpoint = endpoint
        self.host = host
        self.holder = holder
    }

    /// Shorthand for an errno failure.
    public static func errno(_ operation: SocketOperation, _ value: Int32, endpoint: Endpoint? = nil) -> SocketError {
        SocketError(operation: operation, code: .errno(Errno(value)), endpoint: endpoint)
    }

    /// The errno, if this is a syscall failure.
    public var errno: Errno? {
        if case .errno(let value) = code { return value }
        return nil
    }

    /// The errno's number, to compare with the C library's constants.
    public var errnoValue: Int32? { errno?.rawValue }

    /// `Connection refused (ECONNREFUSED, errno 111)`
    public var summary: String {
        switch code {
        case .errno(let value):
            guard value.isKnown else { return "Unknown error (errno \(value.rawValue))" }
            return "\(value.message) (\(value.name), errno \(value.rawValue))"
        case .resolver(let value, let name, let message):
            return "\(message) (\(name), code \(value))"
        }
    }

    /// What it means, in plain words (what to do is `remedy`, worded by each front end).
    public var explanation: String { SocketErrorExplanation.explain(self) }

    /// What the user can do about it, as data: the CLI and the console word it their own way
    /// (the CLI has `--port`, the console `:listen` and `--tcp-port`).
    public var remedy: Remedy? { SocketErrorExplanation.remedy(self) }

    /// The failed call, what it means, no remedy: `connect() failed: Connection refused
    /// (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000`.
    public var description: String {
        var subject = "\(operation)() failed"
        if case .resolver = code, let host { subject += " for \"\(host)\"" }
        return "\(subject): \(summary): \(explanation)"
    }
}
