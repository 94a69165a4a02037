import Dispatch
import NetLabEvents
import Testing

/// The engines' queue-confined state is checked, not promised: a `QueueBound` gives its value
/// on its own queue, and traps (in the debug builds the tests run) anywhere else.
@Suite struct QueueBoundTests {
    @Test func onItsQueueTheValueIsThere() {
        let queue = DispatchQueue(label: "netlab.test.bound")
        let box = QueueBound([1, 2], on: queue)
        let read: Int = queue.sync {
            box.value.append(3)
            return box.withValue { $0.reduce(0, +) }
        }
        #expect(read == 6)
    }

    #if DEBUG
    @Test func offItsQueueItTraps() async {
        await #expect(processExitsWith: .failure) {
            let box = QueueBound(0, on: DispatchQueue(label: "netlab.test.elsewhere"))
            box.value += 1
        }
    }
    #endif
}
