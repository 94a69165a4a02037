import CNetLabSys
import Dispatch
import Glibc
import NetLabCore
import NetLabEvents

/// The lab's UDP uppercase server: each datagram comes back uppercased to its sender.
public final class UDPServer: @unchecked Sendable {
    // @unchecked: the batch buffers are touched only on the lifecycle's queue.
    /// A bound socket and its address.
    private struct Bound {
        let handle: SocketHandle
        let local: Endpoint
    }

    /// Datagrams taken per recvmmsg call, and calls per readiness event before yielding.
    static let slots = 16
    static let rounds = 8
    /// Each slot holds the largest datagram, so nothing is ever cut.
    static let slotSize = 65536

    private let sink: EventSink
    /// Owns the socket, on its queue.
    private let lifecycle = ServerLifecycle<Bound>(label: "netlab.udp-server")
    /// One recvmmsg batch: the datagrams, their lengths and senders (used only on `queue`).
    private let buffers = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: slots * slotSize)
    private var lengths = [UInt32](repeating: 0, count: slots)
    private var senders = [sockaddr_storage](repeating: sockaddr_storage(), count: slots)
    private var senderLengths = [UInt32](repeating: 0, count: slots)
    /// Each datagram's destination address (IP_PKTINFO), the source of its reply.
    private var destinations = [netlab_destination](repeating: netlab_destination(), count: slots)

    public init(events: EventSink) {
        self.sink = events
        // The batch helpers step through the sender addresses 128 bytes at a time.
        precondition(MemoryLayout<sockaddr_storage>.stride == Int(NETLAB_SOCKADDR_STORAGE))
    }

    deinit {
        // Released without `stop()`: close the socket on the queue (the handle lives until
        // then). Its read handler holds the server weakly, so it never reaches the buffers
        // freed here.
        lifecycle.abandon { bound in bound.handle.close() }
        buffers.deallocate()
    }

    public var localEndpoint: Endpoint? { lifecycle.read { $0?.local } }

    /// Binds; returns the bound address. If already bound, returns it.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        do throws(SocketError) {
            return try lifecycle.start { reactor throws(SocketError) in
                let (fd, local) = try ServerSocket.open(host: host, port: port, type: .datagram)
                let handle = SocketHandle(fd: fd, reactor: reactor)
                // Weak: a released server's handler finds nothing, never its freed buffers.
                handle.onReadable { [weak self] in self?.readable(handle, local: local) }
                sink.emit(.udp, .server, .listening(local))
                return Bound(handle: handle, local: local)
            }.local
        } catch {
            sink.emit(.udp, .server, .failed(error))
            throw error
        }
    }

    /// Closes the socket; returns once it is closed.
    public func stop() {
        lifecycle.stop { [sink] bound, done in
            done.enter()
            bound.handle.close {
                sink.emit(.udp, .server, .stopped(bound.local))
                done.leave()
            }
        }
    }

    /// Takes the waiting datagrams a batch at a time (recvmmsg), uppercases each where it
    /// lies, and sends the batch back (sendmmsg): two syscalls per batch instead of two per
    /// datagram when many clients are sending.
    private func readable(_ handle: SocketHandle, local: Endpoint) {
        for _ in 0..<Self.rounds {
            let count = Int(
                netlab_recv_batch(
                    handle.fd, buffers.baseAddress, Self.slotSize, Int32(Self.slots),
                    &lengths, &senders, &senderLengths, &destinations))
            if count < 0 {
                let code = errno
                if code != EAGAIN && code != EWOULDBLOCK { sink.emit(.udp, .server, .failed(.errno(.recvmmsg, code, endpoint: local))) }
                return
            }
            for index in 0..<count {
                let datagram = UnsafeMutableBufferPointer(rebasing: buffers[index * Self.slotSize..<index * Self.slotSize + Int(lengths[index])])
                sink.emitPayload(
                    .udp, .server, call: .recvmmsg,
                    .received(
                        bytes: Array(datagram), from: sender(index).endpoint,
                        to: destination(index, local: local)))
                Uppercase.applyInPlace(datagram)
            }
            var first = 0
            while first < count {
                let sent = sink.stamped(
                    .udp, .server, call: .sendmmsg,
                    {
                        Int(
                            netlab_send_batch(
                                handle.fd, buffers.baseAddress, Self.slotSize, Int32(first), Int32(count),
                                lengths, &senders, senderLengths, destinations))
                    },
                    events: { [first] sent in
                        (first..<(first + max(0, sent))).map { index in
                            let start = index * Self.slotSize
                            return .sent(
                                bytes: Array(buffers[start..<start + Int(lengths[index])]), from: destination(index, local: local),
                                to: sender(index).endpoint)
                        }
                    })
                if sent <= 0 {
                    // This one could not go (a full buffer: EAGAIN, or an error): report it, go on.
                    let code = sent < 0 ? errno : EAGAIN
                    sink.emit(.udp, .server, .failed(.errno(.sendto, code, endpoint: sender(first).endpoint)))
                    first += 1
                    continue
                }
                first += sent
            }
            if count < Self.slots { return }  // drained; the level-triggered reactor calls again
        }
    }

    private func sender(_ index: Int) -> SocketAddress {
        SocketAddress(storage: senders[index], length: senderLengths[index])
    }

    /// The address datagram `index` was sent to (the socket's own when the kernel did not say).
    private func destination(_ index: Int, local: Endpoint) -> Endpoint {
        let destination = destinations[index]
        var text = [CChar](repeating: 0, count: 64)
        let family = destination.family == 4 ? AF_INET : destination.family == 6 ? AF_INET6 : 0
        guard family != 0 else { return local }
        let converted = withUnsafeBytes(of: destination.address) { bytes in
            inet_ntop(family, bytes.baseAddress, &text, socklen_t(text.count))
        }
        guard converted != nil else { return local }
        return Endpoint(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: local.port)
    }
}
