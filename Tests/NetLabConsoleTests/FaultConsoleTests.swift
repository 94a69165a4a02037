import Foundation
import NetLabCore
import Testing

@testable import NetLabConsole

/// `:fault` in the console: only in the private network, changes in the order typed, the
/// firewall's answer said; the firewall's log marks the captured packet's row.
@Suite struct FaultConsoleTests {
    static func privateState() -> ConsoleState {
        var state = ConsoleState()
        state.privateNetwork = true
        return state
    }

    static func command(_ state: inout ConsoleState, _ line: String) -> [Effect] {
        state.type(line)
        return state.apply([.key(.enter)])
    }

    @Test func faultsAreRefusedOutsideThePrivateNetwork() {
        var state = ConsoleState()
        #expect(Self.command(&state, ":fault drop tcp 12000").isEmpty)
        #expect(
            state.transcript.lines.last?.text
                == "faults are made only in netlab's private network: start netlab --private (here they would change this machine's firewall)")
        #expect(Self.command(&state, ":fault").isEmpty)
        #expect(state.transcript.lines.last?.text.hasPrefix("faults are made only in netlab's private network") == true)
    }

    @Test func changesTypedQuicklyAllCountAndTheFirewallsAnswerIsSaid() {
        var state = Self.privateState()
        #expect(Self.command(&state, ":fault drop tcp 12000") == [.setFaults([.drop(.tcp, port: 12000)])])
        // Typed before the firewall answered the first: built on it, not on what the firewall has.
        #expect(
            Self.command(&state, ":fault reject udp 12000") == [.setFaults([.drop(.tcp, port: 12000), .reject(.udp, port: 12000)])])
        #expect(state.faults.count == 2)
        state.apply([.faults(.success([.drop(.tcp, port: 12000)]))])
        #expect(
            state.transcript.lines.last?.text
                == "fault on: drop tcp 12000: the firewall drops what comes to TCP port 12000 and answers nothing; "
                + "the dropped packets are marked on the timeline")
        state.apply([.faults(.success([.drop(.tcp, port: 12000), .reject(.udp, port: 12000)]))])
        #expect(
            state.transcript.lines.last?.text
                == "fault on: reject udp 12000: the firewall answers what comes to UDP port 12000 with ICMP administratively prohibited")
        #expect(Self.command(&state, ":fault drop tcp 12000").isEmpty)
        #expect(state.transcript.lines.last?.text == "fault drop tcp 12000 is already on")
        #expect(Self.command(&state, ":fault").isEmpty)
        #expect(state.transcript.lines.last?.text == "faults: drop tcp 12000, reject udp 12000 (:fault off ends them)")
        #expect(Self.command(&state, ":fault off") == [.setFaults([])])
        state.apply([.faults(.success([]))])
        #expect(state.transcript.lines.last?.text == "faults off: the private network passes everything again, at full speed")
        #expect(state.faults.isEmpty)
    }

    @Test func aRefusedChangeLeavesWhatTheFirewallHas() {
        var state = Self.privateState()
        _ = Self.command(&state, ":fault loss 20% udp")
        state.apply([.faults(.failure(FaultError("nft refused the faults: Error: Could not process rule: No such file or directory")))])
        #expect(state.faults.isEmpty, "back to what the firewall holds")
        #expect(state.transcript.lines.last?.text == "nft refused the faults: Error: Could not process rule: No such file or directory")
        #expect(state.transcript.lines.last?.role == .error)
    }

    @Test func badWordsGetTheFaultsOwnHint() {
        var state = Self.privateState()
        #expect(Self.command(&state, ":fault drop tcp").isEmpty)
        #expect(
            state.transcript.lines.last?.text == ":fault: drop needs a protocol and a port: drop tcp|udp PORT (e.g. drop tcp 12000)")
    }

    @Test func theStatusBarSaysTheNetworkMisbehavesOnPurpose() {
        var state = Self.privateState()
        _ = Self.command(&state, ":fault drop tcp 12000")
        let top = render(state, width: 120, height: 40, clock: utcClock).line(at: 0)
        #expect(top.contains("PRIVATE NET") && top.contains("FAULTS 1"), "\(top)")
        // At 80 columns the three servers leave room for the word only ("F1" read like a key).
        let narrow = render(state, width: 80, height: 24, clock: utcClock).line(at: 0)
        #expect(narrow.contains("PRIVATE NET  FAULT "), "\(narrow)")
    }

    @Test func theClientMovesToHostBOnlyWhenThereIsOne() {
        var one = Self.privateState()
        #expect(Self.command(&one, ":host b").isEmpty)
        #expect(one.transcript.lines.last?.text == ":host b needs a second host: start netlab --private --hosts 2")
        #expect(one.client.from == "a")
        var two = Self.privateState()
        two.hosts = 2
        _ = Self.command(&two, ":host b")
        #expect(two.client.from == "b" && two.client.host == "10.13.0.1")
        #expect(
            two.transcript.lines.last?.text
                == "netlab's client now sends from host b (10.13.0.2); its target moves to 10.13.0.1:12000, netlab's servers on host a "
                + "(127.0.0.1 is each host's own loopback)")
        _ = Self.command(&two, ":host")
        #expect(two.transcript.lines.last?.text == "netlab's client sends from host b (10.13.0.2)")
        _ = Self.command(&two, ":host a")
        #expect(two.client.from == "a" && two.client.host == "10.13.0.1", "10.13.0.1 is host a's own address: kept")
        #expect(ColonCommand.parse("host c") == .failure(CommandError("usage: :host a|b")))
    }

    // MARK: The firewall's log on the timeline

    /// The datagram the `reject udp 12000` rule logged (FaultTests in NetLabCoreTests has the
    /// recording), and the same packet as the loopback capture has it (an Ethernet header of
    /// zeros before the IP packet, no padding).
    static func logged(at seconds: Double) -> CapturedFrame {
        let hex = """
            02000007080001000800010015000a0072656a656374207564702031323030300000000008000400000000011000080000060000000000\
            000000000006000f000304000006001100000e0000120010000000000000000000000000000800000014000300000000006b11e53c000000\
            00000b69c025000900450000218b1140004011b1b87f0000017f00000189ac2ee0000dfe2068656c6c6f000000
            """
        var bytes: [UInt8] = []
        var rest = hex[...]
        while rest.count >= 2 {
            bytes.append(UInt8(rest.prefix(2), radix: 16)!)
            rest = rest.dropFirst(2)
        }
        return CapturedFrame(time: t0.addingTimeInterval(seconds), linkType: .nflog, bytes: bytes)
    }

    static func captured(at seconds: Double) -> CapturedFrame {
        let log = logged(at: 0)
        let ip = FrameDecoder.decode(log).ip!.range.lowerBound
        let packet = Array(log.bytes[ip..<(ip + 33)])  // the IP total length: 33
        return CapturedFrame(time: t0.addingTimeInterval(seconds), linkType: .ethernet, bytes: [UInt8](repeating: 0, count: 12) + [8, 0] + packet)
    }

    static func wire(_ frame: CapturedFrame) -> Action {
        .event(LabEvent(time: frame.time, engine: .udp, role: .wire, kind: .wire(frame)))
    }

    static let marked = "UDP 5 B rejected by :fault reject udp 12000: 127.0.0.1:35244 > 127.0.0.1:12000"

    @Test func theLogMarksThePacketTheCaptureAlreadyHas() {
        var state = ConsoleState()
        state.apply([Self.wire(Self.captured(at: 1)), Self.wire(Self.logged(at: 1.001))])
        #expect(state.timeline.rows.items.map(\.text) == [Self.marked])
        #expect(state.timeline.rows.items.first?.isError == true)
        #expect(state.timeline.rows.items.first?.droppedBy == "reject udp 12000")
    }

    /// The log comes at once, the capture's frames in batches: a log entry waits for its packet.
    @Test func theLogMayComeBeforeThePacket() {
        var state = ConsoleState()
        state.apply([Self.wire(Self.logged(at: 1)), Self.wire(Self.captured(at: 1))])
        #expect(state.timeline.rows.items.map(\.text) == [Self.marked])
    }

    /// A packet the capture never delivers (a port it does not watch): the log's own copy becomes
    /// the row, once half a second has passed and another frame comes.
    @Test func aLoggedPacketTheCaptureNeverHadGetsARowOfItsOwn() {
        var state = ConsoleState()
        state.apply([Self.wire(Self.logged(at: 1))])
        #expect(state.timeline.rows.items.isEmpty)
        var other = Self.captured(at: 2)
        other.bytes[other.bytes.count - 1] = UInt8(ascii: "O")  // another datagram ("hellO")
        state.apply([Self.wire(other)])
        #expect(state.timeline.rows.items.map(\.text) == [Self.marked, "UDP 5 B 127.0.0.1:35244 > 127.0.0.1:12000"])
    }

    /// A SYN sent again is named as the retransmission of the row it repeats, and the fault
    /// that dropped that one is said (checked by hand on the wire: Linux sends a dropped SYN
    /// again a second later, four times at one-second intervals here before backing off).
    @Test func aRetransmissionNamesTheSegmentItRepeats() {
        func syn(at seconds: Double) -> CapturedFrame {
            var bytes = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
            bytes += [0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
            bytes += [0x9c, 0x40, 0x2e, 0xe0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xd7, 0, 0, 0, 0]
            return CapturedFrame(time: t0.addingTimeInterval(seconds), linkType: .ethernet, bytes: bytes)
        }
        // The firewall's log of the first SYN: an NFLOG record around the same IP packet.
        func logged(_ frame: CapturedFrame) -> CapturedFrame {
            let prefix = Array("drop tcp 12000".utf8) + [0]
            func tlv(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
                let length = UInt16(4 + value.count)
                var bytes = withUnsafeBytes(of: length) { Array($0) } + withUnsafeBytes(of: type) { Array($0) } + value
                while bytes.count % 4 != 0 { bytes.append(0) }
                return bytes
            }
            let bytes = [2, 0, 0, 7] + tlv(10, prefix) + tlv(9, Array(frame.bytes[14...]))
            return CapturedFrame(time: frame.time, linkType: .nflog, bytes: bytes)
        }
        var state = ConsoleState()
        let first = syn(at: 1)
        state.apply([Self.wire(first), Self.wire(logged(first)), Self.wire(syn(at: 2.024))])
        let rows = state.timeline.rows.items
        #expect(rows.count == 2)
        #expect(rows[0].text == "SYN dropped by :fault drop tcp 12000: 127.0.0.1:40000 > 127.0.0.1:12000 seq 0 win 65495")
        #expect(
            rows[1].explanation
                == "a retransmission of #1 (the SYN, 1024 ms later): :fault drop tcp 12000 dropped it, no ACK came, so TCP sent it "
                + "again; a lost UDP datagram is not sent again")
    }
}
