/// The terminal's colour palette: names for the 16 basic colours, and what a 256-colour
/// index becomes on a terminal with fewer colours.
public enum Palette {
    /// Colour names a theme file may use, by palette index.
    public static let names: [String] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow",
        "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    public static func index(named name: String) -> Int? {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if key == "gray" || key == "grey" { return 8 }
        return names.firstIndex(of: key)
    }

    /// The xterm palette's red, green, blue for an index 0-255.
    public static func rgb(_ index: Int) -> (Int, Int, Int) {
        switch index {
        case 0..<16:
            let basic: [(Int, Int, Int)] = [
                (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
            ]
            return basic[index]
        case 16..<232:
            let levels = [0, 95, 135, 175, 215, 255]
            let n = index - 16
            return (levels[n / 36], levels[(n / 6) % 6], levels[n % 6])
        default:
            let gray = 8 + 10 * (index - 232)
            return (gray, gray, gray)
        }
    }

    /// True for colours that want light text on them.
    public static func isDark(_ index: Int) -> Bool {
        let (r, g, b) = rgb(index)
        return 299 * r + 587 * g + 114 * b < 128_000
    }

    /// `index` on a terminal with `available` colours: itself when it exists, otherwise the
    /// basic colour (of 8, or 16) with the same hue, so dark green stays green rather than
    /// becoming the nearer black. Greys become black, (bright) white or bright black by lightness.
    public static func fit(_ index: Int, available: Int) -> Int {
        if index < available { return index }
        let (r, g, b) = rgb(index)
        let high = max(r, g, b)
        let low = min(r, g, b)
        let sixteen = available >= 16
        if high - low <= 40 {
            let level = (r + g + b) / 3
            if sixteen {
                return level < 64 ? 0 : level < 160 ? 8 : level < 230 ? 7 : 15
            }
            return level < 128 ? 0 : 7
        }
        // Each channel is on when it is near the strongest one: that keeps the hue.
        let threshold = high * 6 / 10
        let basic = (r >= threshold ? 1 : 0) | (g >= threshold ? 2 : 0) | (b >= threshold ? 4 : 0)
        return sixteen && high >= 230 ? basic + 8 : basic
    }
}

extension Theme.Style {
    /// Foreground and background as the terminal can show them (-1: the terminal's own).
    /// When the fallback makes text and background the same colour, the text turns black or
    /// white, whichever reads on that background.
    public func terminalColors(available: Int) -> (foreground: Int, background: Int) {
        guard available >= 8 else { return (-1, -1) }
        let fg = foreground.map { Palette.fit($0, available: available) } ?? -1
        let bg = background.map { Palette.fit($0, available: available) } ?? -1
        if fg >= 0, fg == bg, foreground != background {
            return (Palette.isDark(bg) ? 7 : 0, bg)
        }
        return (fg, bg)
    }
}
