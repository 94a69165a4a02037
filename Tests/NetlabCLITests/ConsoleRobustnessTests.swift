import Foundation
import Testing

/// A TCP server that answers every connection with `size` bytes of "A" (the lab's client
/// sends first, so it reads once before answering), announcing `port N`.
private let bigReplyServer = """
    import socket, sys
    size = int(sys.argv[1])
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
    print("port", s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        c.recv(1024)
        c.sendall(b"A" * size)
        c.close()
    """

/// Issue 10 in a real terminal: keys and signals that used to take the console down.
@Suite(.serialized) struct ConsoleRobustnessTests {
    func console(_ extra: [String] = [], width: Int = 80, height: Int = 24) throws -> (TmuxSession, UInt16) {
        try TmuxSession.console(extra, width: width, height: height)
    }

    /// Ctrl-\ (SIGQUIT) quits like Ctrl-C: no crash report over the screen, terminal restored.
    @Test func ctrlBackslashQuitsCleanly() throws {
        let (session, _) = try console()
        try session.send("C-\\")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
        #expect(!session.screen.contains("Fatal"))
        #expect(!session.screen.contains("Crash"))
    }

    /// A crash (SIGSEGV, SIGABRT) gives the terminal back before the process dies: the
    /// handler is C and async-signal-safe (it restores the saved tty settings and writes the
    /// reset sequences), then the crash goes on to the handler that was there before.
    @Test(arguments: ["SEGV", "ABRT"])
    func aCrashGivesTheTerminalBack(signal: String) throws {
        let port = try freePort()
        // Not interactive: on a terminal Swift's backtracer would wait for a key.
        let session = try TmuxSession(
            command: [
                "/usr/bin/env", "SWIFT_BACKTRACE=interactive=no", netlabBinary.path, "--host", "127.0.0.1",
                "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())", "--servers", "tcp",
            ],
            width: 80, height: 24)
        try session.waitForServer("TCP", port: port, "ON")
        let found = try run("/usr/bin/pgrep", ["-n", "-f", "netlab --host 127.0.0.1 --tcp-port \(port) "])
        let pid = found.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!pid.isEmpty, "the console's process")
        _ = try run("/bin/kill", ["-\(signal)", pid])
        // Swift's backtracer (the handler before ours) reports on the normal screen, then the
        // process dies of the signal (the shell's status is 128 + its number).
        #expect(try session.exitStatus() == 128 + (signal == "SEGV" ? SIGSEGV : SIGABRT))
        #expect(session.terminalFlags == "0 1 0", "normal screen, cursor shown, keypad mode off")
        #expect(session.sttyRestored)
    }

    /// A terminal that cannot move the cursor is refused with the fix, not drawn scrambled.
    @Test func dumbTerminalIsRefused() throws {
        let session = try TmuxSession(command: ["/usr/bin/env", "TERM=dumb", netlabBinary.path], width: 200, height: 10)
        #expect(try session.exitStatus() == 1)
        try session.waitFor("netlab: the terminal type \"dumb\" cannot move the cursor, so the console cannot draw on it; try TERM=xterm-256color")
        // Echo and line mode back as they were (newterm had turned them off: issue 23).
        #expect(session.sttyRestored)
    }

    /// `--log` on a full disk says so once on screen, and how many events it lost at quit.
    @Test func aLogOnAFullDiskSaysSo() throws {
        let (session, _) = try console(["--log", "/dev/full"], width: 200, height: 30)
        try session.typeLine("hello")
        // (The rest of the sentence wraps in the client pane.)
        try session.waitFor("--log /dev/full: cannot write: No space left on device (ENOSPC); events from here on are not logged")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
        let screen = try session.waitFor("events were not logged: No space left on device (ENOSPC)")
        #expect(screen.contains("netlab: --log /dev/full: "))
        #expect(session.sttyRestored)
    }

    /// A combining mark in a reply reaches the terminal with its letter (it used to vanish),
    /// and a right-to-left override is shown as an escape instead of reordering the line.
    @Test func combiningMarksAndBidiOverrides() throws {
        let (session, _) = try console()
        try session.send("-l", "cafe\u{301} ab\u{202E}cd")
        try session.send("Enter")
        try session.waitFor("TCP <- CAFE\u{301} AB\\u{202e}CD")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// After a 10 MB reply, keys still show at once, in both layouts, and Ctrl-C still quits.
    @Test func keysStayQuickAfterAHugeReply() throws {
        let big = try Background(python3, ["-c", bigReplyServer, String(10 * 1024 * 1024)])
        let bigPort = try big.port()
        let (session, _) = try console()
        try session.typeLine(":port \(bigPort)")
        try session.typeLine("hello")
        try session.waitFor("TCP <- 10485760 bytes, the first 160:", within: 30)
        // Each key is waited for (10 s at most): before the fix each took 3.6-8.4 s.
        for word in ["abc", "defgh"] {
            try session.send("-l", word)
            try session.waitFor("TCP> " + (word == "abc" ? "abc" : "abcdefgh"))
        }
        try session.send("F7")
        // The presenter layout's banner box is titled with the client and its target.
        try session.waitFor("presenter") { $0.contains("┌ TCP client -> 127.0.0.1:\(bigPort)") }
        try session.send("-l", "ij")
        try session.waitFor("TCP> abcdefghij")
        try session.send("C-c")
        #expect(try session.exitStatus() == 0)
        #expect(session.sttyRestored)
    }
}
