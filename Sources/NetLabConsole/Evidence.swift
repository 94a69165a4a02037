import Foundation
import NetLabCore

/// A client exchange that failed, waiting for its evidence on the wire (the RST, the ICMP
/// error) when the capture delivers it after the failure.
public struct AwaitedEvidence: Equatable, Sendable {
    /// What the sentence will claim, and so which frames may be cited for it.
    public enum Claim: Equatable, Sendable {
        /// connect() failed with ECONNREFUSED: a SYN to the target answered by RST in its flow.
        case refusedConnect
        /// send()/recv() failed with ECONNRESET or EPIPE: an RST from the target in the
        /// exchange's own connection.
        case reset(SocketOperation, errno: Int32)
        /// A datagram answered by ICMP port unreachable; `connected` sockets are told of it.
        case portUnreachable(connected: Bool)
        /// connect() timed out: the client's SYNs (its own flow) and no SYN/ACK for them.
        case unansweredConnect
        /// connect() failed with EHOSTUNREACH: an ICMP administratively prohibited quoting a
        /// SYN of this flow (a firewall that rejects), or ARP requests for the target's address
        /// that nobody answered (a host that is down).
        case unreachableConnect
    }

    /// Every sentence `Evidence` can say, by name: each has a situation produced for real on
    /// loopback and checked against the capture (NetLabAppTests' SituationTests); a sentence
    /// added here without one fails a test.
    public static let sentences = [
        "refused connect", "reset of this connection", "ICMP for an unconnected socket",
        "ICMP for a connected socket", "datagram without ICMP", "SYN without SYN/ACK",
        "SYNs a fault dropped", "datagram a fault dropped", "ICMP prohibited for a connect", "ICMP prohibited for a datagram",
        "ARP without an answer",
    ]

    public var engine: LabEvent.Engine
    public var target: Endpoint
    public var claim: Claim
    /// The client's own address in the exchange, when known (TCP: from connect(); UDP: from
    /// the datagram sent); a citation must belong to this flow.
    public var local: Endpoint?
    public var since: Date
    /// The last moment a cited frame may have: a traced call's return (its SYN and RST came
    /// while it waited), so a later connection to the same address is never taken for it.
    public var until: Date?
    /// Whose failure it is when not the client's: a traced program (`python3 [4242]`).
    public var caller: String?

    public init(
        engine: LabEvent.Engine, target: Endpoint, claim: Claim, local: Endpoint?, since: Date, until: Date? = nil, caller: String? = nil
    ) {
        self.engine = engine
        self.target = target
        self.claim = claim
        self.local = local
        self.since = since
        self.until = until
        self.caller = caller
    }
}

