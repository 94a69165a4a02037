import Foundation
import NetLabCore

/// The timeline as a ladder (a sequence diagram): a lifeline per endpoint (each client's port,
/// the server's), the socket calls as boxes on their lifeline, the packets as arrows from sender
/// to receiver, time flowing down and a silence longer than half a second shown as one. Built
/// from the timeline's own rows: no second source of truth.
public struct Ladder: Equatable {
    public struct Lifeline: Equatable {
        /// `client :40000`, `server :12000`.
        public var name: String
        public var port: UInt16?
        public var isServer: Bool
    }

    public enum Step: Equatable {
        /// A socket call on lifeline `lane`.
        case call(lane: Int, label: String, row: Int)
        /// A packet from one lifeline to another; `dropped`: a fault threw it away on the way.
        case arrow(from: Int, to: Int, label: String, row: Int, dropped: Bool)
        /// Nothing happened for this long.
        case gap(Double)

        /// The timeline row the step shows (nil: a silence).
        public var row: Int? {
            switch self {
            case .call(_, _, let row), .arrow(_, _, _, let row, _): row
            case .gap: nil
            }
        }
    }

    public var lifelines: [Lifeline]
    public var steps: [Step]

    /// A gap this long or longer is shown.
    public static let gapShown = 0.5

    /// The ladder of `rows` (in their order), `serverPorts` telling the servers' endpoints from
    /// the clients'. Rows it cannot place (ARP, a frame of another protocol) are left out.
    public init(rows: [ConsoleState.TimelineRow], serverPorts: Set<UInt16>) {
        // Each row's ends, by port: who sends, who receives, or whose call it is.
        var placed: [(row: ConsoleState.TimelineRow, from: UInt16?, to: UInt16?, server: Bool?)] = []
        for row in rows {
            switch row.lane {
            case .wire:
                guard let decoded = row.decoded else { continue }
                if let ends = decoded.endpoints {
                    placed.append((row, ends.source.port, ends.destination.port, nil))
                } else if case .icmp(let icmp) = decoded.transport, let quoted = icmp.quoted {
                    // An ICMP error comes back from where the datagram went, to its sender.
                    placed.append((row, quoted.destination.port, quoted.source.port, nil))
                }
            case .call:
                let server = Self.isServerCall(row)
                let own = server ? nil : (row.outgoing ? row.from?.port : row.to?.port)
                let mine = server ? (row.outgoing ? row.from?.port : row.to?.port) : own
                placed.append((row, mine, nil, server))
            }
        }
        // Lifelines: the servers' ports on the right, every other port a client, in order seen.
        var clients: [UInt16] = []
        var servers: [UInt16] = []
        for item in placed {
            for port in [item.from, item.to].compactMap({ $0 }) where port != 0 {
                let isServer = serverPorts.contains(port) || item.server == true && port == item.from
                if isServer {
                    if !servers.contains(port) { servers.append(port) }
                } else if !clients.contains(port) {
                    clients.append(port)
                }
            }
        }
        if clients.isEmpty { clients = [0] }
        if servers.isEmpty { servers = [0] }
        var lifelines =
            clients.map { Lifeline(name: $0 == 0 ? "client" : "client :\($0)", port: $0 == 0 ? nil : $0, isServer: false) }
            + servers.map { Lifeline(name: $0 == 0 ? "server" : "server :\($0)", port: $0 == 0 ? nil : $0, isServer: true) }
        func lane(_ port: UInt16?, server: Bool) -> Int? {
            guard let port else { return nil }
            return lifelines.firstIndex { $0.port == port && $0.isServer == server }
                ?? lifelines.firstIndex { $0.port == port }
        }
        let firstServer = clients.count
        var steps: [Step] = []
        var previous: Date?
        var lastClient: Int?
        for (index, item) in placed.enumerated() {
            if let previous, item.row.time.timeIntervalSince(previous) >= Self.gapShown {
                steps.append(.gap(item.row.time.timeIntervalSince(previous)))
            }
            previous = item.row.time
            switch item.row.lane {
            case .wire:
                guard let from = lane(item.from, server: serverPorts.contains(item.from ?? 0)),
                    let to = lane(item.to, server: serverPorts.contains(item.to ?? 0)), from != to
                else { continue }
                let label = item.row.decoded.map(WireText.label) ?? item.row.text
                steps.append(.arrow(from: from, to: to, label: label, row: item.row.id, dropped: item.row.droppedBy != nil))
                lastClient = [from, to].first { !lifelines[$0].isServer } ?? lastClient
            case .call:
                var lifeline: Int
                if item.server == true {
                    lifeline = lane(item.from, server: true) ?? firstServer
                } else if let known = lane(item.from, server: false) {
                    lifeline = known
                } else {
                    // A call whose row has no port: connect() goes on the lifeline of the next
                    // client port seen (its SYN), anything else (its failure, a timeout) on the
                    // client's latest.
                    let next = placed[(index + 1)...].lazy.compactMap { later -> Int? in
                        for port in [later.from, later.to].compactMap({ $0 }) where !serverPorts.contains(port) {
                            if let found = lane(port, server: false) { return found }
                        }
                        return nil
                    }.first
                    let starting = Self.callLabel(item.row) == "connect()"
                    lifeline = (starting ? next ?? lastClient : lastClient ?? next) ?? 0
                }
                if !lifelines[lifeline].isServer { lastClient = lifeline }
                // A traced program's lifeline takes its name (`python3 :40000`).
                if item.row.role == .program, let program = item.row.text.split(separator: " ").first {
                    let port = lifelines[lifeline].port.map { " :\($0)" } ?? ""
                    lifelines[lifeline].name = "\(program)\(port)"
                }
                steps.append(.call(lane: lifeline, label: Self.callLabel(item.row), row: item.row.id))
            }
        }
        self.lifelines = lifelines
        self.steps = steps
    }

