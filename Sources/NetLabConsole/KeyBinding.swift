import NetLabCore

/// A key, what it does, and how the key bar and the help overlay describe it.
public struct KeyBinding: Equatable, Sendable {
    public enum Command: Equatable, Sendable {
        case help, toggleServer(LabEvent.Engine), cycleProtocol, cycleTheme, presenter, toggleUDPMode, cycleTimelineView, focusNext, focusPrevious, quit
    }

    public var key: Key
    public var command: Command
    /// Short label for the key bar ("TCP").
    public var label: String
    /// Longer text for the help overlay.
    public var help: String
    public var onKeyBar: Bool

    /// The console's global keys. The key bar and help overlay are generated from this list.
    public static let all: [KeyBinding] = [
        KeyBinding(key: .function(1), command: .help, label: "Help", help: "show or hide this help", onKeyBar: true),
        KeyBinding(key: .function(2), command: .toggleServer(.tcp), label: "TCP", help: "turn the TCP server on or off", onKeyBar: true),
        KeyBinding(key: .function(3), command: .toggleServer(.udp), label: "UDP", help: "turn the UDP server on or off", onKeyBar: true),
        KeyBinding(key: .function(4), command: .toggleServer(.http), label: "HTTP", help: "turn the HTTP server on or off", onKeyBar: true),
        KeyBinding(key: .function(5), command: .cycleProtocol, label: "Proto", help: "client protocol: TCP -> UDP -> HTTP", onKeyBar: true),
        KeyBinding(key: .function(6), command: .cycleTheme, label: "Theme", help: "next colour theme (also :theme NAME)", onKeyBar: true),
        KeyBinding(key: .function(7), command: .presenter, label: "Big", help: "presenter mode: big banner for the back row", onKeyBar: true),
        KeyBinding(key: .function(8), command: .toggleUDPMode, label: "Mode", help: "UDP client: unconnected (the lab's) or connected", onKeyBar: true),
        KeyBinding(key: .function(9), command: .cycleTimelineView, label: "View", help: "timeline: calls and wire -> calls -> wire (also :view)", onKeyBar: true),
        KeyBinding(key: .function(10), command: .quit, label: "Quit", help: "quit (also :quit, Ctrl-C)", onKeyBar: true),
        KeyBinding(key: .tab, command: .focusNext, label: "Focus", help: "move focus to the next pane", onKeyBar: true),
        KeyBinding(key: .backTab, command: .focusPrevious, label: "Back", help: "move focus to the previous pane", onKeyBar: false),
    ]

    /// Keys that act inside the focused pane, for the help overlay.
    public static let paneKeys: [(keys: String, help: String)] = [
        ("Enter", "send the input line (or run a :command)"),
        ("Left Right Home End Bksp Del", "edit the input line"),
        ("Up Down", "history (client: messages; after a \":\" commands), scroll (server log), select (timeline)"),
        ("PgUp PgDn", "scroll the focused pane"),
        ("End (timeline), Esc", "follow the newest row again; close help"),
    ]

    /// The bindings that apply to a console running these engines (no F4 without HTTP).
    public static func available(for engines: [LabEvent.Engine]) -> [KeyBinding] {
        all.filter { binding in
            if case .toggleServer(let engine) = binding.command { return engines.contains(engine) }
            return true
        }
    }
}
