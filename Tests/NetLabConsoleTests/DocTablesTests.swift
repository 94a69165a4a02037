import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// docs/console.md's keys and commands tables are the console's own tables, written out: a
/// test fails when either side changes alone; `NETLAB_RECORD_SNAPSHOTS=1 swift test` rewrites
/// them (as it does the screen snapshots). docs/wire.md's messages table quotes the console.
@Suite(.serialized) struct DocTablesTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs").standardized
    static let console = docs.appendingPathComponent("console.md")
    static let wire = docs.appendingPathComponent("wire.md")

    static func section(_ name: String, in file: URL = console) throws -> String {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let start = text.range(of: "<!-- \(name):start -->\n"), let end = text.range(of: "<!-- \(name):end -->") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    static var keysTable: String {
        var rows = ["| key | does |", "|---|---|"]
        for (keys, help) in KeyBinding.helpRows { rows.append("| \(cell(keys)) | \(cell(help)) |") }
        return rows.joined(separator: "\n") + "\n"
    }

    static var commandsTable: String {
        var rows = ["| command | does |", "|---|---|"]
        for (syntax, help) in ColonCommand.usage { rows.append("| `\(cell(syntax))` | \(cell(help)) |") }
        return rows.joined(separator: "\n") + "\n"
    }

    /// Replaces a marked section of docs/console.md (recording mode only).
    static func record(_ name: String, _ table: String) throws {
        var text = try String(contentsOf: console, encoding: .utf8)
        guard let start = text.range(of: "<!-- \(name):start -->\n"), let end = text.range(of: "<!-- \(name):end -->") else { return }
        text.replaceSubrange(start.upperBound..<end.lowerBound, with: table)
        try text.write(to: console, atomically: true, encoding: .utf8)
    }

    static var recording: Bool { ProcessInfo.processInfo.environment["NETLAB_RECORD_SNAPSHOTS"] == "1" }

    @Test func keysTableIsTheBindings() throws {
        if Self.recording { try Self.record("keys", Self.keysTable) }
        let written = try Self.section("keys")
        #expect(written == Self.keysTable, "docs/console.md's keys table should read:\n\(Self.keysTable)")
    }

    @Test func commandsTableIsTheParser() throws {
        if Self.recording { try Self.record("commands", Self.commandsTable) }
        let written = try Self.section("commands")
        #expect(written == Self.commandsTable, "docs/console.md's commands table should read:\n\(Self.commandsTable)")
    }

    /// The console's own sentences in docs/wire.md's messages table, built by the code.
    @Test func messagesTableQuotesTheConsole() throws {
        let messages = try Self.section("messages", in: Self.wire)
        let pieces = try #require(ConsoleState.piecesSentence(100_000, [32_768, 32_768, 34_464]))
        #expect(messages.contains("| \(pieces) |"), "docs/wire.md's messages table should quote: \(pieces)")
        #expect(ConsoleState.piecesSentence(1_024, [1_024]) == nil, "a reply a recv(1024) reads whole is not remarked on")
        #expect(ConsoleState.piecesSentence(2_000, [1_000]) == nil, "pieces that do not add up are not claimed")
        #expect(ConsoleState.piecesSentence(2_000, [2_000])?.hasPrefix("the 2000 bytes came in 1 recv() call;") == true)
    }
}
