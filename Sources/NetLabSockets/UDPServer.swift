import Dispatch
import Glibc
import NetLabCore

/// The lab's UDP uppercase server: each datagram comes back uppercased to its sender.
public final class UDPServer: @unchecked Sendable {
    // @unchecked: `state` is touched only on `queue`.
    private enum State {
        case stopped
        case bound(SocketHandle, Endpoint)
    }

    /// Datagrams handled per readiness event before yielding the queue.
    static let batch = 64

    private let sink: EventSink
    /// Serial queue owning the socket.
    private let queue: DispatchQueue
    private let reactor: Reactor
    private var state = State.stopped
    private var buffer = [UInt8](repeating: 0, count: 65536)

    public init(events: EventSink) {
        self.sink = events
        self.queue = DispatchQueue(label: "netlab.udp-server")
        self.reactor = Reactor(queue: queue)
    }

    public var localEndpoint: Endpoint? {
        queue.sync {
            if case .bound(_, let local) = state { return local }
            return nil
        }
    }

    /// Binds; returns the bound address. If already bound, returns it.
    @discardableResult
    public func start(host: String? = nil, port: UInt16) throws(SocketError) -> Endpoint {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let result: Result<Endpoint, SocketError> = queue.sync {
            if case .bound(_, let local) = state { return .success(local) }
            do throws(SocketError) {
                let (fd, local) = try ServerSocket.open(host: host, port: port, type: .datagram)
                let handle = SocketHandle(fd: fd, reactor: reactor)
                handle.onReadable { [unowned self] in readable(handle, local: local) }
                state = .bound(handle, local)
                sink.emit(.udp, .server, .listening(local))
                return .success(local)
            } catch {
                sink.emit(.udp, .server, .failed(error))
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Closes the socket; returns once it is closed.
    public func stop() {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let done = DispatchGroup()
        queue.sync {
            guard case .bound(let handle, let local) = state else { return }
            state = .stopped
            done.enter()
            handle.close { [sink] in
                sink.emit(.udp, .server, .stopped(local))
                done.leave()
            }
        }
        done.wait()
    }

    private func readable(_ handle: SocketHandle, local: Endpoint) {
        for _ in 0..<Self.batch {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count: Int?
            do throws(SocketError) {
                count = try Syscall.nonBlocking("recvfrom", endpoint: local) {
                    buffer.withUnsafeMutableBytes { bytes in
                        withUnsafeMutablePointer(to: &storage) { pointer in
                            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                recvfrom(handle.fd, bytes.baseAddress, bytes.count, Int32(MSG_TRUNC), $0, &length)
                            }
                        }
                    }
                }
            } catch {
                sink.emit(.udp, .server, .failed(error))
                return
            }
            guard let count else { return }
            let sender = SocketAddress(storage: storage, length: length)
            // The buffer holds the largest possible datagram, so MSG_TRUNC never cuts; stay safe anyway.
            let size = min(count, buffer.count)
            // Uppercased where it was received: no copy unless an event wants the bytes.
            sink.emitPayload(.udp, .server, .received(bytes: Array(buffer[0..<size]), from: sender.endpoint, to: local))
            buffer.withUnsafeMutableBufferPointer { Uppercase.applyInPlace(UnsafeMutableBufferPointer(rebasing: $0[0..<size])) }
            do throws(SocketError) {
                let sent = try Syscall.nonBlocking("sendto", endpoint: sender.endpoint) {
                    buffer.withUnsafeBytes { bytes in
                        sender.withSockaddr { sendto(handle.fd, bytes.baseAddress, size, Int32(MSG_NOSIGNAL), $0, $1) }
                    }
                }
                if sent != nil {
                    sink.emitPayload(.udp, .server, .sent(bytes: Array(buffer[0..<size]), from: local, to: sender.endpoint))
                } else {
                    sink.emit(.udp, .server, .failed(.errno("sendto", EAGAIN, endpoint: sender.endpoint)))
                }
            } catch {
                sink.emit(.udp, .server, .failed(error))
            }
        }
    }
}
