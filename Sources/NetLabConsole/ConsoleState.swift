import Foundation
import NetLabCore

/// Everything the console shows and remembers: a plain value, changed only by `update`.
public struct ConsoleState: Equatable {
    public struct Server: Equatable {
        public enum Phase: Equatable {
            case off
            case starting
            case on(Endpoint)
            /// The last start failed; the reason is in the log.
            case failed
        }
        public var engine: LabEvent.Engine
        public var port: UInt16
        public var phase: Phase

        public var isOn: Bool {
            if case .on = phase { return true }
            return false
        }
    }

    public typealias UDPMode = NetLabCore.UDPMode

    public struct Client: Equatable {
        public var engine: LabEvent.Engine
        public var host: String
        public var port: UInt16
        public var udpMode: UDPMode
        public var timeout: Double
        /// The host the client sends from: "a" (netlab's) or "b" (`--hosts 2`, `:host b`).
        public var from = "a"
    }

    public enum Pane: String, Equatable, CaseIterable {
        case client
        case serverLog = "server log"
        case timeline
    }

    public struct Line: Equatable {
        public var time: Date?
        public var text: String
        public var role: StyleRole
    }

    /// One row of the timeline: a socket call one of netlab's engines made (`send() 5 B`,
    /// `connect() ECONNREFUSED`) or a frame the capture saw on the wire (`SYN`, `RST/ACK`).
    /// Rows are in causal order: calls in the order the engines made them (a send is stamped
    /// before the call, a receive after it), frames placed among them by the kernel's time.
    public struct TimelineRow: Equatable {
        public enum Lane: String, Equatable, Sendable { case call, wire }
        public var id: Int
        public var time: Date
        public var lane: Lane
        public var engine: LabEvent.Engine
        public var role: LabEvent.Role
        /// What the row says after its number, time and lane (`TCP client send() 5 B ...`).
        public var text: String
        /// Sent by one of netlab's sockets (shown in the sent colour); false for received.
        public var outgoing: Bool
        public var isError: Bool
        /// A message's first `rowBytesKept` bytes, or the whole captured frame; `length` is the real size.
        public var bytes: [UInt8]
        public var length: Int
        /// Call rows with a message: its addresses.
        public var from: Endpoint?
        public var to: Endpoint?
        /// Wire rows: what an RST or ICMP error means, the frame, and its relative TCP numbers.
        public var explanation: String?
        public var frame: CapturedFrame?
        /// The frame taken apart once, when it arrived (citations, summaries and the text view read it).
        public var decoded: DecodedFrame?
        public var relative: TCPNumbers?
        /// Wire rows: the fault that threw this packet away (`drop tcp 12000`), from the
        /// private network's firewall log.
        public var droppedBy: String?

        public struct TCPNumbers: Equatable, Sendable {
            public var sequence: UInt32
            public var acknowledgement: UInt32?
        }

        /// Marks a wire row as thrown away by `fault`: said on the row itself, after what the
        /// packet is (so a narrow timeline still shows it), in the error colour.
        mutating func mark(droppedBy fault: String) {
            droppedBy = fault
            let label = decoded.map(WireText.label) ?? ""
            let mark = " \(fault.hasPrefix("reject") ? "rejected" : "dropped") by :fault \(fault):"
            if !label.isEmpty, text.hasPrefix(label) {
                text.insert(contentsOf: mark, at: text.index(text.startIndex, offsetBy: label.count))
            } else {
                text = mark.dropFirst() + " " + text
            }
            isError = true
        }

        /// Wire rows: one summary line per header below the frame (link, IP, transport, data),
        /// built when shown (a flood of frames must not pay for text nobody reads).
        public var summaries: [String] {
            guard let decoded else { return [] }
            let numbers = relative.map { ($0.sequence, $0.acknowledgement) }
            return Array(WireText.summaries(decoded, number: 0, relative: numbers).dropFirst())
        }
    }

    /// Which rows the timeline shows (F9 or `:view calls|wire|both|ladder`): the ladder draws
    /// the calls and packets as a sequence diagram.
    public enum TimelineView: String, Equatable, CaseIterable, Sendable { case both, calls, wire, ladder }

    /// The live capture: on (on an interface), off (with the reason, e.g. no CAP_NET_RAW).
    public enum Wire: Equatable, Sendable {
        case starting
        case on(interface: String)
        case off(reason: String)
        /// Turned off on purpose (`--no-wire`).
        case disabled
    }

    public static let logCapacity = 2000
    public static let timelineCapacity = 1000
    public static let rowBytesKept = 64 * 1024

