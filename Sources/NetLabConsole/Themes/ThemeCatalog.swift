import Foundation

/// The themes the console can switch between: the built-in copies of `Themes/*.toml`, then
/// the user's own files in `~/.config/netlab/themes` (a user file named like a built-in theme
/// replaces it), then any theme file named by path on the command line.
public struct ThemeCatalog: Sendable {
    public private(set) var themes: [Theme]
    /// Broken files in the user folder: reported in the console, left out of the cycle.
    public private(set) var skipped: [ThemeFileError] = []

    /// `$XDG_CONFIG_HOME/netlab/themes`, else `~/.config/netlab/themes`.
    public static func userFolder(environment: [String: String]) -> URL? {
        configFolder("themes", environment: environment)
    }

    /// `$XDG_CONFIG_HOME/netlab/NAME`, else `~/.config/netlab/NAME` (themes, lessons).
    static func configFolder(_ name: String, environment: [String: String]) -> URL? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return URL(fileURLWithPath: config).appendingPathComponent("netlab/\(name)")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".config/netlab/\(name)")
    }

    public init(userFolder: URL?) {
        themes = Theme.builtIn
        guard let userFolder,
            let names = try? FileManager.default.contentsOfDirectory(atPath: userFolder.path)
        else { return }
        for file in names.sorted() where file.hasSuffix(".toml") {
            do {
                add(try Self.load(userFolder.appendingPathComponent(file).path))
            } catch let error as ThemeFileError {
                skipped.append(error)
            } catch {
                skipped.append(ThemeFileError(file: file, line: 1, problem: "\(error)"))
            }
        }
    }

    public var names: [String] { themes.map(\.name) }

    public func theme(named name: String) -> Theme? {
        themes.first { $0.name == name }
    }

    /// The theme for `--theme` or `NETLAB_THEME`: a name from the catalog, or a path to a
    /// `.toml` file (which joins the catalog). The error is the one line to show the user.
    public mutating func select(_ request: String) throws(ThemeSelectionError) -> Theme {
        let isPath = request.contains("/") || request.hasSuffix(".toml")
        if !isPath {
            if let theme = theme(named: request) { return theme }
            if let problem = skipped.first(where: { URL(fileURLWithPath: $0.file).deletingPathExtension().lastPathComponent == request }) {
                throw ThemeSelectionError(message: problem.description)
            }
            throw ThemeSelectionError(
                message: "unknown theme \"\(request)\": use one of \(names.joined(separator: ", ")), or a path to a theme file (.toml)")
        }
        do {
            let theme = try Self.load(request)
            add(theme)
            return theme
        } catch let error as ThemeFileError {
            throw ThemeSelectionError(message: error.description)
        } catch let error as ThemeSelectionError {
            throw error
        } catch {
            throw ThemeSelectionError(message: "theme file \(request): \(error.localizedDescription)")
        }
    }

    private mutating func add(_ theme: Theme) {
        if let index = themes.firstIndex(where: { $0.name == theme.name }) {
            themes[index] = theme
        } else {
            themes.append(theme)
        }
    }

    /// Reads and parses one theme file; its name is the file name without `.toml`.
    public static func load(_ path: String) throws -> Theme {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ThemeSelectionError(message: "theme file \(path) does not exist: give a theme name or the path of a .toml file")
        }
        guard !isFolder.boolValue else {
            throw ThemeSelectionError(message: "theme file \(path) is a folder: give the path of a .toml file in it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ThemeSelectionError(message: "theme file \(path) cannot be read: check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ThemeFileError(file: path, line: 1, problem: "not UTF-8 text")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try Theme.parse(text, name: name, file: path, base: .standard)
    }
}

extension ThemeCatalog {
    /// Which theme the console starts with: `--theme` wins, then NO_COLOR (monochrome), then
    /// NETLAB_THEME, then `default`. Returns the theme and the catalog that holds it.
    public static func choose(flag: String?, environment: [String: String]) throws(ThemeSelectionError) -> (Theme, ThemeCatalog) {
        var catalog = ThemeCatalog(userFolder: userFolder(environment: environment))
        if let flag {
            return (try catalog.select(flag), catalog)
        }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty {
            return (.monochrome, catalog)
        }
        if let wanted = environment["NETLAB_THEME"], !wanted.isEmpty {
            do {
                return (try catalog.select(wanted), catalog)
            } catch {
                throw ThemeSelectionError(message: "NETLAB_THEME: \(error.message)")
            }
        }
        return (.standard, catalog)
    }
}
