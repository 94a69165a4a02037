import NetLabCore
import Testing

@testable import NetLabSockets

/// The listener's table of open connections, by descriptor number: counts, the ones turned
/// away, and that only the connection that holds a number can take it out.
@Suite struct ConnectionTableTests {
    private final class Connection: StreamConnection {
        let descriptor: Int32
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        func begin(listener: StreamListener) {}
        var peer: Endpoint { Endpoint(ipv4: "127.0.0.1", port: 40000) }
        var peerClosedFirst: Bool? { nil }
        func close(completion: (() -> Void)?) { completion?() }
    }

    @Test func connectionsAreCountedAndFoundByTheirOwnNumber() {
        var table = ConnectionTable()
        #expect(table.isEmpty)
        let served = Connection(7)
        let turnedAway = Connection(9)
        // A number far past the table's size makes it grow.
        let far = Connection(1000)
        table.insert(served, busy: false)
        table.insert(turnedAway, busy: true)
        table.insert(far, busy: false)
        #expect(table.count == 3 && table.busyCount == 1)
        #expect(!table.isBusy(served) && table.isBusy(turnedAway) && !table.isBusy(far))
        #expect(Set(table.all.map(\.descriptor)) == [7, 9, 1000])
        // Another connection with a number the table holds is not that connection.
        let stranger = Connection(9)
        #expect(!table.isBusy(stranger))
        table.remove(stranger)
        #expect(table.count == 3 && table.busyCount == 1)
        table.remove(turnedAway)
        #expect(table.count == 2 && table.busyCount == 0)
        // Its number is free again for the next connection.
        table.insert(stranger, busy: false)
        #expect(table.count == 3 && !table.isBusy(stranger))
        table.remove(served)
        table.remove(served)
        #expect(table.count == 2)
        table.removeAll()
        #expect(table.isEmpty && table.all.isEmpty)
    }
}
