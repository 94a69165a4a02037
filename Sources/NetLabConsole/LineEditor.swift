/// The one-line input editor: text as characters, a cursor, and the usual editing keys.
public struct LineEditor: Equatable, Sendable {
    public private(set) var characters: [Character] = []
    /// Index into `characters` where typing inserts.
    public private(set) var cursor = 0
    /// Longest line accepted, so a paste cannot grow the state without bound.
    public static let maxLength = 4096

    public init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }

    public var isEmpty: Bool { characters.isEmpty }

    /// False when the line is full (`maxLength`) and the character was left out.
    @discardableResult
    public mutating func insert(_ character: Character) -> Bool {
        guard characters.count < Self.maxLength else { return false }
        characters.insert(character, at: cursor)
        cursor += 1
        return true
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func delete() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func left() { cursor = max(0, cursor - 1) }
    public mutating func right() { cursor = min(characters.count, cursor + 1) }
    public mutating func home() { cursor = 0 }
    public mutating func end() { cursor = characters.count }

    public mutating func replace(with text: String) {
        characters = Array(text.prefix(Self.maxLength))
        cursor = characters.count
    }

    /// Display columns from the start of the line to the cursor.
    public var cursorColumn: Int {
        characters[..<cursor].reduce(0) { $0 + CharacterWidth.of($1) }
    }
}
