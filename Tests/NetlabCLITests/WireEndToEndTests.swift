import Foundation
import Glibc
import NetLabSpawn
import Testing

/// The wire beside the socket calls, from the real binary: `netlab capture` and the console's
/// timeline, checked against tshark's reading of what was saved. Capturing needs CAP_NET_RAW
/// (CI runs as root); the unprivileged path runs as `nobody` through setpriv.
private let isRoot = geteuid() == 0

/// The binary copied where any user may run it (a build under /root is not readable by others).
let sharedBinary: String = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-shared-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    chmod(directory.path, 0o755)
    let copy = directory.appendingPathComponent("netlab").path
    try? FileManager.default.removeItem(atPath: copy)
    // Copied by cp, not in this process: a write descriptor held here could leak into a child
    // another test forks meanwhile, and exec would then fail with "Text file busy".
    _ = try? run("/bin/cp", [netlabBinary.path, copy])
    chmod(copy, 0o755)
    return copy
}()

/// Runs `arguments` as the ordinary user `nobody`, with no capabilities at all.
func asNobody(_ arguments: [String]) -> [String] {
    ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"] + arguments
}

/// The screen's words in one line: wrapped transcript lines read as the sentences they are.
private func flatten(_ screen: String) -> String {
    screen.replacingOccurrences(of: "│", with: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
}

/// The console on `port` with its servers off and the capture on, in a 120x50 tmux.
private func wireConsole(port: UInt16) throws -> TmuxSession {
    let session = try TmuxSession(
        command: [
            netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
            "--http-port", "\(try freePort())", "--servers", "none",
        ],
        width: 120, height: 50)
    try session.waitFor("WIRE on") { $0.contains("WIRE  on") }
    return session
}

/// The screen rows holding each needle (nil where none does), top to bottom.
private func rowIndices(_ screen: String, _ needles: [String]) -> [Int?] {
    let rows = screen.split(separator: "\n").map(String.init)
    return needles.map { needle in rows.firstIndex { $0.contains(needle) } }
}

private func tshark(_ arguments: [String]) throws -> Finished {
    try run("/usr/bin/tshark", ["-n"] + arguments)
}

/// A capture on `port`, then a headless web server there (`options` added) serving a file of
/// `size` bytes from a folder of its own, then curl's `Connection: close` GET of it. Returns
/// the head and body sizes curl got, the capture (still running: `count` ends it, or an
/// interrupt; saved to `file` if given) and the server. The folder is gone when it returns (the answer was sent).
private func closingAnswer(port: UInt16, size: Int, count: Int?, options: [String], write file: String? = nil) throws -> (
    sizes: [Int], capture: Background, server: Background
) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-answer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    try Data(repeating: 0x61, count: size).write(to: root.appendingPathComponent("file.bin"))
    let capture = try Background(
        netlabBinary.path, ["capture", "--port", "\(port)"] + (count.map { ["--count", "\($0)"] } ?? []) + (file.map { ["--write", $0] } ?? []))
    _ = try capture.line(containing: "capturing on lo (Ethernet), ports \(port) and the ICMP errors that quote them; Ctrl-C stops")
    let server = try Background(
        netlabBinary.path, ["http-server", "--host", "127.0.0.1", "--port", "\(port)", "--root", root.path] + options)
    _ = try server.port()
    let curl = try run(
        "/usr/bin/curl",
        ["-s", "-o", "/dev/null", "-w", "%{size_header} %{size_download}", "-H", "Connection: close", "http://127.0.0.1:\(port)/file.bin"])
    #expect(curl.status == 0, "\(curl.stderr)")
    return (curl.out.split(separator: " ").compactMap { Int($0) }, capture, server)
}

