import CNetLabSys
import Dispatch
import Glibc
import NetLabCore
import NetLabEvents

/// Readiness for every socket of one engine: one epoll set, watched by one `DispatchSource`
/// on the engine's serial queue, whose handler runs each ready socket's handler on that queue.
///
/// Why not a `DispatchSource` per socket: libdispatch registers each source through its
/// manager thread (an eventfd wake-up per create and per cancel: 15% of the TCP server's time
/// in a profile), does not fire a read source for EPOLLERR alone (a connected UDP socket never
/// heard its ECONNREFUSED), and was seen missing read events on sockets that also had a write
/// source. Here the engine calls `epoll_ctl` itself (a syscall, no thread hop), error and
/// hang-up conditions reach the handlers, and a closed socket's pending events are dropped by
/// registration id, so a reused descriptor number never gets its predecessor's events.
/// Level-triggered; its state lives in a `QueueBound` on `queue`.
final class Reactor: Sendable {
    /// A watched descriptor's handlers and interest. A `SocketHandle` is one (a subclass: one
    /// object per socket, not two).
    class Registration {
        let fd: Int32
        /// Given by `add`: a serial number (never reused by the reactor) above the descriptor
        /// number, so a late event for a closed socket finds nothing, even when its descriptor
        /// number was reused.
        fileprivate(set) var id: UInt64 = 0
        var onRead: (() -> Void)?
        var onWrite: (() -> Void)?
        var readEnabled = true
        var writeEnabled = true
        /// The interest last given to epoll (nil: not in the set yet), to skip needless calls.
        var registered: UInt32?

        init(fd: Int32) {
            self.fd = fd
        }

        var wantsRead: Bool { onRead != nil && readEnabled }
        var wantsWrite: Bool { onWrite != nil && writeEnabled }
    }

