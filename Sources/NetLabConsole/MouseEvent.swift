/// A mouse event as the console uses it: a left click, or the wheel.
public struct MouseEvent: Hashable, Sendable {
    public enum Action: Hashable, Sendable { case click, wheelUp, wheelDown }
    public var column: Int
    public var row: Int
    public var action: Action
    /// The screen's size when it happened (the layout to map it onto).
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, action: Action, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.action = action
        self.width = width
        self.height = height
    }
}
