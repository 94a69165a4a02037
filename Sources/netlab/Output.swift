import Foundation
import NetLabApp
import NetLabCore

/// Unbuffered writes to stdout and stderr, so a reader on a pipe sees each line at once.
enum Output {
    static let stdoutIsTerminal = isatty(1) == 1
    static let stdinIsTerminal = isatty(0) == 1

    static func line(_ text: String) {
        write(Array((text + "\n").utf8), to: 1)
    }

    static func error(_ text: String) {
        write(Array(("netlab: " + text + "\n").utf8), to: 2)
    }

    /// A reply from the network: raw bytes for scripts, escaped text on a terminal.
    static func reply(_ bytes: [UInt8], prefix: String = "") {
        if stdoutIsTerminal {
            line(prefix + TerminalSafe.escape(bytes))
        } else {
            write(Array(prefix.utf8) + bytes + [0x0A], to: 1)
        }
    }

    /// Writes all of `bytes`; the errno that stopped it, or nil when everything went out.
    @discardableResult
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? { Descriptor.writeAll(bytes, to: fd) }

    /// Writes all of `bytes`; a failure is not reported (the reader has gone: nobody to tell).
    static func write(_ bytes: [UInt8], to fd: Int32) { _ = Descriptor.writeAll(bytes, to: fd) }
}
