import Dispatch
import Foundation

/// The clock the HTTP server reads: monotonic nanoseconds for deadlines and durations, wall
/// seconds for the Date header. Injected, so timeouts are unit-tested without waiting.
public struct HTTPClock: Sendable {
    public var uptimeNanoseconds: @Sendable () -> UInt64
    public var secondsSince1970: @Sendable () -> Int

    public init(uptimeNanoseconds: @escaping @Sendable () -> UInt64, secondsSince1970: @escaping @Sendable () -> Int) {
        self.uptimeNanoseconds = uptimeNanoseconds
        self.secondsSince1970 = secondsSince1970
    }

    public static let system = HTTPClock(
        uptimeNanoseconds: { DispatchTime.now().uptimeNanoseconds },
        secondsSince1970: { Int(Date().timeIntervalSince1970) })
}
