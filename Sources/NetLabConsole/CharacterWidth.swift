/// Terminal display width of characters: 0 for combining marks, 2 for East Asian wide and
/// emoji, 1 otherwise. On a terminal the console uses the system's wcwidth (`install`), the
/// table curses and the terminal measure with, so a peer's emoji cannot shift a row; without
/// one (tests, snapshots) a built-in table stands in.
public enum CharacterWidth {
    /// The system's width function, set once before the first frame (`install`).
    nonisolated(unsafe) private static var system: (@Sendable (UInt32) -> Int)?

    /// Uses `width` (the C library's wcwidth, in the terminal's locale) from now on. Call once,
    /// before drawing; a negative width (a control, an unassigned code point) counts as 1.
    public static func install(_ width: @escaping @Sendable (UInt32) -> Int) {
        system = width
    }

    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        return of(first)
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 { return 0 }
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if let system { return max(0, system(v) < 0 ? 1 : system(v)) }
        if combining.contains(where: { $0.contains(v) }) { return 0 }
        if wide.contains(where: { $0.contains(v) }) { return 2 }
        return 1
    }

    public static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    private static let combining: [ClosedRange<UInt32>] = [
        0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
        0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F,
    ]

    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ]
}
