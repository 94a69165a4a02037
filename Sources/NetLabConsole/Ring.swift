import DequeModule

/// A bounded list that forgets its oldest items and counts how many it forgot.
public struct Ring<Element> {
    public private(set) var items: Deque<Element> = []
    public let capacity: Int
    /// Items dropped to stay within `capacity`, since the last `removeAll`.
    public private(set) var dropped = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public mutating func append(_ item: Element) {
        if items.count == capacity {
            items.removeFirst()
            dropped += 1
        }
        items.append(item)
    }

    public mutating func removeAll() {
        items.removeAll()
        dropped = 0
    }

    /// Changes the item at `index` in place (a row a later frame says more about).
    public mutating func update(at index: Int, _ change: (inout Element) -> Void) {
        change(&items[index])
    }

    public var count: Int { items.count }
    public var isEmpty: Bool { items.isEmpty }
    public var last: Element? { items.last }
}

extension Ring: Equatable where Element: Equatable {}

extension Ring {
    /// Inserts at `index` (0...count); when full, the oldest item goes first.
    public mutating func insert(_ item: Element, at index: Int) {
        var index = index
        if items.count == capacity {
            items.removeFirst()
            dropped += 1
            index = max(0, index - 1)
        }
        items.insert(item, at: index)
    }
}
