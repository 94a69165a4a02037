import Foundation
import Testing

/// The real console binary in a real (tmux) terminal, read back as a person sees it.
@Suite(.serialized) struct ConsoleEndToEndTests {
    @Test func classroomDemo() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())", "--servers", "none"],
            width: 100, height: 30)
        try session.waitFor("TCP :\(port)  OFF")
        try session.waitFor("UDP :\(port)  OFF")

        // Question 1: TCP with its server OFF is refused; F2 turns it on and the same line works.
        try session.typeLine("hello")
        try session.waitFor("Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:\(port)")
        try session.send("F2")
        try session.waitFor("TCP :\(port)  ON")
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")

        // Question 2: UDP with its server OFF gets no reply; F3 turns it on.
        try session.send("F5")
        try session.waitFor("client: UDP -> 127.0.0.1:\(port)")
        try session.typeLine(":timeout 0.5")
        try session.typeLine("hi")
        try session.waitFor("No reply within 0.5 s: UDP does not tell the sender that nobody is listening")
        try session.send("F3")
        try session.waitFor("UDP :\(port)  ON")
        try session.typeLine("hi there")
        try session.waitFor("UDP <- HI THERE")

        // Question 3: a wrong port: UDP silent, TCP refused.
        let wrong = port == 65535 ? port - 1 : port + 1
        try session.typeLine(":port \(wrong)")
        try session.typeLine("lost")
        try session.waitFor("silence on the wrong port") { screen in
            guard let sent = screen.range(of: "UDP -> 127.0.0.1:\(wrong) lost") else { return false }
            return screen[sent.upperBound...].contains("No reply within 0.5 s")
        }
        try session.send("F5")
        try session.typeLine("lost")
        try session.waitFor("nothing is listening on 127.0.0.1:\(wrong)")

        // The hex pane shows the bytes of the newest message, tshark -x style.
        try session.waitFor("6c 6f 73 74")

        // Too small, then back.
        try session.resize(width: 20, height: 6)
        try session.waitFor("Make me bigger")
        try session.resize(width: 100, height: 30)
        try session.waitFor("TCP :\(port)  ON")

        try session.send("F10")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    @Test func ctrlCRestoresTheTerminal() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [netlabBinary.path, "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())"], width: 80, height: 24)
        try session.waitFor("TCP :\(port)  ON")
        try session.send("C-c")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    @Test func quitCommandAndUnknownCommandHint() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [netlabBinary.path, "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())", "--servers", "tcp"], width: 80, height: 24)
        try session.waitFor("UDP :\(port)  OFF")
        try session.typeLine(":frobnicate")
        try session.waitFor("unknown command :frobnicate; try :help for the list")
        try session.typeLine(":quit")
        #expect(try session.exitStatus() == 0)
        #expect(session.terminalFlags == "0 1 0")
        #expect(session.sttyRestored)
    }

    @Test func portInUseShowsInTheLogNotACrash() throws {
        let holder = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try holder.port()
        defer { _ = holder.interrupt() }
        let session = try TmuxSession(
            command: [netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)", "--http-port", "\(try freePort())"], width: 120, height: 30)
        try session.waitFor("TCP :\(port)  FAILED")
        try session.waitFor("EADDRINUSE")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}
