import CNetLabSys
import Dispatch
import Foundation
import Glibc
import NetLabCore
import NetLabEvents

/// The lab's UDP uppercase server: each datagram comes back uppercased to its sender.
public final class UDPServer: Sendable {
    /// A bound socket and its address.
    private struct Bound {
        let handle: SocketHandle
        let local: Endpoint
    }

    /// Datagrams taken per recvmmsg call, and calls per readiness event before yielding.
    static let slots = 16
    static let rounds = 64
    /// Each slot holds the largest datagram, so nothing is ever cut.
    static let slotSize = 65536

    private let sink: EventSink
    /// Owns the socket, on its queue.
    private let lifecycle = ServerLifecycle<Bound>(label: "netlab.udp-server")
    /// One recvmmsg batch, on the lifecycle's queue.
    private let batch: QueueBoundObject<Batch>

    public init(events: EventSink) {
        self.sink = events
        batch = QueueBoundObject(Batch(), on: lifecycle.loop.queue)
    }

    deinit {
        // Released without `stop()`: close the socket on the queue (the handle lives until
        // then). Its read handler holds the server weakly, so it never runs after this.
        lifecycle.abandon { bound in bound.handle.close() }
    }

    public var localEndpoint: Endpoint? { lifecycle.read { $0?.local } }

    /// Binds; returns the bound address. If already bound, returns it.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        do throws(SocketError) {
            return try lifecycle.start { reactor throws(SocketError) in
                let (fd, local) = try ServerSocket.open(host: host, port: port, type: .datagram)
                // The next datagram of a client's round trip is waited for in recvmmsg (see
                // `readable`); the socket's other receives and every send say MSG_DONTWAIT,
                // so nothing else ever blocks.
                Reactor.waitInSocket(fd)
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
        let batch = batch.value
        let started = DispatchTime.now().uptimeNanoseconds
        for round in 0..<Self.rounds {
            if round > 0 && DispatchTime.now().uptimeNanoseconds - started > Reactor.drainBudgetNanoseconds { return }
            // After a batch, the next datagram is waited for here (the socket's receive timeout,
            // the reactor's linger) instead of in epoll: recvmmsg and sendmmsg per datagram, as
            // the C floor's recvfrom and sendto, instead of an epoll_wait besides.
            let count = batch.receive(handle.fd, wait: round > 0 && Reactor.socketWait > 0)
            if count < 0 {
                let code = errno
                if code != EAGAIN && code != EWOULDBLOCK { sink.emit(.udp, .server, .failed(.errno(.recvmmsg, code, endpoint: local))) }
                return
            }
            // With `sent` events wanted (the console, --verbose), what came is reported before
            // the replies that follow it. Without them (a server's log of what came) the replies
            // go first and the lines after, stamped with the time the batch came: a line built
            // between a datagram and its reply delayed every reply of the batch, and the clients'
            // next datagrams found the server asleep more often (4 lab clients: context switches
            // per datagram 0.10 -> 0.07, CPU per datagram -1%, alternated).
            let repliesFirst = !sink.wantsPayloads
            let arrived = repliesFirst && sink.wantsReceives ? Date() : nil
            for index in 0..<count {
                if !repliesFirst { report(index, at: nil, local: local) }
                Uppercase.copy(batch.datagram(index), into: batch.reply(index))
            }
            var first = 0
            while first < count {
                let sent = sink.stamped(
                    .udp, .server, call: .sendmmsg,
                    { batch.send(handle.fd, from: first, to: count) },
                    events: { [first] sent in
                        (first..<(first + max(0, sent))).map { index in
                            .sent(
                                bytes: Array(batch.reply(index)), from: batch.destination(index, local: local),
                                to: batch.sender(index).endpoint)
                        }
                    })
                if sent <= 0 {
                    // This one could not go (a full buffer: EAGAIN, or an error): report it, go on.
                    let code = sent < 0 ? errno : EAGAIN
                    sink.emit(.udp, .server, .failed(.errno(.sendto, code, endpoint: batch.sender(first).endpoint)))
                    first += 1
                    continue
                }
                first += sent
            }
            if let arrived {
                for index in 0..<count { report(index, at: arrived, local: local) }
            }
            // Drained: without a linger the level-triggered reactor calls again when more comes.
            if count < Self.slots && Reactor.socketWait == 0 { return }
        }
    }

