import Dispatch
import NetLabCore
import NetLabEvents

/// One client exchange (a TCP connection's round, a datagram and its reply): started on its
/// engine's queue, it ends exactly once with the reply or the reason there is none.
protocol ClientExchange: AnyObject {
    func run(completion: @escaping (Result<[UInt8], ClientFailure>) -> Void)
}

/// What every client engine shares: its loop, the exchanges in flight, and the one way an
/// exchange's result comes back (its completion, delivered on the event queue after the
/// exchange's events, which are display only).
final class ClientCore: Sendable {
    let loop: EngineLoop
    private let sink: EventSink
    private let inFlight: QueueBound<[ObjectIdentifier: ClientExchange]>

    init(loop: EngineLoop, sink: EventSink) {
        self.loop = loop
        self.sink = sink
        inFlight = QueueBound([:], on: loop.queue)
    }

    convenience init(label: String, sink: EventSink) {
        self.init(loop: EngineLoop(label: label), sink: sink)
    }

    /// Makes an exchange on the queue with the engine's reactor and runs it.
    func run(
        _ make: @escaping @Sendable (Reactor) -> ClientExchange,
        completion: @escaping @Sendable (Result<[UInt8], ClientFailure>) -> Void
    ) {
        loop.queue.async { [self, sink] in
            let reactor: Reactor
            do throws(SocketError) {
                reactor = try loop.reactor()
            } catch {
                sink.after { completion(.failure(.socket(error))) }
                return
            }
            let exchange = make(reactor)
            let id = ObjectIdentifier(exchange)
            inFlight.value[id] = exchange
            exchange.run { [self] result in
                inFlight.value[id] = nil
                sink.after { completion(result) }
            }
        }
    }
}

/// The bookkeeping every exchange repeats: its completion, taken exactly once, and the
/// timer that ends it when the other side stays silent.
struct ExchangeEnding {
    private var completion: ((Result<[UInt8], ClientFailure>) -> Void)?
    private var timer: DispatchWorkItem?

    /// Whether the exchange is still waiting for its end.
    var isRunning: Bool { completion != nil }

    mutating func begin(_ completion: @escaping (Result<[UInt8], ClientFailure>) -> Void) {
        self.completion = completion
    }

    /// Runs `fire` on `queue` after `seconds` unless the exchange ends first.
    mutating func arm(after seconds: Double, on queue: DispatchQueue, _ fire: @escaping () -> Void) {
        let timer = DispatchWorkItem(block: fire)
        self.timer = timer
        armed = (seconds, queue, fire)
        queue.asyncAfter(deadline: .now() + seconds, execute: timer)
    }

    /// What `arm` was given, so a wait in step mode can start the clock again.
    private var armed: (seconds: Double, queue: DispatchQueue, fire: () -> Void)?
    private var suspended = 0

    /// Step mode: the clock stops while a call waits for its key (a room that takes a minute
    /// to predict must not make the exchange time out)...
    mutating func suspend() {
        suspended += 1
        timer?.cancel()
        timer = nil
    }

    /// ...and starts again, whole, when the call is made.
    mutating func resume() {
        suspended = max(0, suspended - 1)
        guard suspended == 0, isRunning, timer == nil, let armed else { return }
        arm(after: armed.seconds, on: armed.queue, armed.fire)
    }

    /// Whether a call is waiting in step mode (the timer is not to be armed now).
    var isSuspended: Bool { suspended > 0 }

    /// The completion, the first time only (nil after); the timer is cancelled.
    mutating func take() -> ((Result<[UInt8], ClientFailure>) -> Void)? {
        timer?.cancel()
        timer = nil
        armed = nil
        defer { completion = nil }
        return completion
    }
}
