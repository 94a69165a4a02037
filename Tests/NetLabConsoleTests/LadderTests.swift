import Foundation
import NetLabConsole
import NetLabCore
import NetLabSpawn
import Testing

/// The ladder (a sequence diagram) drawn from the timeline's own rows: a lifeline per client
/// port and per server, the calls as boxes on their lifeline, the packets as arrows, silence
/// shown; pinned for the lab's situations, and its exports checked.
@Suite struct LadderTests {
    /// The lab's first question: the client's connect() gets RST for its SYN (the timeline
    /// tests' own session).
    func refused() -> ConsoleState { TimelineTests().refusedSession() }

    /// The lab's second question: a datagram, the ICMP error, two seconds of silence, the timeout.
    func silence() -> ConsoleState {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo")), .key(.function(5))])
        state.type("hi")
        state.apply([.key(.enter)], at: 1)
        let from = Endpoint(host: "127.0.0.1", port: 40001)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(1), engine: .udp, role: .client, kind: .sent(bytes: Array("hi".utf8), from: from, to: localServer),
                    call: .sendto))
        ])
        let (datagram, unreachable) = udpAndUnreachable(from: 40001, to: 12000, payload: Array("hi".utf8), at: 1.001)
        state.apply([wire(datagram), wire(unreachable)], at: 1.01)
        state.apply(
            [.event(LabEvent(time: t0.addingTimeInterval(3.001), engine: .udp, role: .client, kind: .timedOut(peer: localServer, seconds: 2)))],
            at: 3.001)
        return state
    }

    /// A TCP exchange with netlab's server: handshake, the message, the reply, the teardown.
    func exchange(clients ports: [UInt16] = [40000]) -> ConsoleState {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        var at = 1.0
        for port in ports {
            let client = Endpoint(host: "127.0.0.1", port: port)
            func call(_ role: LabEvent.Role, _ kind: LabEvent.Kind, _ name: SocketOperation? = nil) -> Action {
                at += 0.001
                return .event(LabEvent(time: t0.addingTimeInterval(at), engine: .tcp, role: role, kind: kind, call: name))
            }
            func packet(_ from: UInt16, _ to: UInt16, _ flags: UInt8, _ payload: [UInt8] = []) -> Action {
                at += 0.001
                return wire(tcpFrame(from: from, to: to, flags: flags, sequence: 1, ack: 1, payload: payload, at: at))
            }
            state.apply(
                [
                    call(.client, .connecting(peer: localServer), .connect),
                    packet(port, 12000, 0x02), packet(12000, port, 0x12), packet(port, 12000, 0x10),
                    call(.server, .accepted(peer: client), .accept),
                    call(.client, .sent(bytes: Array("hello".utf8), from: client, to: localServer), .send),
                    packet(port, 12000, 0x18, Array("hello".utf8)),
                    call(.server, .received(bytes: Array("hello".utf8), from: client, to: localServer), .recv),
                    call(.server, .sent(bytes: Array("HELLO".utf8), from: localServer, to: client), .send),
                    packet(12000, port, 0x18, Array("HELLO".utf8)),
                    call(.client, .received(bytes: Array("HELLO".utf8), from: localServer, to: client), .recv),
                    call(.server, .closed(peer: client)),
                    packet(12000, port, 0x11), packet(port, 12000, 0x11), packet(12000, port, 0x10),
                ], at: at)
        }
        return state
    }

    func ladder(_ state: ConsoleState, width: Int) -> String {
        Ladder(rows: state.timeline.visibleRows, serverPorts: [12000]).lines(width: width).map(\.text).joined(separator: "\n")
    }

    @Test func theRefusedConnect() {
        #expect(
            ladder(refused(), width: 60) == """
                 client :40000                                server :12000
                 ├[connect()]                                             │
                 ├───────────────────────── SYN ──────────────────────────▶
                 ◀─────────────────────── RST/ACK ────────────────────────┤
                 ├[connect() ECONNREFUSED]                                │
                """)
    }

    @Test func theSilenceOfUDP() {
        #expect(
            ladder(silence(), width: 60) == """
                 client :40001                                server :12000
                 ├[sendto() 2 B]                                          │
                 ├─────────────────────── UDP 2 B ────────────────────────▶
                 ◀─── ICMP port unreachable (for UDP 127.0.0.1:12000) ────┤
                 ┆                          2 s                           ┆
                 ├[no reply: timed out]                                   │
                """)
        // Narrower, the ICMP error's "(for ...)" goes first, and nothing is dropped.
        let narrow = ladder(silence(), width: 40).split(separator: "\n").map(String.init)
        #expect(narrow.count == 6)
        #expect(narrow[3] == " ◀────── ICMP port unreachable ───────┤", "\(narrow[3])")
    }

    @Test func aTCPExchangeWithItsTeardown() {
        #expect(
            ladder(exchange(), width: 60) == """
                 client :40000                                server :12000
                 ├[connect()]                                             │
                 ├───────────────────────── SYN ──────────────────────────▶
                 ◀─────────────────────── SYN/ACK ────────────────────────┤
                 ├───────────────────────── ACK ──────────────────────────▶
                 │                                              [accept()]┤
                 ├[send() 5 B]                                            │
                 ├───────────────────── PSH/ACK 5 B ──────────────────────▶
                 │                                            [recv() 5 B]┤
                 │                                            [send() 5 B]┤
                 ◀───────────────────── PSH/ACK 5 B ──────────────────────┤
                 ├[recv() 5 B]                                            │
                 │                                               [close()]┤
                 ◀─────────────────────── FIN/ACK ────────────────────────┤
                 ├─────────────────────── FIN/ACK ────────────────────────▶
                 ◀───────────────────────── ACK ──────────────────────────┤
                """)
        // ASCII for a file or a terminal without box drawing: the same ladder.
        let ascii = Ladder(rows: exchange().timeline.visibleRows, serverPorts: [12000]).lines(width: 60, ascii: true).map(\.text)
        #expect(ascii[2] == " |------------------------- SYN -------------------------->")
        #expect(ascii[3] == " <----------------------- SYN/ACK ------------------------|")
        #expect(ascii.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    }

    /// Connected UDP: the same datagram and ICMP error, and this time the socket is told:
    /// recv() fails with ECONNREFUSED at once, no silence.
    func connectedSilence() -> ConsoleState {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo")), .key(.function(5))])
        let from = Endpoint(host: "127.0.0.1", port: 40001)
        let refused = SocketError.errno(.recv, ECONNREFUSED, endpoint: localServer)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(1), engine: .udp, role: .client, kind: .sent(bytes: Array("hi".utf8), from: from, to: localServer),
                    call: .send)),
            .event(LabEvent(time: t0.addingTimeInterval(1.003), engine: .udp, role: .client, kind: .failed(refused))),
        ])
        let (datagram, unreachable) = udpAndUnreachable(from: 40001, to: 12000, payload: Array("hi".utf8), at: 1.001)
        state.apply([wire(datagram), wire(unreachable)], at: 1.01)
        return state
    }

    @Test func connectedUDPIsTold() {
        let state = connectedSilence()
        #expect(
            ladder(state, width: 60) == """
                 client :40001                                server :12000
                 ├[send() 2 B]                                            │
                 ├─────────────────────── UDP 2 B ────────────────────────▶
                 ◀─── ICMP port unreachable (for UDP 127.0.0.1:12000) ────┤
                 ├[recv() ECONNREFUSED]                                   │
                """)
    }

    /// An HTTP GET to netlab's web server on 8080: the handshake, the request, the response,
    /// the server's close first (`Connection: close`).
    func httpGet() -> ConsoleState {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        let client = Endpoint(host: "127.0.0.1", port: 40010)
        let web = Endpoint(host: "127.0.0.1", port: 8080)
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".utf8)
        var at = 1.0
        func call(_ role: LabEvent.Role, _ kind: LabEvent.Kind, _ name: SocketOperation? = nil) -> Action {
            at += 0.001
            return .event(LabEvent(time: t0.addingTimeInterval(at), engine: .http, role: role, kind: kind, call: name))
        }
        func packet(_ from: UInt16, _ to: UInt16, _ flags: UInt8, _ payload: [UInt8] = []) -> Action {
            at += 0.001
            return wire(tcpFrame(from: from, to: to, flags: flags, sequence: 1, ack: 1, payload: payload, at: at))
        }
        state.apply(
            [
                call(.client, .connecting(peer: web), .connect),
                packet(40010, 8080, 0x02), packet(8080, 40010, 0x12), packet(40010, 8080, 0x10),
                call(.server, .accepted(peer: client), .accept),
                call(.client, .sent(bytes: request, from: client, to: web), .send),
                packet(40010, 8080, 0x18, request),
                call(.server, .received(bytes: request, from: client, to: web), .recv),
                call(.server, .sent(bytes: response, from: web, to: client), .send),
                packet(8080, 40010, 0x18, response),
                call(.server, .closed(peer: client)),
                packet(8080, 40010, 0x11),
                call(.client, .received(bytes: response, from: web, to: client), .recv),
                packet(40010, 8080, 0x11), packet(8080, 40010, 0x10),
            ], at: at)
        return state
    }

    @Test func anHTTPGet() {
        let state = httpGet()
        let drawn = Ladder(rows: state.timeline.visibleRows, serverPorts: [12000, 8080]).lines(width: 60).map(\.text).joined(separator: "\n")
        #expect(
            drawn == """
                 client :40010                                 server :8080
                 ├[connect()]                                             │
                 ├───────────────────────── SYN ──────────────────────────▶
                 ◀─────────────────────── SYN/ACK ────────────────────────┤
                 ├───────────────────────── ACK ──────────────────────────▶
                 │                                              [accept()]┤
                 ├[send() 46 B]                                           │
                 ├──────────────────── PSH/ACK 46 B ──────────────────────▶
                 │                                           [recv() 46 B]┤
                 │                                           [send() 40 B]┤
                 ◀──────────────────── PSH/ACK 40 B ──────────────────────┤
                 │                                               [close()]┤
                 ◀─────────────────────── FIN/ACK ────────────────────────┤
                 ├[recv() 40 B]                                           │
                 ├─────────────────────── FIN/ACK ────────────────────────▶
                 ◀───────────────────────── ACK ──────────────────────────┤
                """)
    }

    /// Three clients: a lifeline each (names shortened to the port where they stand close),
    /// each client's packets from its own lifeline, crossing the others.
    @Test func threeClientsGetALifelineEach() {
        let lines = ladder(exchange(clients: [40000, 40001, 40002]), width: 76).split(separator: "\n").map(String.init)
        #expect(lines[0] == " client :40000           client :40001            :40002      server :12000")
        let syns = lines.filter { $0.contains(" SYN ") }
        #expect(syns.count == 3)
        let starts = syns.map { line in Array(line).firstIndex(of: "├") }
        #expect(starts == [1, 25, 50], "\(syns)")
    }

    /// `:ladder` picks the selected row's flow (its client port); `:ladder all` every flow.
    @Test func ladderPicksOneFlow() {
        var state = exchange(clients: [40000, 40001, 40002])
        state.type(":ladder")
        state.apply([.key(.enter)])
        // Following, the shown row is the newest message: client 40002's reply.
        #expect(state.timeline.view == .ladder && state.timeline.ladderFlow == 40002)
        #expect(state.transcript.lines.last?.text == "the ladder draws the flow of client port 40002 (:ladder all: every flow)")
        var screen = render(state, width: 120, height: 40, clock: utcClock).text
        #expect(screen.contains("Timeline: ladder of client :40002") && screen.contains(" client :40002 "))
        // The ladder's names line: that client and the server only (the server log still names all).
        let names = screen.split(separator: "\n").first { $0.hasPrefix("│ client :") }.map(String.init) ?? ""
        #expect(names.hasPrefix("│ client :40002 ") && !names.contains(":40000") && !names.contains(":40001"), "\(names)")
        state.type(":ladder all")
        state.apply([.key(.enter)])
        screen = render(state, width: 120, height: 40, clock: utcClock).text
        #expect(screen.contains("client :40000") && screen.contains("client :40001"))
        var empty = ConsoleState()
        empty.type(":ladder")
        empty.apply([.key(.enter)])
        #expect(empty.transcript.lines.last?.text == "select a row of the flow first (Tab to the timeline, Up/Down), then :ladder")
        empty.type(":ladder sideways")
        empty.apply([.key(.enter)])
        #expect(
            empty.transcript.lines.last?.text == "usage: :ladder (the selected row's flow), :ladder PORT (a client port's) or :ladder all")
        state.type(":ladder 40001")
        state.apply([.key(.enter)])
        #expect(state.timeline.ladderFlow == 40001)
        #expect(render(state, width: 120, height: 40, clock: utcClock).text.contains("Timeline: ladder of client :40001"))
    }

    /// A packet a fault dropped stops short of its receiver, with a cross.
    @Test func aDroppedPacketStopsShort() {
        var rows = refused().timeline.visibleRows
        let index = rows.firstIndex { $0.text.hasPrefix("SYN") }!
        rows[index].droppedBy = "drop tcp 12000"
        let lines = Ladder(rows: rows, serverPorts: [12000]).lines(width: 60).map(\.text)
        #expect(lines[2] == " ├────────── SYN ────────────✕                            │", "\(lines[2])")
        #expect(Ladder(rows: rows, serverPorts: [12000]).mermaid().contains("    L0-xL1: SYN (dropped)"))
    }

    /// Mermaid: a participant per lifeline, a note per call and silence, an arrow per packet.
    @Test func mermaidHasEveryStep() {
        let text = Ladder(rows: silence().timeline.visibleRows, serverPorts: [12000]).mermaid()
        #expect(
            text == """
                sequenceDiagram
                    participant L0 as client :40001
                    participant L1 as server :12000
                    Note over L0: sendto() 2 B
                    L0->>L1: UDP 2 B
                    L1->>L0: ICMP port unreachable (for UDP 127.0.0.1:12000)
                    Note over L0,L1: 2 s of silence
                    Note over L0: no reply: timed out

                """)
        #expect(Ladder.mermaidText("a;b#c") == "a#59;b#35;c")
    }

    /// The SVG is well-formed XML (xmllint, when installed) and keeps its text as text.
    @Test func svgIsWellFormed() throws {
        let svg = Ladder(rows: exchange().timeline.visibleRows, serverPorts: [12000]).svg()
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">PSH/ACK 5 B</text>") && svg.contains(">[accept()]</text>") == false && svg.contains(">accept()</text>"))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") else { return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-ladder-\(UUID().uuidString).svg")
        try svg.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = try ChildProcess("/usr/bin/xmllint", ["--noout", file.path])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// A browser draws the SVG: Chromium headless renders it to a PNG with ink on it (the
    /// pixels that are not the white background, counted after inflating the PNG's data), and
    /// a blank SVG of the same size gives none, so the count means something.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "needs Chromium (apt-get install chromium)"))
    func chromiumRendersTheSVG() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = Ladder(rows: exchange().timeline.visibleRows, serverPorts: [12000]).svg()
        let size = try #require(svg.firstMatch(of: /width="(\d+)" height="(\d+)"/))
        let blank = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(size.1)" height="\(size.2)"><rect width="100%" height="100%" fill="#fff"/></svg>

            """
        func ink(_ text: String, _ name: String) throws -> Int {
            let file = folder.appendingPathComponent("\(name).svg")
            let png = folder.appendingPathComponent("\(name).png")
            try text.write(to: file, atomically: true, encoding: .utf8)
            try Self.runQuietly(
                "/usr/bin/chromium",
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder.path)/profile",
                    "--screenshot=\(png.path)", "--window-size=\(size.1),\(size.2)", file.absoluteString,
                ])
            let count = try Self.runQuietly(
                "/usr/bin/python3",
                [
                    "-c",
                    """
                    import struct, sys, zlib
                    data = open(sys.argv[1], 'rb').read(); i = 8; idat = b''
                    while i < len(data):
                        n = struct.unpack('>I', data[i:i + 4])[0]
                        if data[i + 4:i + 8] == b'IDAT': idat += data[i + 8:i + 8 + n]
                        i += 12 + n
                    print(sum(1 for b in zlib.decompress(idat) if b not in (0, 1, 2, 3, 4, 255)))
                    """, png.path,
                ])
            return Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(try ink(blank, "blank") == 0)
        #expect(try ink(svg, "ladder") > 5_000)
    }

    /// Runs a program to its end (60 s at most); its standard output.
    @discardableResult
    static func runQuietly(_ path: String, _ arguments: [String]) throws -> String {
        let output = Pipe()
        let process = try ChildProcess(path, arguments, stdout: .pipe(output), stderr: .null)
        let killer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return String(decoding: data, as: UTF8.self)
    }

    /// In the console: F9 comes to the ladder after the wire view, `:view ladder` too; the ladder
    /// takes the list's place, the selected row highlighted, the detail below as before.
    @Test func theConsoleShowsTheLadder() throws {
        var state = exchange()
        state.apply([.key(.function(9)), .key(.function(9)), .key(.function(9))])
        #expect(state.timeline.view == .ladder)
        #expect(state.transcript.lines.last?.text.hasPrefix("timeline: a ladder: each endpoint's calls on its lifeline") == true)
        state.type(":view both")
        state.apply([.key(.enter)])
        state.type(":view ladder")
        state.apply([.key(.enter)])
        #expect(state.timeline.view == .ladder)
        for (width, height) in [(80, 24), (120, 40)] {
            state.apply([.resized(width: width, height: height)])
            let screen = render(state, width: width, height: height, clock: utcClock)
            try RenderTests().assertSnapshot(screen, named: "ladder-\(width)x\(height)")
        }
    }

    /// Presenter mode in the ladder view: the ladder in heavy lines where the server log was.
    @Test func presenterModeDrawsTheLadderHeavy() throws {
        var state = exchange()
        state.type(":view ladder")
        state.apply([.key(.enter), .key(.function(7)), .resized(width: 80, height: 30)])
        #expect(state.presenter)
        let screen = render(state, width: 80, height: 30, clock: utcClock)
        #expect(screen.text.contains("┌ Ladder "))
        #expect(screen.text.contains("┣━") && screen.text.contains(" FIN/ACK ━") && screen.text.contains("━▶"), "\(screen.text)")
        try RenderTests().assertSnapshot(screen, named: "ladder-presenter-80x30")
    }

    /// Each situation in the console's ladder view, at 80x24 and 120x40, as a person sees it.
    @Test(arguments: ["refused", "silence", "connected", "exchange", "http", "three"], [(80, 24), (120, 40)])
    func snapshots(situation: String, size: (Int, Int)) throws {
        var state =
            switch situation {
            case "refused": refused()
            case "silence": silence()
            case "connected": connectedSilence()
            case "exchange": exchange()
            case "http": httpGet()
            default: exchange(clients: [40000, 40001, 40002])
            }
        state.type(":view ladder")
        state.apply([.key(.enter), .resized(width: size.0, height: size.1)])
        let screen = render(state, width: size.0, height: size.1, clock: utcClock)
        try RenderTests().assertSnapshot(screen, named: "ladder-\(situation)-\(size.0)x\(size.1)")
    }

    /// `:save FILE.mmd`, `FILE.svg`, and FILE.txt in the ladder view: the ladder, not the session.
    @Test func saveWritesTheLadder() {
        var state = exchange()
        state.type(":save notes.mmd")
        let mermaid = state.apply([.key(.enter)])
        guard case .save(let path, let bytes, let what, _) = mermaid.first else {
            Issue.record("no save: \(mermaid)")
            return
        }
        #expect(path == "notes.mmd" && what == "the ladder as a Mermaid sequence diagram")
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("sequenceDiagram\n"))
        state.type(":view ladder")
        state.apply([.key(.enter)])
        state.type(":save ladder.txt")
        guard case .save(_, let text, let said, _) = state.apply([.key(.enter)]).first else {
            Issue.record("no save")
            return
        }
        #expect(said == "the ladder as text")
        #expect(String(decoding: text, as: UTF8.self).contains("─ SYN ─"))
    }
}