    /// What only the queue touches: the epoll set, the registrations, the epoll_wait arrays
    /// and the scratch. The source's handler holds it, not the reactor: nothing refers to the
    /// reactor weakly (a weak reference gives an object a side table, and every retain and
    /// release of it then takes the runtime's slow path: 1% of the HTTP server's CPU under
    /// wrk, with the listener's). The epoll descriptor closes when the last holder lets go,
    /// so a drain still queued never waits on a closed (or reused) descriptor number.
    private final class State {
        let epfd: Int32
        /// The watched sockets by descriptor number (a number is watched once at a time: a
        /// socket leaves before it is closed). An array, not a dictionary keyed by id: no
        /// hashing and no table churn per connection (HTTP `Connection: close`, alternated
        /// with the dictionary, 10 rounds each: CPU per request 0.99x at 1 KiB and at 1 MiB).
        var byDescriptor = DescriptorSlots<Registration>()
        var nextSerial: UInt64 = 1
        /// A read buffer for the handlers on this queue (one runs at a time): no 64 KiB
        /// allocation and memset per read.
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64 * 1024)
        /// What epoll_wait reports, in memory of their own: arrays in this class took an
        /// exclusivity check and a uniqueness check per wait.
        let readyIDs = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 128)
        let readyFlags = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 128)

        init(epfd: Int32) {
            self.epfd = epfd
            readyIDs.initialize(repeating: 0)
            readyFlags.initialize(repeating: 0)
        }

        deinit {
            // Not a socket: closed here, not through Syscall.close (which counts sockets).
            Glibc.close(epfd)
            scratch.deallocate()
            readyIDs.deallocate()
            readyFlags.deallocate()
        }
    }

    let queue: DispatchQueue
    private let state: QueueBoundObject<State>
    /// Watches the epoll set; cancelled when the reactor goes, which lets go of its handler.
    /// Unchecked: it is set once, and cancel() is safe from any thread.
    nonisolated(unsafe) private let source: DispatchSourceRead

    /// The read buffer the handlers share (on the queue).
    var scratch: UnsafeMutableBufferPointer<UInt8> { state.value.scratch }

    /// Fails (EMFILE, ENFILE, ENOMEM) when the process has no descriptor left for the epoll set.
    init(queue: DispatchQueue, epollCreate: () -> Int32 = { netlab_epoll_create() }) throws(SocketError) {
        self.queue = queue
        let epfd = try Syscall.call(.epollCreate, epollCreate)
        source = DispatchSource.makeReadSource(fileDescriptor: epfd, queue: queue)
        let state = QueueBoundObject(State(epfd: epfd), on: queue)
        self.state = state
        source.setEventHandler { [state, queue] in Self.drain(state, queue: queue) }
        source.resume()
    }

    deinit {
        source.cancel()
    }

    /// Starts watching `registration`'s descriptor (no handlers yet: nothing is reported
    /// until one is set).
    func add(_ registration: Registration) {
        let state = state.value
        let fd = Int(registration.fd)
        guard fd >= 0 else {
            assertionFailure("a registration without a descriptor")
            return
        }
        registration.id = state.nextSerial << 32 | UInt64(fd)
        state.nextSerial += 1
        // A socket leaves before its descriptor is closed, so the number is free here (the
        // tests trap otherwise); a release build replaces what it finds.
        assert(state.byDescriptor[fd] == nil, "descriptor \(fd) is watched already")
        state.byDescriptor[fd] = registration
        // Joins the epoll set with its first handler (one `epoll_ctl` instead of two).
    }

    /// The socket an epoll event's id names, if it is still watched.
    private static func registration(_ id: UInt64, in state: State) -> Registration? {
        guard let registration = state.byDescriptor[Int(truncatingIfNeeded: id & 0xFFFF_FFFF)], registration.id == id else {
            return nil
        }
        return registration
    }

    /// Tells epoll what `registration` wants now (after its handlers or flags changed).
    func update(_ registration: Registration) {
        let state = state.value
        guard Self.registration(registration.id, in: state) === registration else { return }
        var wanted: UInt32 = 0
        if registration.wantsRead { wanted |= netlab_epoll_in | netlab_epoll_rdhup }
        if registration.wantsWrite { wanted |= netlab_epoll_out }
        if wanted == 0 {
            // Never in the set and nothing wanted: nothing to tell epoll (a connection answered
            // and closed before it ever waited costs no epoll_ctl).
            guard registration.registered != nil else { return }
            // With no interest, ERR/HUP would be reported on every wait: report them once only.
            wanted = netlab_epoll_oneshot
        }
        guard wanted != registration.registered else { return }
        let operation = registration.registered == nil ? netlab_epoll_ctl_add : netlab_epoll_ctl_mod
        // Ignored on purpose: the descriptor is open and ours (EBADF, EEXIST, ENOENT cannot
        // happen); ENOMEM/ENOSPC (the user's epoll watch limit) would leave the socket
        // unwatched, and its exchange then ends by its own timeout.
        _ = netlab_epoll_ctl(state.epfd, operation, registration.fd, wanted, registration.id)
        registration.registered = wanted
    }

    /// Whether `registration` is the only socket this reactor watches: nothing else can
    /// become ready while its thread waits in a call on that socket alone.
    func watchesOnly(_ registration: Registration) -> Bool {
        let state = state.value
        return state.byDescriptor.count == 1 && Self.registration(registration.id, in: state) === registration
    }

    /// Stops watching (call before closing the descriptor); pending events are dropped.
    /// Always an explicit `EPOLL_CTL_DEL`: close() alone leaves the socket in the set while
    /// another process still holds it (a child between fork and exec), and level-triggered
    /// events for it would then spin here.
    func remove(_ registration: Registration) {
        let state = state.value
        guard Self.registration(registration.id, in: state) === registration else { return }
        state.byDescriptor[Int(registration.fd)] = nil
        // Ignored on purpose: deleting a registered, open descriptor cannot fail.
        if registration.registered != nil { _ = netlab_epoll_ctl(state.epfd, netlab_epoll_ctl_del, registration.fd, 0, 0) }
        registration.onRead = nil
        registration.onWrite = nil
    }

    /// Milliseconds to wait on this thread for the next event after handling some. Under a
    /// request-reply load the next request then wakes this thread directly instead of going
    /// through libdispatch's manager thread and a worker wake-up (measured: TCP server CPU per
    /// connection 126 -> 50 us, UDP 37 -> 23 us). `NETLAB_LINGER_MS` overrides it (0: off).
    ///
    /// Longer than the kernel's tick (4 ms at HZ=250): epoll_wait's timeout is a
    /// high-resolution timer, and one due before the next tick is programmed into the
    /// local APIC when the thread sleeps and again when it wakes (in a VM, exits to the
    /// hypervisor). Measured on the benchmark VM, one TCP client, alternated: 2 ms cost
    /// 4-11 us more per connection than 5 ms (a C epoll server: as much more than no timeout).
    static let linger: Int32 = {
        if let text = getenv("NETLAB_LINGER_MS"), let value = Int32(String(cString: text)) { return value }
        return 5
    }()

    /// Milliseconds a socket call may wait on this thread for the next datagram (the UDP
    /// server's receive) or connection (a listener's accept) instead of epoll_wait: the
    /// linger, at most 2. It is the socket's receive timeout (SO_RCVTIMEO), a timer-wheel
    /// timeout kept in whole ticks (2 ms is one tick: 4 ms at HZ=250), not epoll_wait's
    /// high-resolution one, so the reason the linger is longer does not apply (measured
    /// alternately on one UDP client, 2 and 5 ms were within the noise).
    static let socketWait = min(linger, 2)

    /// Makes `fd` block in its receives (and, for a listener, in accept) for at most
    /// `socketWait`. Ignored on purpose when it fails: the socket then stays non-blocking and
    /// a waiting call returns EAGAIN at once: correct, one epoll_wait more.
    static func waitInSocket(_ fd: Int32) {
        guard socketWait > 0 else { return }
        var timeout = timeval(tv_sec: 0, tv_usec: Int(socketWait) * 1000)
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else { return }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    }

    /// How long one drain may keep the queue (other work on it waits meanwhile): it then
    /// goes to the back of the queue and continues.
    static let drainBudgetNanoseconds: UInt64 = 20_000_000

    /// Runs the handlers of every ready socket, until epoll has nothing more (bounded).
    private static func drain(_ bound: QueueBoundObject<State>, queue: DispatchQueue) {
        let state = bound.value
        let epfd = state.epfd
        var handled = 0
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<64 {
            if handled > 0 && DispatchTime.now().uptimeNanoseconds - started > Self.drainBudgetNanoseconds { break }
            let capacity = state.readyIDs.count
            let timeout: Int32 = handled > 0 ? Self.linger : 0
            let count = Int(
                netlab_epoll_wait(epfd, state.readyIDs.baseAddress, state.readyFlags.baseAddress, Int32(capacity), timeout))
            guard count > 0 else { return }
            handled += count
            for index in 0..<count {
                let flags = state.readyFlags[index]
                // Found by its id: a socket closed by an earlier handler of this batch is gone.
                guard let registration = registration(state.readyIDs[index], in: state) else { continue }
                let trouble = flags & (netlab_epoll_err | netlab_epoll_hup) != 0
                if flags & (netlab_epoll_in | netlab_epoll_rdhup) != 0 || trouble, registration.wantsRead {
                    registration.onRead?()
                }
                // Asked again after the read handler, which may have closed the socket (closing
                // drops its handlers) or stopped wanting to write.
                if flags & netlab_epoll_out != 0 || trouble, registration.wantsWrite {
                    registration.onWrite?()
                }
            }
            if count < capacity && Self.linger == 0 { return }
        }
        // Still busy: let other work on the queue run, then continue.
        queue.async { drain(bound, queue: queue) }
    }
}