@Suite(.serialized) struct WireEndToEndTests {
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func captureShowsTheRefusalAndTheUDPSilence() throws {
        let port = try freePort()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("capture-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let capture = try Background.netlab("capture", "--port", "\(port)", "--count", "4", "--write", file)
        _ = try capture.line(containing: "capturing on lo (Ethernet), ports \(port) and the ICMP errors that quote them; Ctrl-C stops")
        #expect(try netlab("tcp-client", "--port", "\(port)", "hello").status == 69)
        #expect(try netlab("udp-client", "--port", "\(port)", "--timeout", "0.3", "hi").status == 75)
        #expect(capture.waitForExit() == 0)
        let lines = capture.text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("netlab: ") }
        let stamp = #"\d\d:\d\d:\d\d\.\d{6} "#
        #expect(lines.count == 6, "\(lines)")
        guard lines.count == 6 else { return }
        #expect(lines[0].wholeMatch(of: try Regex(stamp + #"127\.0\.0\.1:\d+ > 127\.0\.0\.1:\#(port) SYN seq 0 win \d+"#)) != nil, "\(lines[0])")
        #expect(
            lines[1].wholeMatch(of: try Regex(stamp + #"127\.0\.0\.1:\#(port) > 127\.0\.0\.1:\d+ RST/ACK seq 1 ack 1 win 0"#)) != nil, "\(lines[1])")
        #expect(
            lines[2] == "    nothing listens on TCP 127.0.0.1:\(port): the kernel answered the SYN with RST, so connect() fails with ECONNREFUSED")
        #expect(lines[3].wholeMatch(of: try Regex(stamp + #"127\.0\.0\.1:\d+ > 127\.0\.0\.1:\#(port) UDP 2 B"#)) != nil, "\(lines[3])")
        #expect(
            lines[4].wholeMatch(of: try Regex(stamp + #"127\.0\.0\.1 > 127\.0\.0\.1 ICMP port unreachable \(for UDP 127\.0\.0\.1:\#(port)\)"#))
                != nil, "\(lines[4])")
        #expect(
            lines[5] == "    nothing listens on UDP 127.0.0.1:\(port): the kernel sent this error back; an unconnected socket is not told "
                + "(recvfrom() waits until its timeout), a connected one's next recv() fails with ECONNREFUSED")
        #expect(capture.text.hasSuffix("netlab: 4 packets captured\n"))

        // tshark reads the file and agrees: four frames, the same ports, flags and protocols.
        let fields = try tshark([
            "-r", file, "-T", "fields", "-E", "separator=,", "-E", "occurrence=l",
            "-e", "frame.protocols", "-e", "tcp.flags", "-e", "udp.dstport", "-e", "icmp.type", "-e", "icmp.code",
        ])
        let rows = fields.out.split(separator: "\n").map(String.init)
        #expect(rows.count == 4, "\(fields.out) \(fields.stderr)")
        guard rows.count == 4 else { return }
        #expect(rows[0].hasPrefix("eth:ethertype:ip:tcp,0x0002"))
        #expect(rows[1].hasPrefix("eth:ethertype:ip:tcp,0x0014"))
        #expect(rows[2].hasPrefix("eth:ethertype:ip:udp") && rows[2].contains(",\(port),"))
        #expect(rows[3].hasSuffix(",\(port),3,3"), "\(rows[3])")
        let comment = try run("/usr/bin/capinfos", ["-k", file])
        #expect(comment.out.contains("Captured by netlab capture on lo, ports \(port)"))
        // Issue 22: the interface is named and the kernel's counts are in the file.
        let info = try run("/usr/bin/capinfos", [file])
        #expect(info.out.contains("Name = lo") && info.out.contains("Number of stat entries = 1"), "\(info.out)")
    }

    /// `netlab capture | head -1` ends when head does (as tcpdump does); a file that cannot be
    /// written (a full disk) is one line with the reason, not a crash.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func captureStopsWhenItsReaderGoesAndSaysWhenItCannotWrite() throws {
        let port = try freePort()
        let output = Pipe()
        let process = try ChildProcess(
            "/bin/sh", ["-c", "\"$0\" capture --port \(port) 2>/dev/null | head -1", netlabBinary.path], stdout: .pipe(output))
        // Traffic until the pipeline ends (bounded: 100 refused connects at most).
        var attempts = 0
        while process.isRunning, attempts < 100 {
            _ = try netlab("tcp-client", "--port", "\(port)", "x")
            attempts += 1
        }
        #expect(!process.isRunning, "the capture ended after head quit")
        if process.isRunning { process.terminate() }
        let first = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(first.contains("> 127.0.0.1:\(port) SYN seq 0"))
        let full = try netlab("capture", "--port", "\(port)", "--write", "/dev/full", "--count", "1")
        #expect(full.status == 1)
        #expect(full.stderr == "netlab: cannot write /dev/full: No space left on device\n")
    }

