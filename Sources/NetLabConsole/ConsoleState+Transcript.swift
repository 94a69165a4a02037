import Foundation
import NetLabCore

/// What the transcript room needs of the screen: the area it is drawn in.
extension ConsoleState {
    /// The transcript's area in the client pane (its box, the rule and the input line taken
    /// away), in the normal layout; nil before the loop has said the terminal's size.
    var transcriptArea: (width: Int, height: Int)? {
        guard let size = screenSize, let layout = Layout(width: size.width, height: size.height, lesson: lesson != nil) else { return nil }
        let inner = layout.client.inner
        return inner.height >= 3 ? (inner.width, inner.height - 2) : nil
    }
}
