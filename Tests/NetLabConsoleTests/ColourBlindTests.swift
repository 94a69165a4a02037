import Foundation
import Testing

@testable import NetLabConsole

/// Colour is never the only difference: in every shipped theme, sent and received text, and the
/// three banner outcomes, differ in lightness (as the xterm palette renders them) or in weight
/// and attributes, so a reader who cannot tell red from green still can.
@Suite struct ColourBlindTests {
    /// xterm's default RGB for a palette index (16 system colours, the 6x6x6 cube, the greys).
    static func rgb(_ index: Int) -> (Double, Double, Double) {
        let system: [(Double, Double, Double)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return system[index] }
        if index < 232 {
            let cube = index - 16
            let level = { (v: Int) -> Double in v == 0 ? 0 : Double(55 + 40 * v) }
            return (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        let grey = Double(8 + 10 * (index - 232))
        return (grey, grey, grey)
    }

    /// WCAG relative luminance.
    static func luminance(_ index: Int) -> Double {
        let (r, g, b) = rgb(index)
        func channel(_ value: Double) -> Double {
            let c = value / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// Different in more than hue: attributes, or a lightness contrast of at least 1.4:1.
    static func distinguishable(_ a: Theme.Style, _ b: Theme.Style) -> Bool {
        if a.bold != b.bold || a.reverse != b.reverse || a.underline != b.underline || a.dim != b.dim { return true }
        guard let fa = a.foreground, let fb = b.foreground else { return false }
        let (la, lb) = (luminance(fa), luminance(fb))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05) >= 1.4
    }

    @Test(arguments: Theme.builtIn.map(\.name))
    func outcomesDifferInMoreThanHue(_ name: String) throws {
        let theme = try #require(Theme.named(name))
        let pairs: [(StyleRole, StyleRole)] = [
            (.sent, .received), (.bannerSuccess, .bannerFailure),
            (.bannerSuccess, .bannerSilent), (.bannerFailure, .bannerSilent),
        ]
        for (a, b) in pairs {
            #expect(Self.distinguishable(theme.style(a), theme.style(b)), "\(name): \(a) and \(b) differ only in hue")
        }
    }

    @Test func theMeasureCanTellHueFromLightness() {
        // Bright red (9) and a dark green (28) differ only in hue, as a red-green colour-blind
        // reader sees them; bright yellow (11) and blue (4) differ in lightness.
        #expect(!Self.distinguishable(.init(foreground: 9), .init(foreground: 28)))
        #expect(Self.distinguishable(.init(foreground: 11), .init(foreground: 4)))
        #expect(Self.distinguishable(.init(foreground: 9, bold: true), .init(foreground: 28)))
    }
}