/// Matches a failure's claim with the frames of its own flow and kind, and words the citation.
/// Never a lookup by port alone: an RST that answered data is not a refused connect, and an
/// ICMP error for another socket's datagram is not this one's.
enum Evidence {
    /// The sentence citing the frames that show why, or nil while they are not there.
    static func cite<Rows: RandomAccessCollection>(_ awaited: AwaitedEvidence, rows: Rows, numberOffset: Int) -> String?
    where Rows.Element == ConsoleState.TimelineRow, Rows.Index == Int {
        func number(_ index: Int) -> String { "#\(numberOffset + index + 1)" }
        let wire = rows.indices.filter { index in
            rows[index].lane == .wire && rows[index].time >= awaited.since && rows[index].decoded != nil
                && awaited.until.map { rows[index].time <= $0 } ?? true
        }
        switch awaited.claim {
        case .refusedConnect:
            // The RST must answer a SYN of the same flow: client port > target, then back.
            for index in wire.reversed() {
                guard let rst = rows[index].decoded, let tcp = rst.tcp, tcp.flags.contains(.rst),
                    let (source, destination) = rst.endpoints, same(source, awaited.target)
                else { continue }
                guard
                    let syn = wire.last(where: { candidate in
                        guard candidate < index, let frame = rows[candidate].decoded, let segment = frame.tcp,
                            segment.flags.contains(.syn), !segment.flags.contains(.ack), let (from, to) = frame.endpoints
                        else { return false }
                        return same(from, destination) && same(to, awaited.target)
                    })
                else { continue }
                let answered = wire.contains { candidate in
                    guard candidate > syn, candidate < index, let frame = rows[candidate].decoded, let segment = frame.tcp,
                        let (from, to) = frame.endpoints
                    else { return false }
                    return segment.flags.contains(.syn) && segment.flags.contains(.ack) && same(from, awaited.target) && same(to, destination)
                }
                if answered { continue }  // the handshake completed: this RST is not a refusal
                return "the wire shows why: \(number(index)) \(WireText.label(rst)) from \(awaited.target) answered the SYN "
                    + "(\(number(syn))); nothing listens there, so connect() failed with ECONNREFUSED"
            }
            return nil
        case .reset(let operation, let errno):
            guard let local = awaited.local else { return nil }
            for index in wire.reversed() {
                guard let rst = rows[index].decoded, let tcp = rst.tcp, tcp.flags.contains(.rst),
                    let (source, destination) = rst.endpoints, same(source, awaited.target), same(destination, local)
                else { continue }
                return "the wire shows why: \(number(index)) \(WireText.label(rst)) from \(awaited.target) reset this connection "
                    + "(\(local.onWire) > \(awaited.target)), so \(operation.rawValue)() failed with \(Errno(errno).name)"
            }
            return nil
        case .unansweredConnect:
            guard let local = awaited.local else { return nil }
            func flow(_ index: Int, from: Endpoint, to: Endpoint) -> DecodedFrame.TCP? {
                guard let frame = rows[index].decoded, let segment = frame.tcp, let (source, destination) = frame.endpoints,
                    same(source, from), same(destination, to)
                else { return nil }
                return segment
            }
            let syns = wire.filter { index in
                flow(index, from: local, to: awaited.target).map { $0.flags.contains(.syn) && !$0.flags.contains(.ack) } ?? false
            }
            let answered = wire.contains { index in flow(index, from: awaited.target, to: local).map { $0.flags.contains(.syn) } ?? false }
            guard let first = syns.first, !answered else { return nil }
            let times = syns.count == 1 ? "went out once" : "went out \(syns.count) times (\(syns.map(number).joined(separator: ", ")))"
            let dropped = syns.filter { rows[$0].droppedBy != nil }
            if let fault = dropped.first.flatMap({ rows[$0].droppedBy }), dropped.count == syns.count {
                return "the wire shows why: the SYN (\(number(first))) from \(local.onWire) \(times) and :fault \(fault) dropped "
                    + "\(syns.count == 1 ? "it" : "each one") before it reached \(awaited.target); a firewall that drops answers "
                    + "nothing, so connect() waited until the timeout"
            }
            let lost = dropped.isEmpty ? "" : " (\(dropped.map(number).joined(separator: ", ")) dropped by a :fault)"
            return "the wire shows why: the SYN (\(number(first))) from \(local.onWire) \(times)\(lost) and no SYN/ACK came back from "
                + "\(awaited.target), so connect() waited until the timeout"
        case .unreachableConnect:
            for index in wire.reversed() {
                guard let frame = rows[index].decoded, WireText.isProhibited(frame), let quoted = frame.icmp?.quoted,
                    quoted.protocolNumber == 6, same(quoted.destination, awaited.target),
                    awaited.local.map({ same(quoted.source, $0) }) ?? true
                else { continue }
                let syn = wire.last { candidate in
                    guard candidate < index, let segment = rows[candidate].decoded, let tcp = segment.tcp, tcp.flags.contains(.syn),
                        let (from, to) = segment.endpoints
                    else { return false }
                    return same(from, quoted.source) && same(to, quoted.destination)
                }
                let cause = syn.map { " (\(number($0)))" } ?? ""
                return "the wire shows why: \(number(index)) \(WireText.label(frame)) came back for the SYN\(cause): a firewall "
                    + "rejected it, so connect() failed with EHOSTUNREACH"
            }
            // No ICMP error: on a link, the kernel asked ARP for the target's address and nobody answered.
            // Only once the kernel has given up asking (it asks three times, a second apart):
            // a connect() that failed at once has frames still on their way (a reject's ICMP
            // error, the ARP answer), and one unanswered request so far proves nothing.
            let asked = wire.filter { rows[$0].decoded?.arp.map { $0.isRequest && $0.targetIP == awaited.target.host } ?? false }
            let answered = wire.contains { rows[$0].decoded?.arp.map { !$0.isRequest && $0.senderIP == awaited.target.host } ?? false }
            guard asked.count >= 3, !answered else { return nil }
            let times = asked.count == 1 ? "once (\(number(asked[0])))" : "\(asked.count) times (\(asked.map(number).joined(separator: ", ")))"
            let sentSYN = wire.contains { index in
                guard let frame = rows[index].decoded, let tcp = frame.tcp, tcp.flags.contains(.syn), let (_, to) = frame.endpoints
                else { return false }
                return same(to, awaited.target)
            }
            return "the wire shows why: ARP asked who has \(awaited.target.host) \(times) and no answer came"
                + (sentSYN ? "" : ", so the SYN never left")
                + ": no host on the link has that address now (it is down or gone), so connect() failed with EHOSTUNREACH"
        case .portUnreachable(let connected):
            for index in wire.reversed() {
                guard let frame = rows[index].decoded, WireText.isPortUnreachable(frame) || WireText.isProhibited(frame),
                    let quoted = frame.icmp?.quoted, quoted.protocolNumber == 17,
                    same(quoted.destination, awaited.target), awaited.local.map({ same(quoted.source, $0) }) ?? true
                else { continue }
                let datagram = wire.last { candidate in
                    guard candidate < index, let udp = rows[candidate].decoded, udp.udp != nil,
                        let (from, to) = udp.endpoints
                    else { return false }
                    return same(from, quoted.source) && same(to, quoted.destination)
                }
                let cause = datagram.map { " (\(number($0)))" } ?? ""
                if WireText.isProhibited(frame) {
                    return "the wire shows why: \(number(index)) \(WireText.label(frame)) came back for the datagram\(cause): "
                        + "a firewall rejected it; "
                        + (connected
                            ? "the connected socket was told, so recv() failed with EHOSTUNREACH"
                            : "an unconnected socket is not told, so recvfrom() waited until the timeout")
                }
                return "the wire shows why: \(number(index)) \(WireText.label(frame)) came back for the datagram\(cause); "
                    + (connected
                        ? "the connected socket was told, so recv() failed with ECONNREFUSED"
                        : "an unconnected socket is not told, so recvfrom() waited until the timeout")
            }
            return nil
        }
    }

