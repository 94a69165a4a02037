import Foundation
import NetLabCore

/// What can happen to the console: a key, an engine event, a client's result.
public enum Action: Sendable {
    case key(Key)
    case event(LabEvent)
    /// The client's exchange ended: the reply, or why there is none.
    case reply(engine: LabEvent.Engine, result: Result<[UInt8], ClientFailure>)
    /// The capture started, or could not (and why).
    case wire(ConsoleState.Wire)
    /// The kernel's count of frames the capture lost so far.
    case wireDropped(Int)
}

/// What `update` asks the outside world to do. The console loop carries these out.
public enum Effect: Equatable, Sendable {
    case startServer(LabEvent.Engine, host: String?, port: UInt16)
    case stopServer(LabEvent.Engine)
    case send(LabEvent.Engine, bytes: [UInt8], host: String, port: UInt16, udpMode: ConsoleState.UDPMode, timeout: Double)
    /// Write a file (`:save`); `what` names it in the line that reports how it went.
    case save(path: String, bytes: [UInt8], what: String)
    /// Put `text` on the system clipboard (OSC 52, through ssh and tmux where allowed).
    case copy(text: String, what: String)
    case quit
}
