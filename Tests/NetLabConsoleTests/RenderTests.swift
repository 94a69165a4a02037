import Foundation
import Testing
import NetLabConsole
import NetLabCore

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
        let screen = render(sampleState(), width: width, height: height, clock: utcClock)
        try assertSnapshot(screen, named: "console-\(width)x\(height)")
    }

    @Test func helpOverlaySnapshot() throws {
        var state = sampleState()
        state.apply([.key(.function(1))])
        try assertSnapshot(render(state, width: 100, height: 30, clock: utcClock), named: "help-100x30")
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
        #expect(off.contains("TCP :12000  OFF "))
        // Colour roles: ON and OFF are different roles, so themes can tell them apart too.
        let roles = screen.roles(at: 0)
        let on = status.range(of: " ON ")!.lowerBound.utf16Offset(in: status)
        #expect(roles[on + 1] == .statusOn)
    }

    @Test func keyBarComesFromTheBindings() {
        let bar = render(ConsoleState(), width: 120, height: 40).line(at: 39)
        for binding in KeyBinding.available(for: [.tcp, .udp]) where binding.onKeyBar {
            #expect(bar.contains("\(binding.key.label) \(binding.label)"))
        }
        #expect(!bar.contains("F4"), "no HTTP server, no F4")
    }

    @Test func hexPaneShowsTheSelectedPacketInTsharkLayout() {
        var state = sampleState()
        state.apply([.key(.tab), .key(.tab), .key(.up), .key(.up)])
        let screen = render(state, width: 120, height: 40, clock: utcClock)
        let shown = state.shownPacket!
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

    @Test func everyRoleHasAStyleInTheShippedThemes() {
        for theme in Theme.builtIn {
            for role in StyleRole.allCases {
                _ = theme.style(role)
            }
        }
        #expect(Theme.monochrome.isMonochrome)
        #expect(!Theme.standard.isMonochrome)
    }
}
