import Foundation
import NetLabCore

/// Who talked to the console's servers: one row per client address and protocol, bounded
/// however many come (the least recently seen are dropped, and counted).
public struct Roster: Equatable {
    public struct Row: Equatable {
        public var host: String
        public var engine: LabEvent.Engine
        public var messages: Int
        public var lastSeen: Date
        /// Orders rows by when they were last seen (higher: later).
        var sequence: Int
        /// The last message's first bytes (enough for its preview) and what became of it:
        /// kept raw, formatted only when the roster is drawn (a flood updates rows far more
        /// often than anyone looks at them).
        var lastBytes: [UInt8] = []
        var outcome = Outcome.none

        enum Outcome: Equatable {
            case none, waiting
            case replied(bytes: Int)
            case served(status: Int)
            case rejected(String)
        }

        /// The last message, escaped for the terminal and cut to a preview.
        public var lastMessage: String { lastBytes.isEmpty && messages == 0 ? "" : LabEvent.preview(lastBytes, limit: Roster.previewLimit) }

        /// What the server did with it last: `replied 5 bytes`, `200 OK`, `rejected: ...`.
        public var lastOutcome: String {
            switch outcome {
            case .none: ""
            case .waiting: "no reply yet"
            case .replied(let count): "replied \(count == 1 ? "1 byte" : "\(count) bytes")"
            case .served(let status): "\(status) \(HTTPResponseHead.reason(status))"
            case .rejected(let reason): "rejected: \(reason)"
            }
        }
    }

    /// Bytes of a message a row's preview shows.
    static let previewLimit = 32

    struct Key: Hashable {
        var host: String
        var engine: LabEvent.Engine
    }

    /// Rows kept at most; past it the least recently seen go.
    public let capacity: Int
    private var rows: [Key: Row] = [:]
    private var sequence = 0
    /// Rows dropped to stay within `capacity`.
    public private(set) var dropped = 0

    public init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    public var count: Int { rows.count }

    /// The rows, most recently seen first.
    public var recent: [Row] { rows.values.sorted { $0.sequence > $1.sequence } }

    /// A message arrived from `host`.
    public mutating func heard(_ bytes: [UInt8], from host: String, engine: LabEvent.Engine, at time: Date) {
        update(host, engine, at: time) { row in
            row.messages += 1
            row.lastBytes = Array(bytes.prefix(Self.previewLimit + 1))
            row.outcome = .waiting
        }
    }

    /// An HTTP request from `host` was answered.
    public mutating func served(_ requestLine: String, status: Int, to host: String, at time: Date) {
        update(host, .http, at: time) { row in
            row.messages += 1
            row.lastBytes = Array(requestLine.utf8.prefix(Self.previewLimit + 1))
            row.outcome = .served(status: status)
        }
    }

    /// `host`'s last message was answered with `bytes`.
    public mutating func replied(_ bytes: Int, to host: String, engine: LabEvent.Engine, at time: Date) {
        update(host, engine, at: time) { $0.outcome = .replied(bytes: bytes) }
    }

    /// `host` was turned away.
    public mutating func rejected(_ host: String, engine: LabEvent.Engine, reason: String, at time: Date) {
        update(host, engine, at: time) { $0.outcome = .rejected(reason) }
    }

    private mutating func update(_ host: String, _ engine: LabEvent.Engine, at time: Date, _ change: (inout Row) -> Void) {
        sequence += 1
        let key = Key(host: host, engine: engine)
        var row = rows[key] ?? Row(host: host, engine: engine, messages: 0, lastSeen: time, sequence: sequence)
        change(&row)
        row.lastSeen = time
        row.sequence = sequence
        rows[key] = row
        // Over by a quarter: drop the least recently seen down to the capacity in one go
        // (a sort per quarter of the capacity, not a search per new peer).
        if rows.count > capacity + max(1, capacity / 4) {
            let keep = rows.values.sorted { $0.sequence > $1.sequence }.prefix(capacity)
            dropped += rows.count - keep.count
            rows = Dictionary(uniqueKeysWithValues: keep.map { (Key(host: $0.host, engine: $0.engine), $0) })
        }
    }
}
