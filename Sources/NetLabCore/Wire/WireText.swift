import Foundation

/// What a student reads about a frame: a short label (`SYN/ACK`, `PSH/ACK 5 B`, `UDP 5 B`,
/// `ICMP port unreachable (for UDP 127.0.0.1:12000)`), a tcpdump-like line, and one summary
/// line per header in the words of Wireshark's packet details (collapsed).
public enum WireText {
    public static func label(_ frame: DecodedFrame) -> String {
        if let ip = frame.ip, let fragment = ip.fragment {
            if fragment.offset > 0 {
                // `IPv4 fragment of UDP: bytes 1480-2959 of the datagram, the last`
                let name = [6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6"][Int(ip.protocolNumber)] ?? "IP protocol \(ip.protocolNumber)"
                let end = fragment.offset + frame.payload.count - 1
                return "IPv\(ip.version) fragment of \(name): bytes \(fragment.offset)-\(end) of the datagram"
                    + (fragment.more ? "" : ", the last")
            }
            if case .udp(let udp) = frame.transport {
                // The header's length is the whole datagram's; this piece holds its start.
                return "UDP \(max(0, udp.length - 8)) B, first fragment (\(udp.payloadLength) B here)"
            }
        }
        switch frame.transport {
        case .tcp(let tcp):
            let flags = tcp.flags.names.joined(separator: "/")
            let name = flags.isEmpty ? "TCP (no flags)" : flags
            return tcp.payloadLength > 0 ? "\(name) \(tcp.payloadLength) B" : name
        case .udp(let udp):
            return "UDP \(udp.payloadLength) B"
        case .icmp(let icmp):
            var text = "\(icmp.version == 4 ? "ICMP" : "ICMPv6") \(icmpName(icmp))"
            if let quoted = icmp.quoted {
                text += " (for \(quoted.protocolNumber == 6 ? "TCP" : "UDP") \(quoted.destination))"
            }
            return text
        case .other(let number):
            return "IP protocol \(number)"
        case nil:
            if let arp = frame.arp {
                return arp.isRequest ? "ARP who has \(arp.targetIP)? tell \(arp.senderIP)" : "ARP \(arp.senderIP) is at \(mac(arp.senderMAC))"
            }
            if case .unknown(let type) = frame.link { return "frame (\(type), not decoded)" }
            return frame.ip == nil ? "frame (not IP)" : "IP (header cut short)"
        }
    }

    /// `127.0.0.1:57232 > 127.0.0.1:12000 SYN seq 0 win 65495`,
    /// `127.0.0.1:40250 > 127.0.0.1:12000 UDP 5 B`, `127.0.0.1 > 127.0.0.1 ICMP port unreachable (...)`.
    public static func line(
        _ frame: DecodedFrame, relative: (sequence: UInt32, acknowledgement: UInt32?)? = nil,
        window: Int? = nil
    ) -> String {
        var text: String
        if let (source, destination) = frame.endpoints {
            text = "\(source) > \(destination) \(label(frame))"
        } else if let ip = frame.ip {
            text = "\(ip.source) > \(ip.destination) \(label(frame))"
        } else {
            text = label(frame)
        }
        if let tcp = frame.tcp {
            let numbers = relative ?? (tcp.sequence, tcp.flags.contains(.ack) ? tcp.acknowledgement : nil)
            text += " seq \(numbers.sequence)"
            if let ack = numbers.acknowledgement { text += " ack \(ack)" }
            text += " win \(window ?? Int(tcp.window))"
        }
        return text
    }

    /// One line per header, as Wireshark's packet details show them collapsed (`tshark -V -n`):
    /// `Frame 2: 54 bytes on wire (432 bits), 54 bytes captured (432 bits)`, `Ethernet II, ...`,
    /// `Internet Protocol Version 4, Src: ..., Dst: ...`, `Transmission Control Protocol, ...`,
    /// and `Data (5 bytes)` for a payload.
    public static func summaries(
        _ frame: DecodedFrame, number: Int,
        relative: (sequence: UInt32, acknowledgement: UInt32?)? = nil
    ) -> [String] {
        var lines = [
            "Frame \(number): \(frame.length) bytes on wire (\(frame.length * 8) bits), "
                + "\(frame.capturedLength) bytes captured (\(frame.capturedLength * 8) bits)"
        ]
        switch frame.link {
        case .ethernet(let source, let destination, _):
            lines.append("Ethernet II, Src: \(mac(source)), Dst: \(mac(destination))")
        case .linuxCooked(let version, _, _, _):
            lines.append("Linux cooked capture v\(version)")
        case .raw:
            lines.append("Raw packet data")
        case .nflog(let prefix):
            lines.append("Linux netfilter log, Prefix: \(prefix)")
        case .unknown(let type):
            lines.append("\(type) (not decoded)")
        }
        if let ip = frame.ip {
            lines.append("Internet Protocol Version \(ip.version), Src: \(ip.source), Dst: \(ip.destination)")
        }
        if let arp = frame.arp {
            lines.append("Address Resolution Protocol (\(arp.isRequest ? "request" : arp.operation == 2 ? "reply" : "opcode \(arp.operation)"))")
        }
        switch frame.transport {
        case .tcp(let tcp):
            let numbers = relative ?? (tcp.sequence, tcp.flags.contains(.ack) ? tcp.acknowledgement : nil)
            var text = "Transmission Control Protocol, Src Port: \(tcp.sourcePort), Dst Port: \(tcp.destinationPort), Seq: \(numbers.sequence)"
            if let ack = numbers.acknowledgement { text += ", Ack: \(ack)" }
            lines.append(text + ", Len: \(tcp.payloadLength)")
        case .udp(let udp):
            lines.append("User Datagram Protocol, Src Port: \(udp.sourcePort), Dst Port: \(udp.destinationPort)")
        case .icmp(let icmp):
            var text = icmp.version == 4 ? "Internet Control Message Protocol" : "Internet Control Message Protocol v6"
            text += ", \(icmpName(icmp))"
            if let quoted = icmp.quoted {
                text += ", quoting \(quoted.protocolNumber == 6 ? "TCP" : "UDP") \(quoted.source) > \(quoted.destination)"
            }
            lines.append(text)
        case .other(let number):
            lines.append("IP protocol \(number) (not decoded)")
        case nil:
            break
        }
        if frame.icmp == nil, !frame.payload.isEmpty {
            lines.append("Data (\(frame.payload.count) byte\(frame.payload.count == 1 ? "" : "s"))")
        }
        return lines
    }

    /// `port unreachable`, `host unreachable`, `echo request`, or `type 5 code 1`.
    public static func icmpName(_ icmp: DecodedFrame.ICMP) -> String {
        let unreachable: [UInt8: String]
        let names: [UInt8: String]
        if icmp.version == 4 {
            if icmp.type == 3 {
                unreachable = [
                    0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable",
                    3: "port unreachable", 4: "fragmentation needed", 9: "network prohibited",
                    10: "host prohibited", 13: "administratively prohibited",
                ]
                return unreachable[icmp.code] ?? "destination unreachable (code \(icmp.code))"
            }
            names = [0: "echo reply", 8: "echo request", 11: "time exceeded", 12: "parameter problem"]
        } else {
            if icmp.type == 1 {
                unreachable = [
                    0: "no route to destination", 1: "administratively prohibited", 3: "address unreachable",
                    4: "port unreachable", 5: "source address failed policy", 6: "reject route",
                ]
                return unreachable[icmp.code] ?? "destination unreachable (code \(icmp.code))"
            }
            names = [
                2: "packet too big", 3: "time exceeded", 4: "parameter problem", 128: "echo request",
                129: "echo reply", 133: "router solicitation", 134: "router advertisement",
                135: "neighbor solicitation", 136: "neighbor advertisement",
            ]
        }
        return names[icmp.type] ?? "type \(icmp.type) code \(icmp.code)"
    }

    static func mac(_ bytes: [UInt8]) -> String {
        HexDump.hex(bytes, separator: UInt8(ascii: ":"))
    }

    /// Whether the frame is an ICMP error reporting that nothing listens on a UDP port.
    public static func isPortUnreachable(_ frame: DecodedFrame) -> Bool {
        guard let icmp = frame.icmp else { return false }
        return icmp.version == 4 ? (icmp.type == 3 && icmp.code == 3) : (icmp.type == 1 && icmp.code == 4)
    }

    /// Whether the frame is an ICMP error saying a firewall refused the packet (administratively
    /// prohibited; for IPv4 also the older network and host prohibited codes).
    public static func isProhibited(_ frame: DecodedFrame) -> Bool {
        guard let icmp = frame.icmp else { return false }
        return icmp.version == 4 ? (icmp.type == 3 && [9, 10, 13].contains(icmp.code)) : (icmp.type == 1 && icmp.code == 1)
    }
}
