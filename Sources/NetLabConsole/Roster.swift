import Foundation
import NetLabCore

/// Who talked to the console's servers: one row per client address and protocol, bounded
/// however many come (the least recently seen are dropped, and counted).
public struct Roster: Equatable {
    public struct Row: Equatable {
        public var host: String
        public var engine: LabEvent.Engine
        public var messages: Int
        /// The last message, escaped for the terminal and cut to a preview.
        public var lastMessage: String
        /// What the server did with it last: `replied 5 bytes`, `200`, `rejected: ...`.
        public var lastOutcome: String
        public var lastSeen: Date
        /// Orders rows by when they were last seen (higher: later).
        var sequence: Int
    }

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
            row.lastMessage = LabEvent.preview(bytes, limit: 32)
            row.lastOutcome = "no reply yet"
        }
    }

    /// An HTTP request from `host` was answered.
    public mutating func served(_ requestLine: String, status: Int, to host: String, at time: Date) {
        update(host, .http, at: time) { row in
            row.messages += 1
            row.lastMessage = LabEvent.preview(Array(requestLine.utf8), limit: 32)
            row.lastOutcome = "\(status) \(HTTPResponseHead.reason(status))"
        }
    }

    /// What happened to `host`'s last message (a reply, a rejection).
    public mutating func outcome(_ text: String, for host: String, engine: LabEvent.Engine, at time: Date) {
        update(host, engine, at: time) { $0.lastOutcome = text }
    }

    private mutating func update(_ host: String, _ engine: LabEvent.Engine, at time: Date, _ change: (inout Row) -> Void) {
        sequence += 1
        let key = Key(host: host, engine: engine)
        var row = rows[key] ?? Row(host: host, engine: engine, messages: 0, lastMessage: "", lastOutcome: "", lastSeen: time,
                                   sequence: sequence)
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
