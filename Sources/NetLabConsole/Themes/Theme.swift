/// How each style role looks: colours by terminal palette index and text attributes.
/// Themes are files in `Themes/` (see `Theme.parse`); the shipped ones are also built in.
public struct Theme: Equatable, Sendable {
    public struct Style: Equatable, Sendable {
        /// Palette index (0-255) or nil for the terminal's default colour.
        public var foreground: Int?
        public var background: Int?
        public var bold = false
        public var underline = false
        public var reverse = false
        public var dim = false

        public init(
            foreground: Int? = nil, background: Int? = nil, bold: Bool = false,
            underline: Bool = false, reverse: Bool = false, dim: Bool = false
        ) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
            self.underline = underline
            self.reverse = reverse
            self.dim = dim
        }
    }

    public var name: String
    public var description: String
    /// Where the theme came from: a file path, or "built-in".
    public var origin: String
    /// Every role, resolved: inherited from `default` where the file is silent, unset colours
    /// taken from the theme's `normal` role.
    public private(set) var styles: [StyleRole: Style]

    /// A theme from the roles a file gives. Missing roles come from `base`; a role without a
    /// colour takes the colour of this theme's `normal` role.
    public init(
        name: String, description: String = "", origin: String = "built-in",
        styles given: [StyleRole: Style], base: Theme? = nil
    ) {
        self.name = name
        self.description = description
        self.origin = origin
        let normal = given[.normal] ?? base?.styles[.normal] ?? Style()
        var resolved: [StyleRole: Style] = [:]
        for role in StyleRole.allCases {
            var style = given[role] ?? base?.styles[role] ?? Style()
            if role != .normal {
                style.foreground = style.foreground ?? normal.foreground
                style.background = style.background ?? normal.background
            }
            resolved[role] = style
        }
        self.styles = resolved
    }

    public func style(_ role: StyleRole) -> Style {
        styles[role] ?? Style()
    }

    /// True when the theme uses no colour.
    public var isMonochrome: Bool {
        styles.values.allSatisfy { $0.foreground == nil && $0.background == nil }
    }

    /// The shipped themes, compiled in from `Themes/*.toml` so that an installed binary has
    /// them anywhere. `default` first: the others inherit from it.
    /// The shipped themes' names, without parsing them (a help text needs only these: every
    /// command, a headless server too, builds the console's help at start-up).
    public static let builtInNames: [String] = BuiltInThemeFiles.all.map(\.0)

    public static let builtIn: [Theme] = {
        var themes: [Theme] = []
        for (name, text) in BuiltInThemeFiles.all {
            // The texts are the repository's theme files; tests parse each one.
            var theme = try! Theme.parse(text, name: name, file: "Themes/\(name).toml", base: themes.first)
            theme.origin = "built-in"
            themes.append(theme)
        }
        return themes
    }()

    /// For dark terminals; the base of every other theme.
    public static var standard: Theme { builtIn[0] }

    /// No colour at all (also for NO_COLOR).
    public static var monochrome: Theme { named("monochrome")! }

    public static func named(_ name: String) -> Theme? {
        builtIn.first { $0.name == name }
    }
}
