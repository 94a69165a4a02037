import Foundation

extension LabEvent {
    /// A headless server's line for bytes received, the line its log prints most (one per
    /// message): `HH:MM:SS.mmm UDP 127.0.0.1:54321 -> 5 bytes "hello"`, the same text as
    /// `clockTime + " " + engine + " " + summary` (tested), appended to `line` as UTF-8 without
    /// a String on the way: built from Strings, the line was most of what a logging UDP
    /// server spent per datagram above `--quiet` (perf). Appends nothing and returns false for
    /// every other event, and for HTTP (its log prints the request instead).
    public func appendReceivedLine(to line: inout [UInt8]) -> Bool {
        guard case .received(let bytes, let from, _) = kind, engine != .http else { return false }
        Self.appendClock(time, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: engine.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        from.appendText(to: &line)
        line.append(contentsOf: " -> ".utf8)
        line.appendDecimal(bytes.count)
        line.append(contentsOf: (bytes.count == 1 ? " byte " : " bytes ").utf8)
        // As `appendPreview`: cut on a character boundary, quoted, escaped.
        let head = bytes[..<TerminalSafe.characterBoundary(in: bytes, atMost: Self.previewLimit)]
        line.append(UInt8(ascii: "\""))
        TerminalSafe.appendEscaped(head, to: &line)
        line.append(contentsOf: (bytes.count > Self.previewLimit ? "\"..." : "\"").utf8)
        return true
    }
}

extension Endpoint {
    /// `description`'s text appended as UTF-8.
    func appendText(to line: inout [UInt8]) {
        let six = isIPv6
        if six { line.append(UInt8(ascii: "[")) }
        line.append(contentsOf: host.utf8)
        line.append(contentsOf: (six ? "]:" : ":").utf8)
        line.appendDecimal(Int(port))
    }
}

extension [UInt8] {
    /// A non-negative number's decimal digits.
    mutating func appendDecimal(_ value: Int) {
        precondition(value >= 0, "appendDecimal takes counts and ports")
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            append(0x30 + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
