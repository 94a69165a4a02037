import Foundation
import Testing

/// Choosing a theme from the command line, the environment and the user's folder. Without a
/// terminal the console stops right after choosing its theme ("needs a terminal", exit 1), so
/// exit 1 means the theme was accepted and 64 that it was refused.
@Suite struct ThemeSelectionTests {
    let home: URL

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-theme-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/netlab/themes"), withIntermediateDirectories: true)
    }

    func console(_ arguments: [String], _ environment: [String: String] = [:]) throws -> Finished {
        var base = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
        base.merge(environment) { $1 }
        return try run(netlabBinary.path, arguments, environment: base)
    }

    func write(_ text: String, to relative: String) throws -> String {
        let url = home.appendingPathComponent(relative)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let noTerminal = "netlab: the console needs a terminal on stdin and stdout; for scripts use the subcommands (netlab --help)\n"

    @Test func shippedThemesAreAcceptedByName() throws {
        for name in ["default", "classroom-light", "high-contrast", "monochrome", "phosphor"] {
            let result = try console(["--theme", name])
            #expect(result.status == 1 && result.stderr == Self.noTerminal, "\(name): \(result.stderr)")
        }
    }

    @Test func aBrokenThemeFileIsRefusedWithFileLineAndProblem() throws {
        let path = try write("# mine\n[roles]\nstatus-on = { fg = \"grene\" }\n", to: "bad.toml")
        let result = try console(["--theme", path])
        #expect(result.status == 64)
        #expect(
            result.stderr
                == "netlab: \(path):3: colour \"grene\" in status-on.fg is not a colour name (did you mean green?): use black, red, green, yellow, blue, magenta, cyan, white, bright-..., \"default\" or a number 0-255\n"
        )
        #expect(result.stdout.isEmpty, "nothing drawn: the console never starts half-styled")
    }

    @Test func unknownNamesAndMissingFilesAreUsageErrors() throws {
        let unknown = try console(["--theme", "sunset"])
        #expect(unknown.status == 64)
        #expect(
            unknown.stderr
                == "netlab: unknown theme \"sunset\": use one of default, classroom-light, high-contrast, monochrome, phosphor, or a path to a theme file (.toml)\n"
        )
        let missing = try console(["--theme", "/nonexistent/x.toml"])
        #expect(missing.status == 64)
        #expect(missing.stderr == "netlab: theme file /nonexistent/x.toml does not exist: give a theme name or the path of a .toml file\n")
        let fromEnvironment = try console([], ["NETLAB_THEME": "sunset"])
        #expect(fromEnvironment.status == 64)
        #expect(fromEnvironment.stderr.hasPrefix("netlab: NETLAB_THEME: unknown theme \"sunset\""))
    }

    @Test func userFolderThemesByNameAndPrecedence() throws {
        _ = try write("description = \"mine\"\n[roles]\nerror = { fg = 201 }\n", to: ".config/netlab/themes/sunset.toml")
        #expect(try console(["--theme", "sunset"]).status == 1)
        #expect(try console([], ["NETLAB_THEME": "sunset"]).status == 1)
        // XDG_CONFIG_HOME moves the folder.
        let xdg = home.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(at: xdg.appendingPathComponent("netlab/themes"), withIntermediateDirectories: true)
        #expect(try console(["--theme", "sunset"], ["XDG_CONFIG_HOME": xdg.path]).status == 64)
        // NO_COLOR wins over NETLAB_THEME (even a broken one); --theme wins over NO_COLOR.
        #expect(try console([], ["NO_COLOR": "1", "NETLAB_THEME": "sunset-typo"]).status == 1)
        #expect(try console(["--theme", "sunset-typo"], ["NO_COLOR": "1"]).status == 64)
        // A broken file in the folder blocks only itself.
        _ = try write("[roles]\nborder = { bg = 300 }\n", to: ".config/netlab/themes/broken.toml")
        #expect(try console(["--theme", "sunset"]).status == 1)
        let broken = try console(["--theme", "broken"])
        #expect(broken.status == 64)
        #expect(broken.stderr.hasSuffix("broken.toml:2: colour 300 in border.bg is out of range: use 0-255 or a name such as \"red\"\n"))
    }
}
