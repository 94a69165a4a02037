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

    public enum UDPMode: String, Equatable, CaseIterable, Sendable { case unconnected, connected }

    public struct Client: Equatable {
        public var engine: LabEvent.Engine
        public var host: String
        public var port: UInt16
        public var udpMode: UDPMode
        public var timeout: Double
    }

    public enum Pane: String, Equatable, CaseIterable { case client, serverLog = "server log", packets }

    public struct Line: Equatable {
        public var time: Date?
        public var text: String
        public var role: StyleRole
    }

    /// One message that crossed a socket, for the Packets pane.
    public struct Packet: Equatable {
        public var id: Int
        public var time: Date
        public var engine: LabEvent.Engine
        public var role: LabEvent.Role
        public var outgoing: Bool
        public var from: Endpoint
        public var to: Endpoint
        /// The first `packetBytesKept` bytes; `length` is the real size.
        public var bytes: [UInt8]
        public var length: Int
    }

    public static let logCapacity = 2000
    public static let packetCapacity = 1000
    public static let packetBytesKept = 64 * 1024

    /// Protocols the client can use and servers the console runs, in F5 order.
    public var engines: [LabEvent.Engine]
    public var servers: [Server]
    /// Address the servers listen on (nil: every address).
    public var listenHost: String?
    public var client: Client
    /// A message typed and handed to the client, shown once its bytes are sent.
    public struct UnsentLine: Equatable {
        public var engine: LabEvent.Engine
        public var text: String
    }

    /// Messages handed to the client whose `send` has not happened yet, oldest first.
    public var unsent: [UnsentLine] = []
    public var editor = LineEditor()
    /// Messages sent, oldest first: Up on a line not starting with `:` recalls these.
    public var history: [String] = []
    /// `:` commands run, oldest first: Up on a line starting with `:` recalls these, so a
    /// command never stands between a message and the Up that should recall it.
    public var commandHistory: [String] = []
    /// Position while browsing history with Up/Down (nil: editing a new line).
    public var historyIndex: Int?
    /// Which history Up/Down browse now (decided when browsing starts).
    public var browsingCommands = false
    public var serverLog = Ring<Line>(capacity: logCapacity)
    public var transcript = Ring<Line>(capacity: logCapacity)
    public var packets = Ring<Packet>(capacity: packetCapacity)
    public var nextPacketID = 1
    public var focus = Pane.client
    /// The packet shown in the bytes view; nil follows the newest.
    public var selectedPacketID: Int?
    /// Lines scrolled back from the newest, per scrollable pane.
    public var logScroll = 0
    public var transcriptScroll = 0
    public var showHelp = false
    /// Presenter mode: the big-banner layout for the back row.
    public var presenter = false
    /// The client's latest result, for presenter mode's banner.
    public var outcome: Outcome?
    public var theme: String
    public var quitting = false

    public init(
        engines: [LabEvent.Engine] = [.tcp, .udp],
        ports: [LabEvent.Engine: UInt16] = [.tcp: 12000, .udp: 12000, .http: 8080],
        listenHost: String? = nil,
        clientHost: String = "127.0.0.1",
        theme: String = "default",
        presenter: Bool = false
    ) {
        self.engines = engines
        self.servers = engines.map { Server(engine: $0, port: ports[$0] ?? 12000, phase: .off) }
        self.listenHost = listenHost
        let first = engines.first ?? .tcp
        self.client = Client(engine: first, host: clientHost, port: ports[first] ?? 12000, udpMode: .unconnected, timeout: 2)
        self.theme = theme
        self.presenter = presenter
    }

    public func server(_ engine: LabEvent.Engine) -> Server? {
        servers.first { $0.engine == engine }
    }

    mutating func setServer(_ engine: LabEvent.Engine, _ change: (inout Server) -> Void) {
        guard let index = servers.firstIndex(where: { $0.engine == engine }) else { return }
        change(&servers[index])
    }

    /// The packet the bytes view shows.
    public var shownPacket: Packet? {
        if let selectedPacketID, let packet = packets.items.first(where: { $0.id == selectedPacketID }) {
            return packet
        }
        return packets.last
    }
}
