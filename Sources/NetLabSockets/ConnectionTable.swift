/// A stream listener's open connections by their socket's descriptor number, and which of them
/// are being turned away: not a dictionary and a set keyed by object identity (no hashing per
/// connection). A descriptor number names one open connection at a time: a connection leaves
/// when its socket closes, before the number can be reused.
struct ConnectionTable {
    private struct Entry {
        let connection: StreamConnection
        let busy: Bool
    }

    private var slots = DescriptorSlots<Entry>()
    /// How many of them are being turned away.
    private(set) var busyCount = 0

    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    /// Every connection, a snapshot: closing one while going through it is safe.
    var all: [StreamConnection] { slots.all.map(\.connection) }

    mutating func insert(_ connection: StreamConnection, busy: Bool) {
        let descriptor = Int(connection.descriptor)
        // The tests trap on a number still taken; a release build replaces what it finds.
        assert(slots[descriptor] == nil, "descriptor \(descriptor) has a connection already")
        if slots[descriptor]?.busy == true { busyCount -= 1 }
        slots[descriptor] = Entry(connection: connection, busy: busy)
        if busy && slots[descriptor] != nil { busyCount += 1 }
    }

    /// Whether `connection` is in the table and being turned away.
    func isBusy(_ connection: StreamConnection) -> Bool {
        entry(of: connection)?.busy ?? false
    }

    /// Takes `connection` out (nothing happens if it is not in).
    mutating func remove(_ connection: StreamConnection) {
        guard let entry = entry(of: connection) else { return }
        slots[Int(connection.descriptor)] = nil
        if entry.busy { busyCount -= 1 }
    }

    mutating func removeAll() {
        slots.removeAll()
        busyCount = 0
    }

    private func entry(of connection: StreamConnection) -> Entry? {
        guard let entry = slots[Int(connection.descriptor)], entry.connection === connection else { return nil }
        return entry
    }
}
