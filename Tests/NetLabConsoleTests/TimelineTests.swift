import Foundation
import NetLabConsole
import NetLabCore
import Testing

@Suite struct TimelineTests {
    /// A connected UDP socket's ECONNREFUSED cites the ICMP error that caused it.
    @Test func connectedUDPRefusalCitesTheICMP() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo")), .key(.function(5))])
        state.type(":udp-mode connected")
        state.apply([.key(.enter)])
        state.type("hi")
        state.apply([.key(.enter)], at: 1)
        let (datagram, unreachable) = udpAndUnreachable(from: 40001, to: 12000, payload: Array("hi".utf8), at: 1.001)
        state.apply([wire(datagram), wire(unreachable)], at: 1.002)
        let refused = SocketError.errno(.recv, ECONNREFUSED, endpoint: localServer)
        state.apply([.reply(engine: .udp, result: .failure(.socket(refused)))], at: 1.003)
        #expect(
            state.timeline.rows.items.map(\.text) == [
                "UDP 2 B 127.0.0.1:40001 > 127.0.0.1:12000",
                "ICMP port unreachable (for UDP 127.0.0.1:12000) 127.0.0.1 > 127.0.0.1",
            ])
        #expect(
            state.transcript.lines.items.last?.text == "the wire shows why: #2 ICMP port unreachable (for UDP 127.0.0.1:12000) "
                + "came back for the datagram (#1); the connected socket was told, so recv() failed with ECONNREFUSED")
    }

    /// The refused connect, as the engines and the capture deliver it: the call and its
    /// failure first, the SYN and RST (captured a moment later) placed by the kernel's time.
    func refusedSession() -> ConsoleState {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        let refused = SocketError.errno(.connect, ECONNREFUSED, endpoint: localServer)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(1.000), engine: .tcp, role: .client,
                    kind: .connecting(peer: localServer), call: .connect)),
            .event(LabEvent(time: t0.addingTimeInterval(1.003), engine: .tcp, role: .client, kind: .failed(refused))),
        ])
        state.apply([.reply(engine: .tcp, result: .failure(.socket(refused)))], at: 1.004)
        state.apply(
            [
                wire(tcpFrame(from: 40000, to: 12000, flags: 0x02, sequence: 1000, ack: 0, at: 1.001)),
                wire(tcpFrame(from: 12000, to: 40000, flags: 0x14, sequence: 0, ack: 1001, at: 1.002)),
            ], at: 1.010)
        return state
    }

    @Test func framesTakeTheirPlaceByKernelTime() {
        let state = refusedSession()
        #expect(state.timeline.rows.items.map(\.lane) == [.call, .wire, .wire, .call])
        #expect(
            state.timeline.rows.items.map(\.text) == [
                "TCP client connect() to 127.0.0.1:12000",
                "SYN 127.0.0.1:40000 > 127.0.0.1:12000 seq 0 win 65495",
                "RST/ACK 127.0.0.1:12000 > 127.0.0.1:40000 seq 1 ack 1 win 65495",
                "TCP client connect() ECONNREFUSED",
            ])
        #expect(
            state.timeline.rows.items[2].explanation
                == "nothing listens on TCP 127.0.0.1:12000: the kernel answered the SYN with RST, so connect() fails with ECONNREFUSED")
        #expect(
            state.timeline.rows.items[2].summaries == [
                "Ethernet II, Src: 00:00:00:00:00:00, Dst: 00:00:00:00:00:00",
                "Internet Protocol Version 4, Src: 127.0.0.1, Dst: 127.0.0.1",
                "Transmission Control Protocol, Src Port: 12000, Dst Port: 40000, Seq: 1, Ack: 1, Len: 0",
            ])
        // Following the newest, the detail shows the RST (the newest row that explains something).
        #expect(state.timeline.shownRow?.text.hasPrefix("RST/ACK") == true)
    }

    /// Issue 22: following, the detail shows the newest row that says something (the RST),
    /// not always the newest row; the title names the row it shows instead of implying the
    /// newest.
    @Test func theTitleNamesTheRowTheDetailShows() {
        var state = refusedSession()
        var screen = render(state, width: 120, height: 40, clock: utcClock).text
        #expect(screen.contains("Timeline: calls and wire [following newest; detail: #3]"), "\(screen)")
        #expect(screen.contains("#3 wire RST/ACK, 54 bytes on the wire"))
        state.timeline.view = .wire
        screen = render(state, width: 120, height: 40, clock: utcClock).text
        #expect(screen.contains("Timeline: wire [following newest]"), "the RST is the newest wire row:\n\(screen)")
    }

    /// The refusal cites the RST by its row, even when the capture delivers it after the failure.
    @Test func refusalCitesTheRSTOnTheWire() {
        let state = refusedSession()
        #expect(
            state.transcript.lines.items.last?.text
                == "the wire shows why: #3 RST/ACK from 127.0.0.1:12000 answered the SYN (#2); nothing listens there, so connect() failed with ECONNREFUSED"
        )
        #expect(state.timeline.awaited == nil)
    }

    /// Issue 22: the lab's TCPServer.py reads 1,024 of 2,000 bytes and closes, so its kernel
    /// resets the connection after data. The RST is cited as a reset of this connection, never
    /// as the answer to a SYN (it used to say "answered the SYN ... connect() failed").
    @Test func aResetAfterDataIsCitedAsAResetOfThisConnection() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        let local = Endpoint(host: "127.0.0.1", port: 40000)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(1.001), engine: .tcp, role: .client,
                    kind: .connected(local: local, peer: localServer)))
        ])
        state.apply(
            [
                wire(tcpFrame(from: 40000, to: 12000, flags: 0x02, sequence: 1000, ack: 0, at: 1.0005)),
                wire(tcpFrame(from: 12000, to: 40000, flags: 0x12, sequence: 5000, ack: 1001, at: 1.0006)),
                wire(tcpFrame(from: 40000, to: 12000, flags: 0x10, sequence: 1001, ack: 5001, at: 1.0007)),
                wire(tcpFrame(from: 12000, to: 40000, flags: 0x14, sequence: 5001, ack: 3001, at: 1.002)),
            ], at: 1.003)
        let reset = SocketError.errno(.recv, ECONNRESET, endpoint: localServer)
        state.apply([.reply(engine: .tcp, result: .failure(.socket(reset)))], at: 1.004)
        let citations = state.transcript.lines.items.map(\.text).filter { $0.hasPrefix("the wire shows") }
        #expect(
            citations == [
                "the wire shows why: #5 RST/ACK from 127.0.0.1:12000 reset this connection "
                    + "(127.0.0.1:40000 > 127.0.0.1:12000), so recv() failed with ECONNRESET"
            ])
    }

    /// A traced program's refused connect() cites the SYN and RST of its own flow, sent while
    /// the call waited, whichever comes first (the frames, or the call's row as it returns);
    /// a refusal of the same address after the call returned is another connection's.
    @Test func aTracedRefusalCitesTheFramesOfItsCall() {
        func traced(_ call: TracedCall) -> Action {
            .event(LabEvent(time: call.stamp, engine: .tcp, role: .program, kind: .traced(call, program: "python3")))
        }
        var refused = TracedCall(pid: 4242, call: .connect, arguments: [3, 0, 16, 0, 0, 0], result: -111, entry: t0.addingTimeInterval(1))
        refused.address = localServer
        refused.socketKind = "TCP"
        refused.exit = t0.addingTimeInterval(1.002)
        // The frames first (a refusal after the call returned: another program's), then the call.
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        state.apply(
            [
                wire(tcpFrame(from: 40000, to: 12000, flags: 0x02, sequence: 1, ack: 0, at: 1.0005)),
                wire(tcpFrame(from: 12000, to: 40000, flags: 0x14, sequence: 0, ack: 2, at: 1.0006)),
                wire(tcpFrame(from: 40001, to: 12000, flags: 0x02, sequence: 1, ack: 0, at: 1.5)),
                wire(tcpFrame(from: 12000, to: 40001, flags: 0x14, sequence: 0, ack: 2, at: 1.5001)),
            ], at: 1.6)
        state.apply([traced(refused)], at: 1.6)
        let citation =
            "python3 [4242]: the wire shows why: #3 RST/ACK from 127.0.0.1:12000 answered the SYN (#2); "
            + "nothing listens there, so connect() failed with ECONNREFUSED"
        #expect(state.transcript.lines.items.map(\.text).filter { $0.contains("the wire shows") } == [citation])
        #expect(
            state.timeline.number(of: state.timeline.rows.items[0].id) == 1 && state.timeline.rows.items[0].role == .program, "the call's row first")
        // The call first, its frames a moment later (the capture delivers them after it).
        var later = ConsoleState()
        later.apply([.wire(.on(interface: "lo"))])
        later.apply([traced(refused)], at: 1.003)
        #expect(later.timeline.awaitedPrograms.count == 1)
        later.apply(
            [
                wire(tcpFrame(from: 40000, to: 12000, flags: 0x02, sequence: 1, ack: 0, at: 1.0005)),
                wire(tcpFrame(from: 12000, to: 40000, flags: 0x14, sequence: 0, ack: 2, at: 1.0006)),
            ], at: 1.01)
        #expect(later.transcript.lines.items.map(\.text).filter { $0.contains("the wire shows") } == [citation])
        #expect(later.timeline.awaitedPrograms.isEmpty)
        // Without the capture, nothing is awaited and nothing cited.
        var off = ConsoleState()
        off.apply([.wire(.disabled)])
        off.apply([traced(refused)], at: 1.003)
        #expect(off.timeline.awaitedPrograms.isEmpty)
    }

    /// A refused connect is never pinned on an RST of a connection whose handshake completed.
    @Test func aRefusalIsNotCitedFromAnotherFlow() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        // Another program's connection on the same port: handshake, then a reset.
        state.apply(
            [
                wire(tcpFrame(from: 41000, to: 12000, flags: 0x02, sequence: 1, ack: 0, at: 1.001)),
                wire(tcpFrame(from: 12000, to: 41000, flags: 0x12, sequence: 7, ack: 2, at: 1.0011)),
                wire(tcpFrame(from: 12000, to: 41000, flags: 0x14, sequence: 8, ack: 2, at: 1.0012)),
            ], at: 1.002)
        let refused = SocketError.errno(.connect, ECONNREFUSED, endpoint: localServer)
        state.apply([.reply(engine: .tcp, result: .failure(.socket(refused)))], at: 1.003)
        #expect(!state.transcript.lines.items.contains { $0.text.hasPrefix("the wire shows") })
        #expect(state.timeline.awaited?.claim == .refusedConnect, "still waiting for its own SYN and RST")
    }

    /// UDP to a program that is bound and silent: the datagram is on the wire and no ICMP came
    /// back, so the console says that, not that the host answered with ICMP.
    @Test func aSilentBoundProgramIsNotAnICMPAnswer() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo")), .key(.function(5))])
        state.type("hi")
        state.apply([.key(.enter)], at: 1)
        let local = Endpoint(host: "0.0.0.0", port: 40001)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(1.001), engine: .udp, role: .client,
                    kind: .sent(
                        bytes: Array("hi".utf8),
                        from: local, to: localServer)))
        ])
        let (datagram, _) = udpAndUnreachable(from: 40001, to: 12000, payload: Array("hi".utf8), at: 1.002)
        // Another socket's datagram was refused meanwhile: not this exchange's evidence.
        let (_, otherRefusal) = udpAndUnreachable(from: 40999, to: 12000, payload: Array("x".utf8), at: 1.003)
        state.apply([wire(datagram), wire(otherRefusal)], at: 1.004)
        state.apply([.reply(engine: .udp, result: .failure(.timedOut(engine: .udp, peer: localServer, seconds: 2)))], at: 3.002)
        let citations = state.transcript.lines.items.map(\.text).filter { $0.hasPrefix("the wire shows") }
        #expect(
            citations == [
                "the wire shows the datagram (#2) reaching 127.0.0.1:12000 and no ICMP error coming back: "
                    + "a program is bound to that port and did not answer"
            ])
    }

    /// Issue 22: the detail pages through every line of an auto-selected RST (its explanation,
    /// headers and hex rows) a page at a time with one line of overlap; a PgDn past the end is
    /// not counted, and it never says "rows 1-0".
    @Test func theDetailPagesThroughEveryLine() {
        var state = refusedSession()
        state.apply([.resized(width: 80, height: 24)])
        while state.focus != .timeline { state.apply([.key(.tab)]) }
        var seen = Set<String>()
        var statuses: [String] = []
        for _ in 0..<12 {
            let screen = render(state, width: 80, height: 24, clock: utcClock).text.split(separator: "\n").map(String.init)
            guard let heading = screen.firstIndex(where: { $0.contains("#3 wire RST/ACK, 54 bytes on the wire") }) else {
                Issue.record("no detail heading:\n\(screen.joined(separator: "\n"))")
                return
            }
            for line in screen[(heading + 1)...] {
                if line.hasPrefix("└") { break }
                if line.contains("PgUp PgDn scroll") { statuses.append(line) } else { seen.insert(line) }
            }
            state.apply([.key(.pageDown)])
        }
        #expect(!statuses.isEmpty && statuses.allSatisfy { !$0.contains(" 1-0 ") }, "\(statuses)")
        let content = [
            "the kernel answered the SYN", "Internet Protocol Version 4", "Transmission Control Protocol", "0000  ", "0010  ",
            "0020  ", "0030  ",
        ]
        for piece in content { #expect(seen.contains { $0.contains(piece) }, "\(piece) never shown") }
        let end = state.timeline.detailScroll
        state.apply([.key(.pageDown)])
        #expect(state.timeline.detailScroll == end, "past the end is not counted")
        state.apply([.key(.pageUp)])
        #expect(state.timeline.detailScroll < end)
    }

    /// Issue 22: `:save x.pcapng` writes the frames the timeline still holds and says how many
    /// older ones it could not (it used to say nothing: 714 of 1,500 after 150 exchanges).
    @Test func savingAPcapSaysWhatLeftTheTimeline() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        let frames = (0..<(ConsoleState.timelineCapacity + 5)).map {
            wire(tcpFrame(from: 40000, to: 12000, flags: 0x10, sequence: UInt32($0), ack: 1, at: 1 + Double($0) / 1000))
        }
        state.apply(frames, at: 3)
        state.type(":save x.pcapng")
        guard case .save(_, _, let what, _) = state.apply([.key(.enter)], at: 4).first else {
            Issue.record("no save")
            return
        }
        #expect(
            what == "1000 captured packets (the newest; 5 older ones had left the timeline and are not in the file: "
                + "netlab capture --write keeps every packet)")
    }

    @Test func noCitationWithoutTheWire() {
        var state = ConsoleState()
        state.apply([.wire(.off(reason: "capturing packets needs the CAP_NET_RAW capability: FIX"))])
        #expect(
            state.transcript.lines.items.last?.text
                == "WIRE off: capturing packets needs the CAP_NET_RAW capability: FIX; everything else works without it"
        )
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        state.apply([.reply(engine: .tcp, result: .failure(.socket(.errno(.connect, ECONNREFUSED, endpoint: localServer))))], at: 1)
        #expect(!state.transcript.lines.items.contains { $0.text.hasPrefix("the wire shows why") })
        #expect(state.timeline.awaited == nil)
    }

    @Test func viewsShowCallsWireOrBoth() {
        var state = refusedSession()
        #expect(state.timeline.visibleRows.count == 4)
        state.apply([.key(.function(9))])
        #expect(state.timeline.view == .calls)
        #expect(state.timeline.visibleRows.allSatisfy { $0.lane == .call })
        state.apply([.key(.function(9))])
        #expect(state.timeline.visibleRows.map(\.lane) == [.wire, .wire])
        state.apply([.key(.function(9))])
        #expect(state.timeline.view == .ladder)
        #expect(state.timeline.visibleRows.count == 4, "the ladder draws every row")
        state.apply([.key(.function(9))])
        #expect(state.timeline.view == .both)
        state.type(":view wire")
        state.apply([.key(.enter)])
        #expect(state.timeline.view == .wire)
        state.type(":view sideways")
        state.apply([.key(.enter)])
        #expect(state.transcript.lines.items.last?.text == "usage: :view [both|calls|wire|ladder]")
    }

    @Test func savingWritesCapturedFramesAsPcapng() throws {
        var state = refusedSession()
        state.type(":save lab.pcapng")
        let effects = state.apply([.key(.enter)])
        guard case .save(let path, let bytes, let what, _) = effects.first else {
            Issue.record("no save effect: \(effects)")
            return
        }
        #expect(path == "lab.pcapng")
        #expect(what == "2 captured packets")
        let file = try PcapFile.read(bytes)
        let captured = state.timeline.rows.items.compactMap(\.frame)
        #expect(file.frames.map(\.bytes) == captured.map(\.bytes))
        #expect(zip(file.frames, captured).allSatisfy { abs($0.time.timeIntervalSince($1.time)) < 1e-6 })
        #expect(file.records.allSatisfy { $0.comment == nil })
    }

    /// Without the wire, the messages go out in made-up frames, and the file says so.
    /// Issue 22: an unconnected UDP socket's address reads 0.0.0.0; the made-up frame carries
    /// the address the kernel would put on the wire (src 127.0.0.1 for the loopback route).
    @Test func madeUpFramesNeverComeFromTheWildcardAddress() throws {
        var frames = MadeUpFrames()
        let made = frames.frame(
            Array("hi".utf8), from: Endpoint(host: "0.0.0.0", port: 40001),
            to: Endpoint(host: "127.0.0.5", port: 12000), udp: true, time: t0)
        let frame = try #require(made)
        let endpoints = try #require(FrameDecoder.decode(frame).endpoints)
        #expect(endpoints.source == Endpoint(host: "127.0.0.1", port: 40001))
        #expect(endpoints.destination == Endpoint(host: "127.0.0.5", port: 12000))
    }

    @Test func savingWithoutTheWireMarksTheFramesMadeUp() throws {
        var state = ConsoleState()
        state.apply([.wire(.off(reason: "no rights"))])
        state.apply([
            .event(
                LabEvent(
                    time: t0, engine: .udp, role: .client,
                    kind: .sent(bytes: Array("hello".utf8), from: clientSocket, to: localServer), call: .sendto)),
            .event(
                LabEvent(
                    time: t0, engine: .udp, role: .server,
                    kind: .received(bytes: Array("hello".utf8), from: clientSocket, to: localServer), call: .recvmmsg)),
            .event(
                LabEvent(
                    time: t0, engine: .udp, role: .server,
                    kind: .sent(bytes: Array("HELLO".utf8), from: localServer, to: clientSocket), call: .sendmmsg)),
        ])
        state.type(":save")
        let text = state.apply([.key(.enter)])
        guard case .save(let textPath, let textBytes, _, _) = text.first else {
            Issue.record("no save effect: \(text)")
            return
        }
        #expect(textPath == "netlab-session.txt")
        #expect(
            String(decoding: textBytes, as: UTF8.self).contains("#2 10:00:00.000 call UDP server recvmmsg() 5 B 127.0.0.1:40000 > 127.0.0.1:12000"))
        state.type(":save made-up.pcapng")
        let effects = state.apply([.key(.enter)])
        guard case .save(_, let bytes, let what, _) = effects.first else {
            Issue.record("no save effect: \(effects)")
            return
        }
        #expect(what == "2 made-up packets (WIRE off: nothing was captured)")
        let file = try PcapFile.read(bytes)
        #expect(file.sectionComment == MadeUpFrames.sectionComment)
        #expect(file.records.allSatisfy { $0.comment == MadeUpFrames.packetComment })
        let labels = file.frames.map { WireText.label(FrameDecoder.decode($0)) }
        #expect(labels == ["UDP 5 B", "UDP 5 B"])
        #expect(file.frames.map { Array($0.bytes.suffix(5)) } == [Array("hello".utf8), Array("HELLO".utf8)])
    }
}

@Suite struct PresenterTextTests {
    /// A reply with letters the block font lacks is shown as sent, not as question marks.
    @Test func nonASCIIRepliesAreShownFaithfully() {
        var state = ConsoleState(presenter: true)
        state.type("héllo")
        state.apply([.key(.enter)])
        state.apply([.reply(engine: .tcp, result: .success(Array("HéLLO".utf8)))])
        #expect(state.outcome?.banners == ["HéLLO"])
        let screen = render(state, width: 80, height: 24).text
        #expect(screen.contains("H é L L O"))
        #expect(!screen.contains("H??LLO"))
        // Drawable replies keep the block letters.
        state.apply([.reply(engine: .tcp, result: .success(Array("HELLO".utf8)))])
        #expect(render(state, width: 80, height: 24).text.contains(BlockFont.rows("HELLO")[0]))
        // Control bytes are escaped, never sent to the terminal.
        state.apply([.reply(engine: .tcp, result: .success([0x48, 0x1b, 0x5b, 0x32, 0x4a]))])
        #expect(state.outcome?.banners == ["H\\x1b[2J"])
    }
}
