/// A stream listener's open connections by their socket's descriptor number, and which of them
/// are being turned away: an array, not a dictionary and a set keyed by object identity (no
/// hashing per connection). A descriptor number names one open connection at a time: a
/// connection leaves when its socket closes, before the number can be reused.
struct ConnectionTable {
    private struct Entry {
        let connection: StreamConnection
        let busy: Bool
    }

    private var slots: [Entry?] = []
    private(set) var count = 0
    /// How many of them are being turned away.
    private(set) var busyCount = 0

    var isEmpty: Bool { count == 0 }

    /// Every connection, a snapshot: closing one while going through it is safe.
    var all: [StreamConnection] { slots.compactMap { $0?.connection } }

    mutating func insert(_ connection: StreamConnection, busy: Bool) {
        let descriptor = Int(connection.descriptor)
        guard descriptor >= 0 else {
            assertionFailure("a connection without a descriptor")
            return
        }
        if descriptor >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: max(descriptor + 1, 2 * slots.count) - slots.count))
        }
        // The tests trap on a number still taken; a release build replaces what it finds.
        assert(slots[descriptor] == nil, "descriptor \(descriptor) has a connection already")
        if let earlier = slots[descriptor] {
            count -= 1
            if earlier.busy { busyCount -= 1 }
        }
        slots[descriptor] = Entry(connection: connection, busy: busy)
        count += 1
        if busy { busyCount += 1 }
    }

    /// Whether `connection` is in the table and being turned away.
    func isBusy(_ connection: StreamConnection) -> Bool {
        entry(of: connection)?.busy ?? false
    }

    /// Takes `connection` out (nothing happens if it is not in).
    mutating func remove(_ connection: StreamConnection) {
        guard let entry = entry(of: connection) else { return }
        slots[Int(connection.descriptor)] = nil
        count -= 1
        if entry.busy { busyCount -= 1 }
    }

    mutating func removeAll() {
        slots.removeAll()
        count = 0
        busyCount = 0
    }

    private func entry(of connection: StreamConnection) -> Entry? {
        let descriptor = Int(connection.descriptor)
        guard descriptor >= 0, descriptor < slots.count, let entry = slots[descriptor], entry.connection === connection else { return nil }
        return entry
    }
}
