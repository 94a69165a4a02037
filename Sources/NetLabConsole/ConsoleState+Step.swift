import Foundation
import NetLabCore

/// A socket call netlab's client is about to make, held in step mode until Space.
public struct PendingStep: Equatable, Sendable {
    /// The engine's number for it (`.proceed(id:)` names it).
    public var id: Int
    public var engine: LabEvent.Engine
    /// `client`, or `server` (its accept()).
    public var side: String
    /// `connect()`, `send()`, `recv()`, `shutdown()`, `close()`.
    public var call: String
    /// What it is about to do: `to 127.0.0.1:12000 (sends a SYN)`.
    public var detail: String

    public init(id: Int, engine: LabEvent.Engine, side: String = "client", call: String, detail: String) {
        self.id = id
        self.engine = engine
        self.side = side
        self.call = call
        self.detail = detail
    }
}

/// Step mode (`:step`): the client's calls one key at a time, so the room can predict each
/// call's packets before they appear.
extension ConsoleState {
    mutating func setStepping(_ on: Bool, now: Date) -> [Effect] {
        stepping = on
        let waiting = pendingSteps
        pendingSteps = []
        say(
            on
                ? "step mode on: netlab's client stops before each socket call, its TCP server before accept(); Space makes the call "
                    + "(:step off to leave)"
                : "step mode off: the client's calls go at once", .info, now)
        return [.stepping(on)] + (on ? [] : waiting.map { .proceed(id: $0.id) })
    }

    /// Space: the first waiting call goes; the next one waiting is said.
    mutating func proceedStep(now: Date) -> [Effect] {
        guard !pendingSteps.isEmpty else { return [] }
        let step = pendingSteps.removeFirst()
        if let next = pendingSteps.first { say(Self.stepSentence(next), .info, now) }
        return [.proceed(id: step.id)]
    }

    static func stepSentence(_ step: PendingStep) -> String {
        "STEP: \(step.engine.rawValue) \(step.side) about to call \(step.call) \(step.detail); Space makes the call"
    }
}
