/// Why a client's request got no reply, in words a student can act on.
public enum ClientFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A syscall failed (connection refused, unknown host, ...).
    case socket(SocketError)
    /// Nothing came back in time (TCP: the connection was up; UDP: the datagram was sent).
    case timedOut(engine: LabEvent.Engine, peer: Endpoint, seconds: Double)
    /// TCP: connect() never completed: no SYN/ACK came back in time.
    case connectTimedOut(engine: LabEvent.Engine, peer: Endpoint, seconds: Double)
    /// The reply exceeded the client's limit and was cut off.
    case replyTooLarge(limit: Int)
    /// The server closed the connection (FIN) without sending a byte back.
    case closedWithoutReply(engine: LabEvent.Engine, peer: Endpoint)
    /// Part of a reply came (an HTTP head and some of its body, say), then nothing more for
    /// `seconds` with the connection open, or (`seconds` nil) the server closed it before the
    /// end its Content-Length promised.
    case unfinishedReply(engine: LabEvent.Engine, peer: Endpoint, seconds: Double?, received: [UInt8])

    /// The CLI's words (the console uses `brief`); remedies are `remedy`, worded by each front end.
    public var description: String {
        switch self {
        case .socket(let error):
            return error.description
        case .timedOut(let engine, let peer, let seconds):
            switch engine {
            case .udp:
                return "No reply from \(peer) within \(Self.format(seconds)) s. " + Self.udpSilence
            case .tcp, .http:
                return "No reply from \(peer) within \(Self.format(seconds)) s: " + Self.connectedSilence
            }
        case .connectTimedOut(_, let peer, let seconds):
            return "No answer from \(peer) within \(Self.format(seconds)) s: " + Self.noSynAck
        case .replyTooLarge(let limit):
            return "The reply is larger than \(limit) bytes; netlab stopped reading it"
        case .closedWithoutReply(_, let peer):
            return "\(peer) closed the connection without sending anything back"
        case .unfinishedReply(let engine, let peer, let seconds, let received):
            return "Only \(Self.unfinished(engine, received)) came back from \(peer), " + Self.unfinishedEnd(engine, seconds)
        }
    }

    /// `52 bytes (the head and 5 of the 1000 body bytes its Content-Length promised)`.
    static func unfinished(_ engine: LabEvent.Engine, _ received: [UInt8]) -> String {
        let bytes = received.count == 1 ? "1 byte" : "\(received.count) bytes"
        guard engine == .http else { return bytes }
        guard let end = HTTPClientMessage.headEnd(received) else { return "\(bytes) of a response head that never ended" }
        let body = received.count - end
        if let promised = HTTPClientMessage.promisedBody(received) {
            return "\(bytes) (the head and \(body) of the \(promised) body bytes its Content-Length promised)"
        }
        return "\(bytes) (the head and \(body) body bytes)"
    }

    static func unfinishedEnd(_ engine: LabEvent.Engine, _ seconds: Double?) -> String {
        guard let seconds else { return "then the server closed the connection: the response is cut short" }
        return "then nothing for \(format(seconds)) s: "
            + (engine == .http
                ? "the response is incomplete and the server kept the connection open"
                : "the server kept the connection open without finishing (the reply ends when the server closes)")
    }

    /// Checked against captures on Linux (tcpdump on lo): a datagram to a closed port is
    /// answered by "ICMP udp port unreachable", which an unconnected socket never hears; a
    /// datagram to a program that is bound and silent gets no ICMP at all. Without the wire
    /// netlab cannot tell which happened, so the sentence is conditional (the console adds
    /// what the capture shows).
    static let udpSilence =
        "Nothing listening? Then the host answers with ICMP port unreachable, which Linux tells only a connected UDP socket.\n"
        + "Or a program is bound there and did not answer, or a datagram was lost: UDP never resends. "
        + "(The lab's UDPClient.py would wait forever; on Windows it gets ConnectionResetError.)"
    static let connectedSilence = "the connection is up (the handshake completed) but the server sent nothing back"
    static let noSynAck =
        "the connection request (SYN) got no SYN/ACK; the host may be down, a firewall may drop the packets, "
        + "or the server's backlog is full (a closed port would have refused at once)"

    /// A shorter form for the console's transcript: `Connection refused (ECONNREFUSED):
    /// nothing is listening on 127.0.0.1:12000`.
    public var brief: String {
        switch self {
        case .socket(let error):
            guard case .errno(let value) = error.code else { return error.description }
            return "\(value.message) (\(value.name)): \(error.explanation)"
        case .timedOut(let engine, _, let seconds):
            let after = "No reply within \(Self.format(seconds)) s"
            return engine == .udp ? "\(after). " + Self.udpSilence : "\(after): " + Self.connectedSilence
        case .connectTimedOut(_, _, let seconds):
            return "No answer within \(Self.format(seconds)) s: " + Self.noSynAck
        case .replyTooLarge:
            return description
        case .closedWithoutReply:
            return "The server closed the connection without replying"
        case .unfinishedReply(let engine, _, let seconds, let received):
            return "Only \(Self.unfinished(engine, received)) came, " + Self.unfinishedEnd(engine, seconds)
        }
    }

    /// What the user can do, as data (each front end words it).
    public var remedy: Remedy? {
        switch self {
        case .socket(let error): error.remedy
        case .timedOut(.udp, _, _): .connectedUDP
        default: nil
        }
    }

    /// The event a client reports for this failure (none for a reply cut off by netlab itself).
    public var event: LabEvent.Kind? {
        switch self {
        case .socket(let error): .failed(error)
        case .timedOut(_, let peer, let seconds), .connectTimedOut(_, let peer, let seconds): .timedOut(peer: peer, seconds: seconds)
        // The recv() rows already show what came; "no reply" would be untrue.
        case .replyTooLarge, .closedWithoutReply, .unfinishedReply: nil
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
