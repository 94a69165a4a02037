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
    /// A program `:run` started: news of it from the loop.
    case program(ProgramNews)
    /// The capture started, or could not (and why).
    case wire(ConsoleState.Wire)
    /// The kernel's count of frames the capture lost so far.
    case wireDropped(Int)
    /// `:check` finished: the report card.
    case checked(CheckReport)
    /// The terminal's size (the client pane's rows depend on it).
    case resized(width: Int, height: Int)
    /// How a `.save` effect went: written (`bytes` of `what`), or not, and why.
    case saved(path: String, bytes: Int, what: String)
    case notSaved(path: String, reason: SaveRefusal)
    /// A `.setFaults` effect was carried out: the faults now in force, or why the firewall
    /// refused them (the old ones stay).
    case faults(Result<[Fault], FaultError>)
    /// A `.copy` effect was carried out (OSC 52 written; the terminal does not answer).
    case copied(what: String)
    /// Step mode: netlab's client is about to make a call and waits for Space.
    case stepWaiting(PendingStep)
}

/// Why a file was not saved.
public enum SaveRefusal: Equatable, Sendable {
    /// It exists and `:save` never replaces a file.
    case exists
    /// The file writer's one-line reason (a full disk, no permission, ...).
    case failed(String)
}

/// What the loop tells the console about a program `:run` started.
public enum ProgramNews: Equatable, Sendable {
    case started(id: Int, pid: Int32)
    /// A line of its stdout or stderr.
    case output(id: Int, line: String)
    /// It ended: `how` says so (`exited with status 0`, `was killed by SIGTERM`, or why it
    /// never started).
    case ended(id: Int, how: String)
    /// It named a port (connect, sendto, bind): the wire starts watching it.
    case port(UInt16)
    /// A `:type` line it could not be given (it does not read, or it closed its input).
    case inputLost(id: Int, why: String)
}
