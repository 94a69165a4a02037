/// A fault put on purpose into netlab's private network, where a real network would have it:
/// on the receiving host's input (a firewall's drop or reject, loss). Pure: the words a user
/// types in, the nftables ruleset out; NetLabPrivate applies it.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// `loss 20% [tcp|udp] [PORT]`: each matching packet is lost with this chance, both ways.
    case loss(percent: Int, proto: Proto?, port: UInt16?)
    /// `drop tcp|udp PORT`: a firewall that drops what comes to PORT and says nothing.
    case drop(Proto, port: UInt16)
    /// `reject tcp|udp PORT`: a firewall that answers with ICMP administratively prohibited.
    case reject(Proto, port: UInt16)
    /// `down`: host b (of `--hosts 2`) sends and answers nothing, ARP included.
    case down
    /// `rate 100kbit`: the link between the two hosts this slow (a token bucket each way).
    case rate(bitsPerSecond: Int)

    /// Whether the fault needs the second host (`--hosts 2`): it lives on host b or the link.
    public var needsSecondHost: Bool {
        switch self {
        case .down, .rate: true
        default: false
        }
    }

    public enum Proto: String, Sendable, Hashable, CaseIterable {
        case tcp, udp
    }

    /// The NFLOG group the drops are reported to: the capture reads `nflog:<group>`.
    public static let logGroup = 7

    /// How the user wrote it (and how `:fault` lists it): `loss 20% tcp 12000`.
    public var description: String {
        switch self {
        case .loss(let percent, let proto, let port):
            (["loss \(percent)%"] + [proto?.rawValue, port.map(String.init)].compactMap { $0 }).joined(separator: " ")
        case .drop(let proto, let port): "drop \(proto.rawValue) \(port)"
        case .reject(let proto, let port): "reject \(proto.rawValue) \(port)"
        case .down: "down"
        case .rate(let bits): "rate \(Self.rateText(bits))"
        }
    }

    /// `100kbit`, `2mbit`, `1500bit`.
    public static func rateText(_ bits: Int) -> String {
        if bits % 1_000_000 == 0 { return "\(bits / 1_000_000)mbit" }
        if bits % 1_000 == 0 { return "\(bits / 1_000)kbit" }
        return "\(bits)bit"
    }

    public static let syntax = "loss N% [tcp|udp] [PORT] | drop tcp|udp PORT | reject tcp|udp PORT | down | rate N(kbit|mbit) | off"

    /// Reads a fault from its words (`drop tcp 12000`); the error says what was wrong and what
    /// is expected.
    public static func parse(_ words: [String]) -> Result<Fault, FaultError> {
        guard let kind = words.first?.lowercased() else { return .failure(FaultError("no fault named: \(syntax)")) }
        let args = Array(words.dropFirst())
        switch kind {
        case "loss":
            guard let first = args.first, first.hasSuffix("%"), let percent = Int(first.dropLast()), (1...100).contains(percent) else {
                return .failure(FaultError("loss needs a percentage from 1% to 100%: loss 20% [tcp|udp] [PORT]"))
            }
            var proto: Proto?
            var port: UInt16?
            for word in args.dropFirst() {
                if let named = Proto(rawValue: word.lowercased()), proto == nil {
                    proto = named
                } else if let number = Self.port(word), port == nil {
                    port = number
                } else {
                    return .failure(FaultError("\"\(word)\" is not tcp, udp or a port (1-65535): loss 20% [tcp|udp] [PORT]"))
                }
            }
            return .success(.loss(percent: percent, proto: proto, port: port))
        case "drop", "reject":
            guard args.count == 2, let proto = Proto(rawValue: args[0].lowercased()), let port = Self.port(args[1]) else {
                return .failure(FaultError("\(kind) needs a protocol and a port: \(kind) tcp|udp PORT (e.g. \(kind) tcp 12000)"))
            }
            return .success(kind == "drop" ? .drop(proto, port: port) : .reject(proto, port: port))
        case "down":
            guard args.isEmpty else { return .failure(FaultError("down takes no words: host b goes silent")) }
            return .success(.down)
        case "rate":
            guard args.count == 1, let bits = Self.bits(args[0]), bits >= 8_000, bits <= 10_000_000_000 else {
                return .failure(FaultError("rate needs a speed from 8kbit to 10000mbit: rate 100kbit"))
            }
            return .success(.rate(bitsPerSecond: bits))
        default:
            return .failure(FaultError("no fault \"\(kind)\": \(syntax)"))
        }
    }

    private static func port(_ word: String) -> UInt16? {
        guard let value = Int(word), (1...65535).contains(value) else { return nil }
        return UInt16(value)
    }

    private static func bits(_ word: String) -> Int? {
        let lower = word.lowercased()
        for (suffix, scale) in [("mbit", 1_000_000), ("kbit", 1_000), ("bit", 1)] where lower.hasSuffix(suffix) {
            return Int(lower.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }

    // MARK: The kernel's settings

    /// The nftables table netlab owns in the private network: replaced whole on every change.
    public static let table = "netlab_faults"

    /// The ruleset for these faults, for `nft -f -`: one table, an input chain (the receiving
    /// host's firewall) in which every rule that throws a packet away logs it to NFLOG first,
    /// its prefix naming the fault (the capture reads the group and marks the row).
    public static func ruleset(_ faults: [Fault]) -> String {
        // Made if missing, then deleted, in one transaction: the old rules go with it.
        var lines = ["table inet \(table)", "delete table inet \(table)"]
        let faults = faults.filter { !$0.needsSecondHost }  // host b's and the link's are not here
        guard !faults.isEmpty else { return lines.joined(separator: "\n") + "\n" }
        lines += ["table inet \(table) {", "  chain input {", "    type filter hook input priority 0; policy accept;"]
        for fault in faults {
            // queue-threshold 1: each entry is sent at once (the kernel otherwise holds them up to
            // a second, and the marks would come late).
            let log = "log prefix \"\(fault)\" group \(logGroup) queue-threshold 1"
            switch fault {
            case .drop(let proto, let port):
                lines.append("    \(proto.rawValue) dport \(port) \(log) drop")
            case .reject(let proto, let port):
                lines.append("    \(proto.rawValue) dport \(port) \(log) reject with icmpx admin-prohibited")
            case .loss(let percent, let proto, let port):
                // 100%: every packet (nft's random number is 0-99, so "< 100" is refused).
                let chance = percent == 100 ? "" : "numgen random mod 100 < \(percent) "
                let protos = proto.map { [$0] } ?? Proto.allCases
                for proto in protos {
                    if let port {
                        // Both ways: what goes to the port and what comes back from it.
                        lines.append("    \(proto.rawValue) dport \(port) \(chance)\(log) drop")
                        lines.append("    \(proto.rawValue) sport \(port) \(chance)\(log) drop")
                    } else {
                        lines.append("    meta l4proto \(proto.rawValue) \(chance)\(log) drop")
                    }
                }
            case .down, .rate:
                break  // host b's firewall and the link
            }
        }
        lines += ["  }", "}"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Host b's firewall: with `down`, it drops everything it is sent and sends nothing (ARP
    /// too, so host a's kernel learns nothing and gives up); otherwise the table goes.
    public static func hostBRuleset(_ faults: [Fault]) -> String {
        var lines = ["table arp \(table)", "delete table arp \(table)", "table inet \(table)", "delete table inet \(table)"]
        if faults.contains(.down) {
            for family in ["arp", "inet"] {
                lines += [
                    "table \(family) \(table) {",
                    "  chain input { type filter hook input priority 0; policy drop; }",
                    "  chain output { type filter hook output priority 0; policy drop; }",
                    "}",
                ]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The link's rate, if a fault sets one (the last one wins).
    public static func linkRate(_ faults: [Fault]) -> Int? {
        for fault in faults.reversed() { if case .rate(let bits) = fault { return bits } }
        return nil
    }
}

/// Why a fault's words were not understood, in one line.
public struct FaultError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
