import Foundation

/// The input line's room: the editor, the two histories (messages, and `:` commands, so a
/// command never stands between a message and the Up that should recall it) and where Up
/// and Down stand in them.
public struct InputLine: Equatable, Sendable {
    public var editor = LineEditor()
    /// Messages sent, oldest first: Up on a line not starting with `:` recalls these.
    public var history: [String] = []
    /// `:` commands run, oldest first: Up on a line starting with `:` recalls these.
    public var commandHistory: [String] = []
    /// Position while browsing a history with Up/Down (nil: editing a new line).
    public var historyIndex: Int?
    /// Which history Up/Down browse now (decided when browsing starts).
    public var browsingCommands = false
    /// The line filled up and that was said (once per line; reset when a character fits again).
    var fullNoted = false

    /// How many lines each history keeps.
    static let historyLimit = 500

    public init() {}

    /// A typed character into the line. Returns true when the line was full and that is to
    /// be said (once per line: a long paste is never dropped in silence, nor said per key).
    mutating func type(_ character: Character) -> Bool {
        historyIndex = nil
        if editor.insert(character) {
            fullNoted = false
            return false
        }
        if fullNoted { return false }
        fullNoted = true
        return true
    }

    /// Enter: the line as typed, remembered in its history; the editor is empty again.
    mutating func take() -> String {
        let line = editor.text
        editor.replace(with: "")
        historyIndex = nil
        if !line.isEmpty {
            if line.hasPrefix(":") { Self.remember(line, in: &commandHistory) } else { Self.remember(line, in: &history) }
        }
        return line
    }

    /// Up (-1) and Down (+1): the history the line started as (`:` commands or messages);
    /// past the newest, an empty line (a lone `:` when browsing commands).
    mutating func browse(_ step: Int) {
        if historyIndex == nil { browsingCommands = editor.text.hasPrefix(":") }
        let list = browsingCommands ? commandHistory : history
        guard !list.isEmpty else { return }
        let index = (historyIndex ?? list.count) + step
        if index >= list.count {
            historyIndex = nil
            editor.replace(with: browsingCommands ? ":" : "")
        } else {
            historyIndex = max(0, index)
            editor.replace(with: list[max(0, index)])
        }
    }

    /// The same line twice in a row is kept once; the oldest go past `historyLimit`.
    static func remember(_ line: String, in list: inout [String]) {
        guard list.last != line else { return }
        list.append(line)
        if list.count > historyLimit { list.removeFirst() }
    }
}
