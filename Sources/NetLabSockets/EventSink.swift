import Dispatch
import NetLabCore

/// Where an engine reports what happens: a handler run on a queue the caller chooses.
///
/// Events from one engine arrive in the order they happened (the queue must be serial).
public struct EventSink: Sendable {
    public let queue: DispatchQueue
    public let handler: @Sendable (LabEvent) -> Void

    public init(queue: DispatchQueue, handler: @escaping @Sendable (LabEvent) -> Void) {
        self.queue = queue
        self.handler = handler
    }

    /// A sink that drops every event.
    public static let discard = EventSink(queue: DispatchQueue(label: "netlab.discard")) { _ in }

    func emit(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: LabEvent.Kind) {
        let event = LabEvent(engine: engine, role: role, kind: kind)
        let handler = self.handler
        queue.async { handler(event) }
    }
}
