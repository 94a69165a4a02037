/// Where each pane goes for a terminal size.
///
/// Wide (150 columns or more):            Narrow:
/// ┌ status bar ──────────────────────┐   ┌ status bar ────────┐
/// │ server log      │ hex: packets   │   │ server log         │
/// │                 │ ─────────────  │   │ hex: packets/bytes │
/// │ client          │ hex: bytes     │   │ client             │
/// └ key bar ─────────────────────────┘   └ key bar ───────────┘
public struct Layout: Equatable, Sendable {
    public static let minimumWidth = 60
    public static let minimumHeight = 16
    /// Wide enough for a full hex row (72 columns) plus borders.
    static let hexWidth = 76

    public var width: Int
    public var height: Int
    public var serverLog: Rect
    public var client: Rect
    public var hex: Rect

    /// nil when the terminal is smaller than the minimum.
    public init?(width: Int, height: Int) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        self.width = width
        self.height = height
        let top = 1
        let body = height - 2
        if width >= 150 {
            let left = width - Self.hexWidth
            let logHeight = body / 2
            serverLog = Rect(row: top, column: 0, width: left, height: logHeight)
            client = Rect(row: top + logHeight, column: 0, width: left, height: body - logHeight)
            hex = Rect(row: top, column: left, width: Self.hexWidth, height: body)
        } else {
            let logHeight = max(4, body * 3 / 10)
            let hexHeight = max(6, body * 4 / 10)
            serverLog = Rect(row: top, column: 0, width: width, height: logHeight)
            hex = Rect(row: top + logHeight, column: 0, width: width, height: hexHeight)
            client = Rect(row: top + logHeight + hexHeight, column: 0, width: width, height: body - logHeight - hexHeight)
        }
    }
}
