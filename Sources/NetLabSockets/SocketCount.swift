import Synchronization

/// How many sockets netlab's engines hold open in this process right now.
///
/// Every socket is opened and closed through `Syscall`, which keeps this count, so a test
/// (or a curious user) can check that start/stop cycles give every descriptor back.
public enum SocketCount {
    private static let count = Atomic<Int>(0)

    public static var open: Int { count.load(ordering: .acquiring) }

    static func opened() { count.add(1, ordering: .relaxed) }

    static func closed() { count.subtract(1, ordering: .relaxed) }
}
