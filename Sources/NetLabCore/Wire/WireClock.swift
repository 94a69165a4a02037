import Foundation

/// Capture times as tcpdump prints them: local `HH:MM:SS.uuuuuu`.
public enum WireClock {
    public static func microseconds(_ time: Date) -> String {
        let seconds = time.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let micros = min(999_999, Int(((seconds - whole) * 1e6).rounded()))
        let clock = LabEvent.clock(Date(timeIntervalSince1970: whole))  // HH:MM:SS.000
        let digits = String(micros)
        return clock.prefix(8) + "." + String(repeating: "0", count: 6 - digits.count) + digits
    }
}
