import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Issue 23: a paste and a report card cost what is on screen, and `:save` never replaces a
/// file unasked.
@Suite struct PasteAndPanelTests {
    @Test func aPasteIsOneUpdateAndALineFullIsSaidOnce() {
        var state = ConsoleState()
        let pasted = Array(repeating: Key.character("a"), count: LineEditor.maxLength + 5_000)
        let effects = state.apply([.keys(pasted)])
        #expect(effects.isEmpty)
        #expect(state.input.editor.characters.count == LineEditor.maxLength)
        let notes = state.transcript.lines.items.filter { $0.text.hasPrefix("the input line holds at most") }
        #expect(notes.map(\.text) == ["the input line holds at most 4096 characters: the rest of what was typed or pasted was left out"])
        // Sent and empty again: the next overflow is said again.
        state.apply([.key(.enter)])
        state.apply([.keys(pasted)])
        #expect(state.transcript.lines.items.filter { $0.text.hasPrefix("the input line holds at most") }.count == 2)
    }

    @Test func keysTogetherActAsTheSameKeysOneByOne() {
        var oneByOne = ConsoleState()
        var together = ConsoleState()
        let keys: [Key] = "hello".map { .character($0) } + [.enter, .function(2), .character("?")]
        let separate = keys.flatMap { oneByOne.apply([.key($0)]) }
        #expect(together.apply([.keys(keys)]) == separate)
        #expect(together.transcript.lines.items.map(\.text) == oneByOne.transcript.lines.items.map(\.text))
        #expect(together.input == oneByOne.input)
    }

    @Test func saveBangReplacesAndSaveAsks() {
        #expect(ColonCommand.parse("save notes.txt") == .success(.save("notes.txt", replace: false)))
        #expect(ColonCommand.parse("save! notes.txt") == .success(.save("notes.txt", replace: true)))
        var state = ConsoleState()
        state.type(":save! notes.txt")
        let effects = state.apply([.key(.enter)])
        guard case .save(let path, _, _, let replace) = effects.first else {
            Issue.record("no save effect: \(effects) \(state.transcript.lines.items.map(\.text))")
            return
        }
        #expect(path == "notes.txt" && replace)
    }

    @Test func aReportCardLineIsCutToWhatAPanelCanShow() {
        var state = ConsoleState()
        let problem = String(repeating: "x", count: 10_000_000)
        let result = CheckResult(name: "n", passed: false, sent: [], received: [], expected: "e", problem: problem, why: "w")
        state.apply([.checked(CheckReport(target: "http 127.0.0.1:1", results: [result]))])
        guard case .report(_, let lines) = state.overlay.panel else {
            Issue.record("no report card")
            return
        }
        #expect(lines.allSatisfy { $0.count <= 1_100 })
        #expect(lines.contains { $0.hasSuffix("... (9999016 more characters)") })
    }

    /// A server nobody could reach: the card shows why (it used to be empty under its title).
    @Test func anUnreachableServersCardSaysWhy() {
        var state = ConsoleState()
        let result = CheckResult(name: "n", passed: false, sent: [], received: [], expected: "e", problem: "p", why: "w")
        state.apply([.checked(CheckReport(target: "http 127.0.0.1:1", results: [result], unreachable: "connect() failed: refused"))])
        guard case .report(_, let lines) = state.overlay.panel else {
            Issue.record("no report card")
            return
        }
        #expect(lines.first == "netlab check http 127.0.0.1:1: no server to check: connect() failed: refused")
        #expect(lines.contains("0 of 1 checks passed (none could reach the server)"))
    }
}
