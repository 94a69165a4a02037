import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

/// The transcript room on its own, in a pane 40 columns wide (27 for the text after the
/// time) and 4 rows high.
struct TranscriptTests {
    static let area: Transcript.Area = (width: 40, height: 4)

    static func entry(_ text: String) -> ConsoleState.Line { ConsoleState.Line(time: t0, text: text, role: .normal) }
    static func more(_ text: String) -> ConsoleState.Line { ConsoleState.Line(time: nil, text: text, role: .normal) }

    @Test func aNewEntryTallerThanThePaneIsShownFromItsHead() {
        var transcript = Transcript()
        transcript.add(Self.entry("short"), in: Self.area)
        #expect(transcript.scroll == 0 && !transcript.atNewestHead)
        transcript.add(Self.entry(String(repeating: "word ", count: 30)), in: Self.area)  // 150 columns: 6 rows
        #expect(transcript.atNewestHead && transcript.scroll == 2, "its first row is the pane's first")
        transcript.add(Self.more("its continuation"), in: Self.area)
        #expect(transcript.atNewestHead && transcript.scroll == 3, "the head stays in view")
        transcript.add(Self.entry("next"), in: Self.area)
        #expect(!transcript.atNewestHead && transcript.scroll == 0, "a new entry is followed again")
    }

    @Test func aViewScrolledBackStaysOnWhatItShows() {
        var transcript = Transcript()
        for n in 1...10 { transcript.add(Self.entry("line \(n)"), in: Self.area) }
        transcript.scroll(by: 3, in: Self.area)
        #expect(transcript.scroll == 3)
        transcript.add(Self.entry("line 11"), in: Self.area)
        #expect(transcript.scroll == 4, "the same lines stay in view")
        transcript.scroll(by: 100, in: Self.area)
        #expect(transcript.scroll == 7, "at most to the first line: 11 rows, 4 shown")
        transcript.follow()
        #expect(transcript.scroll == 0)
        transcript.clear()
        #expect(transcript.lines.count == 0 && transcript.scroll == 0)
    }

    @Test func aResizeAnchorsTheHeldEntryAgain() {
        var transcript = Transcript()
        transcript.add(Self.entry(String(repeating: "word ", count: 30)), in: Self.area)
        #expect(transcript.scroll == 2)
        transcript.resized(to: (width: 40, height: 8))
        #expect(transcript.scroll == 0 && transcript.atNewestHead, "it fits now: nothing scrolled (and still held)")
        #expect(Transcript.page(in: Self.area) == 3 && Transcript.page(in: nil) == 10)
    }
}
