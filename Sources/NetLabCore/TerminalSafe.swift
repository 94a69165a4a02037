/// Makes bytes from the network safe to show on a terminal.
///
/// A peer must never be able to drive the terminal: control bytes, DEL and invalid UTF-8 are
/// written as escapes (`\n`, `\x1b`, `\xff`); printable text, including valid UTF-8, stays.
public enum TerminalSafe {
    public static func escape<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
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

    private static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\\": out += "\\\\"
        default:
            let v = scalar.value
            // C0 controls, DEL, and C1 controls (0x80-0x9f, which some terminals obey).
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
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
