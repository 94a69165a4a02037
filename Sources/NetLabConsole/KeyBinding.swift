import NetLabCore

/// A key, the intent it stands for, and how the key bar and the help overlay describe it. `all`
/// is the one table of keys: the key bar, the help overlay, the dispatch and docs/console.md's
/// keys table all come from it (typing a character into the input line is the only key not in
/// it). A key that does what a `:` command does is bound to that command's intent.
public struct KeyBinding: Equatable, Sendable {
    public var key: Key
    /// Other keys that do the same, for terminals and laptops that keep F-keys for themselves.
    public var alternates: [Alternate] = []
    public var intent: Intent
    /// Short label for the key bar ("TCP").
    public var label: String
    /// Longer text for the help overlay.
    public var help: String
    public var onKeyBar: Bool

    /// Another key for a binding's command; some only act when the input line is empty (`?`
    /// is a character to type otherwise).
    public struct Alternate: Equatable, Sendable {
        public var key: Key
        public var onlyWhenInputEmpty = false
        /// How the key bar writes it (`?`, `^Q`).
        public var short: String
        public init(_ key: Key, short: String, onlyWhenInputEmpty: Bool = false) {
            self.key = key
            self.short = short
            self.onlyWhenInputEmpty = onlyWhenInputEmpty
        }
    }

    public init(key: Key, alternates: [Alternate] = [], intent: Intent, label: String, help: String, onKeyBar: Bool) {
        self.key = key
        self.alternates = alternates
        self.intent = intent
        self.label = label
        self.help = help
        self.onKeyBar = onKeyBar
    }

    /// The F-key's Esc/Alt alternative, as Midnight Commander has it: Esc then 1 ... 9, 0 for
    /// F1 ... F9, F10 (Alt-digit sends the same two bytes at once).
    public var escapeDigit: String? {
        guard case .function(let n) = key, (1...10).contains(n) else { return nil }
        return "Esc \(n % 10)"
    }

    /// `F1/?` on the key bar: the key and its short alternates.
    public var keyBarKey: String {
        ([key.label] + alternates.map(\.short)).joined(separator: "/")
    }

    /// `F1, ?, Esc 1` in the help and docs/console.md: every key that does it.
    public var allKeys: String {
        var names = [key.label]
        names += alternates.map(\.key.label)
        if let escapeDigit { names.append(escapeDigit) }
        return names.joined(separator: ", ")
    }

    /// The intent `key` stands for, given whether the input line is empty.
    public static func intent(for key: Key, inputEmpty: Bool) -> Intent? {
        for binding in all {
            if binding.key == key { return binding.intent }
            if binding.alternates.contains(where: { $0.key == key && (!$0.onlyWhenInputEmpty || inputEmpty) }) {
                return binding.intent
            }
        }
        return nil
    }

    /// Turns Esc followed by a digit, arriving together (Alt-digit, or Esc and the digit typed
    /// within curses' escape delay), into the F-key: Esc 1 is F1, Esc 0 is F10.
    public static func translatingEscapeDigits(_ keys: [Key]) -> [Key] {
        var result: [Key] = []
        var index = 0
        while index < keys.count {
            if keys[index] == .escape, index + 1 < keys.count, case .character(let c) = keys[index + 1],
                let digit = c.wholeNumberValue, c.isASCII
            {
                result.append(.function(digit == 0 ? 10 : digit))
                index += 2
            } else {
                result.append(keys[index])
                index += 1
            }
        }
        return result
    }

