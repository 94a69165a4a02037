/// Makes bytes from the network safe to show on a terminal.
///
/// A peer must never be able to drive the terminal: control bytes, DEL and invalid UTF-8 are
/// written as escapes (`\n`, `\x1b`, `\xff`); printable text, including valid UTF-8, stays.
public enum TerminalSafe {
    public static func escape<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        // Printable ASCII without a backslash comes out as it went in: most lab messages are
        // that, and a server's log escapes every one (scalar by scalar it was a tenth of a
        // logging UDP server's time in a profile).
        if bytes.allSatisfy(isPlain) { return String(decoding: bytes, as: UTF8.self) }
        var out = ""
        out.reserveCapacity(bytes.count)
        var rest = Array(bytes)[...]
        // Decode one scalar at a time; a byte that does not start valid UTF-8 is escaped alone.
        while let first = rest.first {
            var decoder = UTF8()
            var iterator = rest.makeIterator()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) {
                appendEscaped(scalar, to: &out)
                rest = rest.dropFirst(UTF8.width(scalar))
            } else {
                appendHex(first, to: &out)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// Printable ASCII other than the backslash: shown as it is.
    @inline(__always) static func isPlain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && byte != 0x5C }

    /// Whether every byte is plain, eight at a time: a word has a byte below 0x20, above 0x7E
    /// or equal to 0x5C when the classic has-less / has-more / has-zero bit tests say so (each
    /// exact about whether any byte does). Byte by byte, the check of a 32-byte message was a
    /// tenth of a logging UDP server's line.
    package static func allPlain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let below = (word &- ones &* 0x20) & ~word & highs
            let above = ((word &+ ones) | word) & highs
            let slash = word ^ (ones &* 0x5C)
            let slashes = (slash &- ones) & ~slash & highs
            if below | above | slashes != 0 { return false }
            offset += 8
        }
        while offset < bytes.count {
            if !isPlain(bytes[offset]) { return false }
            offset += 1
        }
        return true
    }

    /// `escape(bytes)` written as UTF-8; printable ASCII goes in as it is, without a String.
    static func writeEscaped<Line: LineBytes>(_ bytes: UnsafeRawBufferPointer, to line: inout Line) {
        if allPlain(bytes) {
            line.append(bytes: bytes)
        } else {
            line.append(text: escape(bytes))
        }
    }

    /// The same for a String's bytes (a request line).
    static func writeEscaped<Line: LineBytes>(_ text: String, to line: inout Line) {
        var text = text
        text.withUTF8 { writeEscaped(UnsafeRawBufferPointer($0), to: &line) }
    }

    /// Text that mixes netlab's own words with quoted network bytes (a report's problem line,
    /// a name from a file): control characters, C1 controls and bidirectional controls are
    /// written as escapes; everything else, backslashes included, stays as it is.
    public static func controls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0.value) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar.value) {
                if scalar.value <= 0xFF { appendHex(UInt8(scalar.value), to: &out) } else { out += "\\u{\(String(scalar.value, radix: 16))}" }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func needsEscape(_ v: UInt32) -> Bool {
        v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || isBidiControl(v)
    }

    /// The largest index <= `limit` that does not split a UTF-8 sequence, so a preview cut
    /// there ends on a whole character (an invalid sequence is cut anywhere: it shows as bytes).
    public static func characterBoundary<C: RandomAccessCollection>(in bytes: C, atMost limit: Int) -> C.Index
    where C.Element == UInt8 {
        guard bytes.count > limit else { return bytes.endIndex }
        var index = bytes.index(bytes.startIndex, offsetBy: limit)
        // Back up over at most three continuation bytes (10xxxxxx) to the sequence's start.
        var steps = 0
        while steps < 3, index > bytes.startIndex, bytes[index] & 0xC0 == 0x80 {
            index = bytes.index(before: index)
            steps += 1
        }
        if bytes[index] & 0xC0 == 0x80 { return bytes.index(bytes.startIndex, offsetBy: limit) }
        return index
    }

    /// Invisible characters that reorder or hide text (Unicode bidirectional controls): shown
    /// as escapes, so a peer cannot make a line read differently from its bytes, and the
    /// terminal and netlab never disagree about how wide they are.
    static func isBidiControl(_ v: UInt32) -> Bool {
        v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\\": out += "\\\\"
        default:
            let v = scalar.value
            // C0 controls, DEL, and C1 controls (0x80-0x9f, which some terminals obey).
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || isBidiControl(v) {
                if v <= 0xFF {
                    appendHex(UInt8(v), to: &out)
                } else {
                    out += "\\u{\(String(v, radix: 16))}"
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }

    private static func appendHex(_ byte: UInt8, to out: inout String) {
        let digits = Array("0123456789abcdef")
        out += "\\x"
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
}
