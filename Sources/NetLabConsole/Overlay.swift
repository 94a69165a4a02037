import Foundation
import NetLabCore

/// The room over the panes: the help, or a panel (the roster, a check's report card), each
/// scrolled. While one is open it takes every key: a scrolling key scrolls it, any other key
/// closes it and does only that (Enter must not send, F2 must not turn a server off behind it).
public struct Overlay: Equatable, Sendable {
    public enum Panel: Equatable, Sendable {
        /// `:roster`, Ctrl-R: a row per client address, live.
        case roster
        /// `:check`: a report card.
        case report(title: String, lines: [String])
    }

    public var showHelp = false
    /// Lines the help is scrolled down (clamped when drawn).
    public var helpScroll = 0
    public var panel: Panel?
    /// Lines the panel is scrolled down (clamped when drawn).
    public var panelScroll = 0

    public init() {}

    /// Whether the help or a panel is open (and so takes the keys).
    public var isOpen: Bool { showHelp || panel != nil }

    /// F1, `?`, `:help`: the help at its top (while it is open any key closes it, F1 too).
    mutating func openHelp() {
        showHelp = true
        helpScroll = 0
    }

    mutating func open(_ panel: Panel) {
        self.panel = panel
        panelScroll = 0
    }

    /// A key (or the mouse) while open: scrolls what is open, or closes it. The help is on top.
    mutating func take(_ key: Key) {
        if showHelp {
            if !Self.scroll(key, &helpScroll) { showHelp = false }
        } else if panel != nil {
            if !Self.scroll(key, &panelScroll) { panel = nil }
        }
    }

    /// A scrolling key moves `scroll` and returns true; any other key (a click too) false.
    static func scroll(_ key: Key, _ scroll: inout Int) -> Bool {
        switch key {
        case .pageUp: scroll = max(0, scroll - 10)
        case .pageDown: scroll += 10
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll += 1
        case .mouse(let event) where event.action == .wheelUp: scroll = max(0, scroll - 3)
        case .mouse(let event) where event.action == .wheelDown: scroll += 3
        default: return false
        }
        return true
    }

    /// The longest report card line the panel shows whole.
    static let reportLineLimit = 1_000

    /// A check's report card as a panel: its text without its heading (the title says it; a
    /// server nobody could reach has only the reason), each line at most `reportLineLimit`
    /// characters, so the panel's cost per frame stays a screenful's whatever a server sent.
    static func reportCard(_ report: CheckReport) -> Panel {
        let skipped = report.unreachable == nil ? 2 : 0
        return .report(
            title: "netlab check \(report.target): \(report.passed) of \(report.results.count) passed",
            lines: report.text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(skipped).map { line in
                line.count <= reportLineLimit
                    ? String(line) : String(line.prefix(reportLineLimit)) + "... (\(line.count - reportLineLimit) more characters)"
            })
    }
}
