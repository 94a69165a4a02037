import NetLabCheck
import NetLabCore
import NetLabTOML
import Testing

/// A teacher's rubric file: what it may say, and each mistake named with its line and the fix.
@Suite struct RubricFileTests {
    static let example = """
        # Week 3: the TCP server, and the UDP one for a bonus.
        description = "Week 3"
        timeout = 3

        [tcp]
        again = 1
        uppercase = 2
        long = { points = 1, visibility = "after_published" }

        [udp]
        uppercase = { points = 0, visibility = "hidden" }

        [tcp-client]
        prints = 3
        """

    @Test func aRubricFileGivesChecksPointsVisibilityAndTimeout() throws {
        let rubric = try Rubric.parse(Self.example, name: "week3", file: "week3.toml")
        #expect(rubric.name == "week3" && rubric.description == "Week 3" && rubric.timeout == 3)
        // In the order the checks run, whatever order the file lists them in.
        #expect(
            rubric.items[.tcp]
                == [Rubric.Item("uppercase", weight: 2), Rubric.Item("again"), Rubric.Item("long", visibility: .afterPublished)])
        #expect(rubric.items[.udp] == [Rubric.Item("uppercase", weight: 0, visibility: .hidden)])
        #expect(rubric.items[.http] == nil, "no [http] table: no HTTP checks")
        #expect(rubric.clientItems[.tcp] == [Rubric.Item("prints", weight: 3)])
        #expect(rubric.clientItems[.udp] == nil)
    }

    static let mistakes: [(text: String, error: String)] = [
        (
            "[tcp]\nuppercse = 2\n",
            "r.toml:2: unknown tcp check \"uppercse\" (did you mean uppercase?); the tcp checks are "
                + "uppercase, again, bytes, empty, concurrent, long, pieces"
        ),
        (
            "[tcp]\nuppercase = 2\nagain = { points = 1, visibility = \"students\" }\n",
            "r.toml:3: visibility in tcp.again: use visible, hidden, after_due_date, after_published"
        ),
        ("[udp]\nclients = 500\n", "r.toml:2: udp.clients = 500: points are a whole number from 0 to 100"),
        (
            "[udp-client]\nconnects = 1\n",
            "r.toml:2: unknown udp-client check \"connects\"; the udp-client checks are sends, prints, exits, silence"
        ),
        (
            "timout = 2\n[tcp]\nuppercase = 1\n",
            "r.toml:1: unknown key \"timout\" (did you mean timeout?): a rubric has a description, a timeout and [tcp], [udp], [http], "
                + "[tcp-client], [udp-client] tables"
        ),
        (
            "timeout = 0\n[tcp]\nuppercase = 1\n",
            "r.toml:1: timeout is seconds each check waits for a reply, between 0.001 and 3600 (e.g. timeout = 2)"
        ),
        ("description = \"x\"\n", "r.toml:1: the rubric lists no check: add a table such as [tcp] with uppercase = 1"),
        (
            "[tcp]\nuppercase = \"two\"\n",
            "r.toml:2: tcp.uppercase must be points (uppercase = 2) or a table ({ points = 2, visibility = \"hidden\" })"
        ),
    ]

    @Test(arguments: mistakes)
    func eachMistakeIsNamedWithItsLine(_ mistake: (text: String, error: String)) {
        #expect(throws: TOMLFileError.self) { try Rubric.parse(mistake.text, name: "r", file: "r.toml") }
        do {
            _ = try Rubric.parse(mistake.text, name: "r", file: "r.toml")
        } catch {
            #expect(error.description == mistake.error)
        }
    }

    @Test func aSyntaxErrorIsTheParsersWithItsLine() {
        do {
            _ = try Rubric.parse("[tcp]\nuppercase = = 2\n", name: "r", file: "r.toml")
            Issue.record("parsed")
        } catch {
            #expect(error.line == 2 && error.problem.hasPrefix("not valid TOML (column "), "\(error)")
        }
    }
}
