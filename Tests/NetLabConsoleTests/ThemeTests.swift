import Foundation
import Testing

@testable import NetLabConsole

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes")

    static let shipped = ["default", "classroom-light", "high-contrast", "monochrome", "phosphor"]

    @Test(arguments: shipped)
    func everyShippedThemeFileLoadsAndIsBuiltIn(name: String) throws {
        let url = Self.themesFolder.appendingPathComponent("\(name).toml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let theme = try Theme.parse(text, name: name, file: "Themes/\(name).toml", base: name == "default" ? nil : .standard)
        #expect(!theme.description.isEmpty)
        // The compiled-in copy is the file itself (Scripts/embed-themes.sh keeps them equal).
        let embedded = try #require(BuiltInThemeFiles.all.first { $0.0 == name }?.1)
        #expect(embedded + "\n" == text, "Themes/\(name).toml changed: run Scripts/embed-themes.sh")
        let builtIn = try #require(Theme.named(name))
        #expect(builtIn.styles == theme.styles)
        #expect(builtIn.origin == "built-in")
        // Every shipped theme sets every role itself, so none depends on inheritance.
        let roles = try Self.roleKeys(text)
        #expect(Set(roles) == Set(StyleRole.allCases.map(\.rawValue)))
    }

    @Test func onlyMonochromeIsWithoutColour() {
        #expect(Theme.builtIn.map(\.name) == Self.shipped)
        for theme in Theme.builtIn {
            #expect(theme.isMonochrome == (theme.name == "monochrome"), "\(theme.name)")
        }
    }

    @Test func distinctStatesLookDistinctInEveryTheme() {
        for theme in Theme.builtIn {
            #expect(theme.style(.statusOn) != theme.style(.statusOff), "\(theme.name)")
            #expect(theme.style(.error) != theme.style(.normal), "\(theme.name)")
            #expect(theme.style(.selected) != theme.style(.normal), "\(theme.name)")
            #expect(theme.style(.bannerSuccess) != theme.style(.bannerFailure), "\(theme.name)")
        }
    }

    @Test func missingRolesInheritFromDefaultAndTakeTheNormalBackground() throws {
        let text = """
            # a small theme
            [roles]
            normal = { fg = "black", bg = 230 }
            error = { fg = "magenta", attrs = "underline" }
            """
        let theme = try Theme.parse(text, name: "mine", file: "mine.toml", base: .standard)
        #expect(theme.style(.error) == Theme.Style(foreground: 5, background: 230, underline: true))
        // border is cyan in default; its background comes from this theme's normal role.
        #expect(theme.style(.border) == Theme.Style(foreground: 6, background: 230))
        // A role default gives no colour gets this theme's normal colours.
        #expect(theme.style(.hexBytes) == Theme.Style(foreground: 0, background: 230))
        #expect(theme.style(.statusOn) == Theme.Style(foreground: 0, background: 2, bold: true))
    }

    @Test(arguments: [
        ("description = 3", "bad.toml:1: description must be a quoted string"),
        (
            "[roles]\nstauts-on = { fg = \"red\" }",
            "bad.toml:2: unknown role \"stauts-on\" (did you mean status-on?); the roles are listed in Themes/README.md"
        ),
        ("[roles]\nwibble = {}", "bad.toml:2: unknown role \"wibble\"; the roles are listed in Themes/README.md"),
        (
            "# x\n\n[roles]\nerror = { fg = \"purplish\" }",
            "bad.toml:4: colour \"purplish\" in error.fg is not a colour name: use black, red, green, yellow, blue, magenta, cyan, white, bright-..., \"default\" or a number 0-255"
        ),
        (
            "[roles]\nstatus-on = { fg = \"grene\" }",
            "bad.toml:2: colour \"grene\" in status-on.fg is not a colour name (did you mean green?): use black, red, green, yellow, blue, magenta, cyan, white, bright-..., \"default\" or a number 0-255"
        ),
        ("[roles]\nborder = { bg = 256 }", "bad.toml:2: colour 256 in border.bg is out of range: use 0-255 or a name such as \"red\""),
        ("[roles]\nborder = { bg = 1.5 }", "bad.toml:2: colour in border.bg must be a name in quotes or a number 0-255, not 1.5"),
        ("[roles]\ntitle = { attrs = [\"bold\", \"blink\"] }", "bad.toml:2: attribute \"blink\" in title: use bold, underline, reverse, dim"),
        ("[roles]\ntitle = { colour = \"red\" }", "bad.toml:2: unknown key \"colour\" in title: a role has fg, bg and attrs"),
        ("[roles]\ntitle = \"red\"", "bad.toml:2: role title must be a table such as { fg = \"red\", attrs = [\"bold\"] }"),
        ("name = \"x\"\n[roles]", "bad.toml:1: unknown key \"name\": a theme file has a description and a [roles] table"),
        ("roles = 1", "bad.toml:1: roles must be a table: [roles]"),
        (
            "[roles]\n\n[roles.error]\nfg = \"red\"\nbg = \"nope\"",
            "bad.toml:5: colour \"nope\" in error.bg is not a colour name: use black, red, green, yellow, blue, magenta, cyan, white, bright-..., \"default\" or a number 0-255"
        ),
    ])
    func brokenFilesAreRejectedWithFileLineAndProblem(text: String, expected: String) {
        #expect(throws: ThemeFileError.self) { try Theme.parse(text, name: "bad", file: "bad.toml") }
        do {
            _ = try Theme.parse(text, name: "bad", file: "bad.toml")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func invalidTOMLNamesItsLine() throws {
        let text = "description = \"ok\"\n[roles]\nerror = { fg = \"red\" \n"
        do {
            _ = try Theme.parse(text, name: "bad", file: "x/bad.toml")
            Issue.record("parsed invalid TOML")
        } catch {
            #expect(error.file == "x/bad.toml")
            #expect(error.line == 3)
            #expect(error.problem.hasPrefix("not valid TOML (column "))
        }
    }

    @Test func colourFallbackKeepsHueOnEightColours() {
        // Exact indexes stay when the terminal has them.
        #expect(Palette.fit(22, available: 256) == 22)
        #expect(Palette.fit(5, available: 8) == 5)
        // 256-colour values become the basic colour of the same hue, not the nearest black.
        #expect(Palette.fit(22, available: 8) == 2)  // dark green
        #expect(Palette.fit(124, available: 8) == 1)  // dark red
        #expect(Palette.fit(214, available: 8) == 3)  // amber
        #expect(Palette.fit(18, available: 8) == 4)  // navy
        #expect(Palette.fit(90, available: 8) == 5)  // plum
        #expect(Palette.fit(231, available: 8) == 7)  // white
        #expect(Palette.fit(16, available: 8) == 0)  // black
        #expect(Palette.fit(242, available: 8) == 0)  // mid grey reads as black on white
        #expect(Palette.fit(252, available: 8) == 7)  // light grey
        #expect(Palette.fit(9, available: 8) == 1)  // bright red on 8 colours
        // Sixteen colours keep brightness.
        #expect(Palette.fit(46, available: 16) == 10)
        #expect(Palette.fit(22, available: 16) == 2)
        #expect(Palette.fit(244, available: 16) == 8)
    }

    @Test func fallbackNeverLeavesTextTheColourOfItsBackground() {
        // phosphor's key bar label: bright green on dark green is two greens on 8 colours.
        let label = Theme.Style(foreground: 46, background: 22)
        #expect(label.terminalColors(available: 256) == (46, 22))
        let eight = label.terminalColors(available: 8)
        #expect(eight.background == 2)
        #expect(eight.foreground == 7)
        #expect(Theme.Style(foreground: 3).terminalColors(available: 8) == (3, -1))
        #expect(Theme.Style(foreground: 3).terminalColors(available: 2) == (-1, -1))
        for theme in Theme.builtIn {
            for role in StyleRole.allCases {
                let style = theme.style(role)
                let (fg, bg) = style.terminalColors(available: 8)
                if fg >= 0, style.foreground != style.background { #expect(fg != bg, "\(theme.name) \(role)") }
            }
        }
    }

    /// Role keys of a shipped theme file (one `role = {...}` per line under [roles]).
    static func roleKeys(_ text: String) throws -> [String] {
        let body = try #require(text.components(separatedBy: "[roles]").last)
        return body.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
            return trimmed[..<equals].trimmingCharacters(in: .whitespaces)
        }
    }
}
