import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

/// The overlay room on its own: what a key does while the help or a panel is open (its
/// report cards: PasteAndPanelTests).
struct OverlayTests {
    @Test func scrollingKeysScrollAndAnyOtherKeyCloses() {
        var overlay = Overlay()
        #expect(!overlay.isOpen)
        overlay.open(.roster)
        overlay.take(.pageDown)
        overlay.take(.down)
        #expect(overlay.panelScroll == 11 && overlay.panel == .roster)
        overlay.take(.pageUp)
        overlay.take(.pageUp)
        #expect(overlay.panelScroll == 0, "never above the top")
        overlay.take(.enter)
        #expect(!overlay.isOpen, "Enter closes the panel and does nothing else")
    }

    @Test func theHelpIsOnTopOfAPanelAndOpensAtItsTop() {
        var overlay = Overlay()
        overlay.open(.roster)
        overlay.openHelp()
        overlay.take(.pageDown)
        #expect(overlay.helpScroll == 10 && overlay.panelScroll == 0, "the help takes the keys while it is open")
        overlay.take(.character("x"))
        #expect(!overlay.showHelp && overlay.panel == .roster, "closing the help leaves the panel under it")
        overlay.openHelp()
        #expect(overlay.showHelp && overlay.helpScroll == 0)
    }

}

/// `:shell`: the screen is given back to the user's shell, which the loop runs; a word after
/// it is a mistake, said as usage.
struct ShellCommandTests {
    @Test func shellAsksTheLoopForTheTerminal() {
        var state = ConsoleState()
        state.type(":shell")
        #expect(state.apply([.key(.enter)], at: 1) == [.shell])
        state.type(":shell bash")
        #expect(state.apply([.key(.enter)], at: 2).isEmpty)
        #expect(state.transcript.lines.last?.text == "usage: :shell (exit the shell to come back)")
    }
}
