import Dispatch

/// State that belongs to one serial queue: read and written only on it, which every access
/// asserts in debug builds (free in release builds). Engines keep their queue-confined state
/// in these boxes, so the rule is checked where it used to live in a comment, and the types
/// holding them are plainly `Sendable`. The pattern's one `@unchecked Sendable` (with
/// `QueueBoundObject`, its form for an object).
package final class QueueBound<Value>: @unchecked Sendable {
    // @unchecked: `stored` is touched only on `queue`, asserted by every accessor in debug.
    package let queue: DispatchQueue
    private var stored: Value

    package init(_ value: Value, on queue: DispatchQueue) {
        self.queue = queue
        stored = value
    }

    /// The value, on the queue only; changed in place (no copy of an array or dictionary).
    package var value: Value {
        get {
            assertOn(queue)
            return stored
        }
        _modify {
            assertOn(queue)
            yield &stored
        }
    }

    /// The value for the length of `body`, in place: for a loop over it that calls out (the
    /// caller's promise: nothing `body` calls reaches this box again).
    package func withValue<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        assertOn(queue)
        return try body(&stored)
    }
}

/// An object that is touched only on `queue`, held by a constant: reading it costs no
/// exclusivity check (a `QueueBound`'s `var` takes a dynamic one on every read, six per HTTP
/// request for the reactor's state and the opened-file slot). The object's own properties
/// are checked as usual.
package final class QueueBoundObject<Value: AnyObject>: @unchecked Sendable {
    // @unchecked: `stored` is used only on `queue`, asserted by the accessor in debug.
    package let queue: DispatchQueue
    private let stored: Value

    package init(_ value: Value, on queue: DispatchQueue) {
        self.queue = queue
        stored = value
    }

    /// The object, on the queue only.
    package var value: Value {
        assertOn(queue)
        return stored
    }
}

/// Traps in debug builds when called off `queue` (as an event loop's in-loop assertion);
/// free in release builds. Engines, their loops and reactors use it at their entry points.
@inline(__always)
package func assertOn(_ queue: DispatchQueue) {
    #if DEBUG
    dispatchPrecondition(condition: .onQueue(queue))
    #endif
}
