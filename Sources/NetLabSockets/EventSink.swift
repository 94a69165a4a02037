import Dispatch
import Foundation
import NetLabCore

/// Where an engine reports what happens: a handler run on a queue the caller chooses.
///
/// Events arrive in the order they were emitted, in batches: an emit only wakes the queue
/// when nothing is already waiting to be delivered. Under load that turns one thread wake-up
/// per event into one per batch (profiled: wake-ups were most of the server's CPU time).
public struct EventSink: Sendable {
    /// How much a sink wants to hear. Engines skip building (and copying bytes for) events
    /// nobody wants: under load that is most of a quiet server's work.
    public enum Detail: Int, Comparable, Sendable {
        /// listening, stopped, failed, rejected.
        case lifecycle
        /// Also accepted, closed, served: one event per connection or request, no bytes.
        case traffic
        /// Also received and sent, with every byte.
        case payloads

        public static func < (a: Detail, b: Detail) -> Bool { a.rawValue < b.rawValue }
    }

    public let queue: DispatchQueue
    public let detail: Detail
    private let buffer: Buffer

    public init(queue: DispatchQueue, detail: Detail = .payloads, handler: @escaping @Sendable (LabEvent) -> Void) {
        self.queue = queue
        self.detail = detail
        self.buffer = Buffer(handler: handler)
    }

    /// Whether `received`/`sent` events (which copy every byte) are wanted.
    public var wantsPayloads: Bool { detail >= .payloads }

    /// A sink that drops every event (on a serial queue of its own that nothing else uses).
    public static let discard = EventSink(queue: DispatchQueue(label: "netlab.discard")) { _ in }

    func emit(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: LabEvent.Kind) {
        buffer.append(LabEvent(engine: engine, role: role, kind: kind), queue: queue)
    }

    /// Emits a `received`/`sent` event, building it (and copying its bytes) only if wanted.
    func emitPayload(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: @autoclosure () -> LabEvent.Kind) {
        guard wantsPayloads else { return }
        emit(engine, role, kind())
    }

    /// Emits a per-connection or per-request event (accepted, closed, served) if wanted.
    func emitTraffic(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: @autoclosure () -> LabEvent.Kind) {
        guard detail >= .traffic else { return }
        emit(engine, role, kind())
    }

    /// Runs `body` on the sink's queue after every event emitted so far has been delivered.
    func after(_ body: @escaping @Sendable () -> Void) {
        buffer.append(.run(body), queue: queue)
    }

    private final class Buffer: @unchecked Sendable {
        // @unchecked: `pending` is guarded by `lock`; `inbox` and `next` are touched only on
        // the sink's queue; `handler` is immutable and Sendable.
        enum Item {
            case event(LabEvent)
            case run(@Sendable () -> Void)
        }

        /// Items delivered per turn of the queue: between turns other work on it (a console's
        /// keys and redraws) gets its go, so a flood cannot hold the queue for long.
        static let perTurn = 1024
        /// At most this many events, or this many payload bytes, wait for delivery; past
        /// that, events are dropped and counted (never `run` items: a client's completion
        /// always arrives), and a `notice` takes their place in the stream. A handler that
        /// cannot keep up (a log on a stalled stdout, a busy console) then costs bounded memory.
        static let maxPendingEvents = 1 << 18
        static let maxPendingBytes = 64 << 20

        let lock = NSLock()
        private var pending: [Item] = []
        private var pendingBytes = 0
        /// Events dropped since the last delivery, and the first one's engine and role.
        private var dropped = 0
        private var droppedFrom: (LabEvent.Engine, LabEvent.Role) = (.tcp, .server)
        private var inbox: [Item] = []
        private var next = 0
        private let handler: @Sendable (LabEvent) -> Void

        init(handler: @escaping @Sendable (LabEvent) -> Void) {
            self.handler = handler
        }

        func append(_ event: LabEvent, queue: DispatchQueue) {
            let size = event.payload?.count ?? 0
            lock.lock()
            defer { lock.unlock() }
            if pending.count >= Self.maxPendingEvents || pendingBytes + size > Self.maxPendingBytes {
                if dropped == 0 { droppedFrom = (event.engine, event.role) }
                dropped += 1
                return
            }
            pendingBytes += size
            enqueue(.event(event), queue: queue)
        }

        func append(_ item: Item, queue: DispatchQueue) {
            lock.lock()
            defer { lock.unlock() }
            enqueue(item, queue: queue)
        }

        /// Adds an item; the caller holds `lock`.
        private func enqueue(_ item: Item, queue: DispatchQueue) {
            pending.append(item)
            // One drain scheduled per batch (the first item of an empty batch schedules it).
            if pending.count == 1 { queue.async { self.drain(queue) } }
        }

        /// Delivers items in emit order, at most `perTurn` per turn of the queue.
        private func drain(_ queue: DispatchQueue) {
            if next == inbox.count {
                lock.lock()
                swap(&inbox, &pending)
                pending.removeAll(keepingCapacity: pending.capacity <= 4 * Self.perTurn)
                pendingBytes = 0
                if dropped > 0 {
                    // The dropped events came after everything now in the inbox.
                    let text = "\(dropped) event\(dropped == 1 ? "" : "s") dropped: they came faster than they could be shown"
                    inbox.append(.event(LabEvent(engine: droppedFrom.0, role: droppedFrom.1, kind: .notice(text))))
                    dropped = 0
                }
                lock.unlock()
                next = 0
            }
            let end = min(inbox.count, next + Self.perTurn)
            while next < end {
                let item = inbox[next]
                next += 1
                switch item {
                case .event(let event): handler(event)
                case .run(let body): body()
                }
            }
            if next < inbox.count {
                queue.async { self.drain(queue) }
            } else {
                // Keep the memory of an ordinary batch; give back what a flood's backlog took.
                inbox.removeAll(keepingCapacity: inbox.count <= 4 * Self.perTurn)
                next = 0
            }
        }
    }
}
