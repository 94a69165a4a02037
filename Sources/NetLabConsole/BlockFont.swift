/// Letters five rows tall made of the terminal's full-block character, for presenter mode's
/// banner. Capitals, digits and common punctuation; anything else is drawn as `?`.
public enum BlockFont {
    public static let height = 5
    /// Columns between two letters.
    static let gap = 1
    public static let block: Character = "█"

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

    /// A shade for a banner that is not an answer yet (WAITING): the same letters, hollow, so
    /// it differs from NO REPLY by its look as well as its colour (and in monochrome).
    public static let pending: Character = "░"

    /// Columns `text` takes as a banner, each cell `scale` columns wide.
    public static func width(_ text: String, scale: Int = 1) -> Int {
        guard !text.isEmpty else { return 0 }
        return (text.reduce(0) { $0 + glyph($1)[0].count } + gap * (text.count - 1)) * scale
    }

    /// The banner's rows (five per `scale`), each cell `scale` columns wide, drawn in `fill`.
    public static func rows(_ text: String, scale: Int = 1, fill: Character = block) -> [String] {
        var rows = Array(repeating: "", count: height)
        for (index, character) in text.enumerated() {
            let glyph = glyph(character)
            for row in 0..<height {
                if index > 0 { rows[row] += String(repeating: " ", count: gap) }
                rows[row] += glyph[row].map { $0 == "#" ? fill : " " }
            }
        }
        guard scale > 1 else { return rows }
        return rows.flatMap { row in
            Array(repeating: String(row.flatMap { Array(repeating: $0, count: scale) }), count: scale)
        }
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
