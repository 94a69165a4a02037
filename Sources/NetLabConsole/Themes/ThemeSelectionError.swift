import Foundation
import NetLabConsole

public struct ThemeSelectionError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