    /// The console's protocols: its servers, and the client's in F5 order.
    public static let engines: [LabEvent.Engine] = [.tcp, .udp, .http]
    public var servers: [Server]
    /// Address the servers listen on (nil: every address).
    public var listenHost: String?
    public var client: Client
    /// A message typed and handed to the client, until its exchange ends: its line is shown
    /// once its bytes are sent, and its reply is paired with it by `id`, never by protocol.
    public struct Exchange: Equatable {
        public var id: Int
        public var engine: LabEvent.Engine
        /// `TCP -> 127.0.0.1:12000 hello`, for the transcript once sent.
        public var text: String
        /// What was typed (named beside a reply when several exchanges overlap).
        public var line: String
        public var sent = false
        public var began: Date
        /// The client's own address (from connect(), or the datagram sent): what a citation
        /// of the wire must match.
        public var local: Endpoint?
        /// What each recv() returned (TCP): a reply longer than a student's recv(1024) is
        /// told in how many pieces it came.
        public var receives: [Int] = []
    }

    /// The client's exchanges in flight, oldest first.
    public var inFlight: [Exchange] = []
    /// The id the next exchange gets.
    public var nextExchange = 1
    /// The input line: its editor and histories.
    public var input = InputLine()
    public var serverLog = ServerLog()
    /// The client pane's transcript (its lines and how the view stands).
    public var transcript = Transcript()
    /// The timeline's room: rows, view, selection, detail, the wire session, awaited evidence.
    public var timeline = Timeline()
    public var wire = Wire.starting
    /// netlab runs in its private network (`netlab --private`): the status bar says `PRIVATE NET`.
    public var privateNetwork = false
    /// 2 with `--hosts 2`: host b (10.13.0.2) beside netlab's host a (10.13.0.1).
    public var hosts = 1
    /// The faults asked for in the private network (`:fault`), in order: the next `:fault`
    /// builds on them even before the firewall has them (two typed quickly both count).
    public var faults: [Fault] = []
    /// The faults the firewall holds (what `faults` goes back to when it refuses a change).
    var faultsInForce: [Fault] = []
    /// Ports the wire shows besides the servers' and the client's (`:watch PORT`), or every
    /// port (`:watch all`).
    public var watchedExtra: [UInt16] = []
    /// Programs `:run` started (running or ended), numbered from 1.
    public var programs: [Program] = []

    public struct Program: Equatable {
        public var id: Int
        /// `python3 TCPServer.py`: the words it was started with, shortened.
        public var name: String
        public var pid: Int32?
        public var running = true
    }
    public var watchingAll = false
    /// The lessons `:lesson N` can start (the shipped ones, then a teacher's own).
    public var lessons: [Lesson] = Lesson.builtIn
    /// The lesson under way, if any (its pane takes the server log's place).
    public var lesson: LessonRun?
    /// `:tcp-mode lab`: the TCP server answers one recv(1024) per connection and closes.
    public var tcpLabMode = false
    /// Step mode: netlab's client waits for Space before each socket call.
    public var stepping = false
    /// The calls netlab's client waits to make, in order, while stepping: the first is shown.
    public var pendingSteps: [PendingStep] = []

    /// The ports the capture shows: every server's, the client's target, and `:watch`'s.
    public var watchedPorts: [UInt16] {
        var ports: [UInt16] = []
        for port in servers.map(\.port) + [client.port] + watchedExtra where !ports.contains(port) { ports.append(port) }
        return ports
    }
    public var focus = Pane.client
    /// The terminal's size as last drawn; nil until the loop says (tests of pure state).
    public var screenSize: ScreenSize?

    public struct ScreenSize: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }
    /// The help or a panel over the panes (the roster, a check's report card).
    public var overlay = Overlay()

    /// The bytes the detail shows as text: a message's, or a frame's payload.
    public static func textLines(_ row: TimelineRow) -> [String] {
        // A wire row's bytes are its whole frame: the text is the transport's payload.
        var bytes = row.decoded.map { row.bytes[$0.payload] } ?? row.bytes[...]
        guard !bytes.isEmpty else { return [] }
        if bytes.last == 0x0A { bytes = bytes.dropLast() }  // a final newline ends the last line
        return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            TerminalSafe.escape(line.last == 0x0D ? line.dropLast() : line)
        }
    }
    /// Presenter mode: the big-banner layout for the back row.
    public var presenter = false
    /// The client's latest result, for presenter mode's banner.
    public var outcome: Outcome?
    public var theme: String
    public var quitting = false

    public init(
        ports: [LabEvent.Engine: UInt16] = [.tcp: 12000, .udp: 12000, .http: 8080],
        listenHost: String? = nil,
        clientHost: String = "127.0.0.1",
        theme: String = "default",
        presenter: Bool = false
    ) {
        self.servers = Self.engines.map { Server(engine: $0, port: ports[$0] ?? 12000, phase: .off) }
        self.listenHost = listenHost
        self.client = Client(engine: .tcp, host: clientHost, port: ports[.tcp] ?? 12000, udpMode: .unconnected, timeout: 2)
        self.theme = theme
        self.presenter = presenter
    }

    public func server(_ engine: LabEvent.Engine) -> Server {
        servers.first { $0.engine == engine }!
    }

    mutating func setServer(_ engine: LabEvent.Engine, _ change: (inout Server) -> Void) {
        guard let index = servers.firstIndex(where: { $0.engine == engine }) else { return }
        change(&servers[index])
    }

}
