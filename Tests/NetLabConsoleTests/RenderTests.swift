import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Text snapshots of the whole screen; `NETLAB_RECORD_SNAPSHOTS=1 swift test` rewrites them.
@Suite struct RenderTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    func assertSnapshot(_ screen: Screen, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Self.snapshots.appendingPathComponent("\(name).txt")
        let text = screen.text + "\n"
        if ProcessInfo.processInfo.environment["NETLAB_RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(80, 24), (120, 40), (160, 40)])
    func snapshot(width: Int, height: Int) throws {
        // The state knows the size, as in the console: the newest entry shows from its start.
        var state = sampleState()
        state.apply([.resized(width: width, height: height)])
        let screen = render(state, width: width, height: height, clock: utcClock)
        try assertSnapshot(screen, named: "console-\(width)x\(height)")
    }

    /// Issue 22: an outcome taller than the client pane shows from its headline, the title says
    /// how many lines follow, and PgDn pages through it a pane at a time, one row of overlap.
    @Test func aTallOutcomeShowsItsHeadlineAndPagesThroughEveryLine() {
        var state = sampleState()
        state.apply([.resized(width: 80, height: 24)])
        #expect(state.focus == .client)
        let first = render(state, width: 80, height: 24, clock: utcClock).text
        #expect(first.contains("10:00:07.000 No reply within 2 s. Nothing listening? Then the host answers"), "\(first)")
        #expect(first.contains("Client [the newest from its start: 2 more lines below, PgDn]"), "\(first)")
        var seen: [String] = []
        for _ in 0..<3 {
            let screen = render(state, width: 80, height: 24, clock: utcClock).text.split(separator: "\n").map(String.init)
            let top = screen.lastIndex { $0.contains("Client") }!
            seen += screen[(top + 1)..<(top + 5)]
            state.apply([.key(.pageDown)])
        }
        // Every row of the entry appears (pages overlap by one row); past the end, nothing moves.
        for row in [
            "Nothing listening? Then the host answers", "which Linux tells only a connected", "Or a program is bound there",
            "ConnectionResetError.)",
        ] {
            #expect(seen.contains { $0.contains(row) }, "\(row) never shown")
        }
        #expect(state.transcript.scroll == 0, "a PgDn past the end is not counted")
        state.apply([.key(.pageUp)])
        #expect(state.transcript.scroll == 3, "a page is the pane's 4 rows less one of overlap")
    }

    @Test func helpOverlaySnapshot() throws {
        var state = sampleState()
        state.apply([.key(.function(1))])
        try assertSnapshot(render(state, width: 100, height: 30, clock: utcClock), named: "help-100x30")
    }

    @Test func presenterSnapshotBeforeAnyExchange() throws {
        let state = ConsoleState(presenter: true)
        try assertSnapshot(render(state, width: 80, height: 24, clock: utcClock), named: "presenter-empty-80x24")
    }

    /// At 80x24 the help scrolls: its first window and its last.
    @Test func helpAt80x24Snapshots() throws {
        var state = sampleState()
        state.apply([.key(.function(1))])
        try assertSnapshot(render(state, width: 80, height: 24, clock: utcClock), named: "help-80x24")
        state.apply(Array(repeating: .key(.pageDown), count: 3))
        try assertSnapshot(render(state, width: 80, height: 24, clock: utcClock), named: "help-80x24-scrolled")
    }

    @Test func helpScrollsWhenShort() {
        var state = sampleState()
        state.apply([.key(.function(1))])
        let short = render(state, width: 100, height: 16, clock: utcClock).text
        #expect(short.contains("(PgUp PgDn scroll)"))
        let tall = render(state, width: 140, height: 72, clock: utcClock).text
        #expect(!tall.contains("(PgUp PgDn scroll)"))
        for (syntax, _) in ColonCommand.usage { #expect(tall.contains(syntax)) }
    }

    @Test func tooSmallAsksForMore() {
        let screen = render(sampleState(), width: 20, height: 6, clock: utcClock)
        #expect(screen.text.contains("Make me bigger"))
        #expect(screen.text.contains("this is 20x6"))
        #expect(render(ConsoleState(), width: 1, height: 1).width == 1)
        #expect(render(ConsoleState(), width: 0, height: 0).text == "")
    }

    @Test func statusIsReadableWithoutColour() {
        let screen = render(sampleState(), width: 120, height: 40, clock: utcClock)
        let status = screen.line(at: 0)
        #expect(status.contains("TCP :12000  ON "))
        #expect(status.contains("UDP :12000  ON "))
        #expect(status.contains("client: UDP -> 127.0.0.1:12001 (unconnected)"))
        let off = render(ConsoleState(), width: 80, height: 24).line(at: 0)
        #expect(off.contains("TCP:12000  OFF  UDP:12000  OFF  HTTP:8080  OFF"), "\(off)")
        // Colour roles: ON and OFF are different roles, so themes can tell them apart too.
        let roles = screen.roles(at: 0)
        let on = status.range(of: " ON ")!.lowerBound.utf16Offset(in: status)
        #expect(roles[on + 1] == .statusOn)
    }

    @Test func keyBarComesFromTheBindings() {
        let bar = render(ConsoleState(), width: 120, height: 40).line(at: 39)
        for binding in KeyBinding.all where binding.onKeyBar {
            #expect(bar.contains("\(binding.keyBarKey) \(binding.label)"))
        }
        #expect(bar.contains("F4 HTTP"), "the HTTP server's key")
    }

    @Test func hexPaneShowsTheSelectedPacketInTsharkLayout() {
        var state = sampleState()
        state.apply([.key(.tab), .key(.tab), .key(.up), .key(.up)])
        let screen = render(state, width: 120, height: 40, clock: utcClock)
        let shown = state.timeline.shownRow!
        for line in HexDump.lines(shown.bytes) {
            #expect(screen.text.contains(line))
        }
        #expect(screen.text.contains("[selected]"))
    }

    @Test func inputCursorAndWideCharacters() {
        var state = ConsoleState()
        state.type("日本語")
        let screen = render(state, width: 80, height: 24)
        let cursor = try! #require(screen.cursor)
        #expect(screen.line(at: cursor.row).contains("TCP> 日本語"))
        #expect(cursor.column == 1 + CharacterWidth.of("TCP> ") + 6)
    }

    @Test func wideCharacterNeverStraddlesTheEdge() {
        var screen = Screen(width: 5, height: 1)
        let used = screen.put("ab日本", row: 0, column: 0, role: .normal)
        #expect(used == 4)
        #expect(screen.line(at: 0) == "ab日 ")
    }

    // MARK: Presenter mode

    @Test(arguments: [(80, 24), (120, 40), (60, 16)])
    func presenterSnapshot(width: Int, height: Int) throws {
        var state = sampleState()
        state.apply([.key(.function(7))], at: 8)
        let screen = render(state, width: width, height: height, clock: utcClock)
        try assertSnapshot(screen, named: "presenter-\(width)x\(height)")
        // The latest outcome (UDP silence) is the banner, twice the size on a projector's 40
        // rows; the status words stay visible.
        #expect(screen.text.contains(BlockFont.rows("NO REPLY", scale: height >= 32 ? 2 : 1)[0]))
        if height >= 32 { #expect(!screen.text.contains(BlockFont.rows("NO REPLY")[0])) }
        #expect(screen.line(at: 0).contains("TCP :12000  ON "))
        #expect(screen.line(at: 0).contains("UDP :12000  ON "))
        #expect(screen.line(at: height - 1).hasPrefix("F1"))
        #expect(screen.line(at: height - 1).contains("Quit"))
    }

    /// Presenter mode at 80x24, one snapshot per outcome the lab produces.
    @Test(arguments: ["refused", "no-reply", "hello", "404", "waiting"])
    func presenterOutcomeSnapshots(outcome: String) throws {
        var state = ConsoleState(presenter: true)
        state.apply([.event(event(.tcp, .server, .listening(server))), .event(event(.udp, .server, .listening(server)))])
        let result: (LabEvent.Engine, Result<[UInt8], ClientFailure>)? =
            switch outcome {
            case "refused": (.tcp, .failure(.socket(.errno(.connect, 111, endpoint: localServer))))
            case "no-reply": (.udp, .failure(.timedOut(engine: .udp, peer: localServer, seconds: 2)))
            case "hello": (.tcp, .success(Array("HELLO\n".utf8)))
            case "404": (.http, .success(Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)))
            default: nil
            }
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        if let (engine, result) = result { state.apply([.reply(engine: engine, result: result)], at: 2) }
        try assertSnapshot(render(state, width: 80, height: 24, clock: utcClock), named: "presenter-\(outcome)-80x24")
    }

    /// Issue 22: WAITING and NO REPLY share a colour (both are silence so far); WAITING is drawn
    /// hollow and says how long it waits, so the two differ on a monochrome projector too.
    @Test func waitingLooksUnlikeNoReply() {
        var state = ConsoleState(presenter: true)
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        let waiting = render(state, width: 80, height: 24, clock: utcClock).text
        #expect(waiting.contains(BlockFont.rows("WAITING", fill: BlockFont.pending)[0]))
        #expect(!waiting.contains(String(BlockFont.block)))
        #expect(waiting.contains("TCP -> 127.0.0.1:12000: waiting for the reply (at most 5 s)"))
        state.apply([.reply(engine: .tcp, result: .failure(.timedOut(engine: .tcp, peer: localServer, seconds: 5)))], at: 6)
        let silent = render(state, width: 80, height: 24, clock: utcClock).text
        #expect(silent.contains(BlockFont.rows("NO REPLY")[0]) && !silent.contains(String(BlockFont.pending)))
    }

    /// The normal layout at 80x24 with a long target and connected UDP: the status bar keeps
    /// every server, the full target and the mode.
    @Test func longTargetAndConnectedUDPAt80x24() throws {
        var state = ConsoleState()
        state.apply([
            .event(event(.tcp, .server, .listening(server))), .event(event(.udp, .server, .listening(server))),
            .wire(.on(interface: "lo")),
        ])
        state.type(":proto udp")
        state.apply([.key(.enter)])
        state.type(":target 192.168.100.200 12001")
        state.apply([.key(.enter), .key(.function(8))])
        let screen = render(state, width: 80, height: 24, clock: utcClock)
        try assertSnapshot(screen, named: "long-target-connected-80x24")
        #expect(screen.line(at: 0).contains("UDP->192.168.100.200:12001 (conn.)"))
        #expect(screen.line(at: 0).contains("WIRE  on"))
        #expect(screen.line(at: 0).hasPrefix("TCP  ON  UDP  ON  HTTP  OFF  WIRE  on  "), "every state stays; the server ports go first")
    }

    @Test func presenterBannersForTheLabsOutcomes() {
        let cases: [(Result<[UInt8], ClientFailure>, LabEvent.Engine, String, StyleRole)] = [
            (.failure(.socket(.errno(.connect, 111, endpoint: localServer))), .tcp, "REFUSED", .bannerFailure),
            (.failure(.timedOut(engine: .udp, peer: localServer, seconds: 2)), .udp, "NO REPLY", .bannerSilent),
            (.success(Array("HELLO\n".utf8)), .tcp, "HELLO", .bannerSuccess),
            (.success(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)), .http, "200 OK", .bannerSuccess),
            (.success(Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)), .http, "404 NOT FOUND", .bannerFailure),
        ]
        for (result, engine, banner, role) in cases {
            var state = ConsoleState(presenter: true)
            state.apply([.reply(engine: engine, result: result)])
            let screen = render(state, width: 120, height: 30, clock: utcClock)
            let rows = BlockFont.rows(banner)
            let text = screen.text
            #expect(rows.allSatisfy { text.contains($0) }, "\(banner)")
            let bannerRow = (0..<screen.height).first { screen.line(at: $0).contains(rows[0]) }!
            let column = screen.line(at: bannerRow).firstIndex(of: "█")!.utf16Offset(in: screen.line(at: bannerRow))
            #expect(screen[bannerRow, column].role == role, "\(banner)")
        }
        // Narrow: "404 NOT FOUND" does not fit in 60 columns, "404" does.
        var state = ConsoleState(presenter: true)
        state.apply([.reply(engine: .http, result: cases[4].0)])
        let narrow = render(state, width: 60, height: 16, clock: utcClock).text
        #expect(narrow.contains(BlockFont.rows("404")[0]) && !narrow.contains(BlockFont.rows("404 NOT")[0]))
    }

    @Test func blockFontFitsAndCutsVisibly() {
        #expect(BlockFont.width("HELLO") == 5 * 5 + 4)
        #expect(BlockFont.width("") == 0)
        let rows = BlockFont.rows("Hi!")
        #expect(rows.count == 5 && Set(rows.map(\.count)).count == 1)
        #expect(BlockFont.rows("hi") == BlockFont.rows("HI"), "lower case is drawn in capitals")
        #expect(BlockFont.rows("~") == BlockFont.rows("?"), "unknown characters show as ?")
        #expect(BlockFont.fit(["404 NOT FOUND", "404"], width: 30) == "404")
        let cut = BlockFont.fit(["HELLO THERE, EVERYBODY"], width: 40)
        #expect(cut.hasSuffix("..") && BlockFont.width(cut) <= 40 && cut.hasPrefix("HELLO"))
        #expect(BlockFont.fit(["WIDE"], width: 1) == "")
    }

    // MARK: Themes

    /// Every shipped theme on the same screen: each run of cells with its resolved style.
    @Test(arguments: Theme.builtIn.map(\.name))
    func themedSnapshot(name: String) throws {
        let theme = try #require(Theme.named(name))
        let screen = render(sampleState(), width: 80, height: 24, clock: utcClock)
        let url = Self.snapshots.appendingPathComponent("theme-\(name)-80x24.txt")
        let text = screen.styledText(theme) + "\n"
        if ProcessInfo.processInfo.environment["NETLAB_RECORD_SNAPSHOTS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)), "snapshot theme-\(name) differs")
    }
}
