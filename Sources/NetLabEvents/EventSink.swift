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
        /// Also received, with every byte (a server's default log shows what came in, and
        /// its replies only with --verbose: building the `sent` events too doubled the work).
        case receives
        /// Also sent, with every byte.
        case payloads

        public static func < (a: Detail, b: Detail) -> Bool { a.rawValue < b.rawValue }
    }

    public let detail: Detail
    /// Whether a connection's own events are built: accepted, shutdown and closed (a closed
    /// event asks the kernel who sent the first FIN, a getsockopt). On with `.traffic` and
    /// above, unless the sink says otherwise: a server's log prints them only with --verbose.
    public let connections: Bool
    /// Queued (delivered in batches on a queue) or inline (at once, on the emitting thread).
    private let delivery: Delivery
    /// The client exchange every event of this sink belongs to (`tagged(exchange:)`).
    private var exchange: Int?

    /// The same sink, its events marked as the exchange `id`'s: a client's results and events
    /// are paired by exchange, never by protocol alone.
    public func tagged(exchange id: Int?) -> EventSink {
        var copy = self
        copy.exchange = id
        return copy
    }

    private enum Delivery {
        case queued(Buffer, DispatchQueue)
        case inline(Inline)
    }

    public init(queue: DispatchQueue, detail: Detail = .payloads, handler: @escaping @Sendable (LabEvent) -> Void) {
        self.detail = detail
        self.connections = detail >= .traffic
        self.delivery = .queued(Buffer(queue: queue, handler: handler), queue)
    }

    /// A sink that runs `handler` at once, on the thread that emits, one event at a time (a
    /// lock keeps them apart): no queue, no thread woken per event. For a sink one engine
    /// uses (a headless server, whose events come from its one queue in order); a console,
    /// with several engines and a capture whose events must interleave by cause, uses a
    /// queued sink. Profiled on the headless servers: the hop to a log queue per event was
    /// the larger part of what a log line cost.
    /// `connections`: build accepted, shutdown and closed events (default: with `.traffic`).
    /// `receivedLine`: takes a message received instead of its event (see `ReceivedLine`).
    public static func inline(
        detail: Detail = .payloads, connections: Bool? = nil, receivedLine: ReceivedLine? = nil,
        _ handler: @escaping @Sendable (LabEvent) -> Void
    ) -> EventSink {
        EventSink(
            delivery: .inline(Inline(handler: handler, receivedLine: receivedLine)), detail: detail,
            connections: connections ?? (detail >= .traffic))
    }

    /// Handles a message received without an event being made of it: its engine, its bytes
    /// where they lie (valid during the call only), its sender and when it came; returns false
    /// to have the event made after all. A headless server's log line needs no event: made,
    /// it copied every message and wrote its sender as a String first.
    public typealias ReceivedLine =
        @Sendable (_ engine: LabEvent.Engine, _ bytes: UnsafeRawBufferPointer, _ sender: LabEvent.Sender, _ time: Date) -> Bool

    private init(delivery: Delivery, detail: Detail, connections: Bool) {
        self.detail = detail
        self.connections = connections && detail >= .traffic
        self.delivery = delivery
    }

    /// The handler of an inline sink, one event at a time.
    private final class Inline: @unchecked Sendable {
        // @unchecked: `handler` runs only under `lock` (`receivedLine` is Sendable).
        private let lock = NSLock()
        private let handler: @Sendable (LabEvent) -> Void
        let receivedLine: ReceivedLine?
        init(handler: @escaping @Sendable (LabEvent) -> Void, receivedLine: ReceivedLine?) {
            self.handler = handler
            self.receivedLine = receivedLine
        }
        func deliver(_ event: LabEvent) {
            lock.lock()
            defer { lock.unlock() }
            handler(event)
        }
        /// Whether `receivedLine` took the message. Not under the lock: the line is `Sendable`
        /// (a headless server's log writer keeps its own), and it keeps its place among the
        /// events by running on the thread that emits them (one engine's queue). Under the lock
        /// too, a logged datagram took two locks.
        func take(
            _ line: ReceivedLine, _ engine: LabEvent.Engine, _ bytes: UnsafeRawBufferPointer, _ sender: LabEvent.Sender, _ time: Date
        ) -> Bool {
            line(engine, bytes, sender, time)
        }
    }

    /// Whether `received`/`sent` events (which copy every byte) are wanted.
    public var wantsPayloads: Bool { detail >= .payloads }

    /// A sink that drops every event (on a serial queue of its own that nothing else uses).
    public static let discard = EventSink(queue: DispatchQueue(label: "netlab.discard")) { _ in }

    /// Emits an event made elsewhere (a traced program's call), with the time it carries.
    package func emit(_ event: LabEvent) {
        switch delivery {
        case .inline(let inline): inline.deliver(event)
        case .queued(let buffer, let queue): buffer.append(event, queue: queue, stamp: false)
        }
    }

    /// Emits an event stamped now. The stamp is taken where its place in the stream is
    /// decided, so event times never go backwards along the stream.
    package func emit(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: LabEvent.Kind, call: LabEvent.Call? = nil) {
        let event = LabEvent(engine: engine, role: role, kind: kind, call: call, exchange: exchange)
        switch delivery {
        case .inline(let inline): inline.deliver(event)
        case .queued(let buffer, let queue): buffer.append(event, queue: queue, stamp: true)
        }
    }

    /// Emits a `received` event (or any payload event that reports a call that has returned),
    /// building it (and copying its bytes) only if wanted.
    package func emitPayload(
        _ engine: LabEvent.Engine, _ role: LabEvent.Role, call: LabEvent.Call,
        _ kind: @autoclosure () -> LabEvent.Kind
    ) {
        guard detail >= .receives else { return }
        emit(engine, role, kind(), call: call)
    }

    /// Reports a message received: to the inline sink's `receivedLine` when it has one and
    /// takes it (no event: `kind` is not made, the bytes are not copied), else as
    /// `emitPayload` does. `sender` is made only for a `receivedLine`. `time`: when the message
    /// came, for a report made later (nil: now).
    package func emitReceived(
        _ engine: LabEvent.Engine, _ role: LabEvent.Role, call: LabEvent.Call, bytes: UnsafeRawBufferPointer,
        sender: () -> LabEvent.Sender, at time: Date? = nil, _ kind: @autoclosure () -> LabEvent.Kind
    ) {
        guard detail >= .receives else { return }
        if case .inline(let inline) = delivery, let line = inline.receivedLine,
            inline.take(line, engine, bytes, sender(), time ?? Date())
        {
            return
        }
        guard let time else { return emit(engine, role, kind(), call: call) }
        emit(LabEvent(time: time, engine: engine, role: role, kind: kind(), call: call, exchange: exchange))
    }

    /// Whether what comes is reported (`received` events, or a sink's received lines). With
    /// it and without `wantsPayloads` (no `sent` events), nothing reports a reply, and a
    /// server may report what came after it has answered.
    public var wantsReceives: Bool { detail >= .receives }

    /// Runs a call that sends (or connects), with its event's place in the stream and its time
    /// taken *before* the call: whatever the call causes (the peer's `recv`, a captured
    /// segment, an RST) comes after it in the stream by construction. `event` builds the event
    /// from the call's result (none: nothing to report; several: a batch call such as
    /// sendmmsg); a call that throws reports nothing here.
    @discardableResult
    package func stamped<Result, Failure: Error>(
        _ engine: LabEvent.Engine, _ role: LabEvent.Role, call: LabEvent.Call,
        _ body: () throws(Failure) -> Result, events: (Result) -> [LabEvent.Kind]
    ) throws(Failure) -> Result {
        guard wantsPayloads else { return try body() }
        let (buffer, queue): (Buffer, DispatchQueue)
        switch delivery {
        case .inline(let inline):
            // One engine's events, in its queue's order: the call's events follow it.
            let time = Date()
            let result = try body()
            for kind in events(result) {
                inline.deliver(LabEvent(time: time, engine: engine, role: role, kind: kind, call: call, exchange: exchange))
            }
            return result
        case .queued(let queued, let on):
            (buffer, queue) = (queued, on)
        }
        let slot = buffer.reserve(queue: queue)
        let result: Result
        do {
            result = try body()
        } catch {
            buffer.fill(slot, with: [], queue: queue)
            throw error
        }
        let made = events(result).map { LabEvent(time: slot.time, engine: engine, role: role, kind: $0, call: call, exchange: exchange) }
        buffer.fill(slot, with: made, queue: queue)
        return result
    }

    /// Emits a frame the capture saw, at its place in the stream now, with the kernel's time.
    /// (Engine `.tcp` by convention: a frame belongs to no engine; readers look at the frame.)
    public func emitWire(_ frame: CapturedFrame) {
        let event = LabEvent(time: frame.time, engine: .tcp, role: .wire, kind: .wire(frame))
        switch delivery {
        case .inline(let inline): inline.deliver(event)
        case .queued(let buffer, let queue): buffer.append(event, queue: queue, stamp: false)
        }
    }

    /// Emits a connection's own event (accepted, shutdown, closed) if wanted.
    package func emitConnection(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: @autoclosure () -> LabEvent.Kind) {
        guard connections else { return }
        emit(engine, role, kind())
    }

    /// Emits a per-request event (served, an idle connection closed) if wanted.
    package func emitTraffic(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: @autoclosure () -> LabEvent.Kind) {
        guard detail >= .traffic else { return }
        emit(engine, role, kind())
    }

    /// Runs `body` on the sink's queue after every event emitted so far has been delivered.
    package func after(_ body: @escaping @Sendable () -> Void) {
        switch delivery {
        case .inline: body()  // everything emitted so far has been delivered already
        case .queued(let buffer, let queue): buffer.append(.run(body), queue: queue)
        }
    }
}
