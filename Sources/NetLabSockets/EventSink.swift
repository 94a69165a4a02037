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
        // Anything already emitted is either delivered or has a drain scheduled ahead of this.
        buffer.lock.lock()
        queue.async(execute: body)
        buffer.lock.unlock()
    }

    private final class Buffer: @unchecked Sendable {
        // @unchecked: `pending` is guarded by `lock`; `handler` is immutable and Sendable.
        let lock = NSLock()
        private var pending: [LabEvent] = []
        private let handler: @Sendable (LabEvent) -> Void

        init(handler: @escaping @Sendable (LabEvent) -> Void) {
            self.handler = handler
        }

        func append(_ event: LabEvent, queue: DispatchQueue) {
            lock.lock()
            defer { lock.unlock() }
            pending.append(event)
            // Scheduled under the lock, so drains and `after` blocks keep the emit order.
            if pending.count == 1 { queue.async { self.drain() } }
        }

        private func drain() {
            lock.lock()
            let events = pending
            pending.removeAll(keepingCapacity: true)
            lock.unlock()
            for event in events { handler(event) }
        }
    }
}