    /// Reports datagram `index` of the batch as it came (the reply is in another buffer).
    private func report(_ index: Int, at time: Date?, local: Endpoint) {
        let batch = batch.value
        let datagram = batch.datagram(index)
        sink.emitReceived(
            .udp, .server, call: .recvmmsg, bytes: UnsafeRawBufferPointer(datagram), sender: { batch.loggedSender(index) }, at: time,
            .received(bytes: Array(datagram), from: batch.sender(index).endpoint, to: batch.destination(index, local: local)))
    }

    /// One recvmmsg batch: the datagrams where they lie, their lengths, senders and
    /// destinations. Freed with the server's box, after the last handler that could use it.
    private final class Batch {
        // Memory of its own, not arrays: each array handed to C as `&array` was a dynamic
        // exclusivity check (swift_beginAccess, a thread-local lookup) per call, per datagram.
        let buffers = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: slots * slotSize)
        /// The replies, slot for slot: the datagrams stay as they came until they are reported.
        /// (Only the pages a batch writes become memory.)
        let replies = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: slots * slotSize)
        let lengths = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: slots)
        let senders = UnsafeMutableBufferPointer<sockaddr_storage>.allocate(capacity: slots)
        let senderLengths = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: slots)
        /// Each datagram's destination address (IP_PKTINFO), the source of its reply.
        let destinations = UnsafeMutableBufferPointer<netlab_destination>.allocate(capacity: slots)

        init() {
            // The batch helpers step through the sender addresses 128 bytes at a time.
            precondition(MemoryLayout<sockaddr_storage>.stride == Int(NETLAB_SOCKADDR_STORAGE))
            lengths.initialize(repeating: 0)
            senders.initialize(repeating: sockaddr_storage())
            senderLengths.initialize(repeating: 0)
            destinations.initialize(repeating: netlab_destination())
        }

        deinit {
            buffers.deallocate()
            replies.deallocate()
            lengths.deallocate()
            senders.deallocate()
            senderLengths.deallocate()
            destinations.deallocate()
        }

        /// recvmmsg into the slots: how many came, or -1 with errno; `wait`: up to the socket's
        /// receive timeout for the first.
        func receive(_ fd: Int32, wait: Bool) -> Int {
            Int(
                netlab_recv_batch(
                    fd, buffers.baseAddress, slotSize, Int32(slots), lengths.baseAddress, senders.baseAddress,
                    senderLengths.baseAddress, destinations.baseAddress, wait ? 1 : 0))
        }

        /// sendmmsg of slots `first..<end` back to their senders: how many went, or -1.
        func send(_ fd: Int32, from first: Int, to end: Int) -> Int {
            Int(
                netlab_send_batch(
                    fd, replies.baseAddress, slotSize, Int32(first), Int32(end), lengths.baseAddress, senders.baseAddress,
                    senderLengths.baseAddress, destinations.baseAddress))
        }

        /// Datagram `index` as it came.
        func datagram(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let start = index * slotSize
            return UnsafeBufferPointer(rebasing: buffers[start..<start + Int(lengths[index])])
        }

        /// The reply to datagram `index` (as long as the datagram).
        func reply(_ index: Int) -> UnsafeMutableBufferPointer<UInt8> {
            let start = index * slotSize
            return UnsafeMutableBufferPointer(rebasing: replies[start..<start + Int(lengths[index])])
        }

        func sender(_ index: Int) -> SocketAddress {
            SocketAddress(storage: senders[index], length: senderLengths[index])
        }

        /// `sender(index)` as a log line's sender, read where the address lies.
        func loggedSender(_ index: Int) -> LabEvent.Sender {
            SocketAddress.sender(at: senders.baseAddress! + index, length: senderLengths[index])
        }

        /// The address datagram `index` was sent to (the socket's own when the kernel did not say).
        func destination(_ index: Int, local: Endpoint) -> Endpoint {
            let destination = destinations[index]
            let family = destination.family == 4 ? AF_INET : destination.family == 6 ? AF_INET6 : 0
            guard family != 0 else { return local }
            guard let host = SocketAddress.numericHost(family, destination.address) else { return local }
            return family == AF_INET ? Endpoint(ipv4: host, port: local.port) : Endpoint(host: host, port: local.port)
        }
    }
}