    /// The console's global keys. The key bar and help overlay are generated from this list.
    public static let all: [KeyBinding] = [
        KeyBinding(
            key: .function(1), alternates: [Alternate(.character("?"), short: "?", onlyWhenInputEmpty: true)],
            intent: .command(.help), label: "Help",
            help: "show or hide this help (? when the input line is empty; PgUp PgDn scroll)", onKeyBar: true),
        KeyBinding(key: .function(2), intent: .toggleServer(.tcp), label: "TCP", help: "turn the TCP server on or off", onKeyBar: true),
        KeyBinding(key: .function(3), intent: .toggleServer(.udp), label: "UDP", help: "turn the UDP server on or off", onKeyBar: true),
        KeyBinding(key: .function(4), intent: .toggleServer(.http), label: "HTTP", help: "turn the HTTP server on or off", onKeyBar: true),
        KeyBinding(key: .function(5), intent: .cycleProtocol, label: "Proto", help: "client protocol: TCP -> UDP -> HTTP", onKeyBar: true),
        KeyBinding(key: .function(6), intent: .cycleTheme, label: "Theme", help: "next colour theme (also :theme NAME)", onKeyBar: true),
        KeyBinding(
            key: .function(7), intent: .command(.presenter(nil)), label: "Big", help: "presenter mode: big banner for the back row", onKeyBar: true),
        KeyBinding(
            key: .function(8), intent: .toggleUDPMode, label: "Mode",
            help: "UDP client: unconnected (the lab's) or connected", onKeyBar: true),
        KeyBinding(
            key: .function(9), intent: .command(.view(nil)), label: "View",
            help: "timeline: calls and wire -> calls -> wire -> ladder (also :view)", onKeyBar: true),
        KeyBinding(
            key: .function(10), alternates: [Alternate(.control("q"), short: "^Q")],
            intent: .command(.quit), label: "Quit", help: "quit (also :quit, Ctrl-C)", onKeyBar: true),
        KeyBinding(key: .tab, intent: .focusNext, label: "Focus", help: "move focus to the next pane", onKeyBar: true),
        KeyBinding(key: .backTab, intent: .focusPrevious, label: "Back", help: "move focus to the previous pane", onKeyBar: false),
        KeyBinding(
            key: .control("r"), intent: .command(.roster), label: "Roster", help: "who talked to the servers (also :roster)",
            onKeyBar: false),
        pane(.enter, .submit, "send the input line (or run a :command)"),
        pane(.left, .edit(.cursorLeft), edit), pane(.right, .edit(.cursorRight), edit),
        pane(.backspace, .edit(.deleteBackward), edit), pane(.delete, .edit(.deleteForward), edit),
        pane(.control("a"), .edit(.lineStart), edit), pane(.control("e"), .edit(.lineEnd), edit),
        pane(.control("u"), .edit(.clearLine), "clear the input line"),
        pane(.home, .move(.home), "start of the input line; the first row (timeline focused)"),
        pane(.end, .move(.end), "end of the input line; follow the newest row again (timeline focused)"),
        pane(.up, .move(.up), updown), pane(.down, .move(.down), updown),
        pane(.pageUp, .move(.pageUp), paging), pane(.pageDown, .move(.pageDown), paging),
        pane(.escape, .followNewest, "follow the newest row again; close help"),
        pane(.control("t"), .toggleText, "the shown message as text (status, headers, body) or as hex"),
    ]

    private static let edit = "edit the input line"
    private static let updown = "history (client: messages; after a \":\" commands), scroll (server log), select (timeline)"
    private static let paging = "scroll the focused pane (timeline: the shown message); scroll the help"

    private static func pane(_ key: Key, _ intent: Intent, _ help: String) -> KeyBinding {
        KeyBinding(key: key, intent: intent, label: "", help: help, onKeyBar: false)
    }

    /// The help's and docs/console.md's rows: bindings with the same help share a row (`Up Down`),
    /// and Esc/Alt + digit gets one row of its own.
    public static var helpRows: [(keys: String, help: String)] {
        var rows: [(keys: String, help: String)] = []
        for binding in all {
            if binding.label.isEmpty, let index = rows.firstIndex(where: { $0.help == binding.help }) {
                rows[index].keys += " " + binding.allKeys
            } else {
                rows.append((binding.allKeys, binding.help))
            }
        }
        rows.append(("Esc 1 ... Esc 0", "F1 ... F10, for terminals that keep F-keys (Alt-1 ... Alt-0 too)"))
        return rows
    }
}
