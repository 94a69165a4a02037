import Dispatch
import Glibc
import NetLabCore
import NetLabEvents

/// The lab's UDP client: one datagram out, one reply awaited with a timeout.
public final class UDPClient: Sendable {

    /// How the client's socket addresses the server (one enum with the console's).
    public typealias Mode = UDPMode

    private let sink: EventSink
    /// Owns every in-flight exchange and its socket, on its queue.
    private let core: ClientCore

    /// Step mode's gate (nil: every call goes at once).
    private let gate: StepGate?

    public init(events: EventSink, gate: StepGate? = nil) {
        self.sink = events
        self.gate = gate
        self.core = ClientCore(label: "netlab.udp-client", sink: events)
    }

    /// Sends one datagram; `completion` runs on the event queue after the exchange's events.
    /// `place`: the network namespace the socket is made in (nil: netlab's own).
    public func send(
        _ message: [UInt8], host: String, port: UInt16, mode: Mode = .unconnected, timeout: Double = 2, exchange: Int? = nil,
        place: SocketPlace? = nil,
        completion: @escaping @Sendable (Result<[UInt8], ClientFailure>) -> Void
    ) {
        let sink = sink.tagged(exchange: exchange)
        core.run(
            { [sink, gate] reactor in
                UDPExchange(
                    message: message, host: host, port: port, mode: mode, timeout: timeout, reactor: reactor, sink: sink, place: place,
                    gate: gate)
            }, completion: completion)
    }

    /// The same, awaited.
    public func send(
        _ message: [UInt8], host: String, port: UInt16, mode: Mode = .unconnected, timeout: Double = 2
    ) async -> Result<[UInt8], ClientFailure> {
        await withCheckedContinuation { continuation in
            send(message, host: host, port: port, mode: mode, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }
}

/// One datagram and its reply. Lives on the client's queue.
final class UDPExchange: ClientExchange {
    private let message: [UInt8]
    private let host: String
    private let port: UInt16
    private let mode: UDPClient.Mode
    private let timeout: Double
    private let reactor: Reactor
    private var queue: DispatchQueue { reactor.queue }
    private let sink: EventSink
    private var handle: SocketHandle?
    private var peer = Endpoint(host: "?", port: 0)
    private var local = Endpoint(host: "?", port: 0)
    private var ending = ExchangeEnding()

    /// Where the socket is made (nil: netlab's own network).
    private let place: SocketPlace?
    private let gate: StepGate?
    /// Step mode: the recv() the room let go, being made.
    private var readAllowed = false

    init(
        message: [UInt8], host: String, port: UInt16, mode: UDPClient.Mode, timeout: Double, reactor: Reactor, sink: EventSink,
        place: SocketPlace? = nil, gate: StepGate? = nil
    ) {
        self.place = place
        self.gate = gate
        self.message = message
        self.host = host
        self.port = port
        self.mode = mode
        self.timeout = timeout
        self.reactor = reactor
        self.sink = sink
    }

    func run(completion: @escaping (Result<[UInt8], ClientFailure>) -> Void) {
        ending.begin(completion)
        let address: SocketAddress
        do throws(SocketError) {
            // UDP has no handshake to try each address with: use the first the system prefers.
            address = try Resolver.resolve(host: host, port: port, type: .datagram)[0]
            peer = address.endpoint
            let fd = try place.socket(family: address.family, type: .datagram)
            handle = SocketHandle(fd: fd, reactor: reactor)
        } catch {
            finish(.failure(.socket(error)))
            return
        }
        if mode == .connected {
            step("connect()", "to \(peer) (sends nothing: it fixes the peer)") { [self] in
                guard connect(address) else { return }
                step("send()", "\(message.count) B to \(peer) (one datagram)") { [self] in sendMessage(address) }
            }
        } else {
            step("sendto()", "\(message.count) B to \(peer) (one datagram)") { [self] in sendMessage(address) }
        }
    }

    /// Step mode: `body` waits for the room's key; without a gate, or with it off, it runs now.
    private func step(_ call: String, _ detail: String, _ body: @escaping () -> Void) {
        guard let gate, gate.isOn else { return body() }
        ending.suspend()
        gate.before(.udp, call: call, detail: detail, on: queue) { [self] in
            ending.resume()
            guard ending.isRunning else { return }
            body()
        }
    }

    /// connect(): false when it failed (the exchange has ended).
    private func connect(_ address: SocketAddress) -> Bool {
        guard let handle else { return false }
        let fd = handle.fd
        do throws(SocketError) {
            try sink.stamped(
                .udp, .client, call: .connect,
                { () throws(SocketError) in
                    try Syscall.call(.connect, endpoint: peer) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
                }, events: { [peer] _ in [.connecting(peer: peer)] })
        } catch {
            finish(.failure(.socket(error)))
            return false
        }
        local = SocketAddress.local(of: fd)?.endpoint ?? local
        sink.emit(.udp, .client, .connected(local: local, peer: peer))
        return true
    }

    /// The datagram out, then the reply awaited (the clock starts now).
    private func sendMessage(_ address: SocketAddress) {
        guard let handle else { return }
        let fd = handle.fd
        do throws(SocketError) {
            try sink.stamped(
                .udp, .client, call: mode == .connected ? .send : .sendto,
                { () throws(SocketError) -> Int in
                    try Syscall.call(mode == .connected ? .send : .sendto, endpoint: peer) {
                        message.withUnsafeBytes { bytes in
                            switch mode {
                            case .connected: Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                            case .unconnected: address.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
                            }
                        }
                    }
                },
                events: { sent in
                    // The kernel picked our port on the first send.
                    local = SocketAddress.local(of: fd)?.endpoint ?? local
                    return [.sent(bytes: Array(message[0..<sent]), from: local, to: peer)]
                })
        } catch {
            finish(.failure(.socket(error)))
            return
        }
        local = SocketAddress.local(of: fd)?.endpoint ?? local
        // A connected socket's ECONNREFUSED arrives as EPOLLERR: the reactor reports it here too.
        handle.onReadable { [self] in readable() }
        ending.arm(after: timeout, on: queue) { [self] in
            finish(.failure(.timedOut(engine: .udp, peer: peer, seconds: timeout)))
        }
    }

    private func readable() {
        guard let handle, !handle.isClosing else { return }
        if let gate, gate.isOn, !readAllowed {
            // Step mode: no reading (and no wake-ups) until the room lets this recv() go.
            handle.pauseReading()
            step(mode == .connected ? "recv()" : "recvfrom()", "(reads what has arrived for this socket)") { [self] in
                guard let handle = self.handle, !handle.isClosing else { return }
                handle.resumeReading()
                readAllowed = true
                readable()
                readAllowed = false
            }
            return
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count: Int?
        do throws(SocketError) {
            count = try Syscall.nonBlocking(mode == .connected ? .recv : .recvfrom, endpoint: peer) {
                buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &storage) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(handle.fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                        }
                    }
                }
            }
        } catch {
            finish(.failure(.socket(error)))
            return
        }
        guard let count else { return }
        buffer.removeLast(buffer.count - count)
        let sender = length > 0 ? SocketAddress(storage: storage, length: length).endpoint : peer
        sink.emitPayload(.udp, .client, call: .recvfrom, .received(bytes: buffer, from: sender, to: local))
        finish(.success(buffer))
    }

    private func finish(_ result: Result<[UInt8], ClientFailure>) {
        guard let completion = ending.take() else { return }
        if case .failure(let failure) = result, let kind = failure.event {
            sink.emit(.udp, .client, kind)
        }
        guard let handle else {
            completion(result)
            return
        }
        handle.close { completion(result) }
    }
}
