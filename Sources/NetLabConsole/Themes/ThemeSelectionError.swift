import Foundation

public struct ThemeSelectionError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
