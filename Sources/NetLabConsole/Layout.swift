/// Where each pane goes for a terminal size.
///
/// Wide (150 columns or more):            Narrow:
/// ┌ status bar ──────────────────────┐   ┌ status bar ────────┐
/// │ server log      │ Packets: list  │   │ server log         │
/// │                 │ ─────────────  │   │ Packets: list/hex  │
/// │ client          │ Packets: hex   │   │ client             │
/// └ key bar ─────────────────────────┘   └ key bar ───────────┘
public struct Layout: Equatable, Sendable {
    public static let minimumWidth = 60
    public static let minimumHeight = 16
    /// Wide enough for a full hex row (72 columns) plus borders.
    static let packetsWidth = 76

    public var width: Int
    public var height: Int
    public var serverLog: Rect
    public var client: Rect
    public var timeline: Rect

    /// nil when the terminal is smaller than the minimum. `lesson`: the server log's place is
    /// the lesson pane's, taller (the client pane keeps its newest line and the input line).
    public init?(width: Int, height: Int, lesson: Bool = false) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        self.width = width
        self.height = height
        let top = 1
        let body = height - 2
        if width >= 150 {
            let left = width - Self.packetsWidth
            let logHeight = lesson ? body * 6 / 10 : body / 2
            serverLog = Rect(row: top, column: 0, width: left, height: logHeight)
            client = Rect(row: top + logHeight, column: 0, width: left, height: body - logHeight)
            timeline = Rect(row: top, column: left, width: Self.packetsWidth, height: body)
        } else if lesson {
            // The client pane keeps its newest line and the input line (at the smallest
            // sizes the input line alone); the lesson gets the most of the rest.
            let clientHeight = body >= 18 ? 5 : 4
            let packetsHeight = max(4, (body - clientHeight) * 4 / 10)
            let lessonHeight = body - clientHeight - packetsHeight
            serverLog = Rect(row: top, column: 0, width: width, height: lessonHeight)
            timeline = Rect(row: top + lessonHeight, column: 0, width: width, height: packetsHeight)
            client = Rect(row: top + lessonHeight + packetsHeight, column: 0, width: width, height: clientHeight)
        } else {
            let logHeight = max(4, body * 3 / 10)
            let packetsHeight = max(6, body * 4 / 10)
            serverLog = Rect(row: top, column: 0, width: width, height: logHeight)
            timeline = Rect(row: top + logHeight, column: 0, width: width, height: packetsHeight)
            client = Rect(row: top + logHeight + packetsHeight, column: 0, width: width, height: body - logHeight - packetsHeight)
        }
    }
}
