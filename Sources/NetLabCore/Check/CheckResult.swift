/// One conformance check of someone's server: what was sent, what came back, what was
/// expected, and why it matters for the lab.
public struct CheckResult: Equatable, Sendable {
    public var name: String
    public var passed: Bool
    /// Every byte sent (the report shows a hex preview).
    public var sent: [UInt8]
    /// Every byte received.
    public var received: [UInt8]
    /// What a right server does, in a sentence.
    public var expected: String
    /// What went wrong, when it failed (nil when it passed).
    public var problem: String?
    /// Why the lab cares.
    public var why: String

    public init(name: String, passed: Bool, sent: [UInt8], received: [UInt8], expected: String, problem: String? = nil,
                why: String) {
        self.name = name
        self.passed = passed
        self.sent = sent
        self.received = received
        self.expected = expected
        self.problem = problem
        self.why = why
    }
}
