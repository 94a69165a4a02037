import Foundation
import NetLabCore

/// What `:save` writes: the captured (or made-up) frames, a hex dump, or the session as text.
extension ConsoleState {
    /// `:save`: FILE.pcapng (or .pcap) holds the captured frames for Wireshark (made-up
    /// frames around the socket messages, marked as such, when nothing was captured); FILE.mmd
    /// and FILE.svg the ladder (FILE.txt too, in the ladder view); any other name the session
    /// as text.
    mutating func save(to name: String?, replace: Bool, now: Date) -> [Effect] {
        let path = name ?? "netlab-session.txt"
        let lower = path.lowercased()
        // The ladder for lecture notes: Mermaid, SVG, or (in the ladder view) the text as drawn.
        if lower.hasSuffix(".mmd") || lower.hasSuffix(".svg") || (timeline.view == .ladder && lower.hasSuffix(".txt")) {
            guard !ladder.steps.isEmpty else {
                say("nothing to save yet: the ladder has no calls or packets", .error, now)
                return []
            }
            let (bytes, what): ([UInt8], String) =
                lower.hasSuffix(".mmd")
                ? (Array(ladder.mermaid().utf8), "the ladder as a Mermaid sequence diagram")
                : lower.hasSuffix(".svg")
                    ? (Array(ladder.svg().utf8), "the ladder as SVG")
                    : (Array((ladder.lines(width: 100).map(\.text).joined(separator: "\n") + "\n").utf8), "the ladder as text")
            return [.save(path: path, bytes: bytes, what: what, replace: replace)]
        }
        if lower.hasSuffix(".hex") {
            guard let shown = timeline.shownRow, !shown.bytes.isEmpty else {
                say("nothing to save yet: the timeline shows no message", .error, now)
                return []
            }
            return [
                .save(
                    path: path, bytes: Array(Self.hexDumpText(shown).utf8), what: "the hex dump of \(Self.rowName(shown, in: self))",
                    replace: replace)
            ]
        }
        guard lower.hasSuffix(".pcapng") || lower.hasSuffix(".pcap") else {
            return [.save(path: path, bytes: Array(sessionText().utf8), what: "the transcript, server log and timeline", replace: replace)]
        }
        let captured = timeline.rows.items.compactMap(\.frame)
        if !captured.isEmpty {
            let records = captured.map { PcapFile.Record(frame: $0) }
            // The timeline keeps the newest rows: what left it is not in the file, and is said.
            let left = max(0, timeline.framesSeen - records.count)
            let missing =
                left == 0
                ? ""
                : " (the newest; \(left) older one\(left == 1 ? "" : "s") had left the timeline and "
                    + "\(left == 1 ? "is" : "are") not in the file: netlab capture --write keeps every packet)"
            return [
                .save(
                    path: path, bytes: PcapFile.pcapng(records, sectionComment: "Captured by netlab's console"),
                    what: "\(records.count) captured packet\(records.count == 1 ? "" : "s")\(missing)", replace: replace)
            ]
        }
        var madeUp = MadeUpFrames()
        var records: [PcapFile.Record] = []
        var seen: [(Endpoint, Endpoint, [UInt8])] = []
        for row in timeline.rows.items where row.lane == .call && !row.bytes.isEmpty {
            guard let from = row.from, let to = row.to else { continue }
            // One frame per message: a message netlab both sent and received appears once.
            if let index = seen.firstIndex(where: { $0.0 == from && $0.1 == to && $0.2 == row.bytes }) {
                seen.remove(at: index)
                continue
            }
            seen.append((from, to, row.bytes))
            if let frame = madeUp.frame(row.bytes, from: from, to: to, udp: row.engine == .udp, time: row.time) {
                records.append(PcapFile.Record(frame: frame, comment: MadeUpFrames.packetComment))
            }
        }
        guard !records.isEmpty else {
            say("nothing to save yet: the timeline has no packets or messages", .error, now)
            return []
        }
        return [
            .save(
                path: path, bytes: PcapFile.pcapng(records, sectionComment: MadeUpFrames.sectionComment),
                what: "\(records.count) made-up packet\(records.count == 1 ? "" : "s") (WIRE off: nothing was captured)",
                replace: replace)
        ]
    }

    /// A row's bytes as `tshark -x` lines without pane borders, which `text2pcap` reads (a
    /// message, or a whole captured frame).
    static func hexDumpText(_ row: TimelineRow) -> String {
        HexDump.format(row.bytes)
    }

    static func rowName(_ row: TimelineRow, in state: ConsoleState) -> String {
        let number = state.timeline.number(of: row.id).map { "#\($0)" } ?? "the shown row"
        return "\(number) (\(row.bytes.count) bytes)"
    }

    /// The session as plain text for a lab report: transcript, server log, timeline.
    public func sessionText() -> String {
        func clock(_ time: Date?) -> String { time.map { LabEvent.clock($0) } ?? "            " }
        var text = "netlab session\n\n## Client transcript\n"
        for line in transcript.lines.items { text += "\(clock(line.time)) \(line.text)\n" }
        text += "\n## Server log\n"
        for line in serverLog.lines.items { text += "\(clock(line.time)) \(line.text)\n" }
        text += "\n## Timeline (call: a socket call by netlab; wire: a packet captured)\n"
        for (index, row) in timeline.rows.items.enumerated() {
            text += "#\(timeline.rows.dropped + index + 1) \(clock(row.time)) \(row.lane.rawValue) \(row.text)\n"
            if let explanation = row.explanation { text += "    \(explanation)\n" }
        }
        return text
    }
}
