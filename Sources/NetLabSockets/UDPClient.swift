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

    public init(events: EventSink) {
        self.sink = events
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
            { [sink] reactor in
                UDPExchange(
                    message: message, host: host, port: port, mode: mode, timeout: timeout, reactor: reactor, sink: sink, place: place)
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

    init(
        message: [UInt8], host: String, port: UInt16, mode: UDPClient.Mode, timeout: Double, reactor: Reactor, sink: EventSink,
        place: SocketPlace? = nil
    ) {
        self.place = place
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
        do throws(SocketError) {
            // UDP has no handshake to try each address with: use the first the system prefers.
            let address = try Resolver.resolve(host: host, port: port, type: .datagram)[0]
            peer = address.endpoint
            let fd = try place.socket(family: address.family, type: .datagram)
            let handle = SocketHandle(fd: fd, reactor: reactor)
            self.handle = handle
            if mode == .connected {
                try sink.stamped(
                    .udp, .client, call: .connect,
                    { () throws(SocketError) in
                        try Syscall.call(.connect, endpoint: peer) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
                    }, events: { [peer] _ in [.connecting(peer: peer)] })
                local = SocketAddress.local(of: fd)?.endpoint ?? local
                sink.emit(.udp, .client, .connected(local: local, peer: peer))
            }
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
            local = SocketAddress.local(of: fd)?.endpoint ?? local
            // A connected socket's ECONNREFUSED arrives as EPOLLERR: the reactor reports it here too.
            handle.onReadable { [self] in readable() }
        } catch {
            finish(.failure(.socket(error)))
            return
        }
        ending.arm(after: timeout, on: queue) { [self] in
            finish(.failure(.timedOut(engine: .udp, peer: peer, seconds: timeout)))
        }
    }

    private func readable() {
        guard let handle, !handle.isClosing else { return }
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
