import Foundation

/// A report card: every check run against one server, and the four ways it is written out
/// (text for people, JSON, a JUnit XML file, a Gradescope results file).
public struct CheckReport: Equatable, Sendable {
    /// `tcp 127.0.0.1:12000`, with the name from a targets file when there is one.
    public var target: String
    public var name: String?
    public var results: [CheckResult]
    /// Why no check could reach the server (nothing listening, an unknown host): the report
    /// card then says it once instead of once per check.
    public var unreachable: String?
    /// Why some checks were not run, said once above the checks: the server was reached, then
    /// stopped accepting connections (it crashed, or serves one client), or it lacks the file
    /// those checks need.
    public var stopped: String?

    public init(target: String, name: String? = nil, results: [CheckResult], unreachable: String? = nil, stopped: String? = nil) {
        self.target = target
        self.name = name
        self.results = results
        self.unreachable = unreachable
        self.stopped = stopped
    }

    /// `alice tcp 127.0.0.1:12000`: the name from a targets file, if any, and the target.
    public var label: String { (name.map { "\($0) " } ?? "") + target }

    /// Checks that ran and failed (not those not run).
    public var failed: Int { results.filter { !$0.passed && !$0.notRun }.count }
    public var notRun: Int { results.filter(\.notRun).count }
    /// The points the passed checks are worth, and the most there are (the rubric's weights).
    public var score: Int { results.filter(\.passed).reduce(0) { $0 + $1.weight } }
    public var maxScore: Int { results.reduce(0) { $0 + $1.weight } }
    /// The rubric the checks came from (`lab`, `strict`).
    public var rubric = "strict"
    public var passed: Int { results.filter(\.passed).count }

    /// The exit code: checks not passed (failed or not run), at most 63 (64 is bad usage).
    public var exitCode: Int32 { Int32(min(results.count - passed, 63)) }

    /// How many bytes of a message the report shows as hex.
    static let previewBytes = 32

    /// `68 65 6c 6c 6f (5 bytes)`; longer messages show their first bytes and the count.
    /// `total` counts bytes the report did not keep (a server that sent 2 GiB).
    public static func hexPreview(_ bytes: [UInt8], total: Int? = nil) -> String {
        let total = max(total ?? bytes.count, bytes.count)
        if total == 0 { return "(nothing)" }
        let shown = HexDump.hex(bytes.prefix(previewBytes), separator: 0x20)
        let count = total == 1 ? "1 byte" : "\(total) bytes"
        return total > previewBytes ? "\(shown) ... (\(count))" : "\(shown) (\(count))"
    }

    /// `alice: tcp 127.0.0.1:12000`, the report card's first words.
    private var heading: String { (name.map { "\($0): " } ?? "") + target }

    /// Text for a terminal: everything a report says may quote the network (a status line, a
    /// Content-Type) or a targets file (a name), so control bytes, bidirectional controls and
    /// invalid UTF-8 are written as escapes; netlab's own words pass unchanged.
    public static func terminal(_ text: String) -> String { TerminalSafe.controls(text) }

