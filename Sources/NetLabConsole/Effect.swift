import Foundation
import NetLabCore

/// What `update` asks the outside world to do. The console loop carries these out.
public enum Effect: Equatable, Sendable {
    case startServer(LabEvent.Engine, host: String?, port: UInt16)
    case stopServer(LabEvent.Engine)
    /// `exchange` numbers the exchange: its events and its `.reply` carry it back.
    case send(LabEvent.Engine, bytes: [UInt8], host: String, port: UInt16, udpMode: ConsoleState.UDPMode, timeout: Double, exchange: Int)
    /// Write a file (`:save`); `what` names it in the line that reports how it went; an
    /// existing file is replaced only if `replace` (`:save!`).
    case save(path: String, bytes: [UInt8], what: String, replace: Bool)
    /// Put `text` on the system clipboard (OSC 52, through ssh and tmux where allowed).
    case copy(text: String, what: String)
    /// Run `netlab check` against a server (the client's target); the report comes back as `.checked`.
    case check(LabEvent.Engine, host: String, port: UInt16)
    /// `:run`: start `command` traced, as program `id`.
    case run(id: Int, command: [String])
    /// `:stop`: SIGTERM to a traced program.
    case stopProgram(pid: Int32)
    /// `:type`: bytes for program `id`'s input.
    case input(id: Int, bytes: [UInt8])
    /// `:shell`: the screen given back while the user's shell runs in the foreground.
    case shell
    /// `:fault`: the private network's firewall made to hold exactly these faults; how it went
    /// comes back as `.faults`.
    case setFaults([Fault])
    /// Step mode on or off: netlab's clients wait before each socket call, or stop waiting
    /// (any call waiting goes ahead).
    case stepping(Bool)
    /// `:tcp-mode`: the TCP server's mode for the connections it accepts from now on.
    case tcpMode(lab: Bool)
    /// Space in step mode: the waiting call `id` goes ahead.
    case proceed(id: Int)
    /// The theme changed (F6, `:theme`): the terminal's colours follow.
    case applyTheme(String)
    case quit
}
