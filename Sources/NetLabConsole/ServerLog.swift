import Foundation
import NetLabCore

/// The room of the server log pane: its lines (a ring: the oldest give way, and the title
/// says how many), how far the view is scrolled back, and the roster of who talked to the
/// servers (`:roster`, Ctrl-R).
public struct ServerLog: Equatable {
    public var lines = Ring<ConsoleState.Line>(capacity: ConsoleState.logCapacity)
    /// Lines scrolled back from the newest (0: following).
    public var scroll = 0
    public var roster = Roster()

    public init() {}

    /// A new line; a view scrolled back stays on the lines it shows while new ones arrive.
    mutating func add(_ line: ConsoleState.Line) {
        lines.append(line)
        if scroll > 0 { scroll = min(scroll + 1, lines.count - 1) }
    }

    /// Scrolls `step` lines toward the newest (negative: back), within the lines there are.
    mutating func scroll(by step: Int) {
        scroll = max(0, min(max(0, lines.count - 1), scroll - step))
    }

    /// `:clear`: the lines go, the roster stays (it is who came, not what was said).
    mutating func clear() {
        lines.removeAll()
        scroll = 0
    }

    /// Who talked to the servers, and what became of it: a server's event into the roster.
    mutating func note(_ event: LabEvent) {
        switch event.kind {
        case .received(let bytes, let from, _):
            roster.heard(bytes, from: from.host, engine: event.engine, at: event.time)
        case .sent(let bytes, _, let to):
            roster.replied(bytes.count, to: to.host, engine: event.engine, at: event.time)
        case .served(let peer, let requestLine, let status, _, _, _):
            roster.served(requestLine, status: status, to: peer.host, at: event.time)
        case .rejected(let peer, let reason):
            roster.rejected(peer.host, engine: event.engine, reason: reason, at: event.time)
        default:
            break
        }
    }
}