    /// The report card for a terminal.
    public var text: String {
        let heading = Self.terminal(heading)
        if let unreachable {
            return "netlab check \(heading): no server to check: \(Self.terminal(unreachable))\n"
                + "0 of \(results.count) checks passed (none could reach the server)\n"
        }
        var lines = ["netlab check \(heading): \(passed) of \(results.count) checks passed (\(rubric) rubric: \(score) of \(maxScore) points)"]
        if let stopped { lines.append(Self.terminal(stopped)) }
        for result in results {
            lines.append("")
            if result.notRun {
                lines.append("NOT RUN  \(Self.terminal(result.name))")
                continue
            }
            lines.append("\(result.passed ? "PASS" : "FAIL")  \(Self.terminal(result.name))")
            if let problem = result.problem { lines.append("      problem:  \(Self.terminal(problem))") }
            lines.append("      sent:     \(Self.hexPreview(result.sent, total: result.sentCount))")
            lines.append("      received: \(Self.hexPreview(result.received, total: result.receivedCount))")
            lines.append("      expected: \(Self.terminal(result.expected))")
            lines.append("      why:      \(Self.terminal(result.why))")
            if let server = result.server { lines.append("      server:   \(Self.terminal(server))") }
            if let seen = result.seen { lines.append("      seen:     \(Self.terminal(seen))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object: the target, the counts, and every check with its bytes as hex.
    public var json: String {
        let checks = results.map { result -> JSONValue in
            .object([
                ("name", .string(result.name)), ("passed", .bool(result.passed)),
                ("sent_hex", .string(HexDump.hex(result.sent))), ("sent_bytes", .number(Double(result.sentCount))),
                ("received_hex", .string(HexDump.hex(result.received))),
                ("received_bytes", .number(Double(result.receivedCount))),
                ("expected", .string(result.expected)), ("problem", result.problem.map { .string($0) } ?? .null),
                ("why", .string(result.why)), ("run", .bool(!result.notRun)),
            ])
        }
        return JSONValue.object([
            ("target", .string(target)), ("name", name.map { .string($0) } ?? .null),
            ("rubric", .string(rubric)), ("score", .number(Double(score))), ("max_score", .number(Double(maxScore))),
            ("passed", .number(Double(passed))), ("failed", .number(Double(failed))), ("not_run", .number(Double(notRun))),
            ("stopped", stopped.map { .string($0) } ?? .null), ("checks", .array(checks)),
        ]).text
    }

    /// A gradebook: a row per report (name, target, score, max_score) and a column per check
    /// key in the order the checks ran (`1` passed, `0` failed, `not run`; empty: not in that
    /// server's rubric), as a spreadsheet reads it (RFC 4180: quotes doubled, CRLF lines).
    public static func csv(_ reports: [CheckReport]) -> String {
        var keys: [String] = []
        for report in reports { for result in report.results where !keys.contains(result.key) { keys.append(result.key) } }
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\r\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var rows = [(["name", "target", "score", "max_score"] + keys).map(field).joined(separator: ",")]
        for report in reports {
            var cells = [report.name ?? "", report.target, "\(report.score)", "\(report.maxScore)"]
            for key in keys {
                guard let result = report.results.first(where: { $0.key == key }) else {
                    cells.append("")
                    continue
                }
                cells.append(result.notRun ? "not run" : result.passed ? "1" : "0")
            }
            rows.append(cells.map(field).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }

    /// A JUnit XML document (one testsuite per report), as CI systems read it.
    public static func junit(_ reports: [CheckReport]) -> String {
        var xml = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        let tests = reports.reduce(0) { $0 + $1.results.count }
        let errors = reports.filter { $0.unreachable != nil }.reduce(0) { $0 + $1.results.count }
        let failures = reports.filter { $0.unreachable == nil }.reduce(0) { $0 + $1.failed }
        let skipped = reports.reduce(0) { $0 + $1.notRun }
        xml.append(
            "<testsuites name=\"netlab check\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\">")
        for report in reports {
            let suite = XMLText.escape(report.name.map { "\($0) (\(report.target))" } ?? report.target)
            let unreachable = report.unreachable != nil
            let time = String(format: "%.3f", report.results.reduce(0) { $0 + $1.seconds })
            xml.append(
                "  <testsuite name=\"\(suite)\" tests=\"\(report.results.count)\" failures=\"\(unreachable ? 0 : report.failed)\" "
                    + "errors=\"\(unreachable ? report.results.count : 0)\" skipped=\"\(report.notRun)\" time=\"\(time)\">")
            for result in report.results {
                let time = String(format: "%.3f", result.seconds)
                xml.append("    <testcase classname=\"\(suite)\" name=\"\(XMLText.escape(result.name))\" time=\"\(time)\">")
                if result.notRun {
                    xml.append("      <skipped message=\"\(XMLText.escape(report.stopped ?? "not run"))\"/>")
                } else if let unreachable = report.unreachable {
                    // Not a wrong answer: the check could not run at all (JUnit's error).
                    xml.append("      <error message=\"\(XMLText.escape(unreachable))\" type=\"netlab.unreachable\"/>")
                } else if !result.passed {
                    let message = XMLText.escape(result.problem ?? "failed")
                    let body = XMLText.escape(result.details)
                    xml.append("      <failure message=\"\(message)\" type=\"netlab.check\">\(body)</failure>")
                }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    /// A Gradescope autograder results file: `score`, and a test per check with `name`,
    /// `score`, `max_score`, `status` and `output`.
    public var gradescope: String {
        let tests = results.map { result -> JSONValue in
            var fields: [(String, JSONValue)] = [
                ("name", .string(result.name)), ("score", .number(Double(result.passed ? result.weight : 0))),
                ("max_score", .number(Double(result.weight))),
                ("status", .string(result.passed ? "passed" : "failed")),
                (
                    "output",
                    .string(
                        result.notRun
                            ? "not run: \(stopped ?? "the server had stopped")"
                            : (result.problem.map { "\($0)\n" } ?? "") + result.details)
                ),
            ]
            if let visibility = result.visibility { fields.append(("visibility", .string(visibility.rawValue))) }
            return .object(fields)
        }
        return JSONValue.object([
            ("score", .number(Double(score))),
            (
                "output",
                .string("netlab check \(target): \(passed) of \(results.count) checks passed (\(rubric) rubric: \(score) of \(maxScore) points)")
            ),
            ("tests", .array(tests)),
        ]).text + "\n"
    }
}

extension CheckResult {
    /// What was sent and received (hex previews), what was expected and why: a machine
    /// report's body (JUnit failure text, Gradescope output).
    var details: String {
        "sent: \(CheckReport.hexPreview(sent, total: sentCount))\nreceived: \(CheckReport.hexPreview(received, total: receivedCount))\n"
            + "expected: \(expected)\nwhy: \(why)" + (server.map { "\nserver: \($0)" } ?? "") + (seen.map { "\nseen: \($0)" } ?? "")
    }
}

/// Text for XML attributes and content.
public enum XMLText {
    public static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // Characters XML 1.0 does not allow at all (controls but tab and newline, the
            // noncharacters U+FFFE and U+FFFF) are shown as escapes: one such character from a
            // student's server would make the whole class's file unreadable. C1 controls and
            // bidirectional controls are allowed but hide or reorder text: escaped too.
            case _ where (v < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(v):
                out += "\\x" + HexDump.hex([UInt8(v)])
            case _ where v == 0xFFFE || v == 0xFFFF || TerminalSafe.isBidiControl(v):
                out += "\\u{\(String(v, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
