import Foundation

extension LabEvent {
    /// A headless server's line for bytes received, the line its log prints most (one per
    /// message): `HH:MM:SS.mmm UDP 127.0.0.1:54321 -> 5 bytes "hello"`, the same text as
    /// `clockTime + " " + engine + " " + summary` (tested), appended to `line` as UTF-8 without
    /// a String on the way: built from Strings, the line was most of what a logging UDP
    /// server spent per datagram above `--quiet` (perf). Appends nothing and returns false for
    /// every other event, and for HTTP (its log prints the request instead).
    public func appendReceivedLine(to line: inout [UInt8]) -> Bool {
        guard case .received(let bytes, let from, _) = kind else { return false }
        return bytes.withUnsafeBytes { Self.appendReceivedLine(time: time, engine: engine, bytes: $0, sender: .endpoint(from), to: &line) }
    }

    /// A message's sender as a log line writes it (`Endpoint.description`'s text): an IPv4
    /// address as its four bytes, written without a String ever made for it, or any address.
    public enum Sender: Sendable {
        case ipv4(address: (UInt8, UInt8, UInt8, UInt8), port: UInt16)
        case endpoint(Endpoint)

        package func appendText(to line: inout [UInt8]) {
            switch self {
            case .ipv4(let address, let port):
                // Byte by byte: an array of the last three cost an allocation per line.
                line.appendDecimal(Int(address.0))
                line.append(UInt8(ascii: "."))
                line.appendDecimal(Int(address.1))
                line.append(UInt8(ascii: "."))
                line.appendDecimal(Int(address.2))
                line.append(UInt8(ascii: "."))
                line.appendDecimal(Int(address.3))
                line.append(UInt8(ascii: ":"))
                line.appendDecimal(Int(port))
            case .endpoint(let endpoint):
                endpoint.appendText(to: &line)
            }
        }
    }

    /// The same line for a message not made into an event: its bytes where they lie, and its
    /// sender (a headless server's log, which needs no event for it: no copy of the bytes, no
    /// String for the address). False, appending nothing, for HTTP. Not generic: called from
    /// another module, a generic one ran unspecialized (metadata lookups per byte: 1.6x the
    /// CPU per datagram).
    public static func appendReceivedLine(
        time: Date, engine: Engine, bytes: UnsafeRawBufferPointer, sender: Sender, to line: inout [UInt8]
    ) -> Bool {
        guard engine != .http else { return false }
        appendClock(time, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: engine.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        sender.appendText(to: &line)
        line.append(contentsOf: " -> ".utf8)
        line.appendDecimal(bytes.count)
        line.append(contentsOf: (bytes.count == 1 ? " byte " : " bytes ").utf8)
        // As `appendPreview`: cut on a character boundary, quoted, escaped.
        let head = bytes[..<TerminalSafe.characterBoundary(in: bytes, atMost: previewLimit)]
        line.append(UInt8(ascii: "\""))
        TerminalSafe.appendEscaped(head, to: &line)
        line.append(contentsOf: (bytes.count > previewLimit ? "\"..." : "\"").utf8)
        return true
    }
}

extension LabEvent {
    /// A headless HTTP server's access line (a request answered):
    /// `HH:MM:SS.mmm HTTP 127.0.0.1:54321 "GET / HTTP/1.1" 200 1300 bytes sent (head and body) 0.3 ms`,
    /// the same text as `clockTime + " " + engine + " " + summary` (tested), appended to
    /// `line` as UTF-8: built from Strings (the summary's interpolations, the escaped request
    /// line, the milliseconds' Double description, the joined line), it was most of what the
    /// log cost a `Connection: close` request. Appends nothing and returns false for every
    /// other event, and for a duration too long to be written as digits and one decimal.
    public func appendServedLine(to line: inout [UInt8]) -> Bool {
        guard case .served(let peer, let requestLine, let status, let bytes, let milliseconds, let unfinished) = kind else {
            return false
        }
        // As the summary rounds it; from 10^15 tenths on, a Double's text has an exponent.
        let tenths = (milliseconds * 10).rounded()
        guard tenths >= 0, tenths < 1e15, status >= 0, bytes >= 0 else { return false }
        Self.appendClock(time, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: engine.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        peer.appendText(to: &line)
        line.append(contentsOf: " \"".utf8)
        TerminalSafe.appendEscaped(requestLine.utf8, to: &line)
        line.append(contentsOf: "\" ".utf8)
        line.appendDecimal(status)
        line.append(UInt8(ascii: " "))
        line.appendDecimal(bytes)
        line.append(contentsOf: (unfinished == nil ? " bytes sent (head and body) " : " bytes sent ").utf8)
        let whole = Int(tenths)
        line.appendDecimal(whole / 10)
        line.append(UInt8(ascii: "."))
        line.appendDecimal(whole % 10)
        line.append(contentsOf: " ms".utf8)
        if let unfinished {
            line.append(contentsOf: " (unfinished: ".utf8)
            line.append(contentsOf: unfinished.utf8)
            line.append(UInt8(ascii: ")"))
        }
        return true
    }
}

extension Endpoint {
    /// `description`'s text appended as UTF-8.
    package func appendText(to line: inout [UInt8]) {
        let six = isIPv6
        if six { line.append(UInt8(ascii: "[")) }
        line.append(contentsOf: host.utf8)
        line.append(contentsOf: (six ? "]:" : ":").utf8)
        line.appendDecimal(Int(port))
    }
}

extension [UInt8] {
    /// A non-negative number's decimal digits: written from the last into a buffer on the
    /// stack (divisions by the constant 10, which compile to multiplications), then appended at
    /// once, one capacity check per number. Digit by digit, with a division by a power of ten
    /// for each, it was a tenth of a logging UDP server's own time per datagram (perf).
    package mutating func appendDecimal(_ value: Int) {
        precondition(value >= 0, "appendDecimal takes counts and ports")
        if value < 10 {
            append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        // Int.max has 19 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            var rest = value
            repeat {
                start -= 1
                digits[start] = 0x30 &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
