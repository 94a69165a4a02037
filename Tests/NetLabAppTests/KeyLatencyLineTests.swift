import Testing

@testable import NetLabApp

/// The key-latency log (`NETLAB_KEY_LATENCY_LOG`), a line per key as
/// `Benchmarks/console_flood.py` splits it: milliseconds from reading the key to writing its
/// frame, then the two times in nanoseconds (CLOCK_MONOTONIC), each whole.
@Suite struct KeyLatencyLineTests {
    @Test func aLineIsTheMillisecondsThenBothTimes() {
        #expect(ConsoleApp.keyLatencyLine(read: 1_000_000, written: 2_500_000) == "1.500 1000000 2500000\n")
    }

    /// Hours of uptime in nanoseconds stay whole numbers (no exponent, no rounding), and a
    /// frame within the same microsecond reads 0.000.
    @Test func largeUptimesStayWhole() {
        let read: UInt64 = 35_922_390_631_288
        #expect(ConsoleApp.keyLatencyLine(read: read, written: read + 18_300_456) == "18.300 35922390631288 35922408931744\n")
        #expect(ConsoleApp.keyLatencyLine(read: read, written: read + 400) == "0.000 35922390631288 35922390631688\n")
    }
}
