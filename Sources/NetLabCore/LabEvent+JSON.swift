import Foundation

/// One JSON object per event, for `--log FILE` (JSON Lines): stable field names, present only
/// when they apply. Documented in docs/console.md ("Logging every event as JSON").
///
/// Always: `time` (UTC, ISO 8601 with microseconds), `engine` (`TCP`, `UDP`, `HTTP`; for a
/// wire frame its protocol, `TCP`, `UDP`, `ICMP`, `ICMPv6` or `other`), `role`
/// (`server`, `client`, `wire`), `event` (`listening`, `stopped`, `accepted`, `connecting`,
/// `connected`, `shutdown`, `closed`, `received`, `sent`, `rejected`, `served`, `idle_closed`, `notice`,
/// `failed`, `timed_out`, `wire`), `text` (the log's one-line summary).
/// When they apply: `call` (the socket call), `local`, `peer`, `from`, `to` (`host:port`),
/// `length` and `hex` (every byte, lowercase), `status`, `request`, `ms`, `unfinished`,
/// `seconds`, `reason`, `error` (`{operation, errno, name, message}`), and for wire frames
/// `label`, `link_type` and `frame_hex`.
extension LabEvent {
    /// `TCP`, `UDP`, `HTTP`; for a wire frame its protocol: `TCP`, `UDP`, `ICMP`, `ICMPv6`, `other`.
    static func engineName(_ event: LabEvent, decoded: DecodedFrame?) -> String {
        guard let decoded else { return event.engine.rawValue }
        switch decoded.transport {
        case .tcp: return "TCP"
        case .udp: return "UDP"
        case .icmp(let icmp): return icmp.version == 4 ? "ICMP" : "ICMPv6"
        default: return "other"
        }
    }

    public var jsonLine: String { jsonLine(wire: nil) }

    /// The JSON line; a wire frame's `row` (from the log's own `WireSession`) gives its text
    /// the relative sequence numbers and scaled window the console shows (without it, the raw
    /// numbers, as `tcpdump -S` prints them).
    public func jsonLine(wire row: WireSession.Row?) -> String {
        // A wire frame is decoded once, for its protocol and its fields.
        var wireFrame: DecodedFrame? = row?.decoded
        if wireFrame == nil, case .wire(let frame) = kind { wireFrame = FrameDecoder.decode(frame) }
        var fields: [(String, JSONValue)] = [
            ("time", .string(Self.isoTime(time))),
            // A captured frame belongs to no engine: its own protocol is named instead.
            ("engine", .string(Self.engineName(self, decoded: wireFrame))),
            ("role", .string(role.rawValue)),
            ("event", .string(kindName)),
        ]
        if let call { fields.append(("call", .string(call.rawValue))) }
        if let exchange { fields.append(("exchange", .number(Double(exchange)))) }
        switch kind {
        case .listening(let local), .stopped(let local):
            fields.append(("local", .string(local.description)))
        case .accepted(let peer), .shutdown(let peer):
            fields.append(("peer", .string(peer.description)))
        case .connecting(let peer, let local):
            fields.append(("peer", .string(peer.description)))
            if let local { fields.append(("local", .string(local.description))) }
        case .closed(let peer, let peerClosedFirst):
            fields.append(("peer", .string(peer.description)))
            if let peerClosedFirst { fields.append(("peer_closed_first", .bool(peerClosedFirst))) }
        case .connected(let local, let peer):
            fields += [("local", .string(local.description)), ("peer", .string(peer.description))]
        case .received(let bytes, let from, let to), .sent(let bytes, let from, let to):
            fields += [
                ("from", .string(from.description)), ("to", .string(to.description)),
                ("length", .number(Double(bytes.count))), ("hex", .string(Self.hex(bytes))),
            ]
        case .rejected(let peer, let reason):
            fields += [("peer", .string(peer.description)), ("reason", .string(reason))]
        case .served(let peer, let requestLine, let status, let bytes, let milliseconds, let unfinished):
            fields += [
                ("peer", .string(peer.description)), ("request", .string(requestLine)),
                ("status", .number(Double(status))), ("length", .number(Double(bytes))),
                ("ms", .number((milliseconds * 1000).rounded() / 1000)),
            ]
            if let unfinished { fields.append(("unfinished", .string(unfinished))) }
        case .idleClosed(let peer, let seconds), .timedOut(let peer, let seconds):
            fields += [("peer", .string(peer.description)), ("seconds", .number(seconds))]
        case .notice:
            break
        case .traced(let call, let program):
            fields += [("program", .string(program)), ("pid", .number(Double(call.pid))), ("result", .number(Double(call.result)))]
            if let errno = call.errno { fields.append(("errno", .string(Errno(errno).name))) }
        case .failed(let error):
            var detail: [(String, JSONValue)] = [("operation", .string(error.operation.rawValue)), ("message", .string(error.summary))]
            if let value = error.errnoValue {
                detail += [("errno", .number(Double(value))), ("name", .string(Errno(value).name))]
            }
            fields.append(("error", .object(detail)))
            if let endpoint = error.endpoint { fields.append(("peer", .string(endpoint.description))) }
        case .wire(let frame):
            let decoded = wireFrame ?? FrameDecoder.decode(frame)
            fields += [
                ("label", .string(WireText.label(decoded))), ("link_type", .number(Double(frame.linkType.rawValue))),
                ("length", .number(Double(frame.length))), ("frame_hex", .string(Self.hex(frame.bytes))),
            ]
            if let (source, destination) = decoded.endpoints {
                fields += [("from", .string(source.description)), ("to", .string(destination.description))]
            }
        }
        fields.append(("text", .string(row?.line ?? summary)))
        return JSONValue.object(fields).text
    }

    /// The `event` field: the kind's name in snake case.
    public var kindName: String {
        switch kind {
        case .listening: "listening"
        case .stopped: "stopped"
        case .accepted: "accepted"
        case .connecting: "connecting"
        case .connected: "connected"
        case .closed: "closed"
        case .shutdown: "shutdown"
        case .received: "received"
        case .sent: "sent"
        case .rejected: "rejected"
        case .served: "served"
        case .idleClosed: "idle_closed"
        case .notice: "notice"
        case .traced: "traced"
        case .failed: "failed"
        case .timedOut: "timed_out"
        case .wire: "wire"
        }
    }

    /// `2026-11-28T06:23:30.123456Z`
    public static func isoTime(_ time: Date) -> String {
        let seconds = time.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = min(999_999, Int(((seconds - seconds.rounded(.down)) * 1e6).rounded()))
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(micros, 6))Z"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        HexDump.hex(bytes)
    }
}

/// The few JSON shapes the event log and the check reports need, written in field order.
enum JSONValue {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    var text: String {
        switch self {
        case .string(let value): return Self.quote(value)
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// RFC 8259 string: quotes, backslashes and control characters escaped; the rest as UTF-8.
    static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
                || (0x2028...0x2029).contains(scalar.value) || TerminalSafe.isBidiControl(scalar.value)
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                // Bidirectional controls and noncharacters too: JSON printed on a terminal
                // must read as its bytes, and a strict reader may refuse U+FFFE.
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
