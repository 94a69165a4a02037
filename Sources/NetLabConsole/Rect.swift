/// A rectangle on the screen.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var width: Int
    public var height: Int

    public init(row: Int, column: Int, width: Int, height: Int) {
        self.row = row
        self.column = column
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The inside of a bordered box.
    public var inner: Rect { Rect(row: row + 1, column: column + 1, width: width - 2, height: height - 2) }

    public func contains(row y: Int, column x: Int) -> Bool {
        (row..<(row + height)).contains(y) && (column..<(column + width)).contains(x)
    }
}
