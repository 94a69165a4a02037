import Foundation
import NetLabConsole
import Testing

@testable import NetLabTerminal

extension PseudoTerminal {
    /// What the console wrote, read until `done` says it is all there or 5 s pass.
    func read(until done: (String) -> Bool) -> String {
        _ = fcntl(main, F_SETFL, fcntl(main, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            var fds = pollfd(fd: main, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 100) >= 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = Foundation.read(main, &buffer, buffer.count)
            if count > 0 { bytes += buffer[..<count] }
            if done(String(decoding: bytes, as: UTF8.self)) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes as a terminal sends them when keys are pressed.
    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(main, $0.baseAddress, $0.count) }
    }
}

/// The curses backend on a pseudo-terminal of the test's own: what it writes is what a terminal
/// would be sent, and the keys a terminal sends come back as netlab's keys.
@Suite(.serialized) @MainActor struct TerminalTests {
    static var theme: Theme { ThemeCatalog(userFolder: nil).themes[0] }

    @Test func drawsTheScreenAndGivesTheTerminalBack() throws {
        let tty = try PseudoTerminal()
        let terminal = Terminal(theme: Self.theme, mouse: false, device: .descriptor(tty.side, type: "xterm-256color"))
        try terminal.start()
        #expect(terminal.size() == (80, 24), "a terminal that reports no size gets its type's 80x24")
        tty.setSize(width: 120, height: 40)
        #expect(terminal.size() == (120, 40), "the size the terminal reports, once it reports one")
        var screen = Screen(width: 80, height: 24)
        screen.put("netlab on a pseudo-terminal", row: 3, column: 10, role: .title)
        terminal.draw(screen)
        let drawn = tty.read { $0.contains("pseudo-terminal") }
        #expect(drawn.contains("\u{1B}[?1049h"), "the console draws on the alternate screen")
        #expect(drawn.contains("netlab on a pseudo-terminal"))
        #expect(drawn.contains("\u{1B}[4;11H"), "the text starts at row 4, column 11 (1-based)")

        // A cell that changed is all that is sent the next time.
        screen.put("X", row: 3, column: 10, role: .title)
        terminal.draw(screen)
        let change = tty.read { $0.contains("X") }
        #expect(change.contains("X") && !change.contains("pseudo-terminal"), "only the changed cell: \(change.debugDescription)")

        terminal.stop()
        let end = tty.read { $0.contains("\u{1B}[?1049l") }
        #expect(end.contains("\u{1B}[?1049l"), "stop leaves the alternate screen: \(end.debugDescription)")
        #expect(!terminal.isActive)
    }

    @Test func keysFromTheTerminalBecomeNetlabKeys() throws {
        let tty = try PseudoTerminal()
        let terminal = Terminal(theme: Self.theme, mouse: false, device: .descriptor(tty.side, type: "xterm-256color"))
        try terminal.start()
        defer { terminal.stop() }
        _ = tty.read { $0.contains("\u{1B}[?1049h") }
        // F2 as xterm sends it, a letter, Ctrl-Q (no flow control: it is a key), Enter.
        tty.type("\u{1B}OQa\u{11}\r")
        var keys: [Key] = []
        let deadline = Date().addingTimeInterval(5)
        while keys.count < 4, Date() < deadline {
            keys += terminal.readKeys()
            if keys.count < 4 { usleep(5_000) }
        }
        #expect(keys == [.function(2), .character("a"), .control("q"), .enter])
    }

    @Test func aTerminalThatCannotMoveTheCursorIsRefusedAndLeftAsFound() throws {
        let tty = try PseudoTerminal()
        var before = termios()
        tcgetattr(tty.side, &before)
        let terminal = Terminal(theme: Self.theme, mouse: false, device: .descriptor(tty.side, type: "dumb"))
        #expect(throws: Terminal.StartError.self) { try terminal.start() }
        var after = termios()
        tcgetattr(tty.side, &after)
        #expect(before.c_lflag == after.c_lflag && before.c_iflag == after.c_iflag, "echo and line mode as they were")
        #expect(!terminal.isActive)
    }

    @Test func notATerminalIsSaidPlainly() {
        var pipeFDs: [Int32] = [0, 0]
        pipe(&pipeFDs)
        defer {
            close(pipeFDs[0])
            close(pipeFDs[1])
        }
        let terminal = Terminal(theme: Self.theme, device: .descriptor(pipeFDs[1], type: "xterm"))
        #expect {
            try terminal.start()
        } throws: { error in
            "\(error)" == "the console needs a terminal on stdin and stdout; for scripts use the subcommands (netlab --help)"
        }
    }
}
