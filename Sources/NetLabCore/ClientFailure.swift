/// Why a client's request got no reply, in words a student can act on.
public enum ClientFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A syscall failed (connection refused, unknown host, ...).
    case socket(SocketError)
    /// Nothing came back in time.
    case timedOut(engine: LabEvent.Engine, peer: Endpoint, seconds: Double)
    /// The reply exceeded the client's limit and was cut off.
    case replyTooLarge(limit: Int)
    /// The server closed the connection (FIN) without sending a byte back.
    case closedWithoutReply(engine: LabEvent.Engine, peer: Endpoint)

    public var description: String {
        switch self {
        case .socket(let error):
            return error.description
        case .timedOut(let engine, let peer, let seconds):
            let after = "No reply from \(peer) within \(Self.format(seconds)) s"
            switch engine {
            case .udp:
                return "\(after): UDP does not tell the sender that nobody is listening; is the server running on that port?"
            case .tcp, .http:
                return "\(after): the connection is open but the server did not answer"
            }
        case .replyTooLarge(let limit):
            return "The reply is larger than \(limit) bytes; netlab stopped reading it"
        case .closedWithoutReply(_, let peer):
            return "\(peer) closed the connection without sending anything back"
        }
    }

    /// A shorter form for the console's transcript: `Connection refused (ECONNREFUSED):
    /// nothing is listening on 127.0.0.1:12000`.
    public var brief: String {
        switch self {
        case .socket(let error):
            guard case .errno(let value) = error.code else { return error.description }
            return "\(ErrnoName.message(value)) (\(ErrnoName.name(value))): \(error.explanation)"
        case .timedOut(let engine, _, let seconds):
            let after = "No reply within \(Self.format(seconds)) s"
            return engine == .udp
                ? "\(after): UDP does not tell the sender that nobody is listening"
                : "\(after): the connection is open but the server did not answer"
        case .replyTooLarge:
            return description
        case .closedWithoutReply:
            return "The server closed the connection without replying"
        }
    }

    /// The event a client reports for this failure (none for a reply cut off by netlab itself).
    public var event: LabEvent.Kind? {
        switch self {
        case .socket(let error): .failed(error)
        case .timedOut(_, let peer, let seconds): .timedOut(peer: peer, seconds: seconds)
        case .replyTooLarge, .closedWithoutReply: nil
        }
    }

    /// The underlying errno, if any.
    public var errnoValue: Int32? {
        if case .socket(let error) = self { return error.errnoValue }
        return nil
    }

    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
