import Foundation
import TOMLKit

/// What is wrong with a theme file, and where: `Themes/x.toml:7: unknown role "stauts-on" ...`.
public struct ThemeFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the problem.
    public var line: Int
    public var problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { "\(file):\(line): \(problem)" }
}

extension Theme {
    /// The attributes a role may have, as written in theme files.
    public static let attributeNames = ["bold", "underline", "reverse", "dim"]

    /// Reads a theme file's text (TOML: an optional `description` and a `[roles]` table of
    /// `role = { fg = COLOUR, bg = COLOUR, attrs = [...] }`). Roles the file leaves out come
    /// from `base`. Throws the first problem with its line; never returns half a theme.
    public static func parse(_ text: String, name: String, file: String, base: Theme? = nil) throws(ThemeFileError) -> Theme {
        let lines = KeyLines(text)
        func fail(_ path: [String], _ problem: String) -> ThemeFileError {
            ThemeFileError(file: file, line: lines.line(of: path), problem: problem)
        }
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ThemeFileError(
                file: file, line: error.source.begin.line,
                problem: "not valid TOML (column \(error.source.begin.column)): \(error.description)")
        } catch {
            throw ThemeFileError(file: file, line: 1, problem: "not valid TOML: \(error)")
        }

        var description = ""
        var given: [StyleRole: Style] = [:]
        for key in document.keys {
            let value = document[key]!
            switch key {
            case "description":
                guard let text = value.string else { throw fail([key], "description must be a quoted string") }
                description = text
            case "roles":
                guard let roles = value.table else { throw fail([key], "roles must be a table: [roles]") }
                for roleName in roles.keys {
                    let path = [key, roleName]
                    guard let role = StyleRole(rawValue: roleName) else {
                        let hint = suggestion(for: roleName, among: StyleRole.allCases.map(\.rawValue))
                        throw fail(path, "unknown role \"\(roleName)\"\(hint); the roles are listed in Themes/README.md")
                    }
                    given[role] = try style(roles[roleName]!, path: path, fail: fail)
                }
            default:
                throw fail([key], "unknown key \"\(key)\": a theme file has a description and a [roles] table")
            }
        }
        return Theme(name: name, description: description, origin: file, styles: given, base: base)
    }

    private static func style(
        _ value: TOMLValueConvertible, path: [String],
        fail: ([String], String) -> ThemeFileError
    ) throws(ThemeFileError) -> Style {
        guard let table = value.table else {
            throw fail(path, "role \(path.last!) must be a table such as { fg = \"red\", attrs = [\"bold\"] }")
        }
        var style = Style()
        for key in table.keys {
            let item = table[key]!
            switch key {
            case "fg", "bg":
                let index = try color(item, path: path + [key], fail: fail)
                if key == "fg" { style.foreground = index } else { style.background = index }
            case "attrs":
                let words: [TOMLValueConvertible]
                if let array = item.array { words = Array(array) } else { words = [item] }
                for word in words {
                    guard let attribute = word.string, attributeNames.contains(attribute) else {
                        throw fail(path + [key], "attribute \(word.debugDescription) in \(path.last!): use \(attributeNames.joined(separator: ", "))")
                    }
                    switch attribute {
                    case "bold": style.bold = true
                    case "underline": style.underline = true
                    case "reverse": style.reverse = true
                    default: style.dim = true
                    }
                }
            default:
                throw fail(path + [key], "unknown key \"\(key)\" in \(path.last!): a role has fg, bg and attrs")
            }
        }
        return style
    }

    /// A colour name, "default" (nil), or a palette number 0-255.
    private static func color(
        _ value: TOMLValueConvertible, path: [String],
        fail: ([String], String) -> ThemeFileError
    ) throws(ThemeFileError) -> Int? {
        let what = "\(path[path.count - 2]).\(path.last!)"
        if let number = value.int {
            guard (0...255).contains(number) else {
                throw fail(path, "colour \(number) in \(what) is out of range: use 0-255 or a name such as \"red\"")
            }
            return number
        }
        if let name = value.string {
            if name.lowercased() == "default" { return nil }
            if let index = Palette.index(named: name) { return index }
            let hint = suggestion(for: name, among: Palette.names)
            let names = Palette.names.prefix(8).joined(separator: ", ")
            throw fail(path, "colour \"\(name)\" in \(what) is not a colour name\(hint): use \(names), bright-..., \"default\" or a number 0-255")
        }
        throw fail(path, "colour in \(what) must be a name in quotes or a number 0-255, not \(value.debugDescription)")
    }

    /// ` (did you mean status-on?)` for a near miss, else nothing.
    static func suggestion(for word: String, among candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance($0, word)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return "" }
        return " (did you mean \(best.0)?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
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
/// the parsed values can name its line. Keys are recorded as paths (`roles.status-on`).
struct KeyLines {
    private var lines: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inside = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.path(String(inside))
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
    func line(of path: [String]) -> Int {
        var prefix = path
        while !prefix.isEmpty {
            if let line = lines[prefix] { return line }
            prefix.removeLast()
        }
        return 1
    }
}
