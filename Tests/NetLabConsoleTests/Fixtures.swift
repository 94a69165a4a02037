import Foundation
import NetLabConsole
import NetLabCore

/// A fixed instant: 2026-11-25 10:00:00 UTC.
let t0 = Date(timeIntervalSince1970: 1_795_600_800)

/// UTC clock for snapshots, independent of the machine's time zone.
let utcClock: @Sendable (Date) -> String = { LabEvent.clock($0, utcOffset: 0) }

let server = Endpoint(host: "::", port: 12000)
let localServer = Endpoint(host: "127.0.0.1", port: 12000)
let clientSocket = Endpoint(host: "127.0.0.1", port: 40000)

func event(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: LabEvent.Kind, at seconds: Double = 0) -> LabEvent {
    LabEvent(time: t0.addingTimeInterval(seconds), engine: engine, role: role, kind: kind)
}

extension ConsoleState {
    /// Applies actions in order, collecting the effects.
    @discardableResult
    mutating func apply(_ actions: [Action], at seconds: Double = 0) -> [Effect] {
        actions.flatMap { update($0, now: t0.addingTimeInterval(seconds), themes: ["default", "monochrome"]) }
    }

    mutating func type(_ text: String) {
        apply(text.map { .key(.character($0)) })
    }
}

/// A console after the lab's first minutes: TCP refused, server on, a reply, UDP silence.
func sampleState() -> ConsoleState {
    var state = ConsoleState()
    state.apply([.event(event(.udp, .server, .listening(server)))])
    state.type("hello")
    state.apply([.key(.enter)], at: 1)
    state.apply([.reply(engine: .tcp, result: .failure(.socket(.errno(.connect, 111, endpoint: localServer))))], at: 1)
    state.apply([.key(.function(2)), .event(event(.tcp, .server, .listening(server), at: 2))], at: 2)
    state.type("hello, welcome")
    state.apply([.key(.enter)], at: 3)
    let message = Array("hello, welcome".utf8)
    state.apply(
        [
            .event(event(.tcp, .client, .sent(bytes: message, from: clientSocket, to: localServer), at: 3)),
            .event(event(.tcp, .server, .accepted(peer: clientSocket), at: 3)),
            .event(event(.tcp, .server, .received(bytes: message, from: clientSocket, to: localServer), at: 3)),
            .event(event(.tcp, .server, .sent(bytes: Uppercase.apply(message), from: localServer, to: clientSocket), at: 3)),
            .event(event(.tcp, .client, .received(bytes: Uppercase.apply(message), from: localServer, to: clientSocket), at: 3)),
            .event(event(.tcp, .server, .closed(peer: clientSocket), at: 3)),
            .reply(engine: .tcp, result: .success(Uppercase.apply(message))),
        ], at: 3)
    state.apply([.key(.function(5))], at: 4)
    state.type(":port 12001")
    state.apply([.key(.enter)], at: 4)
    state.type("udp silence")
    state.apply([.key(.enter)], at: 5)
    state.apply(
        [
            .event(
                event(
                    .udp, .client,
                    .sent(
                        bytes: Array("udp silence".utf8), from: Endpoint(host: "0.0.0.0", port: 40001),
                        to: Endpoint(host: "127.0.0.1", port: 12001)), at: 5))
        ], at: 5)
    state.apply([.reply(engine: .udp, result: .failure(.timedOut(engine: .udp, peer: Endpoint(host: "127.0.0.1", port: 12001), seconds: 2)))], at: 7)
    state.type("next")
    return state
}

extension Screen {
    /// The screen as runs of equal style: `{fg16 bg231 bold}text` per run, one line per row.
    func styledText(_ theme: Theme) -> String {
        func tag(_ style: Theme.Style) -> String {
            var parts: [String] = []
            if let fg = style.foreground { parts.append("fg\(fg)") }
            if let bg = style.background { parts.append("bg\(bg)") }
            if style.bold { parts.append("bold") }
            if style.underline { parts.append("underline") }
            if style.reverse { parts.append("reverse") }
            if style.dim { parts.append("dim") }
            return "{" + parts.joined(separator: " ") + "}"
        }
        var lines: [String] = []
        for row in 0..<height {
            var line = ""
            var current: String?
            for column in 0..<width {
                let cell = self[row, column]
                guard let character = cell.character else { continue }
                let style = tag(theme.style(cell.role))
                if style != current {
                    line += style
                    current = style
                }
                line.append(character)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Types `line` into the input and presses Enter; returns the effects.
func run(_ line: String, _ state: inout ConsoleState) -> [Effect] {
    state.type(line)
    return state.apply([.key(.enter)])
}

/// A loopback Ethernet frame carrying a TCP segment with `flags` (no payload).
func tcpFrame(
    from source: UInt16, to destination: UInt16, flags: UInt8, sequence: UInt32, ack: UInt32,
    payload: [UInt8] = [], at seconds: Double
) -> CapturedFrame {
    var bytes = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
    bytes += [0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
    func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    func u32(_ v: UInt32) -> [UInt8] { u16(UInt16(v >> 16)) + u16(UInt16(v & 0xffff)) }
    bytes += u16(source) + u16(destination) + u32(sequence) + u32(ack) + [0x50, flags] + u16(65495) + [0, 0, 0, 0]
    bytes += payload
    bytes[16...17] = ArraySlice(u16(UInt16(40 + payload.count)))
    return CapturedFrame(time: t0.addingTimeInterval(seconds), linkType: .ethernet, bytes: bytes)
}

func wire(_ frame: CapturedFrame) -> Action {
    .event(LabEvent(time: frame.time, engine: .tcp, role: .wire, kind: .wire(frame)))
}

/// A loopback UDP datagram of `payload`, and the ICMP port unreachable that answers it.
func udpAndUnreachable(
    from source: UInt16, to destination: UInt16, payload: [UInt8],
    at seconds: Double
) -> (CapturedFrame, CapturedFrame) {
    func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    let udp = u16(source) + u16(destination) + u16(UInt16(8 + payload.count)) + [0, 0] + payload
    let ip = [0x45, 0] + u16(UInt16(20 + udp.count)) + [0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
    let ethernet = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
    let icmp: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + ip + udp
    let outer = [0x45, 0xc0] + u16(UInt16(20 + icmp.count)) + [0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
    return (
        CapturedFrame(time: t0.addingTimeInterval(seconds), linkType: .ethernet, bytes: ethernet + ip + udp),
        CapturedFrame(time: t0.addingTimeInterval(seconds + 0.0001), linkType: .ethernet, bytes: ethernet + outer + icmp)
    )
}
