import Foundation
import NetLabConsole
import NetLabCore

/// A fixed instant: 2026-11-25 10:00:00 UTC.
let t0 = Date(timeIntervalSince1970: 1_795_600_800)

/// UTC clock for snapshots, independent of the machine's time zone.
let utcClock: @Sendable (Date) -> String = { LabEvent.clock($0, utcOffset: 0) }

let server = Endpoint(host: "::", port: 12000)
let localServer = Endpoint(host: "127.0.0.1", port: 12000)
let clientSocket = Endpoint(host: "127.0.0.1", port: 40000)

func event(_ engine: LabEvent.Engine, _ role: LabEvent.Role, _ kind: LabEvent.Kind, at seconds: Double = 0) -> LabEvent {
    LabEvent(time: t0.addingTimeInterval(seconds), engine: engine, role: role, kind: kind)
}

extension ConsoleState {
    /// Applies actions in order, collecting the effects.
    @discardableResult
    mutating func apply(_ actions: [Action], at seconds: Double = 0) -> [Effect] {
        actions.flatMap { update($0, now: t0.addingTimeInterval(seconds), themes: ["default", "monochrome"]) }
    }

    mutating func type(_ text: String) {
        apply(text.map { .key(.character($0)) })
    }
}

/// A console after the lab's first minutes: TCP refused, server on, a reply, UDP silence.
func sampleState() -> ConsoleState {
    var state = ConsoleState()
    state.apply([.event(event(.udp, .server, .listening(server)))])
    state.type("hello")
    state.apply([.key(.enter)], at: 1)
    state.apply([.reply(engine: .tcp, result: .failure(.socket(.errno("connect", 111, endpoint: localServer))))], at: 1)
    state.apply([.key(.function(2)), .event(event(.tcp, .server, .listening(server), at: 2))], at: 2)
    state.type("hello, welcome")
    state.apply([.key(.enter)], at: 3)
    let message = Array("hello, welcome".utf8)
    state.apply([
        .event(event(.tcp, .client, .sent(bytes: message, from: clientSocket, to: localServer), at: 3)),
        .event(event(.tcp, .server, .accepted(peer: clientSocket), at: 3)),
        .event(event(.tcp, .server, .received(bytes: message, from: clientSocket, to: localServer), at: 3)),
        .event(event(.tcp, .server, .sent(bytes: Uppercase.apply(message), from: localServer, to: clientSocket), at: 3)),
        .event(event(.tcp, .client, .received(bytes: Uppercase.apply(message), from: localServer, to: clientSocket), at: 3)),
        .event(event(.tcp, .server, .closed(peer: clientSocket), at: 3)),
        .reply(engine: .tcp, result: .success(Uppercase.apply(message))),
    ], at: 3)
    state.apply([.key(.function(5))], at: 4)
    state.type(":port 12001")
    state.apply([.key(.enter)], at: 4)
    state.type("udp silence")
    state.apply([.key(.enter)], at: 5)
    state.apply([.reply(engine: .udp, result: .failure(.timedOut(engine: .udp, peer: Endpoint(host: "127.0.0.1", port: 12001), seconds: 2)))], at: 7)
    state.type("next")
    return state
}
