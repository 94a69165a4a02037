/// What the console loop needs from a terminal. `Terminal` (NetLabTerminal) is the curses
/// one; `MemoryTerminal` is its in-memory twin, so the loop (keys in, frames out) runs in
/// tests without a terminal.
@MainActor
public protocol TerminalBackend: AnyObject {
    /// Takes over the terminal (throws with the reason it cannot).
    func start() throws
    /// Gives the terminal back as it was.
    func stop()
    /// Columns and rows now.
    func size() -> (width: Int, height: Int)
    /// The size changed (SIGWINCH): the next draw repaints everything.
    func resized()
    /// Shows `screen`.
    func draw(_ screen: Screen)
    /// Every key waiting, translated; empty when there is none.
    func readKeys() -> [Key]
    /// Colours for the style roles from now on.
    func setTheme(_ theme: Theme)
    /// A control sequence written between frames (OSC 52).
    func writeRaw(_ text: String)
    /// Gives the terminal back for a while (`:shell`), as it was before netlab took it.
    func suspend()
    /// Takes it again after `suspend`: the next draw repaints everything.
    func resume()
}
