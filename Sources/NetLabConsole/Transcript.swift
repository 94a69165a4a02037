import Foundation
import NetLabCore

/// The client pane's transcript as a room: its lines (a ring), and how the view stands, in
/// screen rows of wrapped text: scrolled back by the user, or held at the head of a new entry
/// taller than the pane. What it needs of the screen (the transcript's area) is passed in.
public struct Transcript: Equatable {
    public typealias Area = (width: Int, height: Int)

    public var lines = Ring<ConsoleState.Line>(capacity: ConsoleState.logCapacity)
    /// Screen rows (wrapped lines) the view is scrolled back from the end.
    public var scroll = 0
    /// The view shows the newest entry from its first line (it is taller than the pane) and
    /// moves on to the next entry when one comes: netlab scrolled, not the user.
    public var atNewestHead = false

    public init() {}

    /// Columns a line's time takes (`10:00:00.000 `); lines without one are indented as much.
    static let timeColumns = CharacterWidth.of(LabEvent.clock(Date(timeIntervalSince1970: 0), utcOffset: 0) + " ")

    /// Screen rows `line` takes (1 when the area is not known).
    static func rows(_ line: ConsoleState.Line, in area: Area?) -> Int {
        guard let area else { return 1 }
        return Renderer.wrap(line.text, width: max(1, area.width - timeColumns)).count
    }

    /// Rows in the whole transcript.
    func rowCount(in area: Area?) -> Int { lines.items.reduce(0) { $0 + Self.rows($1, in: area) } }

    /// A page: the area's height less one row of overlap (10 lines without a size).
    static func page(in area: Area?) -> Int { max(1, (area?.height ?? 11) - 1) }

    /// A new line. A new entry (a line with a time) is followed from its first line: when it is
    /// taller than the pane, the view keeps its head on screen. A view the user scrolled back
    /// stays on what it shows.
    mutating func add(_ line: ConsoleState.Line, in area: Area?) {
        lines.append(line)
        if line.time != nil && atNewestHead {
            atNewestHead = false
            scroll = 0
        }
        if scroll > 0 && !atNewestHead {
            scroll += Self.rows(line, in: area)
        } else {
            anchorNewestEntry(in: area)
        }
    }

    /// Scrolls by `rows` (positive: back, to older lines), within the rows there are.
    mutating func scroll(by rows: Int, in area: Area?) {
        let height = area?.height ?? 1
        scroll = max(0, min(max(0, rowCount(in: area) - height), scroll + rows))
        atNewestHead = false
    }

    /// Back to the end (a line was sent).
    mutating func follow() {
        scroll = 0
        atNewestHead = false
    }

    /// The pane changed size: an entry held at its head is anchored again for the new size.
    mutating func resized(to area: Area?) {
        if atNewestHead { scroll = 0 }
        anchorNewestEntry(in: area)
    }

    mutating func clear() {
        lines.removeAll()
        follow()
    }

    /// When following the end and the newest entry is taller than the pane: scroll back so its
    /// first line is the pane's first.
    mutating func anchorNewestEntry(in area: Area?) {
        guard scroll == 0 || atNewestHead, let area, let start = lines.items.lastIndex(where: { $0.time != nil }) else { return }
        var rows = 0
        for index in start..<lines.count { rows += Self.rows(lines.items[index], in: area) }
        if rows > area.height {
            scroll = rows - area.height
            atNewestHead = true
        }
    }
}
