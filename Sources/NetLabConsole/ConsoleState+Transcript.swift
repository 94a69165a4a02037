import Foundation
import NetLabCore

/// The client's transcript as the screen shows it: wrapped rows, scrolled by row, the newest
/// entry from its first line.
extension ConsoleState {
    /// The transcript's area in the client pane (its box, the rule and the input line taken
    /// away), in the normal layout; nil before the loop has said the terminal's size.
    var transcriptArea: (width: Int, height: Int)? {
        guard let size = screenSize, let layout = Layout(width: size.width, height: size.height) else { return nil }
        let inner = layout.client.inner
        return inner.height >= 3 ? (inner.width, inner.height - 2) : nil
    }

    /// Columns a line's time takes (`10:00:00.000 `); lines without one are indented as much.
    static let timeColumns = CharacterWidth.of(LabEvent.clock(Date(timeIntervalSince1970: 0), utcOffset: 0) + " ")

    /// Screen rows `line` takes in the transcript (1 when the size is not known).
    func transcriptRows(_ line: Line) -> Int {
        guard let area = transcriptArea else { return 1 }
        return Renderer.wrap(line.text, width: max(1, area.width - Self.timeColumns)).count
    }

    /// A page of the transcript: its height less one row of overlap (10 lines without a size).
    var transcriptPage: Int { max(1, (transcriptArea?.height ?? 11) - 1) }

    /// Rows in the whole transcript.
    var transcriptRowCount: Int { transcript.items.reduce(0) { $0 + transcriptRows($1) } }

    /// Scrolls the transcript by `rows` (positive: back, to older lines), within its rows.
    mutating func scrollTranscript(by rows: Int) {
        let height = transcriptArea?.height ?? 1
        transcriptScroll = max(0, min(max(0, transcriptRowCount - height), transcriptScroll + rows))
        transcriptAtNewestHead = false
    }

    /// When following the end and the newest entry is taller than the pane: scroll back so its
    /// first line is the pane's first.
    mutating func anchorNewestEntry() {
        guard transcriptScroll == 0 || transcriptAtNewestHead, let area = transcriptArea,
            let start = transcript.items.lastIndex(where: { $0.time != nil })
        else { return }
        var rows = 0
        for index in start..<transcript.count { rows += transcriptRows(transcript.items[index]) }
        if rows > area.height {
            transcriptScroll = rows - area.height
            transcriptAtNewestHead = true
        }
    }
}
