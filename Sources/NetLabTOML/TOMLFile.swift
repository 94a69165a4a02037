import Foundation
import TOMLKit

/// What is wrong with a file netlab reads (a theme, a rubric, a lesson), and where:
/// `week3.toml:7: unknown check "uppercse" (did you mean uppercase?)`.
public struct TOMLFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the problem.
    public var line: Int
    public var problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// `file:line: problem`; a problem with the file as a whole (line 0) has no line.
    public var description: String { line > 0 ? "\(file):\(line): \(problem)" : "\(file): \(problem)" }
}

/// Reading TOML files that people write by hand: the parsed table with the line of every key,
/// so a problem found in the values can name its line, and near-miss suggestions.
public enum TOMLFile {
    /// Parses `text`; a syntax error is the parser's, with its line and column.
    public static func parse(_ text: String, file: String) throws(TOMLFileError) -> (TOMLTable, KeyLines) {
        do {
            return (try TOMLTable(string: text), KeyLines(text, file: file))
        } catch let error as TOMLParseError {
            throw TOMLFileError(
                file: file, line: error.source.begin.line,
                problem: "not valid TOML (column \(error.source.begin.column)): \(error.description)")
        } catch {
            throw TOMLFileError(file: file, line: 1, problem: "not valid TOML: \(error)")
        }
    }

    /// ` (did you mean status-on?)` for a near miss, else nothing.
    public static func suggestion(for word: String, among candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance($0, word)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return "" }
        return " (did you mean \(best.0)?)"
    }

    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The line where each table header and key of a TOML text sits, so that a problem found in
/// the parsed values can name its line. Keys are recorded as paths (`roles.status-on`; in the
/// second `[[step]]` table, `step.1.send`).
public struct KeyLines: Sendable {
    private var lines: [[String]: Int] = [:]
    /// The file the text came from, for errors.
    public let file: String

    public init(_ text: String, file: String) {
        self.file = file
        var table: [String] = []
        // `[[step]]` tables by their place: the second one's keys are `step.1.KEY`.
        var arrayCounts: [[String]: Int] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inside = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.path(String(inside))
                if line.hasPrefix("[[") {
                    let index = arrayCounts[table, default: 0]
                    arrayCounts[table] = index + 1
                    record(table, number + 1)
                    table.append(String(index))
                }
                record(table, number + 1)
            } else if let equals = line.firstIndex(of: "=") {
                record(table + Self.path(String(line[..<equals])), number + 1)
            }
        }
    }

    private mutating func record(_ path: [String], _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    private static func path(_ dotted: String) -> [String] {
        dotted.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
    }

    /// The line of the longest recorded prefix of `path` (1 when none is known).
    public func line(of path: [String]) -> Int {
        var prefix = path
        while !prefix.isEmpty {
            if let line = lines[prefix] { return line }
            prefix.removeLast()
        }
        return 1
    }

    /// A problem at the line of `path` (a key, or the table it is in).
    public func error(at path: [String], _ problem: String) -> TOMLFileError {
        TOMLFileError(file: file, line: line(of: path), problem: problem)
    }
}
