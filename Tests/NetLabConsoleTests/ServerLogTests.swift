import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

/// The server log room on its own: a view scrolled back stays on its lines, scrolling stays
/// within them, and the roster hears the servers' events.
struct ServerLogTests {
    static func line(_ n: Int) -> ConsoleState.Line { ConsoleState.Line(time: t0, text: "line \(n)", role: .normal) }

    @Test func aScrolledBackViewStaysOnItsLines() {
        var log = ServerLog()
        for n in 1...10 { log.add(Self.line(n)) }
        log.scroll(by: -4)
        #expect(log.scroll == 4)
        log.add(Self.line(11))
        #expect(log.scroll == 5, "the same lines stay in view as a new one arrives")
        log.scroll(by: -100)
        #expect(log.scroll == 10, "at most back to the oldest line")
        log.scroll(by: 100)
        #expect(log.scroll == 0, "following again")
        log.add(Self.line(12))
        #expect(log.scroll == 0, "a following view keeps following")
    }

    @Test func clearingKeepsTheRoster() {
        var log = ServerLog()
        let peer = Endpoint(host: "127.0.0.1", port: 40000)
        log.note(LabEvent(time: t0, engine: .tcp, role: .server, kind: .received(bytes: Array("hi".utf8), from: peer, to: localServer)))
        log.add(Self.line(1))
        log.scroll(by: -1)
        log.clear()
        #expect(log.lines.count == 0 && log.scroll == 0)
        #expect(log.roster.count == 1, "who came is kept: only what was said is cleared")
    }
}
