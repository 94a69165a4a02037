import Foundation
import NetLabCore
import NetLabTOML
import TOMLKit

/// A rubric a teacher writes: which checks count, what each is worth, when students see it on
/// Gradescope, how long each check waits. TOML, like the console's themes:
///
///     description = "Week 3: the TCP server"
///     timeout = 3                 # seconds each check waits for a reply
///
///     [tcp]
///     uppercase = 2               # points
///     again = 1
///     long = { points = 1, visibility = "after_published" }
///
/// A protocol's table lists its checks by key (`netlab check --help` lists them); a protocol
/// without a table has no checks in this rubric.
extension Rubric {
    /// The problems a file can have, each with its line; never half a rubric.
    public static func parse(_ text: String, name: String, file: String) throws(TOMLFileError) -> Rubric {
        let (document, lines) = try TOMLFile.parse(text, file: file)
        var rubric = Rubric(name: name, items: [:])
        for key in document.keys {
            let value = document[key]!
            switch key {
            case "description":
                guard let text = value.string else { throw lines.error(at: [key], "description must be a quoted string") }
                rubric.description = text
            case "timeout":
                guard let seconds = value.double ?? value.int.map(Double.init), seconds >= 0.001, seconds <= 3600 else {
                    throw lines.error(at: [key], "timeout is seconds each check waits for a reply, between 0.001 and 3600 (e.g. timeout = 2)")
                }
                rubric.timeout = seconds
            case "tcp", "udp", "http":
                let engine = LabEvent.Engine(rawValue: key.uppercased())!
                guard let table = value.table else {
                    throw lines.error(at: [key], "\(key) must be a table of checks: [\(key)] and a line each, such as uppercase = 2")
                }
                rubric.items[engine] = try items(table, known: keys[engine]!, path: [key], lines: lines)
            case "tcp-client", "udp-client":
                let engine: LabEvent.Engine = key == "tcp-client" ? .tcp : .udp
                guard let table = value.table else {
                    throw lines.error(at: [key], "\(key) must be a table of checks: [\(key)] and a line each, such as prints = 2")
                }
                rubric.clientItems[engine] = try items(table, known: clientKeys[engine]!, path: [key], lines: lines)
            default:
                let hint = TOMLFile.suggestion(for: key, among: ["description", "timeout", "tcp", "udp", "http", "tcp-client", "udp-client"])
                throw lines.error(
                    at: [key],
                    "unknown key \"\(key)\"\(hint): a rubric has a description, a timeout and [tcp], [udp], [http], "
                        + "[tcp-client], [udp-client] tables")
            }
        }
        guard (Array(rubric.items.values) + Array(rubric.clientItems.values)).contains(where: { !$0.isEmpty }) else {
            throw TOMLFileError(file: file, line: 1, problem: "the rubric lists no check: add a table such as [tcp] with uppercase = 1")
        }
        return rubric
    }

    /// A protocol's checks in the order they run, whatever order the file lists them in.
    private static func items(_ table: TOMLTable, known: [String], path: [String], lines: KeyLines) throws(TOMLFileError) -> [Item] {
        let protocolName = path[0]
        var items: [Item] = []
        for key in table.keys {
            let here = path + [key]
            guard known.contains(key) else {
                let hint = TOMLFile.suggestion(for: key, among: known)
                throw lines.error(
                    at: here, "unknown \(protocolName) check \"\(key)\"\(hint); the \(protocolName) checks are \(known.joined(separator: ", "))")
            }
            let value = table[key]!
            var item = Item(key)
            if let points = value.int {
                item.weight = try Self.points(points, at: here, lines: lines)
            } else if let detail = value.table {
                for field in detail.keys {
                    switch field {
                    case "points":
                        guard let points = detail[field]!.int else {
                            throw lines.error(at: here, "points in \(protocolName).\(key) must be a whole number (e.g. points = 2)")
                        }
                        item.weight = try Self.points(points, at: here, lines: lines)
                    case "visibility":
                        let names = Visibility.allCases.map(\.rawValue)
                        guard let word = detail[field]!.string, let visibility = Visibility(rawValue: word) else {
                            throw lines.error(at: here, "visibility in \(protocolName).\(key): use \(names.joined(separator: ", "))")
                        }
                        item.visibility = visibility
                    default:
                        throw lines.error(at: here, "unknown key \"\(field)\" in \(protocolName).\(key): a check has points and visibility")
                    }
                }
            } else {
                throw lines.error(
                    at: here, "\(protocolName).\(key) must be points (uppercase = 2) or a table ({ points = 2, visibility = \"hidden\" })")
            }
            items.append(item)
        }
        return items.sorted { known.firstIndex(of: $0.key)! < known.firstIndex(of: $1.key)! }
    }

    private static func points(_ points: Int, at path: [String], lines: KeyLines) throws(TOMLFileError) -> Int {
        guard (0...100).contains(points) else {
            throw lines.error(at: path, "\(path.joined(separator: ".")) = \(points): points are a whole number from 0 to 100")
        }
        return points
    }

    /// Reads a rubric file; its name is the file's, without `.toml`.
    public static func load(path: String) throws(TOMLFileError) -> Rubric {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = String(cString: strerror(errno))
            throw TOMLFileError(file: path, line: 1, problem: "cannot read the rubric (\(reason)); give lab, strict or a rubric file's path")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TOMLFileError(file: path, line: 1, problem: "not UTF-8 text")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, name: name, file: path)
    }
}
