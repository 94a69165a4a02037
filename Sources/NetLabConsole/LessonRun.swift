import Foundation
import NetLabCore

/// A lesson under way: which step, what the room predicted, and what really happened.
public struct LessonRun: Equatable, Sendable {
    public var lesson: Lesson
    /// Its number in the console's list (`:lesson 2`).
    public var number: Int
    /// The step shown; -1 before the first (the lesson's title and what it is about).
    public var step = -1
    public var phase = Phase.intro

    public enum Phase: Equatable, Sendable {
        /// The title and what the lesson is about; Enter starts the first step.
        case intro
        /// The step is set up; the room predicts (letters typed), Enter sends.
        case predicting
        /// Enter was pressed: waiting for the servers the step turned on, then the message goes.
        case settingUp
        /// The message is out as exchange `id`; its result is awaited.
        case running(exchange: Int)
        /// The result is in (and the console's sentences about it keep coming).
        case revealed
        /// After the last step: the room's score.
        case finished
    }

    /// The room's predictions for the step shown: votes per choice key, in the order typed.
    public var votes: [Vote] = []

    public struct Vote: Equatable, Sendable {
        public var key: Character
        public var count: Int
    }

    /// What the step's message did: the banner's outcome, and the reply's length when one came.
    public var outcome: Outcome?
    public var replyLength: Int?
    /// The console's own sentences since the step's message was sent (its line, its result,
    /// the wire's evidence), the newest last: what the pane quotes.
    public var heard: [String] = []
    /// Over the lesson: votes that were right, and votes cast.
    public var rightVotes = 0
    public var allVotes = 0

    public static let heardKept = 12

    public var current: Lesson.Step? { lesson.steps.indices.contains(step) ? lesson.steps[step] : nil }

    /// The choices the result matches (none when the result is something no choice named).
    public var rightKeys: [Character] {
        guard let step = current, let outcome else { return [] }
        let message = step.message?.count ?? 0
        return step.choices.filter { $0.means.matches(outcome, reply: replyLength, message: message) }.map(\.key)
    }

    public var voteCount: Int { votes.reduce(0) { $0 + $1.count } }

    mutating func add(votes letters: String) {
        for letter in letters {
            if let index = votes.firstIndex(where: { $0.key == letter }) {
                votes[index].count += 1
            } else {
                votes.append(Vote(key: letter, count: 1))
            }
        }
    }

    /// `r 3  n 1` in the choices' order.
    public var tally: String {
        guard let step = current else { return "" }
        return step.choices.compactMap { choice in
            votes.first { $0.key == choice.key }.map { "\(choice.key) \($0.count)" }
        }.joined(separator: "  ")
    }
}
