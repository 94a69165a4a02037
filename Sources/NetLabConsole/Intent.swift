import NetLabCore

/// What a person asked the console to do, by a key, a click on the key bar or a `:` command:
/// the one vocabulary `ConsoleState.perform` carries out. A key that does what a command does
/// is that command (F1 is `:help`, F9 is `:view`, F10 is `:quit`); what only keys do is
/// relative to the state (the next theme, the other UDP mode, the focused pane).
public enum Intent: Equatable, Sendable {
    /// A `:` command, typed or bound to a key.
    case command(ColonCommand)
    /// F2-F4: the server on if it is off, off if it is on.
    case toggleServer(LabEvent.Engine)
    /// F5, F6, F8: the next protocol, the next theme, the other UDP mode.
    case cycleProtocol, cycleTheme, toggleUDPMode
    case focusNext, focusPrevious
    /// Enter: the input line sent, or run as a `:` command.
    case submit
    /// The input line's editing keys.
    case edit(Edit)
    /// The focused pane's moves (history, scrolling, selection).
    case move(Move)
    /// Esc: follow the newest row again.
    case followNewest
    /// Ctrl-T: the shown message as text or as hex.
    case toggleText

    public enum Edit: Equatable, Sendable {
        case deleteBackward, deleteForward, lineStart, lineEnd, clearLine, cursorLeft, cursorRight
    }

    public enum Move: Equatable, Sendable {
        case up, down, pageUp, pageDown, home, end
    }
}
