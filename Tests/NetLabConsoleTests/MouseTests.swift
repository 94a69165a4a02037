import Foundation
import NetLabConsole
import NetLabCore
import Testing

@Suite struct MouseTests {
    private func click(_ column: Int, _ row: Int, width: Int = 80, height: Int = 24) -> Action {
        .key(.mouse(MouseEvent(column: column, row: row, action: .click, width: width, height: height)))
    }

    @Test func clickingAKeyBarItemRunsIt() {
        var state = ConsoleState()
        state.apply([.event(event(.tcp, .server, .listening(server)))])
        // At 80 columns: "F1 Help F2 TCP F3 UDP ..."; F2 TCP takes columns 8-13.
        let bar = render(state, width: 80, height: 24).line(at: 23)
        #expect(bar.hasPrefix("F1 Help F2 TCP "))
        #expect(state.apply([click(9, 23)]) == [.stopServer(.tcp)])
        #expect(state.apply([click(2, 23)]).isEmpty)
        #expect(state.overlay.showHelp, "F1 Help clicked")
        state.apply([click(40, 10)])
        #expect(!state.overlay.showHelp, "a click closes the help, and only that")
        #expect(state.focus == .client)
    }

    @Test func clickingATimelineRowSelectsIt() {
        var state = ConsoleState()
        for i in 0..<3 {
            state.apply([.event(event(.udp, .server, .received(bytes: [UInt8(65 + i)], from: clientSocket, to: localServer)))])
        }
        let screen = render(state, width: 80, height: 24)
        guard let rowOfFirst = (0..<24).first(where: { screen.line(at: $0).contains("#1 call UDP server recvfrom() 1 B") }) else {
            Issue.record("no row #1 on screen:\n\(screen.text)")
            return
        }
        state.apply([click(10, rowOfFirst)])
        #expect(state.focus == .timeline)
        #expect(state.timeline.selectedRowID == state.timeline.rows.items.first?.id)
        #expect(state.timeline.shownRow?.bytes == [65])
    }

    @Test func theWheelScrollsThePaneUnderThePointer() {
        var state = ConsoleState()
        for i in 0..<40 {
            state.apply([.event(event(.udp, .server, .received(bytes: [UInt8(i)], from: clientSocket, to: localServer)))])
        }
        let up = Action.key(.mouse(MouseEvent(column: 10, row: 2, action: .wheelUp, width: 80, height: 24)))
        state.apply([up, up])
        #expect(state.serverLog.scroll == 6)
        #expect(state.transcript.scroll == 0)
        let down = Action.key(.mouse(MouseEvent(column: 10, row: 2, action: .wheelDown, width: 80, height: 24)))
        state.apply([down])
        #expect(state.serverLog.scroll == 3)
    }
}
