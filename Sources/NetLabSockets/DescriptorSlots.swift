/// Values by descriptor number, in an array that grows to the largest number set (doubling):
/// how the reactor finds a socket's registration and a listener its connections, with no
/// hashing per socket. Descriptor numbers are small and reused, so the array stays small.
struct DescriptorSlots<Value> {
    private var slots: [Value?] = []
    /// How many descriptors have a value.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Every value, a snapshot: changing the slots while going through it is safe.
    var all: [Value] { slots.compactMap { $0 } }

    /// The value for `descriptor` (nil: none, also for a negative number, which is never set).
    subscript(descriptor: Int) -> Value? {
        get { descriptor >= 0 && descriptor < slots.count ? slots[descriptor] : nil }
        set {
            guard descriptor >= 0 else {
                assertionFailure("a negative descriptor number")
                return
            }
            if descriptor >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: max(descriptor + 1, 2 * slots.count) - slots.count))
            }
            if slots[descriptor] == nil && newValue != nil { count += 1 }
            if slots[descriptor] != nil && newValue == nil { count -= 1 }
            slots[descriptor] = newValue
        }
    }

    mutating func removeAll() {
        slots.removeAll()
        count = 0
    }
}
