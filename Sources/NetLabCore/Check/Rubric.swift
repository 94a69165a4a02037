/// What a grade is made of: which checks run, by their short keys, and what each is worth.
/// `lab` is what the lab sheet asks (the default); `strict` is every check netlab has.
public struct Rubric: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var key: String
        public var weight: Int
        /// Gradescope's visibility for this check's result (nil: Gradescope's default, visible).
        public var visibility: Visibility?
        public init(_ key: String, weight: Int = 1, visibility: Visibility? = nil) {
            self.key = key
            self.weight = weight
            self.visibility = visibility
        }
    }

    /// When a student sees a check's result on Gradescope.
    public enum Visibility: String, Equatable, CaseIterable, Sendable {
        case visible, hidden
        case afterDueDate = "after_due_date"
        case afterPublished = "after_published"
    }

    public var name: String
    public var items: [LabEvent.Engine: [Item]]
    /// The checks of a student's client (`netlab check tcp-client -- CMD`), by protocol.
    public var clientItems: [LabEvent.Engine: [Item]] = [:]
    /// Seconds each check waits for a reply, when the rubric says (a rubric file's `timeout`).
    public var timeout: Double?
    /// What the rubric is for, in a line (a rubric file's `description`).
    public var description = ""

    public init(
        name: String, items: [LabEvent.Engine: [Item]], clientItems: [LabEvent.Engine: [Item]] = [:], timeout: Double? = nil,
        description: String = ""
    ) {
        self.name = name
        self.items = items
        self.clientItems = clientItems
        self.timeout = timeout
        self.description = description
    }

    /// Every check's key, per protocol, in the order they run.
    public static let keys: [LabEvent.Engine: [String]] = [
        .tcp: ["uppercase", "again", "bytes", "empty", "concurrent", "long", "pieces"],
        .udp: ["uppercase", "bytes", "empty", "clients", "mtu", "largest"],
        .http: ["crlf", "served", "length", "type", "404", "escape", "head", "close", "pieces", "symlink"],
    ]

    /// Every client check's key, per protocol, in the order they run.
    public static let clientKeys: [LabEvent.Engine: [String]] = [
        .tcp: ["connects", "sends", "prints", "closes", "refused"],
        .udp: ["sends", "prints", "exits", "silence"],
    ]

    /// The lab sheet: the uppercase reply to one line and a second client after the first
    /// (TCP), a reply to each of two clients (UDP), the file served and a 404 for a missing one
    /// (HTTP; a server that answers one request per connection is what the lab asks for).
    public static let lab = Rubric(
        name: "lab",
        items: [
            .tcp: [Item("uppercase", weight: 2), Item("again")],
            .udp: [Item("uppercase", weight: 2), Item("clients")],
            .http: [Item("served", weight: 2), Item("404")],
        ],
        // A client: the line it read goes to the server, and the reply is printed.
        clientItems: [.tcp: [Item("sends"), Item("prints", weight: 2)], .udp: [Item("sends"), Item("prints", weight: 2)]])

    /// Every check netlab has, one point each (HTTP's symlink check only with --escape-link).
    public static let strict = Rubric(
        name: "strict",
        items: keys.mapValues { $0.filter { $0 != "again" && $0 != "served" }.map { Item($0) } },
        clientItems: clientKeys.mapValues { $0.map { Item($0) } })

    public static let builtIn = [lab, strict]

    /// The rubric with only `only` (when given) and without `skip`.
    public func narrowed(only: [String]?, skip: [String]) -> Rubric {
        var copy = self
        copy.items = Self.narrowed(items, Self.keys, only: only, skip: skip)
        copy.clientItems = Self.narrowed(clientItems, Self.clientKeys, only: only, skip: skip)
        return copy
    }

    private static func narrowed(
        _ items: [LabEvent.Engine: [Item]], _ keys: [LabEvent.Engine: [String]], only: [String]?, skip: [String]
    ) -> [LabEvent.Engine: [Item]] {
        var narrowed = items.mapValues { list in
            list.filter { item in (only.map { $0.contains(item.key) } ?? true) && !skip.contains(item.key) }
        }
        if let only {
            // A key the rubric leaves out but the teacher asked for: in, worth one point.
            for (engine, all) in keys {
                for key in all where only.contains(key) && !(narrowed[engine] ?? []).contains(where: { $0.key == key }) {
                    narrowed[engine, default: []].append(Item(key))
                }
                narrowed[engine]?.sort { all.firstIndex(of: $0.key)! < all.firstIndex(of: $1.key)! }
            }
        }
        return narrowed
    }

    /// The keys no protocol has, for a usage error.
    public static func unknown(_ keys: [String]) -> [String] {
        let known = Set(Self.keys.values.flatMap { $0 } + Self.clientKeys.values.flatMap { $0 })
        return keys.filter { !known.contains($0) }
    }
}
