/// A key press, as the console understands it (the terminal layer translates curses codes).
public enum Key: Hashable, Sendable {
    case character(Character)
    case enter, backspace, delete, tab, backTab, escape
    case left, right, up, down, home, end, pageUp, pageDown
    /// F1...F12.
    case function(Int)
    /// Ctrl plus a letter (lowercase), for keys that arrive as control bytes.
    case control(Character)
    /// A mouse click or wheel turn, where it happened, on a screen of the given size.
    case mouse(MouseEvent)

    /// How the key bar and help write it.
    public var label: String {
        switch self {
        case .character(let c): String(c)
        case .enter: "Enter"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .escape: "Esc"
        case .left: "Left"
        case .right: "Right"
        case .up: "Up"
        case .down: "Down"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        case .control(let c): "Ctrl-\(c.uppercased())"
        case .mouse: "Mouse"
        }
    }
}

/// A mouse event as the console uses it: a left click, or the wheel.
public struct MouseEvent: Hashable, Sendable {
    public enum Action: Hashable, Sendable { case click, wheelUp, wheelDown }
    public var column: Int
    public var row: Int
    public var action: Action
    /// The screen's size when it happened (the layout to map it onto).
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, action: Action, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.action = action
        self.width = width
        self.height = height
    }
}
