import Foundation
import Synchronization

extension LabEvent {
    /// How many bytes of a message a one-line preview shows.
    public static let previewLimit = 48

    /// One line for a log: what happened, to whom, and a terminal-safe preview of any bytes.
    /// No timestamp, no engine name: front ends add those in their own layout.
    public var summary: String {
        switch kind {
        case .listening(let local):
            return "listening on \(local)"
        case .stopped(let local):
            return "stopped listening on \(local)"
        case .accepted(let peer):
            return "accepted a connection from \(peer)"
        case .connected(let local, let peer):
            return role == .client && engine != .udp
                ? "connected \(local) -> \(peer)" : "socket \(local) connected to \(peer)"
        case .connecting(let peer, let local):
            return "connecting to \(peer)" + (local.map { " from \($0)" } ?? "")
        case .closed(let peer, let peerClosedFirst):
            // The side whose FIN went first holds TIME_WAIT (the lab's Wireshark question).
            switch peerClosedFirst {
            case true?: return "closed the connection with \(peer) (its FIN came first: it holds TIME_WAIT)"
            case false?: return "closed the connection with \(peer) (the server's FIN came first: the server holds TIME_WAIT)"
            case nil: return "closed the connection with \(peer)"
            }
        case .shutdown(let peer):
            return "shutdown(SHUT_WR): the FIN goes to \(peer); reading goes on"
        case .received(let bytes, let from, _):
            return "\(from) -> \(Self.count(bytes)) \(Self.preview(bytes))"
        case .sent(let bytes, _, let to):
            return "\(to) <- \(Self.count(bytes)) \(Self.preview(bytes))"
        case .served(let peer, let requestLine, let status, let bytes, let milliseconds, let unfinished):
            let line = TerminalSafe.escape(Array(requestLine.utf8))
            let ms = (milliseconds * 10).rounded() / 10
            let end = unfinished.map { " (unfinished: \($0))" } ?? ""
            // Head and body: the transcript's "body N bytes" is the body alone.
            let sent = unfinished == nil ? "\(bytes) bytes sent (head and body)" : "\(bytes) bytes sent"
            return "\(peer) \"\(line)\" \(status) \(sent) \(ms) ms\(end)"
        case .idleClosed(let peer, let seconds):
            return "closed the connection with \(peer): nothing sent or read for \(ClientFailure.format(seconds)) s"
        case .notice(let text):
            return text
        case .rejected(let peer, let reason):
            return "rejected \(peer): \(reason)"
        case .failed(let error):
            return error.description
        case .timedOut(let peer, let seconds):
            return "no reply from \(peer) within \(ClientFailure.format(seconds)) s"
        case .wire(let frame):
            return WireText.line(FrameDecoder.decode(frame))
        case .traced(let call, let program):
            return "\(program) [pid \(call.pid)] \(TraceText.line(call))"
        }
    }

    /// The bytes the event carries, if any.
    public var payload: [UInt8]? {
        switch kind {
        case .received(let bytes, _, _), .sent(let bytes, _, _): return bytes
        default: return nil
        }
    }

    public static func count(_ bytes: [UInt8]) -> String {
        bytes.count == 1 ? "1 byte" : "\(bytes.count) bytes"
    }

    /// `"hello\n"` quoted and escaped; long messages end in `...`.
    public static func preview(_ bytes: [UInt8], limit: Int = previewLimit) -> String {
        var text = ""
        appendPreview(bytes, limit: limit, to: &text)
        return text
    }

    /// The same, appended to `text` (a server's log line is built in one string).
    public static func appendPreview(_ bytes: [UInt8], limit: Int = previewLimit, to text: inout String) {
        // Cut on a character boundary: half a UTF-8 character would show as \x escapes.
        let head = bytes[..<TerminalSafe.characterBoundary(in: bytes, atMost: limit)]
        text.reserveCapacity(text.utf8.count + head.count + 5)
        text += "\""
        text += TerminalSafe.escape(head)
        text += bytes.count > limit ? "\"..." : "\""
    }
}

extension LabEvent {
    /// Local wall-clock time of the event, `HH:MM:SS.mmm`.
    public var clockTime: String { Self.clock(time) }

    /// `HH:MM:SS.mmm` in local time, or at `utcOffset` seconds from UTC when given.
    public static func clock(_ time: Date, utcOffset: Int? = nil) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(12)
        writeClock(time, utcOffset: utcOffset, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The same text appended as UTF-8 (a server's log line is built in bytes).
    static func writeClock<Line: LineBytes>(_ time: Date, utcOffset: Int? = nil, to line: inout Line) {
        let seconds = time.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let millis = min(999, Int((seconds - whole) * 1000))
        line.append(text: clockSeconds(Int(whole), utcOffset: utcOffset))
        line.append(UInt8(ascii: "."))
        line.append(0x30 + UInt8(millis / 100))
        line.append(0x30 + UInt8(millis / 10 % 10))
        line.append(0x30 + UInt8(millis % 10))
    }

    /// `HH:MM:SS` of one second, converted once per second (a server's log stamps every
    /// line: localtime_r, with its time-zone lock, for each was a tenth of a line's cost).
    private static let lastSecond = Mutex<(second: Int, offset: Int?, text: String)>((.min, nil, ""))

    private static func clockSeconds(_ second: Int, utcOffset: Int?) -> String {
        if let text = lastSecond.withLock({ $0.second == second && $0.offset == utcOffset ? $0.text : nil }) { return text }
        var whole = time_t(second)
        var parts = tm()
        if let utcOffset {
            whole += time_t(utcOffset)
            gmtime_r(&whole, &parts)
        } else {
            localtime_r(&whole, &parts)
        }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        lastSecond.withLock { $0 = (second, utcOffset, text) }
        return text
    }
}
