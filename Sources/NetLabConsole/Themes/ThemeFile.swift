import Foundation
import NetLabTOML
import TOMLKit

/// What is wrong with a theme file, and where: `Themes/x.toml:7: unknown role "stauts-on" ...`.
public typealias ThemeFileError = TOMLFileError

extension Theme {
    /// The attributes a role may have, as written in theme files.
    public static let attributeNames = ["bold", "underline", "reverse", "dim"]

    /// Reads a theme file's text (TOML: an optional `description` and a `[roles]` table of
    /// `role = { fg = COLOUR, bg = COLOUR, attrs = [...] }`). Roles the file leaves out come
    /// from `base`. Throws the first problem with its line; never returns half a theme.
    public static func parse(_ text: String, name: String, file: String, base: Theme? = nil) throws(ThemeFileError) -> Theme {
        let (document, lines) = try TOMLFile.parse(text, file: file)
        func fail(_ path: [String], _ problem: String) -> ThemeFileError {
            lines.error(at: path, problem)
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
                        let hint = TOMLFile.suggestion(for: roleName, among: StyleRole.allCases.map(\.rawValue))
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
            let hint = TOMLFile.suggestion(for: name, among: Palette.names)
            let names = Palette.names.prefix(8).joined(separator: ", ")
            throw fail(path, "colour \"\(name)\" in \(what) is not a colour name\(hint): use \(names), bright-..., \"default\" or a number 0-255")
        }
        throw fail(path, "colour in \(what) must be a name in quotes or a number 0-255, not \(value.debugDescription)")
    }
}
