#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP dates (RFC 9110 section 5.6.7): written as IMF-fixdate, read in all three formats.
public enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats seconds since 1970 (UTC).
    public static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Parses the three formats RFC 9110 (section 5.6.7) asks recipients to accept:
    /// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`
    /// and asctime `Sun Nov  6 08:49:37 1994`; nil for anything else (the caller then ignores
    /// the header).
    public static func parse(_ text: String) -> Int? {
        let words = text.split(separator: " ")
        if words.count == 6, words[0].count == 4, words[0].hasSuffix(","), words[5] == "GMT",
            let day = Int(words[1]), let month = months.firstIndex(of: String(words[2])), let year = Int(words[3])
        {
            return seconds(year: year, month: month, day: day, clock: words[4])
        }
        if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
            // RFC 850: a two-digit year; RFC 9110 says one more than 50 years ahead is in the past.
            let date = words[1].split(separator: "-")
            guard date.count == 3, let day = Int(date[0]), let month = months.firstIndex(of: String(date[1])),
                date[2].count == 2, let short = Int(date[2])
            else { return nil }
            return seconds(year: short < 70 ? 2000 + short : 1900 + short, month: month, day: day, clock: words[2])
        }
        if words.count == 5, let month = months.firstIndex(of: String(words[1])), let day = Int(words[2]),
            let year = Int(words[4])
        {
            return seconds(year: year, month: month, day: day, clock: words[3])
        }
        return nil
    }

    private static func seconds(year: Int, month: Int, day: Int, clock text: Substring) -> Int? {
        let clock = text.split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
            (0...60).contains(clock[2]), year >= 1970
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(clock[0])
        parts.tm_min = Int32(clock[1])
        parts.tm_sec = Int32(clock[2])
        return Int(timegm(&parts))
    }
}