    /// For a UDP exchange that timed out with no ICMP error on the wire: the datagram that
    /// arrived and the silence after it, when the capture has the datagram.
    static func silence<Rows: RandomAccessCollection>(_ awaited: AwaitedEvidence, rows: Rows, numberOffset: Int) -> String?
    where Rows.Element == ConsoleState.TimelineRow, Rows.Index == Int {
        guard case .portUnreachable(connected: false) = awaited.claim, let local = awaited.local else { return nil }
        guard
            let index = rows.indices.last(where: { candidate in
                let row = rows[candidate]
                guard row.lane == .wire, row.time >= awaited.since, let frame = row.decoded, frame.udp != nil,
                    let (from, to) = frame.endpoints
                else { return false }
                return same(from, local) && same(to, awaited.target)
            })
        else { return nil }
        if let fault = rows[index].droppedBy {
            return "the wire shows the datagram (#\(numberOffset + index + 1)) dropped by :fault \(fault) before it reached "
                + "\(awaited.target): a firewall that drops sends no ICMP error, so recvfrom() waited until the timeout"
        }
        // An answer on the wire (lost on its way back to a :fault, or not): the silence is not the
        // server's, and this sentence would be wrong.
        let answered = rows.indices.contains { candidate in
            guard candidate > index, rows[candidate].lane == .wire, let frame = rows[candidate].decoded, frame.udp != nil,
                let (from, to) = frame.endpoints
            else { return false }
            return same(from, awaited.target) && same(to, local)
        }
        if answered { return nil }
        return "the wire shows the datagram (#\(numberOffset + index + 1)) reaching \(awaited.target) and no ICMP error coming back: "
            + "a program is bound to that port and did not answer"
    }

    /// The same address, where a wildcard host (`0.0.0.0`, `::`) matches any.
    static func same(_ a: Endpoint, _ b: Endpoint) -> Bool {
        guard a.port == b.port else { return false }
        let wildcard: Set<String> = ["0.0.0.0", "::", ""]
        return a.host == b.host || wildcard.contains(a.host) || wildcard.contains(b.host)
    }
}
