import Foundation

/// How many sockets netlab's engines hold open in this process right now.
///
/// Every socket is opened and closed through `Syscall`, which keeps this count, so a test
/// (or a curious user) can check that start/stop cycles give every descriptor back.
public enum SocketCount {
    // nonisolated(unsafe): guarded by `lock`.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var count = 0

    public static var open: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    static func opened() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    static func closed() {
        lock.lock()
        count -= 1
        lock.unlock()
    }
}
