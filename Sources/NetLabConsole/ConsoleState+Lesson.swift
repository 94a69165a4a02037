import Foundation
import NetLabCore

/// The lesson's room: `:lesson`, the room's predictions typed as letters, Enter to go on, and
/// the result quoted from the console's own sentences.
extension ConsoleState {
    mutating func lessonCommand(_ choice: ColonCommand.LessonChoice, now: Date) -> [Effect] {
        switch choice {
        case .list:
            let list = lessons.enumerated().map { "\($0.offset + 1) \($0.element.title)" }.joined(separator: "; ")
            say("lessons: \(list) (:lesson N starts one)", .info, now)
            return []
        case .off:
            guard let run = lesson else {
                say("no lesson is running (:lesson lists them)", .error, now)
                return []
            }
            lesson = nil
            transcript.resized(to: transcriptArea)
            say("lesson \(run.number) ended", .info, now)
            return []
        case .number(let number):
            guard lessons.indices.contains(number - 1) else {
                say("there is no lesson \(number): :lesson lists the \(lessons.count) there are", .error, now)
                return []
            }
            return startLesson(number, now: now)
        case .name(let name):
            guard let index = lessons.firstIndex(where: { $0.name == name.lowercased() }) else {
                let names = lessons.map(\.name)
                let near = names.first { EditDistance.isOneSlip(name.lowercased(), $0) }.map { "; did you mean \($0)?" } ?? ""
                say("no lesson named \(name)\(near) (:lesson lists them)", .error, now)
                return []
            }
            return startLesson(index + 1, now: now)
        }
    }

    public mutating func startLesson(_ number: Int, now: Date) -> [Effect] {
        let chosen = lessons[number - 1]
        if chosen.needsPrivateNetwork, !privateNetwork {
            say(
                "lesson \(number) (\(chosen.title)) needs the private network for its faults: start netlab --private (no root needed)",
                .error, now)
            return []
        }
        lesson = LessonRun(lesson: chosen, number: number)
        transcript.resized(to: transcriptArea)
        say("lesson \(number): \(chosen.title) (Enter: the first step; :lesson off ends it)", .info, now)
        return []
    }

    /// Enter on an empty input line: the next thing the lesson does.
    mutating func advanceLesson(now: Date, themes: [String]) -> [Effect] {
        guard var run = lesson else { return [] }
        switch run.phase {
        case .intro, .revealed:
            if case .revealed = run.phase {
                run.rightVotes += run.votes.filter { run.rightKeys.contains($0.key) }.reduce(0) { $0 + $1.count }
                run.allVotes += run.voteCount
            }
            run.step += 1
            guard let step = run.current else {
                run.phase = .finished
                lesson = run
                record(
                    "lesson \(run.number) over: "
                        + (run.allVotes == 0 ? "no predictions were typed" : "the room's predictions, \(run.rightVotes) of \(run.allVotes) right"),
                    now: now)
                return []
            }
            run.votes = []
            run.outcome = nil
            run.replyLength = nil
            run.heard = []
            run.phase = step.send == nil ? .revealed : .predicting
            lesson = run
            // The step's set-up, in the console's own commands (each says what it did), then
            // the step's own line (after them: a `:clear` among them must not wipe it).
            var effects: [Effect] = []
            let ports = Dictionary(uniqueKeysWithValues: servers.map { ($0.engine, $0.port) })
            for text in step.commands {
                let filled = (try? Lesson.fill(String(text.dropFirst()), ports: ports)) ?? String(text.dropFirst())
                guard case .success(let command) = ColonCommand.parse(filled), command.lessonMayRun else { continue }
                effects += execute(command, now: now, themes: themes)
            }
            var words = "lesson \(run.number), step \(run.step + 1): " + lessonText(step.say)
            if let ask = step.ask { words += " " + ask + " (" + step.choices.map { "\($0.key) \($0.text)" }.joined(separator: ", ") + ")" }
            record(words, now: now)
            if step.send == nil, !step.why.isEmpty { record("why: " + lessonText(step.why), now: nil) }
            return effects
        case .predicting:
            run.phase = .settingUp
            lesson = run
            if !run.votes.isEmpty { record("the room predicted: \(run.tally)", now: now) }
            return lessonProgress(now: now)
        case .settingUp, .running:
            say("the step is still running: its result comes first", .error, now)
            return []
        case .finished:
            lesson = nil
            transcript.resized(to: transcriptArea)
            say("lesson \(run.number) ended", .info, now)
            return []
        }
    }

    /// The step's message goes once no server it turned on is still starting.
    mutating func lessonProgress(now: Date) -> [Effect] {
        guard var run = lesson, case .settingUp = run.phase, let message = run.current?.message else { return [] }
        let line = String(decoding: message, as: UTF8.self)
        guard !servers.contains(where: { $0.phase == .starting }) else { return [] }
        let id = nextExchange
        run.phase = .running(exchange: id)
        lesson = run
        return sendLine(line, now: now)
    }

    /// A typed line while the room predicts: its letters are votes (`rrna`). True when the
    /// lesson took the line.
    mutating func lessonTakes(_ line: String, now: Date) -> Bool {
        guard var run = lesson, case .predicting = run.phase, let step = run.current, step.ask != nil else { return false }
        let keys = Set(step.choices.map(\.key))
        let letters = line.lowercased().filter { $0 != " " }
        guard !letters.isEmpty, letters.allSatisfy(keys.contains) else {
            let list = step.choices.map { String($0.key) }.joined(separator: ", ")
            say("type the room's predictions as letters (\(list); \"rrn\" is three votes), or Enter to run the step", .error, now)
            return true
        }
        run.add(votes: letters)
        lesson = run
        return true
    }

    /// The step's exchange ended: its outcome, and the reply's length.
    mutating func lessonHeard(exchange id: Int, outcome: Outcome, result: Result<[UInt8], ClientFailure>) {
        guard var run = lesson, case .running(let running) = run.phase, running == id else { return }
        run.outcome = outcome
        if case .success(let bytes) = result { run.replyLength = bytes.count }
        run.phase = .revealed
        lesson = run
        record(Renderer(state: self).lessonVerdict(run, outcome: outcome), now: nil)
        if let why = run.current?.why, !why.isEmpty { record("why: " + lessonText(why), now: nil) }
    }

    /// A lesson's own line in the transcript (kept with the session, `:save` writes it), not
    /// among the sentences the pane quotes.
    mutating func record(_ text: String, now: Date?) {
        transcript.add(Line(time: now, text: text, role: .help), in: transcriptArea)
    }

    /// Each sentence the console says while a step's message is out or its result is shown.
    mutating func lessonHears(_ text: String) {
        guard var run = lesson else { return }
        switch run.phase {
        case .running, .revealed:
            run.heard.append(text)
            if run.heard.count > LessonRun.heardKept { run.heard.removeFirst(run.heard.count - LessonRun.heardKept) }
            lesson = run
        default:
            break
        }
    }
}
