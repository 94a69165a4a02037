import Foundation
import Glibc
import Testing

/// `netlab run`: the student's own program traced, each socket call a row. Checked against
/// strace on the same programs (same calls, same results).
@Suite(.serialized) struct RunCommandTests {
    /// The rows of a run's stderr without their clock: `[pid N] call(...) = result`.
    static func rows(_ text: String) -> [(pid: Int32, call: String)] {
        text.split(separator: "\n").compactMap { line in
            guard let match = line.wholeMatch(of: /\d\d:\d\d:\d\d\.\d{6} \[pid (\d+)\] (.*)/), let pid = Int32(match.1) else { return nil }
            return (pid, String(match.2))
        }
    }

    static func calls(_ text: String) -> [String] { rows(text).map(\.call) }

    /// `socket`, `connect`, ... and their results, from strace's `-o` file, from the program's
    /// first socket() on (before it, fd 3 is the files Python reads as it starts).
    static func strace(_ file: String) throws -> [String] {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        // Local sockets (a wrapper's name lookups: AF_UNIX) and their calls are left out, as
        // netlab run leaves them out: "pid:fd" while open.
        var local: Set<String> = []
        let calls = lines.compactMap { line -> String? in
            guard let match = line.wholeMatch(of: /(\d+)\s+(\w+)\((.*)\)\s+= (-?\d+).*/) else { return nil }
            let fd = match.2 == "socket" ? String(match.4) : String(match.3.prefix { $0 != "," })
            let key = "\(match.1):\(fd)"
            if match.2 == "socket", !(match.3.hasPrefix("AF_INET,") || match.3.hasPrefix("AF_INET6,")) {
                local.insert(key)
                return nil
            }
            if local.contains(key) {
                if match.2 == "close" { local.remove(key) }
                return nil
            }
            return "\(match.2) = \(match.4)"
        }
        guard let first = calls.firstIndex(where: { $0.hasPrefix("socket = ") }) else { return [] }
        return Array(calls[first...])
    }

    @Test func theLabsClientCallByCallAsStraceSeesIt() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let traced = try netlab("run", "--", python3, fixture("TCPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(traced.out == "Input lowercase sentence:From Server: HELLO\n", "the program keeps its stdin and stdout")
        let calls = Self.calls(traced.stderr)
        #expect(
            calls == [
                "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3",
                "connect(3, 127.0.0.1:\(port)) = 0",
                "sendto(3, \"hello\", 5) = 5",
                "recvfrom(3, 1024) = 5 \"HELLO\"",
                "close(3) = 0",
            ], "\(traced.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let straced = try run(
            "/usr/bin/strace",
            [
                "-f", "-e", "trace=socket,connect,sendto,recvfrom,close", "-o", file, python3,
                fixture("TCPClient.py"), "127.0.0.1", String(port),
            ], stdin: Array("hello\n".utf8))
        #expect(straced.status == 0)
        #expect(try Self.strace(file) == calls.map { $0.prefix { $0 != "(" } + " = " + ($0.split(separator: " = ")[1].split(separator: " ")[0]) })
    }