    /// The ladder of one flow: the rows of client port `flow` (its calls, its packets both
    /// ways, the server's calls for that peer), the other clients left out.
    public init(rows: [ConsoleState.TimelineRow], serverPorts: Set<UInt16>, flow: UInt16) {
        let all = Ladder(rows: rows, serverPorts: serverPorts)
        var kept: Set<Int> = []
        for step in all.steps {
            switch step {
            case .arrow(let from, let to, _, let row, _):
                if all.lifelines[from].port == flow || all.lifelines[to].port == flow { kept.insert(row) }
            case .call(let lane, _, let row):
                if all.lifelines[lane].isServer {
                    if let call = rows.first(where: { $0.id == row }), Self.peerPort(call) == flow { kept.insert(row) }
                } else if all.lifelines[lane].port == flow {
                    kept.insert(row)
                }
            case .gap:
                break
            }
        }
        self.init(rows: rows.filter { kept.contains($0.id) }, serverPorts: serverPorts)
    }

    /// The client port a server's call row is about: the other end of its message, or the
    /// endpoint it names (`accept() 127.0.0.1:40000`).
    static func peerPort(_ row: ConsoleState.TimelineRow) -> UInt16? {
        if let peer = row.outgoing ? row.to : row.from { return peer.port }
        guard let last = row.text.split(separator: " ").last(where: { $0.contains(":") }), let colon = last.lastIndex(of: ":") else { return nil }
        return UInt16(last[last.index(after: colon)...])
    }

    /// The client port of a row, for `:ladder` (the flow of the selected row): a packet's end
    /// that is not a server's, or a call's own or peer port.
    public static func flow(of row: ConsoleState.TimelineRow, serverPorts: Set<UInt16>) -> UInt16? {
        if let ends = row.decoded?.endpoints {
            return [ends.source.port, ends.destination.port].first { !serverPorts.contains($0) }
        }
        if case .icmp(let icmp) = row.decoded?.transport, let quoted = icmp.quoted { return quoted.source.port }
        guard row.lane == .call else { return nil }
        if isServerCall(row) { return peerPort(row) }
        return (row.outgoing ? row.from : row.to)?.port
    }

    /// Whether a call row is a server's (netlab's servers, or a traced program that binds,
    /// listens or accepts).
    static func isServerCall(_ row: ConsoleState.TimelineRow) -> Bool {
        if row.role == .server { return true }
        guard row.role == .program else { return false }
        return ["bind(", "listen(", "accept(", "accept4("].contains { row.text.contains($0) }
    }

