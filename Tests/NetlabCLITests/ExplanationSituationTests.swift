import Foundation
import Glibc
import Testing

/// A TCP port below Linux's ephemeral range (32768 up) that nothing uses now.
func portBelowEphemeralRange() throws -> UInt16 { try freePort() }

/// Each explanation next to the situation that produces it, through the binary. The wording
/// was checked against tcpdump captures of the same situations (see the comments in
/// SocketErrorExplanation and ClientFailure).
@Suite(.serialized) struct ExplanationSituationTests {
    /// The lab's TCPServer.py holds the port: netlab names it, pid and command line.
    @Test func portHeldByTheLabsServerIsNamed() throws {
        let lab = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try lab.port()
        let result = try netlab("tcp-server", "--host", "127.0.0.1", "--port", String(port))
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "port \(port) on 127.0.0.1 is already taken by python3 -u TCPServer.py 0 (pid \(lab.process.processIdentifier)); stop it, or pick another port with --port"
            ),
            "\(result.stderr)")
    }

    /// The lab's server reads 1024 bytes and closes: its kernel resets the connection, and the
    /// reply is lost with it.
    @Test func serverClosingWithUnreadDataIsAReset() throws {
        let lab = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try lab.port()
        let result = try run(
            netlabBinary.path, ["tcp-client", "--port", String(port)],
            stdin: [UInt8](repeating: 0x61, count: 2000) + [0x0A])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "Connection reset by peer (ECONNRESET, errno 104): 127.0.0.1:\(port) reset the connection (RST): "
                    + "most often the program there closed its socket with part of the message unread (the lab's TCPServer.py reads only 1024 bytes)"),
            "\(result.stderr)")
    }

    /// A server that reads and closes without a byte of reply (on the wire: data in, then the
    /// server's FIN): an error with that text, never an empty line and exit 0.
    @Test func serverClosingWithoutAReply() throws {
        let script = """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
            print("port", s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.recv(1024); c.close()
            """
        let silent = try Background(python3, ["-c", script])
        let port = try silent.port()
        let result = try netlab("tcp-client", "--port", String(port), "hello")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "netlab: 127.0.0.1:\(port) closed the connection without sending anything back\n")
    }

    /// A listener whose backlog is full drops the SYN: connect() never completes, and the
    /// timeout says so instead of blaming a server that never got the connection.
    @Test func connectThatNeverCompletes() throws {
        let script = """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
            port = s.getsockname()[1]
            held = []
            for _ in range(4):
                c = socket.socket(); c.setblocking(False)
                try: c.connect(("127.0.0.1", port))
                except BlockingIOError: pass
                held.append(c)
            print("port", port, flush=True)
            time.sleep(30)
            """
        let full = try Background(python3, ["-c", script])
        let port = try full.port()
        let result = try netlab("tcp-client", "--port", String(port), "--timeout", "1", "hello")
        #expect(result.status == 75)
        #expect(
            result.stderr == "netlab: No answer from 127.0.0.1:\(port) within 1 s: the connection request (SYN) got no SYN/ACK; "
                + "the host may be down, a firewall may drop the packets, or the server's backlog is full (a closed port would have refused at once)\n"
        )
    }

    /// The lab's server closes first, so TIME_WAIT stays on its port and a restart fails:
    /// netlab says why, and a refused client says what is in the way.
    @Test func timeWaitLeftByTheLabsServer() throws {
        // Below the ephemeral range: no other test's client connection can be bound to it.
        let lab = try Background(python3, ["-u", fixture("TCPServer.py"), String(try portBelowEphemeralRange())])
        let port = try lab.port()
        // A client that waits for the server's FIN before closing (as the lab's client nearly
        // always does in practice): the server closes first, so TIME_WAIT lands on its port.
        let client = try run(
            python3,
            [
                "-c",
                """
                import socket, sys
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                s.sendall(b"hello")
                reply = b""
                while True:
                    chunk = s.recv(1024)
                    if not chunk: break
                    reply += chunk
                print(reply.decode()); s.close()
                """, String(port),
            ])
        #expect(client.out.contains("HELLO"))
        kill(lab.process.processIdentifier, SIGKILL)
        lab.process.waitUntilExit()
        let restart = try netlab("tcp-server", "--host", "127.0.0.1", "--port", String(port))
        #expect(restart.status == 1)
        #expect(
            restart.stderr.contains(
                "port \(port) on 127.0.0.1 is held by no program, but 1 connection on it is in TIME_WAIT, "
                    + "left by a server that closed first without SO_REUSEADDR (as the lab's TCPServer.py does): the port is free again within 60 s; "
                    + "wait a minute, or pick another port with --port"), "\(restart.stderr)")
        let refused = try netlab("tcp-client", "--port", String(port), "hello")
        #expect(refused.status == 69)
        #expect(
            refused.stderr.contains(
                "nothing is listening on 127.0.0.1:\(port); 1 connection on it is in TIME_WAIT, so a server that "
                    + "does not set SO_REUSEADDR (the lab's TCPServer.py) cannot bind port \(port) again for up to 60 s"), "\(refused.stderr)")
    }

    /// A student's own server on the lab port when the console starts: the console leaves the
    /// port to it and its client talks to it.
    @Test func consoleNextToTheStudentsServer() throws {
        let lab = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try lab.port()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(try freePort())",
                "--http-port", "\(try freePort())",
            ],
            width: 200, height: 40)
        try session.waitForServer("TCP", port: port, "OFF")
        try session.waitFor(
            "TCP port \(port) is taken by python3 -u TCPServer.py 0 (pid \(lab.process.processIdentifier)): "
                + "netlab's TCP server stays OFF")
        try session.waitFor("client talks to that server; F2 tries again")
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}
