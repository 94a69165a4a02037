import Foundation
import Testing

@testable import NetLabCore

/// Faults as the user types them and as the kernel gets them; the firewall's log as the
/// capture hands it over.
@Suite struct FaultTests {
    @Test(arguments: [
        ("drop tcp 12000", Fault.drop(.tcp, port: 12000)),
        ("reject UDP 12001", Fault.reject(.udp, port: 12001)),
        ("loss 20%", Fault.loss(percent: 20, proto: nil, port: nil)),
        ("loss 5% udp", Fault.loss(percent: 5, proto: .udp, port: nil)),
        ("loss 100% 12000 tcp", Fault.loss(percent: 100, proto: .tcp, port: 12000)),
        ("down", Fault.down),
        ("rate 100kbit", Fault.rate(bitsPerSecond: 100_000)),
        ("rate 2MBIT", Fault.rate(bitsPerSecond: 2_000_000)),
    ])
    func wordsBecomeFaults(words: String, expected: Fault) throws {
        let fault = try Fault.parse(words.split(separator: " ").map(String.init)).get()
        #expect(fault == expected)
        #expect(try Fault.parse(fault.description.split(separator: " ").map(String.init)).get() == fault, "listed as it is typed")
    }

    @Test(arguments: [
        ("drop tcp", "drop needs a protocol and a port: drop tcp|udp PORT (e.g. drop tcp 12000)"),
        ("reject icmp 1", "reject needs a protocol and a port: reject tcp|udp PORT (e.g. reject tcp 12000)"),
        ("drop tcp 70000", "drop needs a protocol and a port: drop tcp|udp PORT (e.g. drop tcp 12000)"),
        ("loss 20", "loss needs a percentage from 1% to 100%: loss 20% [tcp|udp] [PORT]"),
        ("loss 0%", "loss needs a percentage from 1% to 100%: loss 20% [tcp|udp] [PORT]"),
        ("loss 10% tcp udp", "\"udp\" is not tcp, udp or a port (1-65535): loss 20% [tcp|udp] [PORT]"),
        ("slow", "no fault \"slow\": loss N% [tcp|udp] [PORT] | drop tcp|udp PORT | reject tcp|udp PORT | down | rate N(kbit|mbit) | off"),
        ("rate fast", "rate needs a speed from 8kbit to 10000mbit: rate 100kbit"),
        ("rate 1kbit", "rate needs a speed from 8kbit to 10000mbit: rate 100kbit"),
        ("down now", "down takes no words: host b goes silent"),
    ])
    func badWordsSayWhatIsExpected(words: String, message: String) {
        #expect(Fault.parse(words.split(separator: " ").map(String.init)) == .failure(FaultError(message)))
    }