    /// `connect()`, `send() 5 B`, `recv() -> ECONNRESET`: the call, its size or its error,
    /// without the addresses the lifelines already say.
    static func callLabel(_ row: ConsoleState.TimelineRow) -> String {
        var words = row.text.split(separator: " ").map(String.init)
        if row.role == .program {
            // `python3 [4242] connect(3, 127.0.0.1:12000) = 0`: the call and its result (the
            // program's name is its lifeline's).
            let call = row.text.drop { $0 != "]" }.dropFirst().trimmingCharacters(in: .whitespaces)
            let short = call.prefix { $0 != "(" } + "()"
            let result = call.range(of: " = ").map { String(call[$0.upperBound...]) } ?? ""
            return "\(short)" + (result.isEmpty ? "" : " = \(result.split(separator: " ").prefix(2).joined(separator: " "))")
        }
        words.removeFirst(min(2, words.count))  // `TCP client`
        if words.first == "no", words.count > 1, words[1] == "reply" { return "no reply: timed out" }
        var kept: [String] = []
        for word in words {
            if word == ">" || word == "to" || word.contains(":") && word.last?.isNumber == true || word == "(any" { break }
            kept.append(word)
        }
        return kept.joined(separator: " ")
    }
}

extension Ladder {
    /// One line of the drawn ladder; `row` is the timeline row it shows (nil: a header or a gap).
    public struct Line: Equatable {
        public var text: String
        public var row: Int?
    }

    /// The ladder in `width` columns: box drawing, or plain ASCII for a file or a terminal
    /// without it. Labels shorten before anything is dropped.
    /// `steps`: only these steps' lines after the names (a screen draws what it shows).
    public func lines(width: Int, ascii: Bool = false, heavy: Bool = false, steps shown: Range<Int>? = nil) -> [Line] {
        let width = max(20, width)
        let glyph = ascii ? Glyphs.ascii : heavy ? Glyphs.heavy : Glyphs.box
        let columns = Self.columns(count: lifelines.count, width: width)
        func base(_ gap: Bool = false) -> [Character] {
            var line = [Character](repeating: " ", count: width)
            for column in columns { line[column] = gap ? glyph.gap : glyph.lifeline }
            return line
        }
        func put(_ text: String, into line: inout [Character], at start: Int, limit: Int) {
            for (offset, character) in text.prefix(max(0, limit)).enumerated() where start + offset < line.count {
                line[start + offset] = character
            }
        }
        var out: [Line] = []
        // The names, each over its lifeline (a server's ending at it), shortened to the port
        // (`:40002`) where the lifelines stand close.
        var header = [Character](repeating: " ", count: width)
        var names = lifelines.map(\.name)
        for index in names.indices.reversed() {
            let column = columns[index]
            let previous = index > 0 ? columns[index - 1] : -1
            let next = index + 1 < columns.count ? columns[index + 1] : width
            let room =
                lifelines[index].isServer
                ? column - previous - 1 - (index > 0 && !lifelines[index - 1].isServer ? 0 : 0)
                : next - column - 1 - (index + 1 < names.count && lifelines[index + 1].isServer ? names[index + 1].count : 0)
            if names[index].count > room - (lifelines[index].isServer ? 6 : 0), let port = lifelines[index].port {
                names[index] = ":\(port)"
            }
            if names[index].count > max(1, room) { names[index] = String(names[index].prefix(max(1, room))) }
        }
        for (index, name) in names.enumerated() {
            let column = columns[index]
            let start = lifelines[index].isServer ? max(0, column - name.count + 1) : column
            put(name, into: &header, at: start, limit: name.count)
        }
        out.append(Line(text: String(header), row: nil))
        for step in shown.map({ steps[$0.clamped(to: steps.indices)] }) ?? steps[...] {
            switch step {
            case .gap(let seconds):
                var line = base(true)
                let text = " \(ClientFailure.format((seconds * 10).rounded() / 10)) s "
                let start = max(0, (width - text.count) / 2)
                put(text, into: &line, at: start, limit: text.count)
                out.append(Line(text: String(line), row: nil))
            case .call(let lane, let label, let row):
                var line = base()
                let column = columns[lane]
                let isServer = lifelines[lane].isServer
                let room =
                    isServer ? column - (lane > 0 ? columns[lane - 1] + 1 : 0) : (lane + 1 < columns.count ? columns[lane + 1] : width) - column - 1
                let box = glyph.boxed(Self.shorten(label, to: room - 2))
                if isServer {
                    put(box, into: &line, at: column - box.count, limit: box.count)
                    line[column] = glyph.callRight
                } else {
                    line[column] = glyph.callLeft
                    put(box, into: &line, at: column + 1, limit: box.count)
                }
                out.append(Line(text: String(line), row: row))
            case .arrow(let from, let to, let label, let row, let dropped):
                var line = base()
                let a = columns[from]
                let b = columns[to]
                let (low, high) = (min(a, b), max(a, b))
                for x in (low + 1)..<high { line[x] = columns.contains(x) ? glyph.crossing : glyph.shaft }
                let rightward = b > a
                line[a] = rightward ? glyph.startRight : glyph.startLeft
                if dropped {
                    // Thrown away on the way: the arrow stops short, with a cross.
                    let middle = (low + high) / 2
                    if rightward {
                        for x in (middle + 1)..<high { line[x] = columns.contains(x) ? glyph.lifeline : " " }
                        line[middle] = glyph.dropped
                        line[b] = glyph.lifeline
                    } else {
                        for x in (low + 1)..<middle { line[x] = columns.contains(x) ? glyph.lifeline : " " }
                        line[middle] = glyph.dropped
                        line[b] = glyph.lifeline
                    }
                } else {
                    line[b] = rightward ? glyph.headRight : glyph.headLeft
                }
                // The label on the arrow's drawn part (before the cross of a dropped one).
                let middle = (low + high) / 2
                let (from, to) = dropped ? (rightward ? (low, middle) : (middle, high)) : (low, high)
                let room = to - from - 5
                let text = " " + Self.shorten(label, to: room) + " "
                let start = from + max(2, (to - from - text.count) / 2)
                if room > 2 { put(text, into: &line, at: start, limit: text.count) }
                out.append(Line(text: String(line), row: row))
            }
        }
        return out.map { Line(text: String($0.text.reversed().drop { $0 == " " }.reversed()), row: $0.row) }
    }