    /// Question 1 with the student's own client: the refusal, errno by name, and netlab's words.
    @Test func aRefusedConnectIsExplained() throws {
        let port = try freePort()
        let traced = try netlab("run", "--", python3, fixture("TCPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(traced.status == 1, "Python's traceback exit")
        let lines = traced.stderr.split(separator: "\n").map(String.init)
        let refused = try #require(
            lines.firstIndex { $0.hasSuffix("connect(3, 127.0.0.1:\(port)) = -1 ECONNREFUSED (Connection refused)") },
            "\(traced.stderr)")
        #expect(
            lines[refused + 1] == "    nothing is listening on 127.0.0.1:\(port); start the server first, or check the address and port "
                + "the program connects to")
        #expect(traced.stderr.contains("ConnectionRefusedError"), "the program's own stderr is untouched")
        if geteuid() == 0 {
            // The capture's evidence, after the call: its SYN, and the RST that answered it.
            let syn = lines.firstIndex { $0.contains("> 127.0.0.1:\(port) SYN seq 0") }
            let rst = lines.firstIndex { $0.contains("127.0.0.1:\(port) > ") && $0.contains(" RST/ACK ") }
            #expect(syn.map { $0 > refused } == true && rst.map { $0 > syn! } == true, "\(traced.stderr)")
            #expect(
                rst.map { lines[$0 + 1] } == "    nothing listens on TCP 127.0.0.1:\(port): the kernel answered the SYN with RST, "
                    + "so connect() fails with ECONNREFUSED")
        }
    }

    /// The lab's server and a 2,000-byte message: its one recv(1024) takes half, the rest is
    /// left unread when it closes. Then the server is killed: the run ends with its status.
    @Test func theLabsServerReadsHalfOfALongMessage() throws {
        let server = try Background.netlab("run", "--", python3, "-u", fixture("TCPServer.py"), "0")
        let port = try server.port()
        let client = try run(
            python3,
            [
                "-c",
                """
                import socket, sys
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                s.sendall(b"a" * 2000)
                try:
                    while s.recv(4096): pass
                except ConnectionResetError:
                    pass
                """, String(port),
            ])
        #expect(client.status == 0)
        _ = try server.line(containing: "close(4) = 0", orContaining: "close(4) = 0")
        let rows = Self.rows(server.text)
        let calls = rows.map(\.call)
        #expect(calls.contains { $0.hasPrefix("bind(3, 127.0.0.1:0) = 0") })
        #expect(calls.contains("listen(3, 1) = 0"))
        #expect(calls.contains { $0.hasPrefix("accept4(3) = 4 from 127.0.0.1:") }, "\(calls)")
        // The one recv(1024) and what it left; the close() that leaves it sends a reset.
        #expect(
            calls.contains("recvfrom(4, 1024) = 1024 \"\(String(repeating: "a", count: 64))\"... (976 more bytes wait unread in the socket)"),
            "\(calls)")
        let lines = server.text.split(separator: "\n").map(String.init)
        let close = try #require(lines.firstIndex { $0.hasSuffix("] close(4) = 0") })
        #expect(
            lines[close + 1] == "    976 bytes were still unread: closing now sends a reset (RST), not a FIN, and the other side's "
                + "next recv() fails with ECONNRESET")
        if geteuid() == 0 {
            // The capture agrees: the server's RST, after its close() (and no FIN from it).
            _ = try server.line(containing: "RST/ACK", orContaining: "RST/ACK")
            let rst = server.text.split(separator: "\n").map(String.init).firstIndex {
                $0.contains("127.0.0.1:\(port) > ") && $0.contains(" RST/ACK ")
            }
            #expect(rst.map { $0 > close } == true, "\(server.text)")
            #expect(
                !server.text.split(separator: "\n").contains { $0.contains("127.0.0.1:\(port) > ") && $0.contains(" FIN") },
                "a reset instead of a FIN: \(server.text)")
            // Which captured segment the recv(1024) took its bytes from, and what it left.
            let all = server.text.split(separator: "\n").map(String.init)
            let receive = try #require(all.firstIndex { $0.contains("] recvfrom(4, 1024) = 1024") })
            let segment = try #require(all.first { $0.contains("> 127.0.0.1:\(port) PSH/ACK 2000 B") }?.prefix(15))
            #expect(all[receive + 1] == "    from the 2000 B segment at \(segment) (its bytes 1-1024; 976 left)", "\(server.text)")
        }
        #expect(calls.contains { $0.hasPrefix("sendto(4, \"AAAA") && $0.hasSuffix(", 1024) = 1024") }, "\(calls)")
        let pid = try #require(rows.first?.pid)
        kill(pid, SIGTERM)
        #expect(server.waitForExit() == 128 + SIGTERM)
        #expect(server.text.contains("was killed by Terminated (signal 15)"))
    }

    /// A thread and a forked child: each call names the process or thread that made it.
    @Test func forksAndThreadsAreFollowed() throws {
        let port = try freePort()
        let traced = try netlab(
            "run", "--", python3, "-c",
            """
            import os, socket, sys, threading
            port = int(sys.argv[1])
            def send(text):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(text, ("127.0.0.1", port)); s.close()
            send(b"main")
            t = threading.Thread(target=send, args=(b"thread",)); t.start(); t.join()
            pid = os.fork()
            if pid == 0:
                send(b"child"); os._exit(3)
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """, String(port))
        #expect(traced.status == 3, "the program's own status: \(traced.stderr)")
        let sent = Self.rows(traced.stderr).filter { $0.call.hasPrefix("sendto(") }
        #expect(
            sent.map(\.call) == ["main", "thread", "child"].map { "sendto(3, \"\($0)\", \($0.count), 127.0.0.1:\(port)) = \($0.count)" },
            "\(traced.stderr)")
        #expect(Set(sent.map(\.pid)).count == 3, "three processes or threads: \(sent.map(\.pid))")
    }

    /// The lab's server started twice: the second bind() names who holds the port.
    @Test func aPortInUseNamesItsHolder() throws {
        let first = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try first.port()
        let second = try netlab("run", "--", python3, fixture("TCPServer.py"), String(port))
        #expect(second.status == 1)
        let lines = second.stderr.split(separator: "\n").map(String.init)
        let bind = try #require(
            lines.firstIndex { $0.hasSuffix("bind(3, 127.0.0.1:\(port)) = -1 EADDRINUSE (Address already in use)") },
            "\(second.stderr)")
        #expect(
            lines[bind + 1] == "    port \(port) on 127.0.0.1 is already taken by python3 -u TCPServer.py 0 "
                + "(pid \(first.process.processIdentifier)); stop it, or bind another port (e.g. \(port == 65535 ? port - 1 : port + 1))")
    }

    /// sendmsg and recvmsg: the bytes of every iovec and the address, as for sendto/recvfrom.
    @Test func messagesWithVectors() throws {
        let port = try freePort()
        let traced = try netlab(
            "run", "--no-wire", "--", python3, "-c",
            """
            import socket, sys
            port = int(sys.argv[1])
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", port))
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            c.sendmsg([b"he", b"llo"], [], 0, ("127.0.0.1", port))
            s.recvmsg(100)
            """, String(port))
        #expect(traced.status == 0, "\(traced.stderr)")
        let calls = Self.calls(traced.stderr)
        #expect(calls.contains("sendmsg(4, \"hello\", 127.0.0.1:\(port)) = 5"), "\(calls)")
        #expect(calls.contains { $0.hasPrefix("recvmsg(3) = 5 \"hello\" from 127.0.0.1:") }, "\(calls)")
    }

    /// A local socket (AF_UNIX: what the C library opens to ask a name service) is not the
    /// lab's: its calls are not rows (the ENOENT of a missing name service is not a refusal
    /// on the network), and one line after the run says how many were left out.
    @Test func localSocketsAreLeftOutAndCounted() throws {
        let port = try freePort()
        let traced = try netlab(
            "run", "--no-wire", "--", python3, "-c",
            """
            import socket, sys
            for _ in range(2):
                u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try: u.connect("/nonexistent-netlab-socket")
                except OSError: pass
                u.close()
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"hi", ("127.0.0.1", int(sys.argv[1])))
            s.close()
            """, String(port))
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(
            Self.calls(traced.stderr) == [
                "socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0) = 3", "sendto(3, \"hi\", 2, 127.0.0.1:\(port)) = 2", "close(3) = 0",
            ], "\(traced.stderr)")
        // Two of the program's own, and any a wrapper opened (a pyenv shim without HOME looks
        // the user up: two more).
        let note = try #require(
            traced.stderr.firstMatch(
                of: /netlab: (\d+) local sockets not shown \(AF_UNIX or netlink: the C library's name lookups, logging\); they carry no packets\n$/),
            "\(traced.stderr)")
        #expect(Int(note.1).map { $0 >= 2 } == true)
    }
    @Test func aProgramKilledBySignalEndsTheRun() throws {
        let traced = try netlab("run", "--", "/bin/sh", "-c", "kill -SEGV $$")
        #expect(traced.status == 128 + SIGSEGV)
        #expect(traced.stderr == "netlab: /bin/sh was killed by Segmentation fault (signal 11)\n")
    }

    @Test func usageErrors() throws {
        let none = try netlab("run")
        #expect(none.status == 64)
        #expect(none.stderr == "netlab: netlab run needs a program: netlab run -- python3 TCPClient.py 127.0.0.1 12000\n")
        #expect(try netlab("run", "--all-cpus", "--", "/bin/true").status == 0, "options come before the program")
        let help = try netlab("run", "--help")
        #expect(help.status == 0 && help.out.contains("USAGE: netlab run") && help.out.contains("--all-cpus"), "\(help.out)\(help.stderr)")
        let missing = try netlab("run", "--", "no-such-program-netlab")
        #expect(missing.status == 127)
        #expect(missing.stderr == "netlab: no-such-program-netlab: no such program (not a path, and not on PATH); check the name, or give its path\n")
    }

    /// Tracing needs no privilege: an ordinary user traces their own program.
    @Test(.enabled(if: geteuid() == 0, "setpriv needs root to become nobody"))
    func anOrdinaryUserTracesTheirOwnProgram() throws {
        let port = try freePort()
        let arguments = asNobody([
            sharedBinary, "run", "--", python3, "-c",
            "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hi', ('127.0.0.1', \(port)))",
        ])
        let traced = try run(arguments[0], Array(arguments.dropFirst()))
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(Self.calls(traced.stderr).contains("sendto(3, \"hi\", 2, 127.0.0.1:\(port)) = 2"), "\(traced.stderr)")
        #expect(
            traced.stderr.hasPrefix("netlab: the calls alone, no packets beside them: capturing packets needs root or the CAP_NET_RAW capability"),
            "\(traced.stderr)")
    }

    /// The packets beside the calls, in one order: each call before the packets it causes, each
    /// receive after the packets it takes (capturing needs root: CI is root).
    @Test(.enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
    func thePacketsBesideTheCalls() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let traced = try netlab("run", "--", python3, fixture("TCPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(traced.status == 0)
        let lines = traced.stderr.split(separator: "\n").map(String.init)
        func index(_ piece: String) -> Int {
            lines.firstIndex { $0.contains(piece) } ?? -1
        }
        let client = lines.first { $0.contains(" SYN seq 0") }.flatMap { $0.split(separator: " ").dropFirst().first }.map(String.init) ?? "?"
        let connect = index("] connect(3, 127.0.0.1:\(port)) = 0")
        let syn = index("\(client) > 127.0.0.1:\(port) SYN ")
        let send = index("] sendto(3, \"hello\", 5) = 5")
        let data = index("\(client) > 127.0.0.1:\(port) PSH/ACK 5 B")
        let reply = index("127.0.0.1:\(port) > \(client) PSH/ACK 5 B")
        let receive = index("] recvfrom(3, 1024) = 5 \"HELLO\"")
        let close = index("] close(3) = 0")
        let fin = index("\(client) > 127.0.0.1:\(port) FIN/ACK")
        #expect([connect, syn, send, data, reply, receive, close, fin].allSatisfy { $0 >= 0 }, "\(traced.stderr)")
        #expect(
            connect < syn && syn < send && send < data && data < reply && reply < receive && receive < close && close < fin,
            "\(traced.stderr)")
        let quiet = try netlab("run", "--no-wire", "--", python3, fixture("TCPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(!quiet.stderr.contains(" SYN "), "--no-wire shows the calls alone")
    }

    /// A server that lets the kernel choose its port: the port is read from /proc as bind()
    /// returns, so its clients' packets are seen; a datagram to a closed port brings its ICMP.
    @Test(.enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
    func thePortsFollowTheProgram() throws {
        let server = try Background.netlab("run", "--", python3, "-u", fixture("TCPServer.py"), "0")
        let port = try server.port()
        #expect(try netlab("tcp-client", "--port", String(port), "hi").out == "HI\n")
        _ = try server.line(containing: "close(4) = 0", orContaining: "close(4) = 0")
        _ = try server.line(containing: "> 127.0.0.1:\(port) FIN/ACK", orContaining: "> 127.0.0.1:\(port) FIN/ACK")
        #expect(server.text.contains("> 127.0.0.1:\(port) SYN seq 0"), "\(server.text)")
        kill(server.process.processIdentifier, SIGKILL)
        let closed = try freePort()
        let udp = try netlab(
            "run", "--", python3, "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hi', ('127.0.0.1', \(closed)))")
        let lines = udp.stderr.split(separator: "\n").map(String.init)
        let sent = lines.firstIndex { $0.hasSuffix("sendto(3, \"hi\", 2, 127.0.0.1:\(closed)) = 2") }
        let icmp = lines.firstIndex { $0.contains("ICMP port unreachable (for UDP 127.0.0.1:\(closed))") }
        #expect(sent != nil && icmp != nil && sent! < icmp!, "\(udp.stderr)")
    }

    /// A program that sends 100 MB: netlab keeps at most 64 KiB of each call and writes each
    /// row as it goes, so its memory does not grow with what the program sends.
    @Test func aProgramSending100MBKeepsNetlabsMemoryBounded() throws {
        let port = try freePort()
        func peak(datagrams: Int) throws -> Int {
            let flood =
                "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nb = b'x' * 65000\n"
                + "for i in range(\(datagrams)): s.sendto(b, ('127.0.0.1', \(port)))\n"
            // The largest resident size among the waited-for children: netlab (or the program).
            let measure = """
                import resource, subprocess, sys
                subprocess.run([sys.argv[1], "run", "--no-wire", "-o", "/dev/null", "--", sys.executable, "-c", sys.argv[2]], check=True)
                print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
                """
            let result = try run(python3, ["-c", measure, netlabBinary.path, flood], deadline: 60)
            return Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let small = try peak(datagrams: 16)
        let large = try peak(datagrams: 1600)  // 1 MB, then 104 MB
        #expect(small > 0 && large > 0)
        #expect(large - small < 16 * 1024, "peak KiB: \(small) for 1 MB, \(large) for 104 MB")
    }

    /// A threaded server (one thread per client, as socketserver makes them) and a forking one:
    /// each connection's calls name the thread or process that made them, and the descriptor
    /// a thread accepted is a socket to the others (they share the table), as it is to a child
    /// (which gets a copy).
    @Test(arguments: ["ThreadingTCPServer", "ForkingTCPServer"])
    func serversThatHandOutConnections(kind: String) throws {
        let server = try Background.netlab(
            "run", "--no-wire", "--", python3, "-u", "-c",
            """
            import socketserver, sys
            class Upper(socketserver.BaseRequestHandler):
                def handle(self):
                    self.request.sendall(self.request.recv(1024).upper())
            with socketserver.\(kind)(("127.0.0.1", 0), Upper) as s:
                sys.stdout.write("port %d\\n" % s.server_address[1]); sys.stdout.flush()
                s.serve_forever()
            """)
        let port = try server.port()
        for word in ["one", "two"] {
            #expect(try netlab("tcp-client", "--port", String(port), word).out == word.uppercased() + "\n")
        }
        // The reply to the second client (rows to a pipe come in batches, so wait for that row).
        _ = try server.line(containing: "\"TWO\", 3) = 3", orContaining: "\"TWO\", 3) = 3")
        let rows = Self.rows(server.text)
        let main = try #require(rows.first { $0.call.hasPrefix("listen(") }?.pid)
        for word in ["one", "two"] {
            let receive = try #require(rows.first { $0.call.contains("= \(word.count) \"\(word)\"") }, "\(server.text)")
            let reply = try #require(rows.first { $0.call.contains("\"\(word.uppercased())\", \(word.count)) = \(word.count)") })
            #expect(receive.pid != main && reply.pid == receive.pid, "\(word): handled by a thread or child of its own: \(server.text)")
        }
        kill(server.process.processIdentifier, SIGKILL)
    }

    /// `--write FILE.pcapng`: the packets for Wireshark, each with the calls made before it as
    /// its comment (read back with tshark): the SYN carries the connect(), the data the send().
    @Test(.enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
    func thePacketsSavedWithTheCallsAsComments() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let traced = try netlab("run", "--write", file, "--", python3, fixture("TCPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(traced.status == 0)
        let fields = try run("/usr/bin/tshark", ["-r", file, "-T", "fields", "-e", "tcp.flags.str", "-e", "tcp.len", "-e", "frame.comment"])
        let rows = fields.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let syn = try #require(rows.first, "\(fields.out) \(fields.stderr)")
        #expect(syn[0].hasSuffix("S·") && syn[2].contains("connect(3, 127.0.0.1:\(port)) = 0"), "\(rows)")
        let data = try #require(rows.first { $0[1] == "5" })
        #expect(data[2].contains("sendto(3, \"hello\", 5) = 5"), "\(rows)")
        let usage = try netlab("run", "--no-wire", "--write", file, "--", "/bin/true")
        #expect(usage.status == 64 && usage.stderr == "netlab: --write \(file) needs the packets, which --no-wire leaves out\n")
    }

    /// The lab's UDP pair, both traced: the server's recvfrom names the client, its sendto
    /// answers there, and the client's recvfrom names the server.
    @Test func theLabsUDPPair() throws {
        let server = try Background.netlab("run", "--no-wire", "--", python3, "-u", fixture("UDPServer.py"), "0")
        let port = try server.port()
        let client = try netlab("run", "--no-wire", "--", python3, fixture("UDPClient.py"), "127.0.0.1", String(port), stdin: "hello\n")
        #expect(client.status == 0 && client.out.hasSuffix("HELLO\n"), "\(client.out)\(client.stderr)")
        let sent = try #require(Self.calls(client.stderr).first { $0.hasPrefix("sendto(3, \"hello\", 5, 127.0.0.1:\(port)) = 5") })
        #expect(Self.calls(client.stderr).contains("recvfrom(3, 2048) = 5 \"HELLO\" from 127.0.0.1:\(port)"), "\(client.stderr) \(sent)")
        let answered = try server.line(containing: "] sendto(3, \"HELLO\", 5, 127.0.0.1:", orContaining: "] sendto(3, \"HELLO\"")
        #expect(server.text.contains("] recvfrom(3, 2048) = 5 \"hello\" from 127.0.0.1:"), "\(server.text)")
        #expect(answered.hasSuffix(") = 5"))
        kill(server.process.processIdentifier, SIGKILL)
    }

    /// A small C client (the calls a C program makes: write and read on the socket).
    @Test func aSmallCClient() throws {
        let compiler = ["/usr/bin/cc", "/usr/bin/clang", "/opt/swift/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let cc = try #require(compiler, "a C compiler (the Swift toolchain's clang)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("client.c").path
        try """
        #include <arpa/inet.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a; memset(&a, 0, sizeof a);
            a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1])); a.sin_addr.s_addr = htonl(0x7f000001);
            if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 2;
            write(fd, "hello", 5);
            shutdown(fd, SHUT_WR);
            char buffer[1024];
            ssize_t n = read(fd, buffer, sizeof buffer);
            close(fd);
            return n == 5 ? 0 : 1;
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let binary = directory.appendingPathComponent("client").path
        #expect(try run(cc, ["-O2", "-o", binary, source]).status == 0)
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let traced = try netlab("run", "--no-wire", "--", binary, String(port))
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(
            Self.calls(traced.stderr) == [
                "socket(AF_INET, SOCK_STREAM, 0) = 3", "connect(3, 127.0.0.1:\(port)) = 0", "write(3, \"hello\", 5) = 5",
                "shutdown(3, SHUT_WR) = 0", "read(3, 1024) = 5 \"HELLO\"", "close(3) = 0",
            ], "\(traced.stderr)")
    }

    /// `:run` and `:type` in the real console at 80x24, read off the screen as a person sees it:
    /// the lab's client answered by netlab's server, its recvfrom in the detail pane, its end.
    @Test func theLabsClientInTheConsoleAt80x24() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(try freePort())",
                "--http-port", "\(try freePort())", "--servers", "tcp",
            ],
            width: 80, height: 24)
        try session.waitForServer("TCP", port: port, "ON")
        try session.typeLine(":run \(python3) \(fixture("TCPClient.py")) 127.0.0.1 \(port)")
        try session.waitFor("starting, traced")
        try session.typeLine(":type 1 hi")
        try session.waitFor("sentence:From Server: HI")
        let screen = try session.waitFor("exited with status 0")
        #expect(screen.contains("] recvfrom(3, 1024) = 2 \"HI\""), "\(screen)")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// A connect() that waits (a server whose backlog is full drops its SYNs): its row, stamped
    /// as it started, comes before the SYNs it sent while it waited, not after them.
    @Test(.enabled(if: geteuid() == 0, "capturing needs root or CAP_NET_RAW"))
    func aConnectThatWaitsComesBeforeItsSYNs() throws {
        let full = try Background(
            python3,
            [
                "-u", "-c",
                """
                import socket, time
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
                held = socket.create_connection(s.getsockname()); print("port", s.getsockname()[1], flush=True)
                time.sleep(60)
                """,
            ])
        let port = try full.port()
        let traced = try netlab(
            "run", "--", python3, "-c",
            """
            import signal, socket, sys
            def give_up(number, frame): raise TimeoutError()
            signal.signal(signal.SIGALRM, give_up); signal.alarm(1)
            s = socket.socket()  # blocking: connect() itself waits, in the kernel
            try: s.connect(("127.0.0.1", int(sys.argv[1])))
            except OSError: pass
            """, String(port))
        let lines = traced.stderr.split(separator: "\n").map(String.init)
        let connect = lines.firstIndex { $0.contains("] connect(3, 127.0.0.1:\(port))") }
        let syn = lines.firstIndex { $0.contains("> 127.0.0.1:\(port) SYN seq 0") }
        #expect(connect != nil && syn != nil && connect! < syn!, "\(traced.stderr)")
        kill(full.process.processIdentifier, SIGKILL)
    }
}
