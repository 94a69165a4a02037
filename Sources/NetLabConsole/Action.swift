import Foundation
import NetLabCore

/// What can happen to the console: a key, an engine event, a client's result.
public enum Action: Sendable {
    case key(Key)
    /// Keys read together (a paste arrives as thousands of them): handled in order, in one
    /// update, so the state is not copied and the screen not scheduled once per character.
    case keys([Key])
    case event(LabEvent)
    /// The client's exchange ended: the reply, or why there is none. `exchange` is the id its
    /// send effect carried (nil: the oldest exchange of `engine` in flight).
    case reply(engine: LabEvent.Engine, exchange: Int? = nil, result: Result<[UInt8], ClientFailure>)
    /// The capture started, or could not (and why).
    case wire(ConsoleState.Wire)
    /// The kernel's count of frames the capture lost so far.
    case wireDropped(Int)
    /// `:check` finished: the report card.
    case checked(CheckReport)
    /// The terminal's size (the client pane's rows depend on it).
    case resized(width: Int, height: Int)
}