    @Test func theRulesetIsTheFirewallOnTheReceivingInput() {
        let rules = Fault.ruleset([.drop(.tcp, port: 12000), .reject(.udp, port: 12000), .loss(percent: 20, proto: .tcp, port: 12001)])
        #expect(
            rules == """
                table inet netlab_faults
                delete table inet netlab_faults
                table inet netlab_faults {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    tcp dport 12000 log prefix "drop tcp 12000" group 7 queue-threshold 1 drop
                    udp dport 12000 log prefix "reject udp 12000" group 7 queue-threshold 1 reject with icmpx admin-prohibited
                    tcp dport 12001 numgen random mod 100 < 20 log prefix "loss 20% tcp 12001" group 7 queue-threshold 1 drop
                    tcp sport 12001 numgen random mod 100 < 20 log prefix "loss 20% tcp 12001" group 7 queue-threshold 1 drop
                  }
                }

                """)
        #expect(Fault.ruleset([]) == "table inet netlab_faults\ndelete table inet netlab_faults\n", "off: the table goes")
        #expect(Fault.ruleset([.loss(percent: 3, proto: nil, port: nil)]).contains("meta l4proto udp numgen random mod 100 < 3 log"))
        // nft's random numbers are 0-99: "< 100" is refused, so 100% is every packet.
        #expect(Fault.ruleset([.loss(percent: 100, proto: .udp, port: 9)]).contains("    udp dport 9 log prefix \"loss 100% udp 9\""))
    }

    @Test func hostBGoesSilentAndTheLinkSlowsDown() {
        #expect(Fault.ruleset([.down, .rate(bitsPerSecond: 8_000)]) == Fault.ruleset([]), "not host a's firewall")
        let down = Fault.hostBRuleset([.down])
        #expect(down.contains("table arp netlab_faults {\n  chain input { type filter hook input priority 0; policy drop; }"))
        #expect(down.contains("table inet netlab_faults {\n  chain input { type filter hook input priority 0; policy drop; }"))
        #expect(down.contains("chain output { type filter hook output priority 0; policy drop; }"))
        #expect(
            Fault.hostBRuleset([])
                == "table arp netlab_faults\ndelete table arp netlab_faults\ntable inet netlab_faults\ndelete table inet netlab_faults\n")
        #expect(Fault.linkRate([.rate(bitsPerSecond: 8_000), .down, .rate(bitsPerSecond: 64_000)]) == 64_000)
        #expect(Fault.linkRate([.down]) == nil)
        #expect([Fault.down, .rate(bitsPerSecond: 8_000)].allSatisfy { $0.needsSecondHost })
        #expect(!Fault.drop(.tcp, port: 1).needsSecondHost)
    }

    /// An ARP request and its reply as the `any` capture has them (Linux cooked v1), from the
    /// two hosts of `--hosts 2`.
    @Test func arpAsksAndAnswers() {
        func cooked(_ arp: [UInt8]) -> CapturedFrame {
            let header: [UInt8] = [0, 4, 0, 1, 0, 6, 0x9a, 0x59, 0xbb, 0x9b, 0x0c, 0xa0, 0, 0, 0x08, 0x06]
            return CapturedFrame(time: Date(), linkType: .linuxCooked, bytes: header + arp)
        }
        let a: [UInt8] = [0x9a, 0x59, 0xbb, 0x9b, 0x0c, 0xa0]
        let b: [UInt8] = [0x46, 0xdd, 0x20, 0x40, 0x4b, 0xcf]
        let request = FrameDecoder.decode(cooked([0, 1, 8, 0, 6, 4, 0, 1] + a + [10, 13, 0, 1] + [0, 0, 0, 0, 0, 0] + [10, 13, 0, 2]))
        #expect(WireText.label(request) == "ARP who has 10.13.0.2? tell 10.13.0.1")
        #expect(request.ip == nil && request.arp?.isRequest == true)
        let reply = FrameDecoder.decode(cooked([0, 1, 8, 0, 6, 4, 0, 2] + b + [10, 13, 0, 2] + a + [10, 13, 0, 1]))
        #expect(WireText.label(reply) == "ARP 10.13.0.2 is at 46:dd:20:40:4b:cf")
        #expect(WireText.summaries(reply, number: 3).last == "Address Resolution Protocol (reply)")
        let short = FrameDecoder.decode(cooked([0, 1, 8, 0, 6, 4, 0, 1]))
        #expect(short.arp == nil && WireText.label(short) == "frame (not IP)")
    }

    /// A datagram the `reject udp 12000` rule logged, as libpcap delivered it from `nflog:7`
    /// (recorded with dumpcap in a private network on this project's VM; tshark reads it as
    /// Family IPv4, Resource id 7, Prefix "reject udp 12000", UDP 35244 > 12000, "hello").
    static let logged = """
        02000007080001000800010015000a0072656a656374207564702031323030300000000008000400000000011000080000060000000000\
        000000000006000f000304000006001100000e0000120010000000000000000000000000000800000014000300000000006b11e53c000000\
        00000b69c025000900450000218b1140004011b1b87f0000017f00000189ac2ee0000dfe2068656c6c6f000000
        """

    @Test func theFirewallsLogDecodesToThePacketAndItsFault() throws {
        var bytes: [UInt8] = []
        var hex = Self.logged[...]
        while hex.count >= 2 {
            bytes.append(UInt8(hex.prefix(2), radix: 16)!)
            hex = hex.dropFirst(2)
        }
        let frame = FrameDecoder.decode(CapturedFrame(time: Date(), linkType: .nflog, bytes: bytes))
        #expect(frame.droppedBy == "reject udp 12000")
        #expect(frame.ip?.source == "127.0.0.1")
        let udp = try #require(frame.udp)
        #expect((udp.sourcePort, udp.destinationPort, udp.payloadLength) == (35244, 12000, 5))
        #expect(Array(bytes[frame.payload]) == Array("hello".utf8))
        #expect(WireText.summaries(frame, number: 1)[1] == "Linux netfilter log, Prefix: reject udp 12000")
        // Cut anywhere, it decodes as far as it goes and never traps.
        for end in 0..<bytes.count { _ = FrameDecoder.decode(CapturedFrame(time: Date(), linkType: .nflog, bytes: Array(bytes[..<end]))) }
    }
}
