import Foundation
import NetLabCore

/// A message and its reply side by side, byte by byte (`:diff`): eight bytes of each to a row,
/// `^^` under each byte that changed, and what the changes have in common (uppercasing a-z
/// clears one bit, 0x20).
public enum ByteDiff {
    /// Bytes compared at most (the rest are counted).
    public static let shownBytes = 512

    public static func lines(message: [UInt8], reply: [UInt8]) -> [String] {
        let common = min(message.count, reply.count)
        var lines = ["offset  message                    reply"]
        let rows = (max(message.count, reply.count) + 7) / 8
        for row in 0..<min(rows, shownBytes / 8) {
            let range = row * 8..<row * 8 + 8
            var left = ""
            var right = ""
            var marks = ""
            var rightMarks = ""
            for index in range {
                let changed = index < common && message[index] != reply[index]
                left += index < message.count ? hex(message[index]) + " " : "   "
                right += index < reply.count ? hex(reply[index]) + " " : "   "
                marks += changed ? "^^ " : "   "
                rightMarks += changed ? "^^ " : "   "
            }
            let offset = String(row * 8, radix: 16)
            lines.append(String(repeating: "0", count: max(0, 4 - offset.count)) + offset + "    " + left + "   " + right)
            if marks.contains("^") { lines.append("        " + marks + "   " + rightMarks) }
        }
        if rows * 8 > shownBytes { lines.append("(the first \(shownBytes) bytes of each)") }
        lines.append("")
        lines += summary(message: message, reply: reply)
        return lines.map { $0.replacing(/\s+$/, with: "") }
    }

    /// What changed, in words: how many bytes, each as `s 73 -> S 53`, and the bit they share.
    static func summary(message: [UInt8], reply: [UInt8]) -> [String] {
        let common = min(message.count, reply.count)
        let changed = (0..<common).filter { message[$0] != reply[$0] }
        var lines: [String] = []
        let lengths =
            message.count == reply.count
            ? "both \(message.count) bytes"
            : "the message \(message.count) bytes, the reply \(reply.count) (\(reply.count > message.count ? "longer" : "shorter"))"
        lines.append("\(changed.count) of \(common) bytes changed; \(lengths)")
        guard !changed.isEmpty else { return lines }
        let pairs = changed.prefix(8).map { "\(character(message[$0])) \(hex(message[$0])) -> \(character(reply[$0])) \(hex(reply[$0]))" }
        lines.append(pairs.joined(separator: ", ") + (changed.count > 8 ? ", ..." : ""))
        let flips = Set(changed.map { message[$0] ^ reply[$0] })
        if flips.count == 1, let flip = flips.first, flip.nonzeroBitCount == 1 {
            lines.append("each differs in one bit, 0x\(hex(flip)) (bit \(flip.trailingZeroBitCount)): a-z is 0x61-0x7a, A-Z is 0x41-0x5a")
        } else {
            lines.append("they differ in bits " + flips.sorted().map { "0x" + hex($0) }.joined(separator: ", "))
        }
        return lines
    }

    static func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16)
        return byte < 16 ? "0" + text : text
    }

    static func character(_ byte: UInt8) -> String {
        (0x21...0x7e).contains(byte) ? String(UnicodeScalar(byte)) : "."
    }
}

extension ConsoleState {
    /// `:diff`: the selected row's exchange (else the newest), its message and reply.
    mutating func showDiff(now: Date) {
        guard let pair = exchangeBytes() else {
            say("no exchange to compare yet: send a message, or select a row of one (Tab to the timeline)", .error, now)
            return
        }
        overlay.open(.report(title: "Message and reply, byte by byte", lines: ByteDiff.lines(message: pair.message, reply: pair.reply)))
    }

    /// The message netlab's client sent in the selected row's exchange and the reply it read:
    /// the client's call rows of that flow (its local address and the server's).
    func exchangeBytes() -> (message: [UInt8], reply: [UInt8])? {
        let rows = timeline.rows.items
        func flow(_ row: TimelineRow) -> (local: Endpoint, peer: Endpoint)? {
            guard row.lane == .call, row.role == .client, let from = row.from, let to = row.to else { return nil }
            return row.outgoing ? (from, to) : (to, from)
        }
        let chosen = timeline.shownRow.flatMap(flow) ?? rows.reversed().lazy.compactMap(flow).first
        guard let chosen else { return nil }
        var message: [UInt8] = []
        var reply: [UInt8] = []
        for row in rows {
            guard let (local, peer) = flow(row), local == chosen.local, peer == chosen.peer else { continue }
            if row.outgoing {
                message += row.bytes.prefix(ByteDiff.shownBytes - message.count)
            } else {
                reply += row.bytes.prefix(ByteDiff.shownBytes - reply.count)
            }
        }
        return message.isEmpty && reply.isEmpty ? nil : (message, reply)
    }
}
