import Foundation
import NetLabCore

extension Renderer {
    /// The roster, as lines: a header, then a row per client address, most recent first.
    var rosterLines: [String] {
        let rows = state.serverLog.roster.recent
        guard !rows.isEmpty else { return ["nobody has talked to the servers yet"] }
        let hostWidth = max(7, rows.map { CharacterWidth.of($0.host) }.max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - CharacterWidth.of(text)))
        }
        // The last message goes last: at 80 columns it is the part that gets cut.
        var lines = [pad("address", hostWidth) + "  proto  msgs  seen      last outcome      last message"]
        for row in rows {
            let seen = LabEvent.clock(row.lastSeen).prefix(8)
            lines.append(
                pad(row.host, hostWidth) + "  " + pad(row.engine.rawValue, 5) + "  " + pad(String(row.messages), 4) + "  "
                    + pad(String(seen), 8) + "  " + pad(row.lastOutcome, 16) + "  " + row.lastMessage)
        }
        return lines
    }

    /// The panel over the panes (`:roster`, `:check`'s report card), scrolled with PgUp/PgDn.
    func drawPanel(_ screen: inout Screen) {
        guard let panel = state.overlay.panel else { return }
        let title: String
        var lines: [String]
        switch panel {
        case .roster:
            let dropped = state.serverLog.roster.dropped > 0 ? ", \(state.serverLog.roster.dropped) older dropped" : ""
            title = "Roster: \(state.serverLog.roster.count) client address\(state.serverLog.roster.count == 1 ? "" : "es")\(dropped)"
            lines = rosterLines
        case .report(let heading, let text):
            title = heading
            // A report card's lines wrap in the panel, continuing under their text
            // (`      sent:     ` is 16 columns).
            let room = max(20, screen.width - 7)
            lines = text.flatMap { line -> [String] in
                let indent = line.hasPrefix("      ") ? 16 : 6
                let wrapped = Self.wrap(line, width: room)
                guard wrapped.count > 1 else { return wrapped }
                let rest = Self.wrap(wrapped.dropFirst().joined(separator: " "), width: room - indent)
                return [wrapped[0]] + rest.map { String(repeating: " ", count: indent) + $0 }
            }
        }
        lines.append("")
        lines.append("any other key closes this panel")
        let (inner, shown) = drawOverlay(
            &screen, rows: lines, width: max(20, screen.width - 4), scroll: state.overlay.panelScroll,
            title: title)
        for (i, line) in shown.enumerated() {
            screen.put(" " + line, row: inner.row + i, column: inner.column, role: .help, limit: inner.width)
        }
    }
}
