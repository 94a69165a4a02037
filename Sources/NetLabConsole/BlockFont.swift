/// Letters five rows tall made of the terminal's full-block character, for presenter mode's
/// banner. Capitals, digits and common punctuation; anything else is drawn as `?`.
public enum BlockFont {
    public static let height = 5
    /// Columns between two letters.
    static let gap = 1
    static let block: Character = "█"

    /// Each glyph's rows, `#` for a block. Rows of one glyph have equal width.
    static let glyphs: [Character: [String]] = [
        "A": [" ### ", "#   #", "#####", "#   #", "#   #"],
        "B": ["#### ", "#   #", "#### ", "#   #", "#### "],
        "C": [" ####", "#    ", "#    ", "#    ", " ####"],
        "D": ["#### ", "#   #", "#   #", "#   #", "#### "],
        "E": ["#####", "#    ", "#### ", "#    ", "#####"],
        "F": ["#####", "#    ", "#### ", "#    ", "#    "],
        "G": [" ####", "#    ", "#  ##", "#   #", " ####"],
        "H": ["#   #", "#   #", "#####", "#   #", "#   #"],
        "I": ["###", " # ", " # ", " # ", "###"],
        "J": ["  ###", "    #", "    #", "#   #", " ### "],
        "K": ["#   #", "#  # ", "###  ", "#  # ", "#   #"],
        "L": ["#    ", "#    ", "#    ", "#    ", "#####"],
        "M": ["#   #", "## ##", "# # #", "#   #", "#   #"],
        "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
        "O": [" ### ", "#   #", "#   #", "#   #", " ### "],
        "P": ["#### ", "#   #", "#### ", "#    ", "#    "],
        "Q": [" ### ", "#   #", "# # #", "#  # ", " ## #"],
        "R": ["#### ", "#   #", "#### ", "#  # ", "#   #"],
        "S": [" ####", "#    ", " ### ", "    #", "#### "],
        "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
        "U": ["#   #", "#   #", "#   #", "#   #", " ### "],
        "V": ["#   #", "#   #", "#   #", " # # ", "  #  "],
        "W": ["#   #", "#   #", "# # #", "## ##", "#   #"],
        "X": ["#   #", " # # ", "  #  ", " # # ", "#   #"],
        "Y": ["#   #", " # # ", "  #  ", "  #  ", "  #  "],
        "Z": ["#####", "   # ", "  #  ", " #   ", "#####"],
        "0": [" ### ", "#  ##", "# # #", "##  #", " ### "],
        "1": [" # ", "## ", " # ", " # ", "###"],
        "2": [" ### ", "#   #", "   # ", " #   ", "#####"],
        "3": ["#### ", "    #", " ### ", "    #", "#### "],
        "4": ["#   #", "#   #", "#####", "    #", "    #"],
        "5": ["#####", "#    ", "#### ", "    #", "#### "],
        "6": [" ### ", "#    ", "#### ", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", "  #  "],
        "8": [" ### ", "#   #", " ### ", "#   #", " ### "],
        "9": [" ### ", "#   #", " ####", "    #", " ### "],
        " ": ["   ", "   ", "   ", "   ", "   "],
        ".": [" ", " ", " ", " ", "#"],
        ",": ["  ", "  ", "  ", " #", "# "],
        "!": ["#", "#", "#", " ", "#"],
        "?": [" ### ", "#   #", "  ## ", "     ", "  #  "],
        "-": ["   ", "   ", "###", "   ", "   "],
        "_": ["     ", "     ", "     ", "     ", "#####"],
        ":": [" ", "#", " ", "#", " "],
        "/": ["    #", "   # ", "  #  ", " #   ", "#    "],
        "'": ["#", "#", " ", " ", " "],
        "\"": ["# #", "# #", "   ", "   ", "   "],
        "(": [" #", "# ", "# ", "# ", " #"],
        ")": ["# ", " #", " #", " #", "# "],
        "=": ["   ", "###", "   ", "###", "   "],
        "+": ["   ", " # ", "###", " # ", "   "],
        "<": ["  #", " # ", "#  ", " # ", "  #"],
        ">": ["#  ", " # ", "  #", " # ", "#  "],
    ]

    /// Whether every character of `text` has a glyph (letters in either case).
    public static func canDraw(_ text: String) -> Bool {
        text.allSatisfy { glyphs[Character($0.uppercased())] != nil }
    }

    static func glyph(_ character: Character) -> [String] {
        let upper = Character(character.uppercased())
        return glyphs[upper] ?? glyphs["?"]!
    }

    /// Columns `text` takes as a banner.
    public static func width(_ text: String) -> Int {
        guard !text.isEmpty else { return 0 }
        return text.reduce(0) { $0 + glyph($1)[0].count } + gap * (text.count - 1)
    }

    /// The banner's five rows, blocks and spaces.
    public static func rows(_ text: String) -> [String] {
        var rows = Array(repeating: "", count: height)
        for (index, character) in text.enumerated() {
            let glyph = glyph(character)
            for row in 0..<height {
                if index > 0 { rows[row] += String(repeating: " ", count: gap) }
                rows[row] += glyph[row].map { $0 == "#" ? block : " " }
            }
        }
        return rows
    }

    /// The first candidate that fits in `width` columns; else the last one cut short with
    /// `..` so the room can see it goes on.
    public static func fit(_ candidates: [String], width: Int) -> String {
        for candidate in candidates where Self.width(candidate) <= width { return candidate }
        guard var text = candidates.last else { return "" }
        while !text.isEmpty, Self.width(text + "..") > width { text.removeLast() }
        return text.isEmpty ? "" : text + ".."
    }
}
