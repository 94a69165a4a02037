import Dispatch
import Glibc
import NetLabCore
import NetLabEvents

/// The lab's TCP client: one connection per message. Connect, send, half-close, read the
/// reply to the end, close.
///
/// Reading runs from the moment the connection is up, so a server that answers while the
/// message is still being sent (netlab's does) never deadlocks against a large message.
public final class TCPClient: Sendable {
    private let sink: EventSink
    /// Owns every in-flight exchange and its socket, on its queue.
    private let core: ClientCore
    /// Replies longer than this are cut off with `replyTooLarge`.
    public let maxReply: Int

    /// The protocol the events are tagged with (`.http` for the HTTP client, which uses the same exchange).
    public let engine: LabEvent.Engine

    /// Step mode's gate (nil: every call goes at once).
    private let gate: StepGate?

    public init(events: EventSink, maxReply: Int = 64 * 1024 * 1024, engine: LabEvent.Engine = .tcp, gate: StepGate? = nil) {
        self.sink = events
        self.gate = gate
        self.maxReply = maxReply
        self.engine = engine
        self.core = ClientCore(label: "netlab.\(engine.rawValue.lowercased())-client", sink: events)
    }

    /// Sends `message` to `host`:`port` on a new connection; `completion` runs on the event
    /// queue after the exchange's events, with the whole reply or the reason there is none.
    /// `exchange` marks the exchange's events (a console pairs each reply with its line by it).
    /// `place`: the network namespace the connection's socket is made in (nil: netlab's own).
    public func send(
        _ message: [UInt8], host: String, port: UInt16, timeout: Double = 5, exchange: Int? = nil, place: SocketPlace? = nil,
        completion: @escaping @Sendable (Result<[UInt8], ClientFailure>) -> Void
    ) {
        let sink = sink.tagged(exchange: exchange)
        core.run(
            { [maxReply, sink, engine, gate] reactor in
                TCPExchange(
                    message: message, host: host, port: port, timeout: timeout, maxReply: maxReply, reactor: reactor,
                    sink: sink, engine: engine, place: place, gate: gate)
            }, completion: completion)
    }

