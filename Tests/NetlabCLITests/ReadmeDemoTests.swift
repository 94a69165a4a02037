import Foundation
import Testing

/// README.md's teacher demo, played as written: the table between `<!-- demo:start -->` and
/// `<!-- demo:end -->` is read from the file, each step's keys are sent to the real console in
/// tmux, and each step's claims are waited for on the screen. Ports 12000 and 12001 in the
/// table stand for two free ports of this run.
@Suite(.serialized) struct ReadmeDemoTests {
    struct Step {
        var number: String
        /// Keys for tmux and texts to type, in order.
        var actions: [Action]
        /// Texts that must be on screen: the status bar's, or the newest transcript entry's.
        var claims: [String]
    }

    enum Action: Equatable {
        case launch([String])
        case type(String)
        case key(String)
    }

    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../README.md").standardized

    /// The backticked parts of a table cell, and its other words.
    static func tokens(_ cell: String) -> [(quoted: Bool, text: String)] {
        var result: [(Bool, String)] = []
        // Parenthesised remarks are for the reader, backticks in them too ("Up (recalls
        // `hello`)" is not typing hello: the test once typed it, and sent "hellohello").
        var bare = ""
        var depth = 0
        var quoted = false
        for character in cell {
            if quoted {
                bare.append(character)
                if character == "`" { quoted = false }
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                bare.append(character)
                if character == "`" { quoted = true }
            }
        }
        let parts = bare.components(separatedBy: "`")
        for (index, part) in parts.enumerated() {
            if index % 2 == 1 {
                result.append((true, part))
            } else {
                // Words outside backticks; parenthesised remarks are for the reader.
                var plain = ""
                var depth = 0
                for character in part {
                    if character == "(" {
                        depth += 1
                    } else if character == ")" {
                        depth = max(0, depth - 1)
                    } else if depth == 0 {
                        plain.append(character)
                    }
                }
                for word in plain.split(whereSeparator: { $0 == " " || $0 == "," }) { result.append((false, String(word))) }
            }
        }
        return result
    }

    static func steps() throws -> [Step] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "<!-- demo:start -->"), let end = text.range(of: "<!-- demo:end -->") else {
            throw BackgroundError(message: "README.md has no demo table")
        }
        let rows = text[start.upperBound..<end.lowerBound].split(separator: "\n").filter { $0.hasPrefix("| ") }.dropFirst()
        return rows.map { row in
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var actions: [Action] = []
            for (quoted, text) in tokens(cells[2]) {
                if quoted {
                    actions.append(text.hasPrefix("netlab ") ? .launch(text.split(separator: " ").dropFirst().map(String.init)) : .type(text))
                } else if ["Enter", "Up", "Down", "Tab"].contains(text) || text.range(of: "^F[0-9]+$", options: .regularExpression) != nil {
                    actions.append(.key(text))
                }
            }
            let claims = tokens(cells[3]).filter(\.quoted).map(\.text)
            return Step(number: cells[1], actions: actions, claims: claims)
        }
    }

    @Test func theTableIsThere() throws {
        let steps = try Self.steps()
        #expect(steps.count >= 5)
        #expect(steps.first?.actions.first == .launch(["--servers", "none"]))
        #expect(steps.allSatisfy { !$0.claims.isEmpty && !$0.actions.isEmpty })
    }

    /// The newest entry of the client's transcript: from its last timestamped row to the pane's end.
    static func newestEntry(_ screen: String) -> String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let top = lines.lastIndex(where: { $0.hasPrefix("┌") && $0.contains(" Client") }) else { return "" }
        var rows: [String] = []
        for line in lines[(top + 1)...] {
            if line.hasPrefix("│─") || line.hasPrefix("└") { break }
            // The pane's own columns: up to its right border (another pane may sit beside it).
            rows.append(String(line.dropFirst().prefix { $0 != "│" }))
        }
        guard let first = rows.lastIndex(where: { $0.range(of: "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ", options: .regularExpression) != nil })
        else { return "" }
        // Rows of one entry are joined back into its text (wrapped rows are indented).
        return rows[first...].map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// At the smallest size the console supports well and at a projector's: every claim must be
    /// on the screen, the newest entry read from its first line as the pane shows it.
    @Test(arguments: [(80, 24), (100, 36)])
    func teacherDemoAsWritten(width: Int, height: Int) throws {
        let steps = try Self.steps()
        let port = try freePort()
        // Taken like the first (TestPorts): port + 1 was nobody's to promise, and another test
        // of the parallel suite could be listening there when steps 6 and 7 expect silence.
        let other = try freePort()
        func local(_ text: String) -> String {
            text.replacingOccurrences(of: "12001", with: "\(other)").replacingOccurrences(of: "12000", with: "\(port)")
        }
        var session: TmuxSession?
        for step in steps {
            for action in step.actions {
                switch action {
                case .launch(let arguments):
                    session = try TmuxSession(
                        command: [netlabBinary.path] + arguments + [
                            "--host", "127.0.0.1", "--tcp-port", "\(port)", "--udp-port", "\(port)",
                            "--http-port", "\(try freePort())",
                        ],
                        width: width, height: height)
                    try session!.waitFor("TCP :\(port)") { $0.contains("TCP :\(port)") || $0.contains("TCP:\(port)") }
                case .type(let text):
                    try session!.send("-l", local(text))
                case .key(let key):
                    try session!.send(key)
                }
            }
            for claim in step.claims.map(local) {
                try session!.waitFor("step \(step.number): \(claim)") { screen in
                    let status = screen.split(separator: "\n").first.map(String.init) ?? ""
                    // At 80 columns the status bar writes `TCP:12000  ON`, or `TCP  ON` when the
                    // target and the capture need the room.
                    let compact = claim.replacingOccurrences(of: " :", with: ":")
                    let portless = claim.replacingOccurrences(of: " :[0-9]+ ", with: " ", options: .regularExpression)
                    return status.contains(claim) || status.contains(compact) || (width <= 80 && status.contains(portless))
                        || Self.newestEntry(screen).contains(claim)
                }
            }
        }
        try session?.send("F10")
        #expect(try session?.exitStatus() == 0)
    }
}
