/// One conformance check of someone's server: what was sent, what came back, what was
/// expected, and why it matters for the lab.
public struct CheckResult: Equatable, Sendable {
    public var name: String
    public var passed: Bool
    /// The first bytes sent (at most `keptSentBytes`; the report shows a hex preview);
    /// `sentCount` counts them all. A room of 10,000 servers kept 64 KiB each before.
    public var sent: [UInt8]
    public var sentCount: Int
    /// The first bytes received (at most `CheckResult.keptBytes`: a server that sends without
    /// end must not fill the grader's memory); `receivedCount` counts them all.
    public var received: [UInt8]
    /// How many bytes came back in all.
    public var receivedCount: Int
    /// What a right server does, in a sentence.
    public var expected: String
    /// What went wrong, when it failed (nil when it passed).
    public var problem: String?
    /// Why the lab cares.
    public var why: String
    /// Not run: the server had stopped accepting connections before this check (the report's
    /// `stopped` says when); neither passed nor a failure of its own.
    public var notRun = false
    /// The check's short key (`uppercase`, `404`) and what it is worth in the rubric.
    public var key = ""
    public var weight = 1
    /// What happened to a server netlab started (`--start`) during this check: it exited, or
    /// was killed (nil: it kept running, or netlab did not start it).
    public var server: String?
    /// What was seen of a client's run when it passed (`with no server, it ends`: how it did).
    public var seen: String?
    /// When a student sees it on Gradescope (nil: Gradescope's default).
    public var visibility: Rubric.Visibility?
    /// How long the check took (JUnit's `time`).
    public var seconds = 0.0

    /// What a report keeps of the bytes a server sent: enough to judge the lab's largest
    /// reply (64 KiB) with room to spare.
    public static let keptBytes = 128 << 10
    /// What a report keeps of the bytes a check sent (they are the same for every server).
    public static let keptSentBytes = 4 << 10

    public init(
        name: String, passed: Bool, sent: [UInt8], received: [UInt8], receivedCount: Int? = nil, expected: String,
        problem: String? = nil, why: String
    ) {
        self.name = name
        self.passed = passed
        self.sent = Array(sent.prefix(Self.keptSentBytes))
        self.sentCount = sent.count
        self.received = Array(received.prefix(Self.keptBytes))
        self.receivedCount = max(receivedCount ?? received.count, received.count)
        self.expected = expected
        self.problem = problem
        self.why = why
    }
}
