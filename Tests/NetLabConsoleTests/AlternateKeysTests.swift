import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Keys for terminals and laptops that keep the F-keys: Esc/Alt + digit, `?`, Ctrl-Q.
@Suite struct AlternateKeysTests {
    @Test func escapeThenDigitIsTheFunctionKey() {
        #expect(KeyBinding.translatingEscapeDigits([.escape, .character("1")]) == [.function(1)])
        #expect(KeyBinding.translatingEscapeDigits([.escape, .character("0")]) == [.function(10)])
        #expect(
            KeyBinding.translatingEscapeDigits([.character("a"), .escape, .character("2"), .character("b")])
                == [.character("a"), .function(2), .character("b")])
        // Esc alone, or before anything but a digit, stays Esc.
        #expect(KeyBinding.translatingEscapeDigits([.escape]) == [.escape])
        #expect(KeyBinding.translatingEscapeDigits([.escape, .character("x")]) == [.escape, .character("x")])
        #expect(KeyBinding.translatingEscapeDigits([.escape, .character("٣")]) == [.escape, .character("٣")])
    }

    @Test func questionMarkIsHelpOnlyOnAnEmptyLine() {
        var state = ConsoleState()
        state.apply([.key(.character("?"))])
        #expect(state.overlay.showHelp)
        state.apply([.key(.character("x"))])  // closes it, does nothing else
        #expect(!state.overlay.showHelp)
        #expect(state.input.editor.text == "")
        state.type("why?")
        #expect(state.input.editor.text == "why?")
        #expect(!state.overlay.showHelp)
    }

    @Test func ctrlQQuits() {
        var state = ConsoleState()
        state.type("half a line")
        #expect(state.apply([.key(.control("q"))]) == [.quit])
    }

    @Test func helpScrollsAndOtherKeysCloseIt() {
        var state = ConsoleState()
        state.apply([.key(.function(1)), .key(.pageDown), .key(.down)])
        #expect(state.overlay.showHelp)
        #expect(state.overlay.helpScroll == 11)
        state.apply([.key(.pageUp), .key(.pageUp)])
        #expect(state.overlay.helpScroll == 0)
        state.apply([.key(.enter)])
        #expect(!state.overlay.showHelp)
        #expect(state.transcript.lines.isEmpty, "Enter closed the help and sent nothing")
    }

    /// At 80x24 the help is taller than the screen: its title says which lines and how to scroll,
    /// and scrolled to the end it shows the last line.
    @Test func helpAt80x24Scrolls() {
        var state = ConsoleState()
        state.apply([.key(.function(1))])
        let top = render(state, width: 80, height: 24).text
        #expect(top.contains("Help: lines 1-20 of"))
        #expect(top.contains("(PgUp PgDn scroll)"))
        state.apply(Array(repeating: .key(.pageDown), count: 20))
        let bottom = render(state, width: 80, height: 24).text
        #expect(bottom.contains("any other key closes this help"))
    }

    @Test func keyBarShowsTheAlternates() {
        let state = ConsoleState()
        let bar = render(state, width: 120, height: 30).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(bar.hasPrefix("F1/? Help"))
        #expect(bar.contains("F10/^Q Quit"))
        #expect(KeyBinding.all.first { $0.intent == .command(.help) }?.allKeys == "F1, ?, Esc 1")
        #expect(KeyBinding.all.first { $0.intent == .command(.quit) }?.allKeys == "F10, Ctrl-Q, Esc 0")
    }
}
