import Dispatch
import Foundation
import NetLabCore

extension EventSink {
    /// A queued sink's delivery: items appended under a lock from any thread, delivered in
    /// emit order on the sink's queue, in bounded turns.
    final class Buffer: @unchecked Sendable {
        // @unchecked: `pending` and the counts beside it are guarded by `lock`; the batch being
        // delivered is in a `QueueBound` on the sink's queue; `handler` is immutable, Sendable.
        enum Item {
            case event(LabEvent)
            case run(@Sendable () -> Void)
            /// A place kept for an event whose call has not returned yet.
            case slot(Slot)
        }

        /// A kept place: `time` is when it was taken; `done` once the call returned (guarded
        /// by the buffer's lock), `events` then what to deliver.
        final class Slot: @unchecked Sendable {
            let time: Date
            var done = false
            var events: [LabEvent] = []
            init(time: Date) { self.time = time }
        }

        /// Items delivered per turn of the queue: between turns other work on it (a console's
        /// keys and redraws) gets its go, so a flood cannot hold the queue for long.
        static let perTurn = 1024
        /// Nanoseconds of delivery per turn, at most (checked every 64 items).
        static let turnBudget: UInt64 = 1_000_000
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
        /// The batch being delivered and the next item's index, on the sink's queue.
        private let delivering: QueueBound<Delivering>
        private struct Delivering {
            var inbox: [Item] = []
            var next = 0
        }
        /// The drain stopped at a slot whose call has not returned; its fill restarts it.
        private var stalled = false
        /// A drain is queued and has not started: at most one waits in the queue at a time, so
        /// a key or a redraw queued behind it waits for one turn, never for a pile of them.
        private var drainQueued = false
        private let handler: @Sendable (LabEvent) -> Void

        init(queue: DispatchQueue, handler: @escaping @Sendable (LabEvent) -> Void) {
            self.handler = handler
            delivering = QueueBound(Delivering(), on: queue)
        }

        func append(_ event: LabEvent, queue: DispatchQueue, stamp: Bool) {
            var event = event
            var size = event.payload?.count ?? 0
            if case .wire(let frame) = event.kind { size = frame.bytes.count }
            lock.lock()
            defer { lock.unlock() }
            if stamp { event.time = Date() }
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

        /// Keeps the next place in the stream for an event not known yet. Never dropped: the
        /// drain waits at it, so every `reserve` must be followed by one `fill`.
        func reserve(queue: DispatchQueue) -> Slot {
            lock.lock()
            defer { lock.unlock() }
            let slot = Slot(time: Date())
            enqueue(.slot(slot), queue: queue)
            return slot
        }

        func fill(_ slot: Slot, with events: [LabEvent], queue: DispatchQueue) {
            lock.lock()
            defer { lock.unlock() }
            slot.events = events
            slot.done = true
            if stalled {
                stalled = false
                queueDrain(queue)
            }
        }

        /// Adds an item; the caller holds `lock`.
        private func enqueue(_ item: Item, queue: DispatchQueue) {
            pending.append(item)
            // One drain scheduled per batch (the first item of an empty batch schedules it).
            if pending.count == 1 { queueDrain(queue) }
        }

        /// Queues a drain unless one is already waiting; the caller holds `lock`.
        private func queueDrain(_ queue: DispatchQueue) {
            guard !drainQueued else { return }
            drainQueued = true
            queue.async { self.drain(queue) }
        }

        /// Delivers items in emit order, at most `perTurn` per turn of the queue.
        private func drain(_ queue: DispatchQueue) {
            lock.lock()
            drainQueued = false
            lock.unlock()
            // In place for the whole turn: the handlers emit into `pending` (under the lock),
            // never into the batch being delivered, and a drain runs only from the queue.
            delivering.withValue { delivering in deliver(&delivering.inbox, &delivering.next, queue) }
        }

        private func deliver(_ inbox: inout [Item], _ next: inout Int, _ queue: DispatchQueue) {
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
            // A turn also ends after `turnBudget`: a handler that is slow per event (a console
            // decoding captured frames) still lets keys and redraws in every few milliseconds.
            let started = DispatchTime.now().uptimeNanoseconds
            var delivered = 0
            while next < end {
                delivered += 1
                if delivered & 63 == 0, DispatchTime.now().uptimeNanoseconds - started > Self.turnBudget { break }
                let item = inbox[next]
                switch item {
                case .event(let event): handler(event)
                case .run(let body): body()
                case .slot(let slot):
                    lock.lock()
                    let done = slot.done
                    if !done { stalled = true }
                    lock.unlock()
                    // Wait here: what comes after this call must not be delivered before it.
                    guard done else { return }
                    for event in slot.events { handler(event) }
                }
                next += 1
            }
            if next < inbox.count {
                lock.lock()
                queueDrain(queue)
                lock.unlock()
            } else {
                // Keep the memory of an ordinary batch; give back what a flood's backlog took.
                inbox.removeAll(keepingCapacity: inbox.count <= 4 * Self.perTurn)
                next = 0
                // A batch that arrived while this one waited at a slot had its drain run (and
                // stop at the slot) already: deliver it now, or nothing ever would.
                lock.lock()
                if !pending.isEmpty { queueDrain(queue) }
                lock.unlock()
            }
        }
    }
}
