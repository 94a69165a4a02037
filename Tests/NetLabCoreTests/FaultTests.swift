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
        ("slow", "no fault \"slow\": loss N% [tcp|udp] [PORT] | drop tcp|udp PORT | reject tcp|udp PORT | off"),
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
