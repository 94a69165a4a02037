import Synchronization

/// Ports for a test target's servers: each target its own range below the kernel's ephemeral
/// ports (NetLabSocketsTests 20000-23999, NetLabAppTests 24000-27999, NetlabCLITests
/// 28000-32767), handed out in turn from a random start, so no two tests of the one test
/// process (the targets run in parallel in it) are ever given the same port; each is checked
/// free too (`isFree`). Two suites drawing the same random port made a bind fail now and then.
public enum TestPorts {
    private static let next = Mutex<[ClosedRange<Int>: Int]>([:])

    public static func take(in range: ClosedRange<Int>, isFree: (UInt16) -> Bool) -> UInt16? {
        for _ in 0..<range.count {
            let port = next.withLock { next -> Int in
                let port = next[range] ?? Int.random(in: range)
                next[range] = port >= range.upperBound ? range.lowerBound : port + 1
                return port
            }
            if isFree(UInt16(port)) { return UInt16(port) }
        }
        return nil
    }
}
