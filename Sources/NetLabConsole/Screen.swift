/// A virtual screen: a grid of characters, each with a style role. Rendering produces one;
/// the terminal layer copies it to the real terminal. Tests read it as text.
public struct Screen: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        /// The character, or nil for the right half of a double-width character.
        public var character: Character?
        public var role: StyleRole

        public init(_ character: Character?, _ role: StyleRole) {
            self.character = character
            self.role = role
        }

        public static let blank = Cell(" ", .normal)
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal's cursor should sit (the input line), if visible.
    public var cursor: (row: Int, column: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public static func == (a: Screen, b: Screen) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells
            && a.cursor?.row == b.cursor?.row && a.cursor?.column == b.cursor?.column
    }

    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * width + column] }
        set {
            guard row >= 0, row < height, column >= 0, column < width else { return }
            cells[row * width + column] = newValue
        }
    }

    /// Writes `text` from (row, column), clipped to `limit` columns (default: to the edge).
    /// A double-width character that would straddle the limit is left out. Returns the
    /// number of columns used.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, role: StyleRole, limit: Int? = nil) -> Int {
        guard row >= 0, row < height, column < width else { return 0 }
        let end = min(width, column + (limit ?? width))
        var x = column
        for character in text {
            let w = CharacterWidth.of(character)
            if w == 0 { continue }
            if x + w > end { break }
            if x >= 0 {
                self[row, x] = Cell(character, role)
                if w == 2 { self[row, x + 1] = Cell(nil, role) }
            }
            x += w
        }
        return x - column
    }

    /// Fills a rectangle with spaces of one role.
    public mutating func fill(row: Int, column: Int, width w: Int, height h: Int, role: StyleRole) {
        for y in max(0, row)..<min(height, row + h) {
            for x in max(0, column)..<min(width, column + w) {
                cells[y * width + x] = Cell(" ", role)
            }
        }
    }

    /// A box with an optional title in its top border.
    public mutating func box(_ rect: Rect, title: String?, titleRole: StyleRole, role: StyleRole = .border) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.column + rect.width - 1
        let bottom = rect.row + rect.height - 1
        for x in rect.column...right {
            self[rect.row, x] = Cell("─", role)
            self[bottom, x] = Cell("─", role)
        }
        for y in rect.row...bottom {
            self[y, rect.column] = Cell("│", role)
            self[y, right] = Cell("│", role)
        }
        self[rect.row, rect.column] = Cell("┌", role)
        self[rect.row, right] = Cell("┐", role)
        self[bottom, rect.column] = Cell("└", role)
        self[bottom, right] = Cell("┘", role)
        if let title, rect.width > 4 {
            put(" \(title) ", row: rect.row, column: rect.column + 1, role: titleRole, limit: rect.width - 2)
        }
    }

    /// The screen as plain text, one line per row, trailing spaces kept.
    public var text: String {
        (0..<height).map { line(at: $0) }.joined(separator: "\n")
    }

    public func line(at row: Int) -> String {
        var line = ""
        for x in 0..<width {
            if let c = self[row, x].character { line.append(c) }
        }
        return line
    }

    /// The roles of one row, for colour checks in tests.
    public func roles(at row: Int) -> [StyleRole] {
        (0..<width).map { self[row, $0].role }
    }
}
