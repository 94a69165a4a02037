import Foundation
import NetLabCore
import NetLabTOML
import Testing

@testable import NetLabConsole

@Suite struct LessonFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shipped = [
        "tcp-before-server", "udp-before-server", "mismatched-ports", "web-server", "uppercase-bytes", "long-message",
        "firewall-drop-reject",
    ]

    @Test(arguments: shipped)
    func everyShippedLessonLoadsAndIsBuiltIn(name: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Lessons/\(name).toml"), encoding: .utf8)
        let lesson = try Lesson.parse(text, name: name, file: "Lessons/\(name).toml")
        let embedded = try #require(BuiltInLessonFiles.all.first { $0.0 == name }?.1)
        #expect(embedded + "\n" == text, "Lessons/\(name).toml changed: run Scripts/embed-lessons.sh")
        #expect(Lesson.builtIn.first { $0.name == name } == lesson)
        // Every question can be answered right by one of its choices, and asks about a message.
        for step in lesson.steps where step.ask != nil {
            #expect(step.send != nil && step.choices.count >= 2, "\(name)")
        }
    }

    @Test func theShippedOrder() {
        #expect(Lesson.builtIn.map(\.name) == Self.shipped)
        #expect(Lesson.builtIn.filter(\.needsPrivateNetwork).map(\.name) == ["firewall-drop-reject"])
    }

    /// README's example, whole, is a lesson that loads.
    @Test func readmeExampleLoads() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(
            readme.components(separatedBy: "<!-- lesson-example:start -->").dropFirst().first?
                .components(separatedBy: "<!-- lesson-example:end -->").first)
        let toml = try #require(block.components(separatedBy: "```toml\n").dropFirst().first?.components(separatedBy: "```").first)
        let lesson = try Lesson.parse(toml, name: "week3", file: "week3.toml")
        #expect(lesson.title == "Week 3: the port a client knocks on")
        #expect(lesson.steps.count == 2)
        #expect(lesson.steps[0].commands == [":tcp on", ":proto tcp", ":port {tcp+1}"])
        #expect(lesson.steps[1].choices.map(\.means) == [.refused, .reply])
    }

    /// Each mistake a teacher can make names its line and the fix.
    @Test(arguments: [
        ("title = \"x\"\n", "t.toml:1: a lesson needs at least one [[step]] table"),
        ("[[step]]\nsend = \"hi\"\n", "t.toml:1: a lesson needs a title: title = \"TCP client before server\""),
        ("title = \"x\"\ntitel = \"y\"\n[[step]]\n", "t.toml:2: unknown key \"titel\" (did you mean title?); a lesson has title, about, needs, step"),
        (
            "title = \"x\"\n[[step]]\nsend = \"a\"\n\n[[step]]\ndo = [\"tcp of\"]\n",
            "t.toml:6: \":tcp of\": usage: :tcp on|off"
        ),
        (
            "title = \"x\"\n[[step]]\ndo = [\"quit\"]\n",
            "t.toml:3: \":quit\" cannot run in a lesson: a step sets the console up (servers, ports, modes, faults)"
        ),
        (
            "title = \"x\"\n[[step]]\ndo = [\"port {tpc}\"]\n",
            "t.toml:3: \":port {tpc}\": unknown placeholder {tpc}: use {tcp}, {udp}, {http}, or {tcp+1} for the port after it"
        ),
        (
            "title = \"x\"\n[[step]]\nsend = \"hi\"\nask = \"q?\"\nchoices = [{ key = \"a\", text = \"A\", means = \"reply\" }]\n",
            "t.toml:4: a question needs at least two choices = [...] to predict from"
        ),
        (
            "title = \"x\"\n[[step]]\nsend = \"hi\"\nask = \"q?\"\nchoices = [{ key = \"a\", text = \"A\", means = \"reply\" }, "
                + "{ key = \"b\", text = \"B\", means = \"refusd\" }]\n",
            "t.toml:5: means = \"refusd\" is not a result (did you mean refused?): use one of reply, refused, silence, reset, closed, "
                + "unreachable, same-length, longer, shorter, or an HTTP status (404)"
        ),
        (
            "title = \"x\"\n[[step]]\nask = \"q?\"\nchoices = [{ key = \"a\", text = \"A\", means = \"reply\" }, "
                + "{ key = \"b\", text = \"B\", means = \"404\" }]\n",
            "t.toml:3: a question is about what a message does: add send = \"hello\""
        ),
        ("title = \"x\"\nneeds = \"root\"\n[[step]]\n", "t.toml:2: needs takes \"private-network\" (a lesson with faults), or leave it out"),
        ("title = \"x\"\n[[step]\n", "t.toml:2: not valid TOML"),
    ])
    func brokenFilesSayWhereAndHow(text: String, expected: String) {
        do throws(TOMLFileError) {
            _ = try Lesson.parse(text, name: "t", file: "t.toml")
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test func placeholders() throws {
        #expect(try Lesson.fill("port {tcp} and {udp+1}, {http}", ports: [.tcp: 12000, .udp: 9000, .http: 8080]) == "port 12000 and 9001, 8080")
        #expect(try Lesson.fill("{tcp+1}", ports: [.tcp: 65535]) == "65535")
    }

    @Test func aTeachersFolderAddsAndReplacesAndReportsBrokenFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lessons-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let step = "[[step]]\nsend = \"hi\"\n"
        try "title = \"Mine\"\n\(step)".write(to: folder.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        try "title = \"Own first\"\n\(step)".write(to: folder.appendingPathComponent("tcp-before-server.toml"), atomically: true, encoding: .utf8)
        try "title = 3\n".write(to: folder.appendingPathComponent("broken.toml"), atomically: true, encoding: .utf8)
        var catalog = LessonCatalog(userFolder: folder)
        #expect(catalog.lessons.map(\.title).prefix(1) == ["Own first"])
        #expect(catalog.lessons.last?.title == "Mine")
        #expect(catalog.skipped.map(\.description) == ["\(folder.path)/broken.toml:1: a lesson needs a title: title = \"TCP client before server\""])
        #expect(try catalog.select("mine") == 8)
        #expect(try catalog.select("2") == 2)
        #expect(throws: TOMLFileError.self) { try catalog.select("9") }
        #expect(throws: TOMLFileError.self) { try catalog.select("broken") }
    }
}

/// A lesson's run in the pure state: predictions, the wait for servers, the result from the
/// real outcome, and the console's own sentences quoted.
@Suite struct LessonRunTests {
    @Test func theFirstLessonStepByStep() throws {
        var state = ConsoleState()
        state.apply([.resized(width: 80, height: 24)])
        state.apply([.event(event(.tcp, .server, .listening(server)))])
        state.type(":lesson 1")
        state.apply([.key(.enter)])
        #expect(state.lesson?.phase == .intro)
        // Enter: step 1 sets up (the TCP server goes off) and waits for predictions.
        let setup = state.apply([.key(.enter)], at: 1)
        #expect(setup.contains(.stopServer(.tcp)))
        #expect(state.lesson?.phase == .predicting)
        // The step's :clear came first: its own line stays in the transcript (and :save).
        #expect(
            state.transcript.lines.items.map(\.text).contains(
                "lesson 1, step 1: The TCP server is off. The client will send hello to port 12000. What will the client see? "
                    + "(r refused at once, n nothing: it waits, a an answer)"))
        state.type("rrn")
        state.apply([.key(.enter)], at: 2)
        state.type("x")
        state.apply([.key(.enter)], at: 2)
        #expect(
            state.transcript.lines.last?.text == "type the room's predictions as letters (r, n, a; \"rrn\" is three votes), or Enter to run the step")
        #expect(state.lesson?.tally == "r 2  n 1")
        // Enter: the message goes (no server is starting), as exchange 1.
        let sent = state.apply([.key(.enter)], at: 3)
        #expect(sent == [.send(.tcp, bytes: Array("hello".utf8), host: "127.0.0.1", port: 12000, udpMode: .unconnected, timeout: 5, exchange: 1)])
        state.apply([.reply(engine: .tcp, exchange: 1, result: .failure(.socket(.errno(.connect, ECONNREFUSED, endpoint: localServer))))], at: 3)
        #expect(state.lesson?.phase == .revealed)
        #expect(state.lesson?.rightKeys == ["r"])
        let screen = render(state, width: 80, height: 24, clock: utcClock).text
        #expect(screen.contains("It was REFUSED: r (refused at once). The room: 2 of 3 right."), "\(screen)")
        #expect(screen.contains("Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:12000"), "\(screen)")
        #expect(screen.contains("The wire is off here: the calls alone explain it"), "\(screen)")
        #expect(screen.contains("Lesson 1: TCP client before server · step 1 of 2"))

        // Step 2 turns the server on: the message waits until it listens.
        let second = state.apply([.key(.enter)], at: 4)
        #expect(second.contains(.startServer(.tcp, host: nil, port: 12000)))
        #expect(state.apply([.key(.enter)], at: 5).isEmpty, "the server is still starting")
        #expect(state.lesson?.phase == .settingUp)
        let effects = state.apply([.event(event(.tcp, .server, .listening(server), at: 5))], at: 5)
        #expect(effects.count == 1 && state.lesson?.phase == .running(exchange: 2))
        state.apply([.reply(engine: .tcp, exchange: 2, result: .success(Array("HELLO".utf8)))], at: 6)
        #expect(render(state, width: 80, height: 24, clock: utcClock).text.contains("It was HELLO: a (an answer)."))
        state.apply([.key(.enter)], at: 7)
        #expect(state.lesson?.phase == .finished)
        #expect(render(state, width: 80, height: 24, clock: utcClock).text.contains("The lesson is over. The room's predictions: 2 of 3 right."))
        #expect(state.transcript.lines.last?.text == "lesson 1 over: the room's predictions, 2 of 3 right")
        state.apply([.key(.enter)], at: 8)
        #expect(state.lesson == nil)
    }

    @Test func aLessonNeedingThePrivateNetworkSaysHowToGetIt() {
        var state = ConsoleState()
        state.type(":lesson firewall-drop-reject")
        state.apply([.key(.enter)])
        #expect(state.lesson == nil)
        #expect(
            state.transcript.lines.last?.text
                == "lesson 7 (A firewall that drops, one that rejects) needs the private network for its faults: start netlab --private "
                + "(no root needed)")
        state.type(":lesson 9")
        state.apply([.key(.enter)])
        #expect(state.transcript.lines.last?.text == "there is no lesson 9: :lesson lists the 7 there are")
        state.type(":lesson tcp-befor-server")
        state.apply([.key(.enter)])
        #expect(state.transcript.lines.last?.text == "no lesson named tcp-befor-server; did you mean tcp-before-server? (:lesson lists them)")
    }

    /// Presenter mode: the question and the votes in large letters while the room predicts.
    @Test func presenterShowsTheQuestionAndTheVotes() {
        var state = ConsoleState(presenter: true)
        state.type(":lesson 1")
        state.apply([.key(.enter), .key(.enter)])
        state.type("rrn")
        state.apply([.key(.enter)])
        let screen = render(state, width: 80, height: 24, clock: utcClock).text
        #expect(screen.contains("What will the client see?"))
        #expect(screen.contains("r refused at once   n nothing: it waits   a an answer"))
        #expect(screen.contains("████"), "the tally R2 N1 in block letters")
    }
}

@Suite struct ByteDiffTests {
    /// netlab's server on straße: five letters change by one bit; ß's two bytes stay.
    @Test func uppercaseIsOneBit() {
        let message = Array("straße".utf8)
        let lines = ByteDiff.lines(message: message, reply: Uppercase.apply(message))
        #expect(
            lines == [
                "offset  message                    reply",
                "0000    73 74 72 61 c3 9f 65       53 54 52 41 c3 9f 45",
                "        ^^ ^^ ^^ ^^       ^^       ^^ ^^ ^^ ^^       ^^",
                "",
                "5 of 7 bytes changed; both 7 bytes",
                "s 73 -> S 53, t 74 -> T 54, r 72 -> R 52, a 61 -> A 41, e 65 -> E 45",
                "each differs in one bit, 0x20 (bit 5): a-z is 0x61-0x7a, A-Z is 0x41-0x5a",
            ])
    }

    @Test func aLongerReplyIsSaid() {
        let lines = ByteDiff.lines(message: Array("ﬁ".utf8), reply: Array("FI".utf8))
        #expect(lines.contains("2 of 2 bytes changed; the message 3 bytes, the reply 2 (shorter)"))
    }
}
