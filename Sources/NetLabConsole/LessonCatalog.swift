import Foundation
import NetLabTOML

/// The lessons `:lesson N` can start: the shipped ones (`Lessons/*.toml`, compiled in), then a
/// teacher's own files in `~/.config/netlab/lessons` (a file named like a shipped lesson
/// replaces it), then a file named by path with `--lesson`.
public struct LessonCatalog: Sendable {
    public private(set) var lessons: [Lesson]
    /// Broken files in the user folder: reported in the console, left out of the list.
    public private(set) var skipped: [TOMLFileError] = []

    /// `$XDG_CONFIG_HOME/netlab/lessons`, else `~/.config/netlab/lessons`.
    public static func userFolder(environment: [String: String]) -> URL? {
        ThemeCatalog.configFolder("lessons", environment: environment)
    }

    public init(userFolder: URL?) {
        lessons = Lesson.builtIn
        guard let userFolder, let names = try? FileManager.default.contentsOfDirectory(atPath: userFolder.path) else { return }
        for file in names.sorted() where file.hasSuffix(".toml") {
            do throws(TOMLFileError) {
                add(try Self.load(userFolder.appendingPathComponent(file).path))
            } catch {
                skipped.append(error)
            }
        }
    }

    /// The lesson `--lesson` names: a number, a name from the list, or a path to a `.toml`
    /// file (which joins the list). Its number in the list, or the one line to show the user.
    public mutating func select(_ request: String) throws(TOMLFileError) -> Int {
        if let number = Int(request) {
            guard lessons.indices.contains(number - 1) else {
                throw TOMLFileError(file: "--lesson", line: 0, problem: "there is no lesson \(number): there are \(lessons.count) (\(list))")
            }
            return number
        }
        if !(request.contains("/") || request.hasSuffix(".toml")) {
            if let index = lessons.firstIndex(where: { $0.name == request }) { return index + 1 }
            if let problem = skipped.first(where: { URL(fileURLWithPath: $0.file).deletingPathExtension().lastPathComponent == request }) {
                throw problem
            }
            throw TOMLFileError(
                file: "--lesson", line: 0,
                problem: "no lesson named \(request)\(TOMLFile.suggestion(for: request, among: lessons.map(\.name))): "
                    + "give a number (\(list)), a name, or the path of a lesson file (.toml)")
        }
        add(try Self.load(request))
        let name = URL(fileURLWithPath: request).deletingPathExtension().lastPathComponent
        return (lessons.firstIndex { $0.name == name } ?? lessons.count - 1) + 1
    }

    /// `1 tcp-before-server, 2 udp-before-server, ...`
    var list: String { lessons.enumerated().map { "\($0.offset + 1) \($0.element.name)" }.joined(separator: ", ") }

    private mutating func add(_ lesson: Lesson) {
        if let index = lessons.firstIndex(where: { $0.name == lesson.name }) {
            lessons[index] = lesson
        } else {
            lessons.append(lesson)
        }
    }

    /// Reads and parses one lesson file; its name is the file name without `.toml`.
    public static func load(_ path: String) throws(TOMLFileError) -> Lesson {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TOMLFileError(file: path, line: 0, problem: "no such file: give a lesson's number, its name, or the path of a .toml file")
        }
        guard !isFolder.boolValue else {
            throw TOMLFileError(file: path, line: 0, problem: "a folder: give the path of a lesson file (.toml) in it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TOMLFileError(file: path, line: 0, problem: "cannot be read: check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TOMLFileError(file: path, line: 1, problem: "not UTF-8 text")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try Lesson.parse(text, name: name, file: path)
    }
}
