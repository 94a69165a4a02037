import Foundation

/// One thing that happened in an engine, timestamped and safe to send to any queue.
///
/// Events carry every byte that crossed a socket (`received`/`sent`), so a log or a hex view
/// can be rebuilt from the event stream alone.
public struct LabEvent: Sendable, Equatable {
    public enum Engine: String, Sendable, CaseIterable {
        case tcp = "TCP"
        case udp = "UDP"
        case http = "HTTP"
    }
    /// Who reports it: one of netlab's servers or clients, or the capture (a frame on the wire).
    public enum Role: String, Sendable { case server, client, wire, program }

    /// The socket call an event reports, for the timeline's call rows (`send() 5 B`).
    /// The socket call a row stands for (the call lane of the timeline).
    public typealias Call = SocketOperation

    public enum Kind: Sendable, Equatable {
        /// A server's socket is bound and ready.
        case listening(Endpoint)
        /// A server closed its listening socket and all its connections.
        case stopped(Endpoint)
        /// A TCP server accepted a connection from `peer`.
        case accepted(peer: Endpoint)
        /// A client called connect() for `peer` (stamped before the call); `local` is the
        /// address the kernel gave the socket, when known (the flow its SYN belongs to).
        case connecting(peer: Endpoint, local: Endpoint? = nil)
        /// A client's connection to `peer` is established (TCP) or its socket is ready (UDP).
        case connected(local: Endpoint, peer: Endpoint)
        /// A connection with `peer` is closed.
        case closed(peer: Endpoint, peerClosedFirst: Bool? = nil)
        /// shutdown(SHUT_WR): this side's FIN goes to `peer`; reading goes on (a half-close).
        case shutdown(peer: Endpoint)
        /// Bytes arrived: `from` is the remote side, `to` our own socket's address.
        case received(bytes: [UInt8], from: Endpoint, to: Endpoint)
        /// Bytes left: `from` is our own socket's address, `to` the remote side.
        case sent(bytes: [UInt8], from: Endpoint, to: Endpoint)
        /// A server refused a connection because it is at its limit.
        case rejected(peer: Endpoint, reason: String)
        /// An HTTP server answered a request: the access-log line. `unfinished` says why the
        /// response stopped short (the client reset the connection, stopped reading); `bytes`
        /// is then what was sent of it.
        case served(
            peer: Endpoint, requestLine: String, status: Int, bytes: Int, milliseconds: Double,
            unfinished: String? = nil)
        /// A server closed a connection that sent and read nothing for `seconds`.
        case idleClosed(peer: Endpoint, seconds: Double)
        /// A condition worth one line: out of descriptors, accepting again, events dropped.
        case notice(String)
        /// A syscall failed; the error explains itself.
        case failed(SocketError)
        /// Nothing came back from `peer` within `seconds`.
        case timedOut(peer: Endpoint, seconds: Double)
        /// A frame the capture saw on the wire (role `.wire`; `time` is the kernel's stamp).
        case wire(CapturedFrame)
        /// A traced program's socket call (`:run`): `program` names it (`python3 TCPServer.py`).
        case traced(TracedCall, program: String)
    }

    public var time: Date
    public var engine: Engine
    public var role: Role
    public var kind: Kind
    /// The call that made it happen (nil for events that are not one call's result).
    public var call: Call?
    /// The client exchange it belongs to, as its sender numbered it (nil: none, or a server's).
    public var exchange: Int?

    public init(time: Date = Date(), engine: Engine, role: Role, kind: Kind, call: Call? = nil, exchange: Int? = nil) {
        self.time = time
        self.engine = engine
        self.role = role
        self.kind = kind
        self.call = call
        self.exchange = exchange
    }
}
