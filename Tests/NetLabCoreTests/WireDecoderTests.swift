import Foundation
import NetLabCore
import Testing

/// The decoder against tshark: every fixture in `Fixtures/wire` was captured with tcpdump
/// (`lo`, and `any` for the Linux cooked link types); next to each, `NAME.fields.txt` is
/// tshark's own decode of the same file (`tshark -n -T fields -E occurrence=l ...`, the last
/// occurrence, so an ICMP error's fields are those of the datagram it quotes) and
/// `NAME.summary.txt` its collapsed packet details (`tshark -n -V | grep '^[A-Z]'`).
private func wireFixture(_ name: String) throws -> (frames: [CapturedFrame], fields: [[String: String]], summary: [String]) {
    func url(_ file: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/wire/\(file)", withExtension: nil))
    }
    let capture = try PcapFile.read(Array(Data(contentsOf: url("\(name).pcap"))))
    let table = try String(contentsOf: url("\(name).fields.txt"), encoding: .utf8).split(separator: "\n")
    let header = table[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    let rows = table.dropFirst().map { line in
        let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(header, values).filter { !$0.1.isEmpty })
    }
    let summary = try String(contentsOf: url("\(name).summary.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
    return (capture.frames, rows, summary)
}

private let fixtures = [
    "tcp-exchange", "tcp-refused", "tcp6-refused", "tcp-refused-sll", "udp-unreachable",
    "udp6-unreachable", "udp-exchange-any", "http-exchange",
]

@Suite struct WireDecoderTests {
    @Test(arguments: fixtures)
    func fieldsAgreeWithTshark(_ name: String) throws {
        let (frames, rows, _) = try wireFixture(name)
        #expect(frames.count == rows.count)
        var numbers = TCPSequenceNumbers()
        for (frame, row) in zip(frames, rows) {
            let decoded = FrameDecoder.decode(frame)
            let context = Comment(rawValue: "\(name) frame \(row["frame.number"] ?? "?")")
            #expect(row["frame.len"] == "\(decoded.length)", context)
            #expect(row["frame.cap_len"] == "\(decoded.capturedLength)", context)
            let ip = try #require(decoded.ip, context)
            // For an ICMP error, tshark's last occurrence is the quoted datagram's.
            let quoted = decoded.icmp?.quoted
            let source = quoted?.source.host ?? ip.source
            let destination = quoted?.destination.host ?? ip.destination
            #expect(row[ip.version == 4 ? "ip.src" : "ipv6.src"] == source, context)
            #expect(row[ip.version == 4 ? "ip.dst" : "ipv6.dst"] == destination, context)
            let relative = numbers.relative(decoded)
            switch decoded.transport {
            case .tcp(let tcp):
                #expect(row["tcp.srcport"] == "\(tcp.sourcePort)", context)
                #expect(row["tcp.dstport"] == "\(tcp.destinationPort)", context)
                #expect(row["tcp.flags"].flatMap { UInt16($0.dropFirst(2), radix: 16) } == tcp.flags.rawValue, context)
                #expect(row["tcp.seq"] == "\(relative!.sequence)", context)
                #expect(row["tcp.ack"] == "\(relative!.acknowledgement ?? 0)", context)
                #expect(row["tcp.window_size_value"] == "\(tcp.window)", context)
                #expect(row["tcp.len"] == "\(tcp.payloadLength)", context)
            case .udp(let udp):
                #expect(row["udp.srcport"] == "\(udp.sourcePort)", context)
                #expect(row["udp.dstport"] == "\(udp.destinationPort)", context)
                #expect(row["udp.length"] == "\(udp.length)", context)
            case .icmp(let icmp):
                let prefix = icmp.version == 4 ? "icmp" : "icmpv6"
                #expect(row["\(prefix).type"] == "\(icmp.type)", context)
                #expect(row["\(prefix).code"] == "\(icmp.code)", context)
                let quoted = try #require(icmp.quoted, context)
                #expect(row["udp.srcport"] == "\(quoted.source.port)", context)
                #expect(row["udp.dstport"] == "\(quoted.destination.port)", context)
            default:
                Issue.record("\(context): not decoded")
            }
        }
    }

    /// netlab's header lines are tshark's collapsed packet details, word for word (an ICMP line
    /// adds what the error says and whose datagram it quotes; application protocols are tshark's own).
    @Test(arguments: fixtures)
    func summariesAgreeWithTshark(_ name: String) throws {
        let (frames, _, summary) = try wireFixture(name)
        var numbers = TCPSequenceNumbers()
        var theirs = summary[...]
        for (index, frame) in frames.enumerated() {
            let decoded = FrameDecoder.decode(frame)
            let ours = WireText.summaries(decoded, number: index + 1, relative: numbers.relative(decoded))
            // tshark's lines for this frame: up to the next "Frame N:" line.
            let end = theirs.dropFirst().firstIndex { $0.hasPrefix("Frame ") } ?? theirs.endIndex
            let frameLines = Array(theirs[theirs.startIndex..<end])
            theirs = theirs[end...]
            #expect(Array(ours.prefix(3)) == Array(frameLines.prefix(3)), "\(name) frame \(index + 1)")
            let transport = try #require(ours.dropFirst(3).first)
            #expect(transport.hasPrefix(frameLines[3]), "\(name) frame \(index + 1): \(transport) vs \(frameLines[3])")
            // Where tshark knows no protocol for the payload, its line is netlab's. (It reads UDP
            // port 12000 as LLC, a guess from the port number; the bytes are the lab's message.)
            if frameLines.count > 4, frameLines[4].hasPrefix("Data (") {
                #expect(ours.count > 4 && ours[4] == frameLines[4], "\(name) frame \(index + 1)")
            }
        }
    }

    @Test func labelsSayWhatAStudentLooksFor() throws {
        func labels(_ name: String) throws -> [String] {
            try wireFixture(name).frames.map { WireText.label(FrameDecoder.decode($0)) }
        }
        #expect(try labels("tcp-refused") == ["SYN", "RST/ACK"])
        #expect(try labels("tcp6-refused") == ["SYN", "RST/ACK"])
        #expect(
            try labels("tcp-exchange") == [
                "SYN", "SYN/ACK", "ACK", "PSH/ACK 5 B", "ACK", "PSH/ACK 5 B", "ACK",
                "FIN/ACK", "FIN/ACK", "ACK",
            ])
        #expect(try labels("udp-unreachable") == ["UDP 5 B", "ICMP port unreachable (for UDP 127.0.0.1:12000)"])
        #expect(try labels("udp6-unreachable") == ["UDP 5 B", "ICMPv6 port unreachable (for UDP [::1]:12000)"])
        #expect(try labels("udp-exchange-any") == ["UDP 5 B", "UDP 5 B"])
    }

    @Test func linesReadLikeTcpdump() throws {
        let frames = try wireFixture("tcp-refused").frames.map(FrameDecoder.decode)
        var numbers = TCPSequenceNumbers()
        let lines = frames.map { WireText.line($0, relative: numbers.relative($0)) }
        #expect(
            lines == [
                "127.0.0.1:57248 > 127.0.0.1:12000 SYN seq 0 win 65495",
                "127.0.0.1:12000 > 127.0.0.1:57248 RST/ACK seq 1 ack 1 win 0",
            ])
        let icmp = try FrameDecoder.decode(#require(wireFixture("udp6-unreachable").frames.last))
        #expect(WireText.line(icmp) == "::1 > ::1 ICMPv6 port unreachable (for UDP [::1]:12000)")
    }

    @Test func pcapngWrittenReadsBackWithComments() throws {
        let frames = try wireFixture("tcp-exchange").frames
        let records = frames.enumerated().map { PcapFile.Record(frame: $0.element, comment: $0.offset == 0 ? "first" : nil) }
        let bytes = PcapFile.pcapng(records, sectionComment: "made by a test")
        let back = try PcapFile.read(bytes)
        #expect(back.sectionComment == "made by a test")
        #expect(back.records.map(\.comment) == records.map(\.comment))
        #expect(back.frames.map(\.bytes) == frames.map(\.bytes))
        for (a, b) in zip(back.frames, frames) {
            #expect(abs(a.time.timeIntervalSince1970 - b.time.timeIntervalSince1970) < 1e-6)
        }
    }

    /// Frames cut anywhere decode as far as they go and never trap.
    @Test func truncatedFramesNeverTrap() throws {
        for name in fixtures {
            for frame in try wireFixture(name).frames {
                for cut in 0...frame.bytes.count {
                    let short = CapturedFrame(
                        time: frame.time, linkType: frame.linkType, bytes: Array(frame.bytes.prefix(cut)),
                        length: frame.length)
                    _ = WireText.summaries(FrameDecoder.decode(short), number: 1)
                }
            }
        }
        #expect(
            WireText.label(FrameDecoder.decode(CapturedFrame(time: Date(), linkType: .init(rawValue: 999), bytes: [1])))
                == "frame (link type 999, not decoded)")
    }

    @Test func ipv6TextFollowsRFC5952() {
        func text(_ groups: [UInt16]) -> String {
            let bytes = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
            var frame = [UInt8](repeating: 0, count: 40)
            frame[0] = 0x60
            frame.replaceSubrange(8..<24, with: bytes)
            return FrameDecoder.decode(CapturedFrame(time: Date(), linkType: .raw, bytes: frame)).ip!.source
        }
        #expect(text([0, 0, 0, 0, 0, 0, 0, 1]) == "::1")
        #expect(text([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]) == "2001:db8::1:0:0:1")
        #expect(text([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]) == "2001:db8:0:1:1:1:1:1")
        #expect(text([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]) == "::ffff:127.0.0.1")
        #expect(text([0xfe80, 0, 0, 0, 0, 0, 0, 0]) == "fe80::")
    }
}

