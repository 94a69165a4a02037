/// How each style role looks: colours by terminal palette index and text attributes.
public struct Theme: Equatable, Sendable {
    public struct Style: Equatable, Sendable {
        /// Palette index (0-255) or nil for the terminal's default colour.
        public var foreground: Int?
        public var background: Int?
        public var bold = false
        public var underline = false
        public var reverse = false
        public var dim = false

        public init(foreground: Int? = nil, background: Int? = nil, bold: Bool = false,
                    underline: Bool = false, reverse: Bool = false, dim: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
            self.underline = underline
            self.reverse = reverse
            self.dim = dim
        }
    }

    public var name: String
    public var styles: [StyleRole: Style]

    public func style(_ role: StyleRole) -> Style {
        styles[role] ?? styles[.normal] ?? Style()
    }

    // Palette: 0 black, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white.

    /// For dark terminals.
    public static let standard = Theme(name: "default", styles: [
        .normal: Style(),
        .statusBar: Style(foreground: 7, background: 4),
        .statusOn: Style(foreground: 0, background: 2, bold: true),
        .statusOff: Style(foreground: 7, background: 1, bold: true),
        .statusBusy: Style(foreground: 0, background: 3, bold: true),
        .border: Style(foreground: 6),
        .title: Style(foreground: 6, bold: true),
        .focusedTitle: Style(foreground: 3, bold: true, reverse: true),
        .time: Style(foreground: 6, dim: true),
        .error: Style(foreground: 1, bold: true),
        .success: Style(foreground: 2, bold: true),
        .sent: Style(foreground: 3),
        .received: Style(foreground: 2),
        .info: Style(foreground: 6),
        .hexOffset: Style(foreground: 6),
        .hexBytes: Style(),
        .hexASCII: Style(foreground: 3),
        .selected: Style(foreground: 0, background: 6, bold: true),
        .keyBarKey: Style(foreground: 7, background: 0, bold: true),
        .keyBarLabel: Style(foreground: 0, background: 6),
        .input: Style(bold: true),
        .prompt: Style(foreground: 3, bold: true),
        .help: Style(foreground: 7, background: 4),
        .dropped: Style(foreground: 3, dim: true),
    ])

    /// No colour at all: bold, underline and reverse carry the meaning (also for NO_COLOR).
    public static let monochrome = Theme(name: "monochrome", styles: [
        .normal: Style(),
        .statusBar: Style(reverse: true),
        .statusOn: Style(bold: true),
        .statusOff: Style(underline: true),
        .statusBusy: Style(dim: true),
        .title: Style(bold: true),
        .focusedTitle: Style(bold: true, reverse: true),
        .error: Style(bold: true),
        .success: Style(bold: true),
        .hexOffset: Style(dim: true),
        .selected: Style(reverse: true),
        .keyBarKey: Style(bold: true),
        .keyBarLabel: Style(reverse: true),
        .input: Style(bold: true),
        .prompt: Style(bold: true),
        .help: Style(reverse: true),
        .dropped: Style(dim: true),
    ])

    public static let builtIn: [Theme] = [.standard, .monochrome]

    public static func named(_ name: String) -> Theme? {
        builtIn.first { $0.name == name }
    }

    /// True when the theme uses no colour.
    public var isMonochrome: Bool {
        styles.values.allSatisfy { $0.foreground == nil && $0.background == nil }
    }
}
