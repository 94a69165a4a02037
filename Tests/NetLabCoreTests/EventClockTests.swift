import Foundation
import Glibc
import NetLabCore
import Testing

/// Every log line and timeline row is stamped `HH:MM:SS.mmm`; the hours, minutes and seconds
/// are converted once per second and reused, so the reuse must never give one second's text
/// to another, nor one zone's to another.
@Suite struct EventClockTests {
    private func expected(_ seconds: Double, utcOffset: Int?) -> String {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        if let utcOffset {
            whole += time_t(utcOffset)
            gmtime_r(&whole, &parts)
        } else {
            localtime_r(&whole, &parts)
        }
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        func pad(_ value: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
        }
        return "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))"
    }

    @Test func eachSecondAndZoneGetsItsOwnText() {
        let base = 1_796_300_000.0  // 2026-12-03
        let offsets: [Int?] = [nil, 0, 3600, nil, -18_000, 0]
        var checked = 0
        // Alternating seconds, milliseconds and zones, and the same second twice in a row.
        for step in 0..<400 {
            let seconds = base + Double(step / 2) + Double(step % 7) * 0.137 + (step % 5 == 0 ? 0.0005 : 0)
            let offset = offsets[step % offsets.count]
            #expect(LabEvent.clock(Date(timeIntervalSince1970: seconds), utcOffset: offset) == expected(seconds, utcOffset: offset))
            checked += 1
        }
        #expect(checked == 400)
        #expect(LabEvent.clock(Date(timeIntervalSince1970: 86_399.75), utcOffset: 0) == "23:59:59.750")
        #expect(LabEvent.clock(Date(timeIntervalSince1970: 3_661.125), utcOffset: 0) == "01:01:01.125")
        #expect(LabEvent.clock(Date(timeIntervalSince1970: 3_661.5), utcOffset: 3_600) == "02:01:01.500")
    }
}