@Suite struct CaptureFilterTests {
    /// The user-space choice of frames agrees with the kernel filter's intent, ICMP included.
    @Test func framesOfTheWatchedPortsOnly() throws {
        func frames(_ name: String) throws -> [DecodedFrame] {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/wire/\(name).pcap", withExtension: nil))
            return try PcapFile.read(Array(Data(contentsOf: url))).frames.map(FrameDecoder.decode)
        }
        for name in ["tcp-refused", "udp-unreachable", "udp6-unreachable", "tcp-exchange"] {
            #expect(try frames(name).allSatisfy { CaptureFilter.matches($0, ports: [12000]) }, "\(name)")
            #expect(try frames(name).allSatisfy { !CaptureFilter.matches($0, ports: [12001, 8080]) }, "\(name)")
        }
        #expect(CaptureFilter.expression(ports: [12000, 12000]).components(separatedBy: "tcp port 12000").count == 2)
    }

    /// A datagram larger than the link's MTU, as IPv4 and as IPv6 carry it: the first piece has
    /// the UDP header (the whole datagram's length), later pieces none. Labels as tcpdump -v
    /// reads them (`frag (ID:0|65488)`, `frag (ID:65488|47)` for 65,527 bytes to ::1).
    @Test func fragmentsAreLabelledAsPiecesOfTheirDatagram() {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        let ethernet4 = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
        func ipv4(payload: [UInt8], flagsAndOffset: Int) -> CapturedFrame {
            let header = [0x45, 0] + u16(20 + payload.count) + u16(0x1234) + u16(flagsAndOffset) + [64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
            return CapturedFrame(time: Date(), linkType: .ethernet, bytes: ethernet4 + header + payload)
        }
        // 65,507 bytes over a 1,500-byte link: 1,480 bytes a piece, the UDP header in the first.
        let first = FrameDecoder.decode(
            ipv4(
                payload: u16(40000) + u16(12000) + u16(65515) + [0, 0] + [UInt8](repeating: 0x61, count: 1472),
                flagsAndOffset: 0x2000))
        let middle = FrameDecoder.decode(ipv4(payload: [UInt8](repeating: 0x61, count: 1480), flagsAndOffset: 0x2000 | 185))
        let last = FrameDecoder.decode(ipv4(payload: [UInt8](repeating: 0x61, count: 395), flagsAndOffset: 44 * 185))
        #expect(WireText.label(first) == "UDP 65507 B, first fragment (1472 B here)")
        #expect(first.endpoints?.destination == Endpoint(host: "10.0.0.2", port: 12000))
        #expect(WireText.label(middle) == "IPv4 fragment of UDP: bytes 1480-2959 of the datagram")
        #expect(middle.endpoints == nil, "a later piece has no ports: its first bytes are data")
        #expect(WireText.label(last) == "IPv4 fragment of UDP: bytes 65120-65514 of the datagram, the last")
        #expect(WireText.summaries(middle, number: 2).last == "Data (1480 bytes)", "a later piece is data, as tshark shows it")

        // The watched port's pieces follow the first; another datagram's pieces do not.
        let matcher = CaptureFilter.PortMatcher()
        #expect(!matcher.matches(middle, ports: [12000]), "no first piece seen yet")
        #expect(matcher.matches(first, ports: [12000]))
        #expect(matcher.matches(middle, ports: [12000]) && matcher.matches(last, ports: [12000]))
        #expect(!matcher.matches(middle, ports: [12000]), "the last piece ends the datagram")
        #expect(!matcher.matches(first, ports: [12001]))

        // IPv6: a fragment header (44) before UDP.
        let ethernet6 = [UInt8](repeating: 0, count: 12) + [0x86, 0xdd]
        func ipv6(_ fragmentField: Int, payload: [UInt8]) -> DecodedFrame {
            let loopback = [UInt8](repeating: 0, count: 15) + [1]
            let fragmentHeader: [UInt8] = [17, 0] + u16(fragmentField) + [0x31, 0x1e, 0x5b, 0xf4]
            let header = [0x60, 0, 0, 0] + u16(8 + payload.count) + [44, 64] + loopback + loopback
            return FrameDecoder.decode(CapturedFrame(time: Date(), linkType: .ethernet, bytes: ethernet6 + header + fragmentHeader + payload))
        }
        let first6 = ipv6(1, payload: u16(44924) + u16(23021) + u16(65535) + [0, 0] + [UInt8](repeating: 0x61, count: 16))
        let last6 = ipv6(65488, payload: [UInt8](repeating: 0x61, count: 47))
        #expect(WireText.label(first6) == "UDP 65527 B, first fragment (16 B here)")
        #expect(first6.endpoints?.destination == Endpoint(host: "::1", port: 23021))
        #expect(WireText.label(last6) == "IPv6 fragment of UDP: bytes 65488-65534 of the datagram, the last")
    }
}
