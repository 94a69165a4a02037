import Foundation
import Testing

@testable import NetLabConsole

/// The input line room on its own: two histories, Up and Down, a full line said once.
struct InputLineTests {
    static func typed(_ text: String, into input: inout InputLine) {
        for character in text { _ = input.type(character) }
    }

    @Test func upRecallsFromTheHistoryTheLineStartedAs() {
        var input = InputLine()
        for line in ["hello", ":port 12001", "again", "again"] {
            Self.typed(line, into: &input)
            _ = input.take()
        }
        #expect(input.history == ["hello", "again"], "a line twice in a row is kept once")
        #expect(input.commandHistory == [":port 12001"])
        input.browse(-1)
        input.browse(-1)
        #expect(input.editor.text == "hello", "the command never stands between the messages")
        input.browse(1)
        input.browse(1)
        #expect(input.editor.text == "" && input.historyIndex == nil, "past the newest: a new line")
        Self.typed(":", into: &input)
        input.browse(-1)
        #expect(input.editor.text == ":port 12001")
        input.browse(1)
        #expect(input.editor.text == ":", "past the newest command: a lone colon")
    }

    @Test func aFullLineIsSaidOnceUntilACharacterFitsAgain() {
        var input = InputLine()
        Self.typed(String(repeating: "a", count: LineEditor.maxLength), into: &input)
        #expect(input.type("b") == true, "said the first time")
        #expect(input.type("c") == false, "not again for the same line")
        _ = input.take()
        Self.typed(String(repeating: "a", count: LineEditor.maxLength), into: &input)
        #expect(input.type("e") == true, "a new full line is said again")
    }

    @Test func theHistoryKeepsTheNewest() {
        var input = InputLine()
        for n in 0..<(InputLine.historyLimit + 5) {
            Self.typed("m\(n)", into: &input)
            _ = input.take()
        }
        #expect(input.history.count == InputLine.historyLimit && input.history.first == "m5")
    }
}
