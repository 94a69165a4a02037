import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

/// The timeline room on its own: where a row goes, what Up/Down select, what a view change
/// and `:clear` reset, and how many traced failures wait for their frames.
struct TimelineRoomTests {
    static func call(_ text: String, at seconds: Double, role: LabEvent.Role = .client) -> Timeline.Row {
        Timeline.Row(
            id: 0, time: t0.addingTimeInterval(seconds), lane: .call, engine: .tcp, role: role, text: text, outgoing: true,
            isError: false, bytes: [], length: 0)
    }

    @Test func aLateRowTakesItsPlaceByItsTimeAndNetlabsCallsKeepTheirOrder() {
        var timeline = Timeline()
        timeline.add(Self.call("first", at: 1))
        timeline.add(Self.call("second", at: 3))
        timeline.add(Self.call("traced", at: 2, role: .program))
        timeline.add(Self.call("netlab's, stamped early", at: 0))
        #expect(timeline.rows.items.map(\.text) == ["first", "traced", "second", "netlab's, stamped early"])
        #expect(timeline.rows.items.map(\.id) == [1, 3, 2, 4], "ids in the order rows came")
        #expect(timeline.number(of: 3) == 2)
    }

    @Test func upAndDownSelectAndPastTheNewestFollows() {
        var timeline = Timeline()
        for n in 1...3 { timeline.add(Self.call("row \(n)", at: Double(n))) }
        timeline.select(-1)
        #expect(timeline.selectedRowID == 2, "Up from following: the row above the newest")
        timeline.select(-5)
        #expect(timeline.selectedRowID == 1, "never above the first")
        timeline.select(5)
        #expect(timeline.selectedRowID == nil, "past the newest: following again")
        timeline.selectFirst()
        timeline.show(.wire)
        #expect(timeline.view == .wire && timeline.selectedRowID == nil, "a new view follows its newest row")
        #expect(timeline.visibleRows.isEmpty && timeline.shownRow == nil)
        timeline.show(nil)
        #expect(timeline.view == .ladder)
        timeline.show(nil)
        #expect(timeline.view == .both, "F9 goes round: both, calls, wire, ladder, both")
    }

    @Test func clearingForgetsRowsAndCountsFramesAfresh() {
        var timeline = Timeline()
        timeline.add(Self.call("row", at: 1))
        timeline.framesSeen = 7
        timeline.selectFirst()
        timeline.clear()
        #expect(timeline.rows.count == 0 && timeline.selectedRowID == nil && timeline.framesSeen == 0)
    }

    @Test func theNewestFewTracedFailuresWaitForTheirFrames() {
        var timeline = Timeline()
        for n in 0..<(Timeline.programEvidenceLimit + 3) {
            let awaited = AwaitedEvidence(
                engine: .tcp, target: Endpoint(host: "127.0.0.1", port: UInt16(20000 + n)), claim: .refusedConnect, local: nil,
                since: t0, until: t0.addingTimeInterval(1), caller: "python3 [\(n)]")
            #expect(timeline.cite(awaited) == nil, "no frames yet")
            timeline.wait(for: awaited)
        }
        #expect(timeline.awaitedPrograms.count == Timeline.programEvidenceLimit)
        #expect(timeline.awaitedPrograms.first?.caller == "python3 [3]", "the oldest gave way")
        #expect(timeline.awaited == nil, "the client's slot is its own")
    }
}
