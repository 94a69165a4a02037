/// Hex dumps in exactly the layout of `tshark -x` (Wireshark's bytes pane):
///
/// ```
/// 0000  68 65 6c 6c 6f 20 77 6f 72 6c 64                  hello world
/// └┬─┘  └──────────── 16 x "xx " ──────────────────┘  └ ASCII, 0x20-0x7e as is, else "." ┘
///  offset: lowercase hex, 4 digits, wider when the last row's offset needs more
/// ```
/// Tools such as `text2pcap` read it back.
public enum HexDump {
    public static let bytesPerRow = 16

    /// Digits of the offset column for a dump of `count` bytes.
    public static func offsetWidth(count: Int) -> Int {
        let lastRow = count > 0 ? (count - 1) / bytesPerRow * bytesPerRow : 0
        var digits = 1
        var value = lastRow >> 4
        while value > 0 {
            digits += 1
            value >>= 4
        }
        return max(4, digits)
    }

    /// The dump as lines, without line terminators.
    /// Bytes at most in one dump of `logLines`: text2pcap turns each dump into one packet, and
    /// with `-T`/`-u` headers a packet must fit an IPv4 datagram (65,535 bytes in all).
    public static let maxDump = 32 * 1024

    /// A message's dump for a log that text2pcap can read: dumps of at most `maxDump` bytes,
    /// each from offset 0000 (one packet each), with a `#` line (which text2pcap skips) saying
    /// which bytes the next one holds.
    public static func logLines(_ bytes: [UInt8]) -> [String] {
        guard bytes.count > maxDump else { return lines(bytes) }
        var result: [String] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + maxDump)
            result.append("# bytes \(start)-\(end - 1) of \(bytes.count)")
            result += lines(bytes[start..<end])
            start = end
        }
        return result
    }

    public static func lines<C: Collection>(_ bytes: C) -> [String] where C.Element == UInt8 {
        let all = Array(bytes)
        let width = offsetWidth(count: all.count)
        var result: [String] = []
        result.reserveCapacity((all.count + bytesPerRow - 1) / bytesPerRow)
        var row = [UInt8]()
        row.reserveCapacity(width + 2 + bytesPerRow * 4 + 2)
        var offset = 0
        while offset < all.count {
            row.removeAll(keepingCapacity: true)
            appendRow(all, offset: offset, width: width, into: &row)
            result.append(String(decoding: row, as: UTF8.self))
            offset += bytesPerRow
        }
        return result
    }

    /// The dump as one string, each row ending in `\n`.
    public static func format<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let all = Array(bytes)
        let width = offsetWidth(count: all.count)
        var out = [UInt8]()
        out.reserveCapacity((all.count + bytesPerRow - 1) / bytesPerRow * (width + 70))
        var offset = 0
        while offset < all.count {
            appendRow(all, offset: offset, width: width, into: &out)
            out.append(0x0A)
            offset += bytesPerRow
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex digits, two per byte, with `separator` between bytes if given
    /// (`48454c4c4f`, `00:00:5e:00:53:01`).
    public static func hex(_ bytes: some Collection<UInt8>, separator: UInt8? = nil) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0, let separator { text.append(separator) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func appendRow(_ bytes: [UInt8], offset: Int, width: Int, into out: inout [UInt8]) {
        var shift = (width - 1) * 4
        while shift >= 0 {
            out.append(hexDigits[(offset >> shift) & 0xF])
            shift -= 4
        }
        out.append(0x20)
        out.append(0x20)
        let end = min(offset + bytesPerRow, bytes.count)
        for i in offset..<end {
            out.append(hexDigits[Int(bytes[i] >> 4)])
            out.append(hexDigits[Int(bytes[i] & 0xF)])
            out.append(0x20)
        }
        // Pad a short row so the ASCII column lines up with full rows.
        for _ in end..<(offset + bytesPerRow) {
            out.append(0x20)
            out.append(0x20)
            out.append(0x20)
        }
        out.append(0x20)
        out.append(0x20)
        for i in offset..<end {
            let b = bytes[i]
            out.append((0x20...0x7E).contains(b) ? b : 0x2E)
        }
    }
}
