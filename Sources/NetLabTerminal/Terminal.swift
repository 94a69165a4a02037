import CNcurses
import Foundation
import NetLabConsole

/// The only user of curses: starts and restores the terminal, draws `Screen`s (only the cells
/// that changed), and reads keys. Used only from the main thread.
@MainActor
public final class Terminal: TerminalBackend {
    public enum StartError: Error, CustomStringConvertible {
        case notATerminal
        case unknownTerminal(String)
        case incapableTerminal(String)
        public var description: String {
            switch self {
            case .notATerminal:
                "the console needs a terminal on stdin and stdout; for scripts use the subcommands (netlab --help)"
            case .unknownTerminal(let name):
                "the terminal type \"\(name)\" is unknown to ncurses; try TERM=xterm-256color"
            case .incapableTerminal(let name):
                "the terminal type \"\(name)\" cannot move the cursor, so the console cannot draw on it; try TERM=xterm-256color"
            }
        }
    }

    private var screenPointer: OpaquePointer?
    private var last: Screen?
    private var theme: Theme
    private var pairs: [StyleRole: (pair: Int32, attributes: attr_t)] = [:]
    public private(set) var isActive = false

    /// Whether clicks and the wheel are reported (`--no-mouse` leaves the mouse to the terminal).
    private let mouse: Bool

    /// The terminal the console runs on: netlab's own (standard input and output), or another
    /// one opened by its caller (a pseudo-terminal in the tests), with its terminal type.
    public enum Device: Sendable {
        case standard
        case descriptor(Int32, type: String)
    }

    private let device: Device
    /// The descriptor keys come from and the screen goes to.
    private var fd: Int32 {
        if case .descriptor(let fd, _) = device { return fd }
        return 1
    }
    private var inputFD: Int32 {
        if case .descriptor(let fd, _) = device { return fd }
        return 0
    }
    /// The streams curses reads and writes (for a descriptor, its own, closed by stop()).
    private var files: (input: UnsafeMutablePointer<FILE>, output: UnsafeMutablePointer<FILE>)?

    public init(theme: Theme, mouse: Bool = true, device: Device = .standard) {
        self.mouse = mouse
        self.theme = theme
        self.device = device
    }

    private func openFiles() -> (input: UnsafeMutablePointer<FILE>, output: UnsafeMutablePointer<FILE>)? {
        guard case .descriptor(let fd, _) = device else { return (netlab_stdin(), netlab_stdout()) }
        guard let input = fdopen(dup(fd), "r") else { return nil }
        guard let output = fdopen(dup(fd), "w") else {
            fclose(input)
            return nil
        }
        return (input, output)
    }

    private func closeFiles() {
        if case .descriptor = device, let files {
            fclose(files.input)
            fclose(files.output)
        }
        files = nil
    }

    /// Takes over the terminal: raw-ish input, no echo, keypad, no ESC delay.
    public func start() throws {
        guard isatty(inputFD) == 1, isatty(fd) == 1 else { throw StartError.notATerminal }
        setlocale(LC_ALL, "")
        // Measure characters as curses and the terminal do (an emoji the built-in table
        // missed would push the rest of its row one column over).
        Terminal.installSystemWidths()
        // newterm already changes the terminal's modes (echo and line mode off): every refusal
        // below gives back the settings it found.
        var original = termios()
        let saved = tcgetattr(inputFD, &original) == 0
        let input = inputFD
        func giveBack() {
            if saved { tcsetattr(input, TCSANOW, &original) }
        }
        var type: String? = nil
        if case .descriptor(_, let name) = device { type = name }
        let typeName = type ?? ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard let files = openFiles() else { throw StartError.notATerminal }
        self.files = files
        guard let screen = newterm(type, files.output, files.input) else {
            closeFiles()
            giveBack()
            throw StartError.unknownTerminal(typeName)
        }
        // A terminal without cursor addressing (TERM=dumb) would get a scrambled screen.
        guard netlab_can_address_cursor() else {
            endwin()
            delscreen(screen)
            closeFiles()
            giveBack()
            throw StartError.incapableTerminal(typeName)
        }
        screenPointer = screen
        isActive = true
        if case .standard = device { Terminal.installCrashRestore() }
        cbreak()
        // Ctrl-S and Ctrl-Q are keys here, not flow control: a Ctrl-S would otherwise freeze the
        // console's output until Ctrl-Q, and Ctrl-Q is a way to quit. Saved as curses' program
        // mode, so curses keeps it; endwin gives the terminal back as it was.
        var settings = termios()
        if tcgetattr(inputFD, &settings) == 0 {
            settings.c_iflag &= ~tcflag_t(IXON)
            tcsetattr(inputFD, TCSANOW, &settings)
            def_prog_mode()
        }
        noecho()
        nonl()
        keypad(netlab_stdscr(), true)
        nodelay(netlab_stdscr(), true)
        set_escdelay(25)
        if mouse { netlab_mouse(true) }
        if has_colors() {
            start_color()
            use_default_colors()
        }
        apply(theme)
    }

