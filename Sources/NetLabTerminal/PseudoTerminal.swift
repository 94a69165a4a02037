import CNcurses
import Foundation

/// A pseudo-terminal pair: whoever plays the terminal holds `main`, the console is given `side`
/// (`Terminal(device: .descriptor(side, ...))`). What the backend's tests draw on.
package final class PseudoTerminal {
    package let main: Int32
    package let side: Int32

    package init() throws {
        var side: Int32 = -1
        main = netlab_open_pseudo_terminal(&side)
        guard main >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENODEV) }
        self.side = side
    }

    deinit {
        close(side)
        close(main)
    }

    /// The size the terminal reports to the console (TIOCSWINSZ).
    package func setSize(width: Int, height: Int) {
        _ = netlab_set_window_size(main, Int32(height), Int32(width))
    }
}
