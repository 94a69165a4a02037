import Dispatch
import NetLabCore
import NetLabEvents
import Synchronization

/// Step mode for netlab's clients: before each socket call an exchange asks the gate; while
/// the gate is on, the call waits until `proceed(id)` (a key in the console), so the room sees
/// what each call sends before it is sent. Off, every call goes at once.
public final class StepGate: Sendable {
    /// A call that waits: its number, protocol, name (`connect()`) and what it will do.
    public struct Waiting: Sendable, Equatable {
        public var id: Int
        public var engine: LabEvent.Engine
        /// Whose call it is: `client`, or `server` (its accept()).
        public var side: String
        public var call: String
        public var detail: String
    }

    private struct State: ~Copyable {
        var on = false
        var nextID = 1
        var waiting: [Int: QueueBound<() -> Void>] = [:]
    }

    private let state = Mutex(State())
    /// Hears each call that starts waiting (on the exchange's queue).
    private let announce: @Sendable (Waiting) -> Void

    public init(announce: @escaping @Sendable (Waiting) -> Void) {
        self.announce = announce
    }

    public var isOn: Bool { state.withLock { $0.on } }

    /// On: calls wait from now. Off: every waiting call goes.
    public func set(on: Bool) {
        let released = state.withLock { state -> [QueueBound<() -> Void>] in
            state.on = on
            guard !on else { return [] }
            defer { state.waiting = [:] }
            return state.waiting.sorted { $0.key < $1.key }.map(\.value)
        }
        for body in released { body.queue.async { body.value() } }
    }

    /// Call `id` goes ahead (on its exchange's queue); an unknown id (already gone) is ignored.
    public func proceed(_ id: Int) {
        guard let body = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        body.queue.async { body.value() }
    }

    /// The same for a caller without a queue (a traced program's stop, on the tracing thread):
    /// `body` runs on a queue of the gate's own.
    public func hold(_ engine: LabEvent.Engine, side: String, call: String, detail: String, _ body: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "netlab.step")
        queue.async { [self] in before(engine, side: side, call: call, detail: detail, on: queue, body) }
    }

    /// Runs `body` now when the gate is off; else keeps it until `proceed`. On `queue` only.
    func before(
        _ engine: LabEvent.Engine, side: String = "client", call: String, detail: String, on queue: DispatchQueue,
        _ body: @escaping () -> Void
    ) {
        let kept = QueueBound(body, on: queue)
        let id = state.withLock { state -> Int? in
            guard state.on else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = kept
            return id
        }
        guard let id else {
            body()
            return
        }
        announce(Waiting(id: id, engine: engine, side: side, call: call, detail: detail))
    }
}