    /// Where each lifeline stands: the clients from the left, the servers at the right edge.
    static func columns(count: Int, width: Int) -> [Int] {
        guard count > 1 else { return [1] }
        let left = 1
        let right = width - 2
        let step = Double(right - left) / Double(count - 1)
        return (0..<count).map { left + Int((Double($0) * step).rounded()) }
    }

    /// A label cut to `room` characters: the ICMP error's `(for ...)` and a byte count's
    /// words go first, then the end, marked with `~`.
    static func shorten(_ label: String, to room: Int) -> String {
        guard label.count > room else { return label }
        var text = label
        if let open = text.range(of: " (for ") { text = String(text[..<open.lowerBound]) }
        if text.count <= room { return text }
        guard room > 1 else { return String(text.prefix(max(0, room))) }
        return String(text.prefix(room - 1)) + "~"
    }

    struct Glyphs {
        var lifeline: Character
        var gap: Character
        var shaft: Character
        var crossing: Character
        var headRight: Character
        var headLeft: Character
        var startRight: Character
        var startLeft: Character
        var callLeft: Character
        var callRight: Character
        var dropped: Character
        var open: String
        var close: String

        func boxed(_ label: String) -> String { open + label + close }

        static let box = Glyphs(
            lifeline: "│", gap: "┆", shaft: "─", crossing: "┼", headRight: "▶", headLeft: "◀", startRight: "├", startLeft: "┤",
            callLeft: "├", callRight: "┤", dropped: "✕", open: "[", close: "]")
        /// Presenter mode's: heavy lines that read from the back row.
        static let heavy = Glyphs(
            lifeline: "┃", gap: "┇", shaft: "━", crossing: "╋", headRight: "▶", headLeft: "◀", startRight: "┣", startLeft: "┫",
            callLeft: "┣", callRight: "┫", dropped: "✖", open: "[", close: "]")
        static let ascii = Glyphs(
            lifeline: "|", gap: ":", shaft: "-", crossing: "+", headRight: ">", headLeft: "<", startRight: "|", startLeft: "|",
            callLeft: "|", callRight: "|", dropped: "X", open: "[", close: "]")
    }
}