    /// Makes the console measure characters with the C library's wcwidth in this locale.
    public static func installSystemWidths() {
        CharacterWidth.install { value in Int(wcwidth(wchar_t(bitPattern: value))) }
    }

    /// Writes a control sequence straight to the terminal, between frames (OSC 52 and the
    /// like, which move nothing on the screen).
    public func writeRaw(_ text: String) {
        fflush(nil)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Gives the terminal back as it was: normal screen, cursor visible, keypad off.
    public func stop() {
        guard isActive else { return }
        isActive = false
        keypad(netlab_stdscr(), false)
        curs_set(1)
        endwin()
        if let screenPointer { delscreen(screenPointer) }
        screenPointer = nil
        if let files { fflush(files.output) }
        closeFiles()
    }

    /// Gives the terminal back (`:shell`): the normal screen, cursor and modes, curses kept.
    public func suspend() {
        guard isActive else { return }
        curs_set(1)
        endwin()
        if let files { fflush(files.output) }
    }

    /// Takes the terminal again after `suspend`; the next draw repaints every cell.
    public func resume() {
        guard isActive else { return }
        refresh()
        curs_set(0)
        last = nil
    }

    public func setTheme(_ theme: Theme) {
        self.theme = theme
        apply(theme)
        last = nil  // repaint everything in the new colours
    }

    /// Rows and columns of the terminal right now (after SIGWINCH too).
    public func size() -> (width: Int, height: Int) {
        var rows: Int32 = 0
        var cols: Int32 = 0
        if netlab_window_size(fd, &rows, &cols) == 0, rows > 0, cols > 0 {
            return (Int(cols), Int(rows))
        }
        return (Int(getmaxx(netlab_stdscr())), Int(getmaxy(netlab_stdscr())))
    }

    /// Tells curses the new size after SIGWINCH (libdispatch replaces curses' own handler).
    public func resized() {
        let (width, height) = size()
        resizeterm(Int32(height), Int32(width))
        last = nil
    }

    /// Copies `screen` to the terminal, writing only what changed since the last draw.
    public func draw(_ screen: Screen) {
        let full = last == nil || last!.width != screen.width || last!.height != screen.height
        if full { erase() }
        for row in 0..<screen.height {
            for column in 0..<screen.width {
                let cell = screen[row, column]
                if !full, let last, last[row, column] == cell { continue }
                guard let character = cell.character else { continue }  // right half of a wide character
                let style = pairs[cell.role] ?? (0, 0)
                let text = Terminal.cellText(character)
                if text.withUnsafeBufferPointer({ netlab_put_cell(Int32(row), Int32(column), $0.baseAddress, style.attributes, style.pair) }) == ERR {
                    // The terminal library refused the cluster: draw its first scalar alone.
                    netlab_put_cell(Int32(row), Int32(column), [text[0], 0], style.attributes, style.pair)
                }
            }
        }
        if let cursor = screen.cursor {
            curs_set(1)
            move(Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        refresh()
        last = screen
    }

    /// What one cell sends to curses: the character's base scalar and its combining marks
    /// (at most four: curses' limit), NUL-terminated. Other scalars of a cluster (joiners,
    /// emoji parts) are left out: curses would reject the cell and leave a stale one.
    static func cellText(_ character: Character) -> [wchar_t] {
        var scalars = character.unicodeScalars.makeIterator()
        guard let base = scalars.next() else { return [0x20, 0] }
        var text = [wchar_t(bitPattern: base.value)]
        while let next = scalars.next(), text.count < 5, CharacterWidth.of(next) == 0, next.value >= 0x300 {
            text.append(wchar_t(bitPattern: next.value))
        }
        text.append(0)
        return text
    }

    /// Every key waiting on stdin, translated; an empty array when there is none.
    public func readKeys() -> [Key] {
        var keys: [Key] = []
        var value: wint_t = 0
        while true {
            let result = wget_wch(netlab_stdscr(), &value)
            if result == ERR { break }
            if result == KEY_CODE_YES, Int32(value) == KEY_MOUSE {
                var x: Int32 = 0
                var y: Int32 = 0
                let kind = netlab_get_mouse(&x, &y)
                let action: MouseEvent.Action? = kind == 1 ? .click : kind == 4 ? .wheelUp : kind == 5 ? .wheelDown : nil
                if let action {
                    let (width, height) = size()
                    keys.append(.mouse(MouseEvent(column: Int(x), row: Int(y), action: action, width: width, height: height)))
                }
                continue
            }
            if let key = Terminal.translate(result: result, value: value) { keys.append(key) }
        }
        return keys
    }

    static func translate(result: Int32, value: wint_t) -> Key? {
        if result == KEY_CODE_YES {
            switch Int32(value) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case KEY_F0 + 1...KEY_F0 + 12: return .function(Int(Int32(value) - KEY_F0))
            default: return nil
            }
        }
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(96 + value))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(value)), value >= 32 else { return nil }
            return .character(Character(scalar))
        }
    }

    private func apply(_ theme: Theme) {
        pairs = [:]
        let colors = has_colors() && !theme.isMonochrome
        var next: Int32 = 1
        for role in StyleRole.allCases {
            let style = theme.style(role)
            var attributes: attr_t = 0
            if style.bold { attributes |= netlab_a_bold() }
            if style.underline { attributes |= netlab_a_underline() }
            if style.reverse { attributes |= netlab_a_reverse() }
            if style.dim { attributes |= netlab_a_dim() }
            var pair: Int32 = 0
            if colors, style.foreground != nil || style.background != nil {
                // 256-colour indexes fall back to the nearest basic colour on smaller terminals.
                let (fg, bg) = style.terminalColors(available: Int(netlab_colors()))
                init_extended_pair(next, Int32(fg), Int32(bg))
                pair = next
                next += 1
            }
            pairs[role] = (pair, attributes)
        }
    }

    /// On a crash, put the terminal back before Swift's backtrace prints. The handler is C
    /// (`netlab_crash_handler`) and makes only async-signal-safe calls: no curses, no Swift
    /// runtime (it used to call endwin() and read a Swift dictionary from the handler).
    private static func installCrashRestore() {
        netlab_install_crash_restore()
    }

    /// Saves the terminal settings as the user had them, before curses changes anything: what
    /// the crash handler and `restoreUserSettingsAndExit` put back.
    public nonisolated static func saveUserSettings() {
        netlab_save_user_terminal()
    }

    /// The way out when the main queue cannot quit in time (the shell's watchdog): the
    /// user's settings back, the normal screen, the cursor shown, exit 0.
    public nonisolated static func restoreUserSettingsAndExit() -> Never {
        netlab_restore_user_terminal_and_exit()
        fatalError("unreachable: _exit returned")
    }
}
