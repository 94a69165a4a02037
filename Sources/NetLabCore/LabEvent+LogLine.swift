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

        func write<Line: LineBytes>(to line: inout Line) {
            switch self {
            case .ipv4(let address, let port):
                // Byte by byte: an array of the last three cost an allocation per line.
                line.append(decimal: Int(address.0))
                line.append(UInt8(ascii: "."))
                line.append(decimal: Int(address.1))
                line.append(UInt8(ascii: "."))
                line.append(decimal: Int(address.2))
                line.append(UInt8(ascii: "."))
                line.append(decimal: Int(address.3))
                line.append(UInt8(ascii: ":"))
                line.append(decimal: Int(port))
            case .endpoint(let endpoint):
                endpoint.write(to: &line)
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
        RawLine.append(
            to: &line, room: 512,
            { writeReceivedLine(time: time, engine: engine, bytes: bytes, sender: sender, to: &$0) },
            else: { writeReceivedLine(time: time, engine: engine, bytes: bytes, sender: sender, to: &$0) })
    }

    /// The line, written into stack memory first (`RawLine`): appended to the array a piece at
    /// a time, each piece checked the array's uniqueness and capacity, and the line cost a
    /// logging UDP server 0.23 us per datagram (perf).
    private static func writeReceivedLine<Line: LineBytes>(
        time: Date, engine: Engine, bytes: UnsafeRawBufferPointer, sender: Sender, to line: inout Line
    ) -> Bool {
        guard engine != .http else { return false }
        writeClock(time, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(text: engine.rawValue)
        line.append(UInt8(ascii: " "))
        sender.write(to: &line)
        line.append(" -> ")
        line.append(decimal: bytes.count)
        line.append(bytes.count == 1 ? " byte " : " bytes ")
        // As `appendPreview`: cut on a character boundary, quoted, escaped.
        let head = UnsafeRawBufferPointer(rebasing: bytes[..<TerminalSafe.characterBoundary(in: bytes, atMost: previewLimit)])
        line.append(UInt8(ascii: "\""))
        TerminalSafe.writeEscaped(head, to: &line)
        line.append(bytes.count > previewLimit ? "\"..." : "\"")
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
        // A request line may be 8 KiB, and four times that escaped: such a line is built in the array.
        RawLine.append(to: &line, room: 1024, { writeServedLine(to: &$0) }, else: { writeServedLine(to: &$0) })
    }

    private func writeServedLine<Line: LineBytes>(to line: inout Line) -> Bool {
        guard case .served(let peer, let requestLine, let status, let bytes, let milliseconds, let unfinished) = kind else {
            return false
        }
        // As the summary rounds it; from 10^15 tenths on, a Double's text has an exponent.
        let tenths = (milliseconds * 10).rounded()
        guard tenths >= 0, tenths < 1e15, status >= 0, bytes >= 0 else { return false }
        Self.writeClock(time, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(text: engine.rawValue)
        line.append(UInt8(ascii: " "))
        peer.write(to: &line)
        line.append(" \"")
        TerminalSafe.writeEscaped(requestLine, to: &line)
        line.append("\" ")
        line.append(decimal: status)
        line.append(UInt8(ascii: " "))
        line.append(decimal: bytes)
        line.append(unfinished == nil ? " bytes sent (head and body) " : " bytes sent ")
        let whole = Int(tenths)
        line.append(decimal: whole / 10)
        line.append(UInt8(ascii: "."))
        line.append(decimal: whole % 10)
        line.append(" ms")
        if let unfinished {
            line.append(" (unfinished: ")
            line.append(text: unfinished)
            line.append(UInt8(ascii: ")"))
        }
        return true
    }
}

extension Endpoint {
    /// `description`'s text appended as UTF-8.
    func write<Line: LineBytes>(to line: inout Line) {
        let six = isIPv6
        if six { line.append(UInt8(ascii: "[")) }
        line.append(text: host)
        line.append(six ? "]:" : ":")
        line.append(decimal: Int(port))
    }
}
