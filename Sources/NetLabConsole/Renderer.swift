import Foundation
import NetLabCore

/// Turns the console's state into a virtual screen. Pure: same state and size, same screen.
public struct Renderer {
    public let state: ConsoleState
    /// Formats times; injected so tests do not depend on the time zone.
    public let clock: (Date) -> String

    public init(state: ConsoleState, clock: @escaping (Date) -> String = { LabEvent.clock($0) }) {
        self.state = state
        self.clock = clock
    }

    public func render(width: Int, height: Int) -> Screen {
        var screen = Screen(width: width, height: height)
        guard let layout = Layout(width: width, height: height, lesson: state.lesson != nil) else {
            drawTooSmall(&screen)
            return screen
        }
        if state.presenter {
            drawPresenter(&screen)
        } else {
            drawStatusBar(&screen, row: 0)
            if state.lesson != nil {
                drawLesson(&screen, layout.serverLog)
            } else {
                drawServerLog(&screen, layout.serverLog)
            }
            drawTimeline(&screen, layout.timeline)
            drawClient(&screen, layout.client)
            drawKeyBar(&screen, row: height - 1)
        }
        if state.overlay.panel != nil, !state.overlay.showHelp {
            drawPanel(&screen)
            screen.cursor = nil
        }
        if state.overlay.showHelp {
            drawHelp(&screen)
            screen.cursor = nil
        }
        return screen
    }

    /// The title of a pane, marked when it has the focus (readable without colour).
    func title(_ text: String, pane: ConsoleState.Pane) -> (String, StyleRole) {
        state.focus == pane ? ("▶ \(text)", .focusedTitle) : (text, .title)
    }

    /// The last `count` items of a list, scrolled back by `scroll` from the newest.
    static func window<T>(_ items: [T], count: Int, scroll: Int) -> ArraySlice<T> {
        guard count > 0 else { return [] }
        let end = max(0, items.count - scroll)
        return items[max(0, end - count)..<end]
    }

    private func drawTooSmall(_ screen: inout Screen) {
        let lines = [
            "Make me bigger",
            "netlab needs \(Layout.minimumWidth)x\(Layout.minimumHeight)",
            "this is \(screen.width)x\(screen.height)",
        ]
        let top = max(0, (screen.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let column = max(0, (screen.width - CharacterWidth.of(line)) / 2)
            screen.put(line, row: top + i, column: column, role: i == 0 ? .error : .normal)
        }
    }
}

/// `Renderer(state:clock:).render(...)` as one call.
public func render(_ state: ConsoleState, width: Int, height: Int, clock: @escaping (Date) -> String = { LabEvent.clock($0) }) -> Screen {
    Renderer(state: state, clock: clock).render(width: width, height: height)
}
