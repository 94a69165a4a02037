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