    /// The same, awaited.
    public func send(_ message: [UInt8], host: String, port: UInt16, timeout: Double = 5) async -> Result<[UInt8], ClientFailure> {
        await withCheckedContinuation { continuation in
            send(message, host: host, port: port, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }
}

/// One connect-send-receive-close round of the TCP client. Lives on the client's queue.
final class TCPExchange: ClientExchange {
    private let message: [UInt8]
    private let host: String
    private let port: UInt16
    private let timeout: Double
    private let maxReply: Int
    private let reactor: Reactor
    private var queue: DispatchQueue { reactor.queue }
    private let sink: EventSink
    private let engine: LabEvent.Engine
    private var candidates: [SocketAddress] = []
    private var handle: SocketHandle?
    private var peer = Endpoint(host: "?", port: 0)
    private var local = Endpoint(host: "?", port: 0)
    private var connected = false
    private var sentCount = 0
    private var reply: [UInt8] = []
    /// HTTP: the response's full length once its head has said it (a server may keep the
    /// connection open after it, whatever the request's `Connection: close` asked).
    private var httpLength: Int?
    /// Whether to keep looking for the head's end (stops once found, or past 64 KiB).
    private var httpLookingForHead = true
    private lazy var isHEAD = message.starts(with: Array("HEAD ".utf8))
    private var ending = ExchangeEnding()

    /// Where the socket is made (nil: netlab's own network).
    private let place: SocketPlace?
    private let gate: StepGate?
    /// Step mode: the recv() the room let go, being made (readable() reads without asking).
    private var readAllowed = false
    private var halfClosed = false

    init(
        message: [UInt8], host: String, port: UInt16, timeout: Double, maxReply: Int, reactor: Reactor, sink: EventSink,
        engine: LabEvent.Engine, place: SocketPlace? = nil, gate: StepGate? = nil
    ) {
        self.place = place
        self.gate = gate
        self.engine = engine
        self.message = message
        self.host = host
        self.port = port
        self.timeout = timeout
        self.maxReply = maxReply
        self.reactor = reactor
        self.sink = sink
    }

    func run(completion: @escaping (Result<[UInt8], ClientFailure>) -> Void) {
        ending.begin(completion)
        do throws(SocketError) {
            candidates = try Resolver.resolve(host: host, port: port, type: .stream)
        } catch {
            finish(.failure(.socket(error)))
            return
        }
        ending.arm(after: timeout, on: queue) { [self] in
            // Before the handshake completed, silence means no SYN/ACK: a different story.
            // Part of a reply is not "nothing back": say how much came.
            finish(
                .failure(
                    !connected
                        ? .connectTimedOut(engine: engine, peer: peer, seconds: timeout)
                        : reply.isEmpty
                            ? .timedOut(engine: engine, peer: peer, seconds: timeout)
                            : .unfinishedReply(engine: engine, peer: peer, seconds: timeout, received: reply)))
        }
        connectNext(lastError: nil)
    }

    /// Tries the next resolved address (names such as `localhost` may have several).
    private func connectNext(lastError: SocketError?) {
        guard ending.isRunning else { return }  // timed out meanwhile
        guard !candidates.isEmpty else {
            finish(.failure(.socket(lastError ?? .errno(.connect, ECONNREFUSED))))
            return
        }
        let address = candidates.removeFirst()
        peer = address.endpoint
        step("connect()", "to \(peer) (sends a SYN)") { [self] in connect(to: address) }
    }

    /// Step mode: `body` (a socket call) waits for the room's key, the exchange's clock
    /// stopped meanwhile; without a gate, or with it off, it runs now.
    private func step(_ call: String, _ detail: String, _ body: @escaping () -> Void) {
        guard let gate, gate.isOn else { return body() }
        ending.suspend()
        gate.before(engine, call: call, detail: detail, on: queue) { [self] in
            ending.resume()
            body()
        }
    }

    private func connect(to address: SocketAddress) {
        guard ending.isRunning else { return }
        let fd: Int32
        do throws(SocketError) {
            fd = try place.socket(family: address.family, type: .stream)
        } catch {
            connectNext(lastError: error)
            return
        }
        let handle = SocketHandle(fd: fd, reactor: reactor)
        self.handle = handle
        // The call's row is stamped before the call: the SYN it sends comes after it.
        let result = sink.stamped(
            engine, .client, call: .connect, { address.withSockaddr { Glibc.connect(fd, $0, $1) } },
            events: { [peer] _ in [.connecting(peer: peer, local: SocketAddress.local(of: fd)?.endpoint)] })
        let code = result == 0 ? 0 : errno
        if code == 0 {
            didConnect()
        } else if code == EINPROGRESS || code == EINTR {
            handle.onWritable { [self] in
                let pending = Syscall.pendingError(fd)
                if pending == 0 {
                    didConnect()
                } else {
                    retry(after: .errno(.connect, pending, endpoint: peer))
                }
            }
        } else {
            retry(after: .errno(.connect, code, endpoint: peer))
        }
    }

    private func retry(after error: SocketError) {
        handle?.close { [self] in connectNext(lastError: error) }
        handle = nil
    }

    private func didConnect() {
        guard let handle, !connected else { return }
        // The connect's write interest ends here: the send waits for its step.
        handle.finishWriting()
        connected = true
        local = SocketAddress.local(of: handle.fd)?.endpoint ?? local
        sink.emit(engine, .client, .connected(local: local, peer: peer))
        step("send()", "\(message.count) B to \(peer)") { [self] in
            guard ending.isRunning, !handle.isClosing else { return }
            handle.onReadable { [self] in readable() }
            handle.onWritable { [self] in writable() }
            writable()
        }
    }

    private func writable() {
        guard let handle, !handle.isClosing else { return }
        while sentCount < message.count {
            let written: Int?
            do throws(SocketError) {
                written = try sink.stamped(
                    engine, .client, call: .send,
                    { () throws(SocketError) -> Int? in
                        try Syscall.nonBlocking(.send, endpoint: peer) {
                            message.withUnsafeBytes { send(handle.fd, $0.baseAddress! + sentCount, $0.count - sentCount, Int32(MSG_NOSIGNAL)) }
                        }
                    },
                    events: { [message, sentCount, local, peer] written in
                        guard let written, written > 0 else { return [] }
                        return [.sent(bytes: Array(message[sentCount..<sentCount + written]), from: local, to: peer)]
                    })
            } catch {
                finish(.failure(.socket(error)))
                return
            }
            guard let written else { return }  // the write source calls again when there is room
            sentCount += written
        }
        handle.finishWriting()
        step("shutdown()", "SHUT_WR (sends a FIN: the message is complete)") { [self] in halfClose() }
    }

    private func halfClose() {
        guard let handle, !handle.isClosing, ending.isRunning else { return }
        halfClosed = true
        // Half-close: tells the server the message is complete; the reply can still come back.
        // Stamped before the call, like send(): the row comes before the FIN it causes.
        // Ignored on purpose: it fails only on a connection already gone, which the next
        // recv() reports (ECONNRESET, or end of file).
        sink.emit(engine, .client, .shutdown(peer: peer))
        _ = shutdown(handle.fd, Int32(SHUT_WR))
    }

    /// Reads until the socket has nothing more, into the reactor's buffer.
    private func readable() {
        if let gate, gate.isOn, !readAllowed, let handle {
            // Step mode: no reading (and no wake-ups) until the room lets this recv() go; none
            // at all once the exchange has ended (its close() waits for its own key).
            handle.pauseReading()
            guard ending.isRunning else { return }
            step("recv()", "(reads what has arrived from \(peer))") { [self] in
                guard let handle = self.handle, !handle.isClosing, ending.isRunning else { return }
                handle.resumeReading()
                readAllowed = true
                readable()
                readAllowed = false
            }
            return
        }
        let scratch = reactor.scratch
        while let handle, !handle.isClosing, ending.isRunning {
            let count: Int?
            do throws(SocketError) {
                count = try Syscall.nonBlocking(.recv, endpoint: peer) { recv(handle.fd, scratch.baseAddress, scratch.count, 0) }
            } catch {
                finish(.failure(.socket(error)))
                return
            }
            guard let count else { return }
            if count == 0 {
                // A message answered by nothing: say so, never print an empty line as if answered.
                if reply.isEmpty && !message.isEmpty {
                    finish(.failure(.closedWithoutReply(engine: engine, peer: peer)))
                } else if let httpLength, reply.count < httpLength {
                    // Closed before the end its Content-Length promised: cut short, not a response.
                    finish(.failure(.unfinishedReply(engine: engine, peer: peer, seconds: nil, received: reply)))
                } else {
                    finish(.success(reply))
                }
                return
            }
            let chunk = UnsafeBufferPointer(rebasing: scratch[0..<count])
            sink.emitPayload(engine, .client, call: .recv, .received(bytes: Array(chunk), from: peer, to: local))
            reply.append(contentsOf: chunk)
            if reply.count > maxReply {
                finish(.failure(.replyTooLarge(limit: maxReply)))
                return
            }
            if engine == .http {
                if httpLookingForHead {
                    httpLength = HTTPClientMessage.responseLength(reply, toHEAD: isHEAD)
                    httpLookingForHead = HTTPClientMessage.headEnd(reply) == nil && reply.count < 64 * 1024
                }
                if let httpLength, reply.count >= httpLength {
                    finish(.success(Array(reply.prefix(httpLength))))
                    return
                }
            }
        }
    }

    private func finish(_ result: Result<[UInt8], ClientFailure>) {
        guard let completion = ending.take() else { return }
        var result = result
        if case .failure(let failure) = result, let kind = failure.event {
            // Stamped first: the row's time is when connect() failed, not after /proc is read.
            sink.emit(engine, .client, kind)
        }
        if case .failure(.socket(var error)) = result, error.operation == .connect, error.errnoValue == ECONNREFUSED,
            peer.host == "127.0.0.1" || peer.host == "::1"
        {
            // Refused on this machine: a lab server that just quit may have left TIME_WAIT
            // behind, which would stop it from starting again. Say so (reading /proc takes
            // tens of milliseconds on a busy machine: after the event, not before it).
            error.timeWait = PortHolder.timeWaitWithoutListener(port: peer.port)
            result = .failure(.socket(error))
        }
        guard let handle else {
            completion(result)
            return
        }
        // The close() row is stamped before the call, so it comes before any FIN it sends.
        guard connected else { return handle.close { completion(result) } }
        let detail = halfClosed ? "(its FIN already went with shutdown())" : "(sends a FIN, or an RST if data arrived unread)"
        step("close()", detail) { [self, engine, peer] in
            sink.emit(engine, .client, .closed(peer: peer))
            handle.close { completion(result) }
        }
    }
}
