import Foundation
import NetLabCore

/// The lesson pane (in the server log's place while a lesson runs):
///
/// ┌ Lesson 1: TCP client before server · step 1 of 2 ─────────────┐
/// │ The TCP server is off. The client will send hello to 12000.   │
/// │ What will the client see?                                     │
/// │   r refused at once   n nothing: it waits   a an answer       │
/// │ The room: r 3  n 1. Enter sends the message.                  │
/// └───────────────────────────────────────────────────────────────┘
///
/// then the result (`It was REFUSED: r refused at once. The room: 3 of 4 right.`), the
/// console's own sentences about it (its errno, the frames that show why) and the step's why.
extension Renderer {
    func drawLesson(_ screen: inout Screen, _ rect: Rect) {
        guard let run = state.lesson else { return }
        screen.box(rect, title: lessonTitle(run), titleRole: .focusedTitle)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 2 else { return }
        let lines = lessonLines(run, width: inner.width - 1)
        // The hint (what Enter does) keeps the last row; the rest are shown from the top.
        let hint = lines.last
        let body = lines.dropLast().prefix(max(0, inner.height - 1))
        for (index, line) in body.enumerated() {
            screen.put(" " + line.text, row: inner.row + index, column: inner.column, role: line.role, limit: inner.width)
        }
        if let hint {
            screen.put(" " + hint.text, row: inner.row + inner.height - 1, column: inner.column, role: hint.role, limit: inner.width)
        }
    }

    func lessonTitle(_ run: LessonRun) -> String {
        let step = run.step >= 0 && run.step < run.lesson.steps.count ? " · step \(run.step + 1) of \(run.lesson.steps.count)" : ""
        return "Lesson \(run.number): \(run.lesson.title)\(step)"
    }

    /// The pane's lines, wrapped to `width`; the last is what Enter does next.
    func lessonLines(_ run: LessonRun, width: Int) -> [(text: String, role: StyleRole)] {
        var lines: [(String, StyleRole)] = []
        func add(_ text: String, _ role: StyleRole) {
            for piece in Self.wrap(text, width: max(10, width)) { lines.append((piece, role)) }
        }
        let hint: String
        switch run.phase {
        case .intro:
            add(run.lesson.about, .normal)
            hint = "Enter: the first step · :lesson off ends the lesson"
        case .finished:
            let score =
                run.allVotes == 0
                ? "No predictions were typed."
                : "The room's predictions: \(run.rightVotes) of \(run.allVotes) right."
            add("The lesson is over. \(score)", .success)
            hint = "Enter closes the lesson · :lesson lists the others"
        case .predicting, .settingUp, .running, .revealed:
            guard let step = run.current else { return [] }
            // Once the result is in, it takes the room: the verdict names the right choice.
            let revealed = run.phase == .revealed && step.send != nil
            if !revealed { add(state.lessonText(step.say), .normal) }
            if let ask = step.ask, !revealed {
                add(ask, .title)
                add(step.choices.map { "\($0.key) \($0.text)" }.joined(separator: "   "), .info)
            }
            switch run.phase {
            case .predicting:
                if step.ask != nil {
                    add(run.votes.isEmpty ? "Type the room's letters (rrn: three votes)." : "The room: \(run.tally).", .sent)
                }
                let what = step.length.map { "the \($0)-byte message" } ?? step.send.map { TerminalSafe.escapeText($0) }
                hint = what.map { "Enter sends \($0) · :lesson off ends the lesson" } ?? "Enter: next"
            case .settingUp, .running:
                if !run.votes.isEmpty { add("The room: \(run.tally).", .sent) }
                hint = "sent: the result comes next"
            default:
                if let outcome = run.outcome {
                    add(lessonVerdict(run, outcome: outcome), outcome.kind == .reply ? .received : .error)
                }
                // What the wire shows first (the frames by number), then the rest of what the
                // console said; the message's own line is the question's, left out.
                let sent = "\(state.client.engine.rawValue) -> "
                let heard = run.heard.filter { !$0.hasPrefix(sent) }
                for sentence in heard.filter({ $0.hasPrefix("the wire shows") }) + heard.filter({ !$0.hasPrefix("the wire shows") }) {
                    add(sentence, .normal)
                }
                if step.send != nil, !state.wireIsOn {
                    add("The wire is off here: the calls alone explain it (as root, or with CAP_NET_RAW, the packets show too).", .info)
                }
                if !step.why.isEmpty { add("Why: " + state.lessonText(step.why), .help) }
                hint = run.step + 1 < run.lesson.steps.count ? "Enter: the next step" : "Enter: the room's score"
            }
        }
        lines.append((hint, .keyBarKey))
        return lines
    }

    /// `It was REFUSED: r (refused at once). The room: 3 of 4 right.`
    func lessonVerdict(_ run: LessonRun, outcome: Outcome) -> String {
        // A long reply is named by its length (its text is in the lines below).
        let banner = outcome.banners.first ?? ""
        let shown = outcome.kind == .reply && banner.count > 24 ? "a reply of \(run.replyLength ?? 0) bytes" : banner
        guard let step = run.current, step.ask != nil else { return "It was \(shown)." }
        let right = run.rightKeys
        let words = step.choices.filter { right.contains($0.key) }.map { "\($0.key) (\($0.text))" }.joined(separator: ", ")
        var text = words.isEmpty ? "It was \(shown): none of the choices." : "It was \(shown): \(words)."
        if run.voteCount > 0 {
            let rightVotes = run.votes.filter { right.contains($0.key) }.reduce(0) { $0 + $1.count }
            text += " The room: \(rightVotes) of \(run.voteCount) right."
        }
        return text
    }
}

extension ConsoleState {
    var wireIsOn: Bool {
        if case .on = wire { return true }
        return false
    }

    /// A lesson's sentence with the servers' ports put in (`{tcp}` is the TCP server's).
    func lessonText(_ text: String) -> String {
        let ports = Dictionary(uniqueKeysWithValues: servers.map { ($0.engine, $0.port) })
        return (try? Lesson.fill(text, ports: ports)) ?? text
    }
}