    /// A headless web server's `Connection: close` answer, whose bytes no event wants: its
    /// last bytes leave with the FIN in one segment (held back with MSG_MORE until the close),
    /// one packet less per connection each way than a data segment and then a FIN. Both a
    /// quiet server and one writing its access log (which wants no payloads either).
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"), arguments: [true, false])
    func aClosingAnswerLeavesWithItsFIN(quiet: Bool) throws {
        let port = try freePort()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fin-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (sizes, capture, server) = try closingAnswer(
            port: port, size: 1000, count: 9, options: quiet ? ["--quiet"] : [], write: file)
        #expect(capture.waitForExit() == 0)
        #expect(server.interrupt() == 0)
        guard sizes.count == 2 else {
            Issue.record("curl said \(sizes)")
            return
        }
        let fromServer = capture.text.split(separator: "\n").filter { $0.contains(" 127.0.0.1:\(port) > ") }
        // SYN/ACK, the ACK of the request, the answer with its FIN, the ACK of the client's FIN.
        #expect(fromServer.count == 4, "\(capture.text)")
        #expect(
            fromServer.contains { $0.contains(" FIN/ACK \(sizes[0] + sizes[1]) B seq 1 ") },
            "the head and the 1000 bytes with the FIN: \(capture.text)")
        #expect(!fromServer.contains { $0.contains("PSH") }, "no data segment before the FIN: \(capture.text)")
        // tshark reads the saved capture the same way: the server's data segments are one, with
        // the FIN, carrying every byte of the answer.
        let segments = try tshark([
            "-r", file, "-Y", "tcp.srcport == \(port) && tcp.len > 0", "-T", "fields", "-e", "tcp.flags.fin", "-e", "tcp.len",
        ])
        #expect(segments.status == 0, "\(segments.stderr)")
        #expect(segments.out == "1\t\(sizes[0] + sizes[1])\n", "\(segments.out)")
    }

    /// A closing answer's large file (sendfile, the socket corked): no small segment of the
    /// head alone, and the tail leaves with the FIN. Behind a MSG_MORE head, the head and the
    /// first 64 KiB ended in a ~280-byte segment of their own.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func aLargeClosingAnswerIsFullSegmentsThenItsFIN() throws {
        let port = try freePort()
        let (sizes, capture, server) = try closingAnswer(port: port, size: 300_000, count: nil, options: ["--quiet"])
        // The client's last ACK is the capture's last packet: wait for it, then stop.
        _ = try capture.line(containing: "127.0.0.1:\(port) ACK seq 1 ack", orContaining: "FIN/ACK seq")
        #expect(server.interrupt() == 0)
        #expect(capture.interrupt() == 0)
        let segments = capture.text.split(separator: "\n").filter { $0.contains(" 127.0.0.1:\(port) > ") }.compactMap { line in
            line.firstMatch(of: /(\S+) (\d+) B seq/).map { (flags: String($0.1), bytes: Int($0.2)!) }
        }
        #expect(segments.reduce(0) { $0 + $1.bytes } == sizes.reduce(0, +), "every byte of the answer: \(capture.text)")
        #expect(segments.last?.flags.hasPrefix("FIN/") == true, "the tail with the FIN: \(capture.text)")
        #expect(segments.dropLast().allSatisfy { $0.bytes >= 16_384 }, "no small segment before it: \(segments)")
    }

    /// `netlab capture --ladder`: when the capture ends, its packets as a ladder (the lab's
    /// first two questions: the SYN refused, the datagram and its ICMP error).
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func captureDrawsTheLadderAtTheEnd() throws {
        let port = try freePort()
        let capture = try Background.netlab("capture", "--port", "\(port)", "--count", "4", "--ladder", "--ascii")
        _ = try capture.line(containing: "capturing on lo (Ethernet), ports \(port) and the ICMP errors that quote them; Ctrl-C stops")
        #expect(try netlab("tcp-client", "--port", "\(port)", "hello").status == 69)
        #expect(try netlab("udp-client", "--port", "\(port)", "--timeout", "0.3", "hi").status == 75)
        #expect(capture.waitForExit() == 0)
        let lines = capture.text.split(separator: "\n").map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix(" client :") }) else {
            Issue.record("no ladder: \(capture.text)")
            return
        }
        let ladder = Array(lines[header...])
        #expect(ladder[0].hasSuffix("server :\(port)"), "\(ladder)")
        #expect(ladder.contains { $0.hasPrefix(" |") && $0.contains(" SYN ") && $0.hasSuffix(">") }, "\(ladder)")
        #expect(ladder.contains { $0.hasPrefix(" <") && $0.contains(" RST/ACK ") }, "\(ladder)")
        #expect(ladder.contains { $0.contains(" UDP 2 B ") && $0.hasSuffix(">") }, "\(ladder)")
        // UDP's client port is another lifeline: the ICMP error goes back to it, not to the first.
        #expect(ladder.contains { $0.hasPrefix(" |") && $0.contains("<--") && $0.contains("ICMP port unreachable") }, "\(ladder)")
    }

    /// An RST that does not answer a SYN: a server that closes with SO_LINGER 0 after reading.
    /// The capture says the other side's next call fails with ECONNRESET, and the client's
    /// recv() does.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func captureExplainsAResetAndTheClientGetsECONNRESET() throws {
        let server = try Background(
            python3,
            [
                "-u", "-c",
                """
                import socket, struct
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
                print("port", s.getsockname()[1], flush=True)
                c, _ = s.accept(); c.recv(100)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
                """,
            ])
        let port = try server.port()
        let capture = try Background.netlab("capture", "--port", "\(port)")
        _ = try capture.line(containing: "Ctrl-C stops")
        let client = try netlab("tcp-client", "--port", "\(port)", "hello")
        #expect(client.status == 1)
        #expect(client.stderr.contains("ECONNRESET"), "\(client.stderr)")
        _ = try capture.line(containing: "reset the connection")
        #expect(capture.interrupt() == 0)
        let lines = capture.text.split(separator: "\n").map(String.init)
        let reset = try #require(lines.firstIndex { $0.contains("127.0.0.1:\(port) > 127.0.0.1:") && $0.contains(" RST") })
        #expect(lines[reset + 1] == "    127.0.0.1:\(port) reset the connection: the other side's next recv() or send() fails with ECONNRESET")
        #expect(!lines.contains { $0.contains("nothing listens") }, "an RST after a handshake is not a refusal")
    }

    @Test func captureWithoutPrivilegeSaysHowToGetIt() throws {
        let command = asNobody([sharedBinary, "capture", "--count", "1"])
        let denied = try run(command[0], Array(command.dropFirst()))
        #expect(denied.status == 77)
        // The fix names the binary that runs (its real path: a shell's `command -v` is empty
        // under `swift run`), after --private or why this kernel forbids it.
        let path = URL(fileURLWithPath: sharedBinary).resolvingSymlinksInPath().path
        #expect(denied.stderr.hasPrefix("netlab: capturing packets needs root or the CAP_NET_RAW capability: "), "\(denied.stderr)")
        #expect(
            denied.stderr.contains("try netlab --private (a network of its own, where capturing needs no root; ")
                || denied.stderr.contains("netlab --private cannot help on this machine: "), "\(denied.stderr)")
        #expect(denied.stderr.hasSuffix("or once: sudo setcap cap_net_raw,cap_net_admin=eip \(path) (or run netlab as root)\n"))
        #expect(denied.out.isEmpty)
        let usage = try netlab("capture", "--port", "0")
        #expect(usage.status == 64)
        #expect(usage.stderr.hasPrefix("netlab: --port 0 is not a port: use 1-65535"))
        let interface = try netlab("capture", "--interface", "nosuch0", "--count", "1")
        if isRoot {
            #expect(interface.status == 1)
            #expect(interface.stderr == "netlab: no network interface nosuch0: `ip link` lists them (lo is the loopback)\n")
        }
    }

    /// Question 1 on the console: the SYN and the RST/ACK stand before the ECONNREFUSED row,
    /// and the transcript points at them by number.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func consoleTimelineShowsTheRSTBeforeTheRefusal() throws {
        let port = try freePort()
        let session = try wireConsole(port: port)
        try session.typeLine("hello")
        let screen = try session.waitFor("the wire shows why") { flatten($0).contains("so connect() failed with ECONNREFUSED") }
        let rows = screen.split(separator: "\n").map(String.init)
        let found = rowIndices(
            screen,
            [
                "call TCP client connect() to 127.0.0.1:\(port)", "wire SYN 127.0.0.1:",
                "wire RST/ACK 127.0.0.1:\(port) > 127.0.0.1:", "call TCP client connect() ECONNREFUSED",
            ])
        let order = found.compactMap { $0 }
        #expect(order.count == 4 && order == order.sorted(), "\(screen)")
        if order.count == 4 {
            let (syn, reset) = (order[1], order[2])
            // The numbers the transcript cites are the rows' own.
            func number(_ row: String) -> String {
                row.split(whereSeparator: { $0 == " " || $0 == "│" }).first { $0.hasPrefix("#") }.map(String.init) ?? "?"
            }
            let synNumber = number(rows[syn])
            let resetNumber = number(rows[reset])
            #expect(
                flatten(screen).contains(
                    "the wire shows why: \(resetNumber) RST/ACK from 127.0.0.1:\(port) answered the SYN (\(synNumber)); "
                        + "nothing listens there, so connect() failed with ECONNREFUSED"), "syn \(synNumber), reset \(resetNumber)")
        }
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// Issue 22: teardown in the order it happens. Each side's close() (and the client's
    /// half-close) is stamped before its call, so it stands above the FIN it caused; the
    /// server log says who closed first.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func teardownRowsComeBeforeTheirFINs() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
                "--http-port", "\(try freePort())", "--servers", "tcp",
            ],
            width: 200, height: 60)
        try session.waitFor("WIRE on") { $0.contains("WIRE  on") }
        try session.waitForServer("TCP", port: port, "ON")
        try session.typeLine("hello")
        let screen = try session.waitFor("the server's FIN") { $0.contains("wire FIN/ACK 127.0.0.1:\(port) > 127.0.0.1:") }
        let found = rowIndices(
            screen,
            [
                "call TCP client shutdown(SHUT_WR) 127.0.0.1:\(port)", "wire FIN/ACK 127.0.0.1:",
                "call TCP server close() 127.0.0.1:", "wire FIN/ACK 127.0.0.1:\(port) > 127.0.0.1:",
            ])
        let order = found.compactMap { $0 }
        #expect(order.count == 4 && order == order.sorted(), "\(screen)")
        #expect(flatten(screen).contains("(its FIN came first: it holds TIME_WAIT)"), "\(screen)")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// Issue 22: a student's programs on a port netlab does not use appear once it is watched
    /// (`:watch PORT`, or `:watch all`), and the screen says which ports the wire shows.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func watchShowsAStudentsProgramOnAnotherPort() throws {
        let port = try freePort()
        let student = try freePort()
        let session = try TmuxSession(
            command: [
                netlabBinary.path, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
                "--http-port", "\(try freePort())", "--servers", "none",
            ],
            width: 200, height: 50)
        try session.waitFor("WIRE watches ports \(port),")
        func datagram(_ text: String) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            _ = withLoopbackAddress(student) { address, length in
                text.withCString { sendto(fd, $0, strlen($0), 0, address, length) }
            }
        }
        datagram("unwatched")
        try session.typeLine(":watch \(student)")
        try session.waitFor("\(student) and the ICMP errors for them")
        #expect(!session.screen.contains("UDP 9 B 127.0.0.1:"), "the datagram sent before :watch is not shown")
        datagram("watched")
        try session.waitFor("the watched datagram") { $0.contains("wire UDP 7 B 127.0.0.1:") && $0.contains("> 127.0.0.1:\(student)") }
        try session.typeLine(":watch all")
        try session.waitFor("WIRE watches every TCP and UDP port on the loopback")
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func captureAllCatchesAnyPort() throws {
        let port = try freePort()
        // Other tests' traffic shows too (every port): ours is awaited among it.
        let capture = try Background.netlab("capture", "--all")
        _ = try capture.line(containing: "netlab: capturing on lo (Ethernet), every TCP and UDP port and the ICMP errors")
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        _ = withLoopbackAddress(port) { address, length in "anyport".withCString { sendto(fd, $0, 7, 0, address, length) } }
        close(fd)
        _ = try capture.line(containing: "> 127.0.0.1:\(port) UDP 7 B", orContaining: "> 127.0.0.1:\(port) UDP 7 B")
        #expect(capture.interrupt() == 0)
        let both = try netlab("capture", "--all", "--port", "1")
        #expect(both.status == 64)
        #expect(both.stderr.contains("--all captures every port: leave out --port"))
    }

    /// Issue 22: windows are scaled as tshark scales them once both SYNs announced a scale
    /// (netlab printed the raw field, "win 64" for tshark's 65536).
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func windowsAreScaledAsTsharkScalesThem() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--quiet")
        let port = try server.port()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("win-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let capture = try Background.netlab("capture", "--port", "\(port)", "--write", file)
        _ = try capture.line(containing: "netlab: capturing on lo")
        #expect(try netlab("tcp-client", "--port", "\(port)", "hello").status == 0)
        // Both FINs end the exchange (each frame is printed and written together; bounded wait).
        let deadline = Date().addingTimeInterval(10)
        while capture.text.components(separatedBy: " FIN/ACK").count < 3, Date() < deadline { usleep(20_000) }
        #expect(capture.interrupt() == 0)
        let printed = capture.text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: " win ") else { return nil }
            return String(line[range.upperBound...].prefix { $0.isNumber })
        }
        let tshark = try run("/usr/bin/tshark", ["-n", "-r", file, "-T", "fields", "-e", "tcp.window_size"])
        #expect(printed == tshark.out.split(separator: "\n").map(String.init), "\(capture.text)")
        #expect(printed.count >= 7 && printed.dropFirst(2).contains("65536"), "\(printed)")
    }

    /// Issue 22: a capture started mid-connection numbers both directions as tshark does (the
    /// first ack read absolute, `ack 2270629626` for tshark's Ack=1), and leaves the window raw
    /// (no handshake seen, no scale known), as tshark does.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func aCaptureStartedMidConnectionNumbersAsTsharkDoes() throws {
        let server = try Background.netlab("tcp-server", "--host", "127.0.0.1", "--port", "0", "--quiet")
        let port = try server.port()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(withLoopbackAddress(port) { connect(fd, $0, $1) } == 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mid-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let capture = try Background.netlab("capture", "--port", "\(port)", "--write", file)
        _ = try capture.line(containing: "netlab: capturing on lo")
        var reply = [UInt8](repeating: 0, count: 64)
        _ = "hello".withCString { send(fd, $0, 5, 0) }
        #expect(recv(fd, &reply, reply.count, 0) == 5)
        shutdown(fd, Int32(SHUT_WR))
        #expect(recv(fd, &reply, reply.count, 0) == 0)
        let deadline = Date().addingTimeInterval(10)
        while capture.text.components(separatedBy: " FIN/ACK").count < 3, Date() < deadline { usleep(20_000) }
        #expect(capture.interrupt() == 0)
        let printed = capture.text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: " seq ") else { return nil }
            let words = line[range.upperBound...].split(separator: " ")
            let ack = words.firstIndex(of: "ack").map { String(words[$0 + 1]) } ?? ""
            let win = words.firstIndex(of: "win").map { String(words[$0 + 1]) } ?? ""
            return "\(words[0]) \(ack) \(win)"
        }
        let tshark = try run(
            "/usr/bin/tshark",
            [
                "-n", "-r", file, "-T", "fields", "-E", "separator= ", "-e", "tcp.seq", "-e", "tcp.ack",
                "-e", "tcp.window_size",
            ])
        #expect(printed == tshark.out.split(separator: "\n").map(String.init), "\(capture.text)\n\(tshark.out)")
        #expect(printed.first?.hasPrefix("1 1 ") == true)
    }

    /// Question 2: the datagram, then the ICMP error, then the timeout; saved, tshark reads it.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func consoleTimelineShowsTheICMPBeforeTheTimeoutAndSavesIt() throws {
        let port = try freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("udp.pcapng").path
        let session = try wireConsole(port: port)
        try session.typeLine(":proto udp")
        try session.typeLine(":timeout 0.5")
        try session.typeLine("hi")
        let screen = try session.waitFor("the wire shows why") { flatten($0).contains("recvfrom() waited until the timeout") }
        let order = rowIndices(
            screen,
            [
                "call UDP client sendto() 2 B (any address):", "wire UDP 2 B 127.0.0.1:",
                "wire ICMP port unreachable (for UDP 127.0.0.1:\(port)) 127.0.0.1 > 127.0.0.1",
                "call UDP client no reply from 127.0.0.1:\(port) within 0.5 s",
            ]
        ).compactMap { $0 }
        #expect(order.count == 4 && order == order.sorted(), "\(screen)")
        try session.typeLine(":save \(file)")
        try session.waitFor("saved 2 captured packets to \(file)")
        let read = try tshark(["-r", file, "-T", "fields", "-E", "separator=,", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "icmp.type"])
        let lines = read.out.split(separator: "\n")
        #expect(lines.count == 2, "\(read.out)")
        #expect(lines.first?.hasSuffix(",\(port),") == true)
        #expect(lines.last?.hasSuffix(",\(port),3") == true)
        // Question 3: a port changed just before the send is watched already.
        let other = try freePort()
        try session.send("-l", ":port \(other)")
        try session.send("Enter")
        try session.send("-l", "x")
        try session.send("Enter")
        try session.waitFor("the datagram to the new port") {
            $0.contains("wire UDP 1 B 127.0.0.1:") && $0.contains("> 127.0.0.1:\(other)")
                && $0.contains("wire ICMP port unreachable (for UDP 127.0.0.1:\(other))")
        }
        // Connected UDP: the same ICMP error, and this time recv() is told.
        try session.typeLine(":udp-mode connected")
        try session.typeLine("y")
        try session.waitFor("the connected citation") {
            flatten($0).contains("came back for the datagram")
                && flatten($0).contains("the connected socket was told, so recv() failed with ECONNREFUSED")
        }
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// With its servers off, the console still shows the lab's own Python programs on the wire.
    @Test(.enabled(if: isRoot, "capturing needs root or CAP_NET_RAW"))
    func consoleShowsTheLabsOwnProgramsOnTheWire() throws {
        let lab = try Background(python3, ["-u", fixture("TCPServer.py"), "0"])
        let port = try lab.port()
        let session = try wireConsole(port: port)
        let client = try run(python3, [fixture("TCPClient.py"), "127.0.0.1", "\(port)"], stdin: Array("hello\n".utf8))
        #expect(client.out.contains("From Server: HELLO"))
        try session.send("F9", "F9")  // wire only
        let newest = try session.waitFor("the end of the exchange") { $0.contains("wire FIN/ACK 127.0.0.1:\(port) > 127.0.0.1:") }
        #expect(!newest.contains(" call "), "the view shows wire rows only: \(newest)")
        try session.send("Tab", "Tab", "Home")  // the timeline, its first row
        try session.waitFor("the start of the exchange") { screen in
            ["wire SYN 127.0.0.1:", "wire SYN/ACK 127.0.0.1:\(port) >", "wire PSH/ACK 5 B 127.0.0.1:", "wire PSH/ACK 5 B 127.0.0.1:\(port) >"]
                .allSatisfy(screen.contains)
        }
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }

    /// Without capture rights the console says WIRE off and how to turn it on, and works as before.
    @Test func consoleWithoutPrivilegeRunsWithWireOff() throws {
        let port = try freePort()
        let session = try TmuxSession(
            command: asNobody([
                sharedBinary, "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
                "--http-port", "\(try freePort())", "--servers", "tcp",
            ]),
            width: 120, height: 40)
        try session.waitForServer("TCP", port: port, "ON")
        let screen = try session.waitFor("WIRE off") { $0.contains("WIRE  off") }
        #expect(flatten(screen).contains("WIRE off: capturing packets needs root or the CAP_NET_RAW capability: "), "\(screen)")
        #expect(flatten(screen).contains("(or run netlab as root); everything else works without it"), "\(screen)")
        #expect(screen.contains("Timeline: calls and wire (WIRE off)"))
        try session.typeLine("hello")
        try session.waitFor("TCP <- HELLO")
        // Saved for Wireshark anyway: the messages in made-up frames, and the file says so.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nobody-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o777)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("made-up.pcapng").path
        try session.typeLine(":save \(file)")
        try session.waitFor("saved") { flatten($0).contains("saved 2 made-up packets (WIRE off: nothing was captured) to \(file)") }
        let comments = try tshark(["-r", file, "-T", "fields", "-e", "frame.comment", "-e", "tcp.len"])
        #expect(
            comments.out == "made up by netlab from a socket message; not captured\t5\n"
                + "made up by netlab from a socket message; not captured\t5\n", "\(comments.out) \(comments.stderr)")
        let section = try run("/usr/bin/capinfos", ["-k", file])
        #expect(section.out.contains("NOT A CAPTURE: netlab could not capture packets"))
        try session.send("F10")
        #expect(try session.exitStatus() == 0)
    }
}
