import Foundation
import NetLabCore

/// The timeline's wire: captured frames become rows (relative TCP numbers, the firewall's log
/// marking the packets a fault dropped, retransmissions named), and the failures waiting for
/// those frames are cited once they come.
extension Timeline {
    /// A captured frame's row; returns the sentences its arrival makes possible (a failure's
    /// evidence that was waiting for it).
    mutating func add(_ frame: CapturedFrame) -> [String] {
        if frame.linkType == .nflog {
            // The firewall's log names a packet the capture has (a row to mark) or will have in a
            // moment (the capture hands frames over in batches up to 10 ms apart; the log at once).
            if !markDropped(frame) {
                pendingDrops.append(frame)
                if pendingDrops.count > Self.pendingDropLimit { pendingDrops.removeFirst() }
            }
            return []
        }
        var said = addRow(frame)
        if !pendingDrops.isEmpty { said += settleDrops(at: frame.time) }
        return said
    }

    /// Log entries still waiting for their packet: marked now if it came, or after half a
    /// second shown as rows of their own (the capture did not keep the packet: another port).
    mutating func settleDrops(at time: Date) -> [String] {
        var said: [String] = []
        let waiting = pendingDrops
        pendingDrops = []
        for logged in waiting where !markDropped(logged) {
            if time.timeIntervalSince(logged.time) > 0.5 { said += addRow(logged) } else { pendingDrops.append(logged) }
        }
        return said
    }

    mutating func addRow(_ frame: CapturedFrame) -> [String] {
        framesSeen += 1
        let taken = session.take(frame)
        var row = Row(
            id: 0, time: frame.time, lane: .wire, engine: taken.decoded.udp != nil ? .udp : .tcp, role: .wire,
            text: "\(taken.label) \(Self.wireAddresses(taken.decoded))\(Self.tcpNumbers(taken))",
            outgoing: false, isError: taken.explanation != nil, bytes: frame.bytes, length: frame.length)
        row.relative = taken.sequence.map { Row.TCPNumbers(sequence: $0, acknowledgement: taken.acknowledgement) }
        row.explanation = taken.explanation
        row.frame = frame
        row.decoded = taken.decoded
        if let fault = taken.decoded.droppedBy { row.mark(droppedBy: fault) }
        if row.explanation == nil { row.explanation = retransmission(of: taken.decoded, at: frame.time) }
        add(row)
        var said: [String] = []
        if let awaited {
            if frame.time.timeIntervalSince(awaited.since) > 120 {
                self.awaited = nil
            } else if let line = cite(awaited) {
                said.append(line)
                self.awaited = nil
            }
        }
        // A traced call's frames come within 10 ms of its return: a second is plenty.
        let waiting = awaitedPrograms
        awaitedPrograms = []
        for awaited in waiting where frame.time.timeIntervalSince(awaited.until ?? awaited.since) <= 1 {
            if let line = cite(awaited) { said.append(line) } else { awaitedPrograms.append(awaited) }
        }
        return said
    }

    /// How far back a firewall's log entry looks for the packet it names (the log comes
    /// milliseconds after the capture's copy of it).
    static let dropSearchLimit = 256
    static let pendingDropLimit = 64

    /// A packet the private network's firewall logged as it threw it away: the capture already
    /// has it as a row (it saw the packet leave); that row is marked with the fault. False when
    /// no recent row carries these very bytes (the log's copy then becomes a row of its own).
    mutating func markDropped(_ logged: CapturedFrame) -> Bool {
        let decoded = FrameDecoder.decode(logged)
        guard let fault = decoded.droppedBy, let ip = decoded.ip else { return false }
        let packet = logged.bytes[ip.range.lowerBound...]
        let items = rows.items
        var index = items.count - 1
        let stop = max(0, items.count - Self.dropSearchLimit)
        while index >= stop {
            let row = items[index]
            // The log pads the packet to 4 bytes; the capture's copy has it exactly.
            if row.lane == .wire, row.droppedBy == nil, let frame = row.frame, let theirs = row.decoded?.ip,
                case let copy = frame.bytes[theirs.range.lowerBound...], (0..<4).contains(packet.count - copy.count),
                packet.prefix(copy.count).elementsEqual(copy)
            {
                rows.update(at: index) { $0.mark(droppedBy: fault) }
                return true
            }
            index -= 1
        }
        return false
    }

    /// A TCP segment sent again (a SYN, or data at the same sequence number on the same flow):
    /// which row it repeats, and whether a `:fault` dropped that one.
    func retransmission(of frame: DecodedFrame, at time: Date) -> String? {
        guard let tcp = frame.tcp, tcp.flags.contains(.syn) || tcp.payloadLength > 0, let (from, to) = frame.endpoints else { return nil }
        let items = rows.items
        var index = items.count - 1
        let stop = max(0, items.count - Self.dropSearchLimit)
        while index >= stop {
            let row = items[index]
            if row.lane == .wire, let earlier = row.decoded, let segment = earlier.tcp, let (source, destination) = earlier.endpoints,
                source == from, destination == to, segment.sequence == tcp.sequence, segment.flags == tcp.flags,
                segment.payloadLength == tcp.payloadLength
            {
                let number = "#\(rows.dropped + index + 1)"
                let after = Int((time.timeIntervalSince(row.time) * 1000).rounded())
                let what = tcp.flags.contains(.syn) ? "the SYN" : "the \(tcp.payloadLength) bytes"
                if let fault = row.droppedBy {
                    return "a retransmission of \(number) (\(what), \(after) ms later): :fault \(fault) dropped it, no ACK came, "
                        + "so TCP sent it again; a lost UDP datagram is not sent again"
                }
                return "a retransmission of \(number) (\(what), \(after) ms later): no ACK came in time, so TCP sent it again"
            }
            index -= 1
        }
        return nil
    }

    /// How many traced calls' failures wait for their frames at once (the oldest give way).
    static let programEvidenceLimit = 8

    /// A failure's evidence the timeline does not have yet: kept until its frames come (the
    /// client's replaces the client's; a program's joins the newest few).
    mutating func wait(for awaited: AwaitedEvidence) {
        if awaited.caller == nil {
            self.awaited = awaited
        } else {
            awaitedPrograms.append(awaited)
            if awaitedPrograms.count > Self.programEvidenceLimit { awaitedPrograms.removeFirst() }
        }
    }

    /// The sentence citing the rows that show why, with whose failure it is when not the client's.
    func cite(_ awaited: AwaitedEvidence) -> String? {
        Evidence.cite(awaited, rows: rows.items, numberOffset: rows.dropped).map { (awaited.caller.map { "\($0): " } ?? "") + $0 }
    }

    static func wireAddresses(_ decoded: DecodedFrame) -> String {
        if let (source, destination) = decoded.endpoints { return "\(source) > \(destination)" }
        if let ip = decoded.ip { return "\(ip.source) > \(ip.destination)" }
        return ""
    }

    static func tcpNumbers(_ row: WireSession.Row) -> String {
        guard let sequence = row.sequence, let tcp = row.decoded.tcp else { return "" }
        return " seq \(sequence)" + (row.acknowledgement.map { " ack \($0)" } ?? "") + " win \(row.window ?? Int(tcp.window))"
    }
}
