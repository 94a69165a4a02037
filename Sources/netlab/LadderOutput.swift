import Foundation
import NetLabConsole

extension Output {
    /// `--ladder` at the end of `capture` and `run`: the ladder written to `fd`, as wide as the
    /// shell says (`COLUMNS`, else 100), box drawing or `--ascii`.
    static func ladder(_ ladder: Ladder, ascii: Bool, to fd: Int32) {
        let width = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
        let text = ladder.lines(width: width, ascii: ascii).map(\.text).joined(separator: "\n") + "\n"
        _ = writeAll(Array(text.utf8), to: fd)
    }
}
