import Foundation
import NetLabCore

/// The client's room: a typed line becomes an exchange (numbered, sent, answered), and its
/// result becomes the transcript's lines, the banner and the wire's evidence.
extension ConsoleState {
    // MARK: The input line

    mutating func submit(now: Date, themes: [String]) -> [Effect] {
        let line = input.take()
        transcript.follow()
        guard !line.isEmpty else { return lesson == nil ? [] : advanceLesson(now: now, themes: themes) }
        if line.hasPrefix(":") {
            switch ColonCommand.parse(String(line.dropFirst())) {
            case .success(let command): return perform(.command(command), now: now, themes: themes)
            case .failure(let error):
                say(error.message, .error, now)
                return []
            }
        }
        if lessonTakes(line, now: now) { return [] }
        return sendLine(line, now: now)
    }

    /// `line` handed to the client as a new exchange (typed, or a lesson's message).
    mutating func sendLine(_ line: String, now: Date) -> [Effect] {
        let target = Endpoint(host: client.host, port: client.port)
        let mode = client.engine == .udp && client.udpMode == .connected ? " (connected)" : ""
        let timeout = client.engine == .udp ? client.timeout : max(client.timeout, Self.streamTimeoutFloor)
        outcome = .waiting(client.engine, to: target, at: now, timeout: timeout)
        // Shown when the client's send() has happened (its `sent` event), not now: a refused
        // connect sends nothing, and the transcript must not say it did.
        let id = nextExchange
        nextExchange += 1
        let text = "\(client.engine.rawValue) -> \(target)\(mode) " + TerminalSafe.escape(Array(line.utf8))
        inFlight.append(Exchange(id: id, engine: client.engine, text: text, line: line, began: now))
        // The effect is what the engine is given, exactly: the HTTP client sends a whole
        // request (the line is a path or a request line), and a stream client waits at least
        // 5 s (the timeout covers the handshake and the reply; a `:timeout` meant for UDP
        // replies would otherwise cut a TCP exchange short).
        let bytes =
            client.engine == .http
            ? HTTPClientMessage.request(for: line, host: client.host, port: client.port) : Array(line.utf8)
        return [
            .send(
                client.engine, bytes: bytes, host: client.host, port: client.port, udpMode: client.udpMode, timeout: timeout,
                exchange: id)
        ]
    }

    /// The least time a TCP or HTTP exchange is given, in seconds.
    static let streamTimeoutFloor = 5.0

    /// The exchange in flight with `id`; without one (an event from elsewhere), the oldest of
    /// `engine`'s.
    func exchangeIndex(_ id: Int?, engine: LabEvent.Engine) -> Int? {
        if let id { return inFlight.firstIndex { $0.id == id } }
        return inFlight.firstIndex { $0.engine == engine }
    }

    /// The client's exchange `id` (or the oldest of `engine`'s) ended with `result`.
    mutating func finishExchange(_ engine: LabEvent.Engine, id: Int?, result: Result<[UInt8], ClientFailure>, now: Date) {
        // The banner's one-line detail is also the transcript's line (the packet pane has
        // every byte); a reply reads as received, anything else as an error. The exchange
        // is over: a line never sent (a refused connect) is never shown.
        let exchange = exchangeIndex(id, engine: engine).map { inFlight.remove(at: $0) }
        let outcome = Outcome(engine: engine, result: result, at: now)
        // The banner follows the newest line: an older line's late result does not cover it.
        let newest = exchange.map { $0.id == nextExchange - 1 } ?? true
        if newest { self.outcome = outcome }
        let role: StyleRole = outcome.kind == .reply ? .received : .error
        var lines = outcome.detail.split(separator: "\n").map(String.init)
        if case .failure(let failure) = result, let words = remedy(failure.remedy, engine: engine) {
            lines[0] += " (" + words + ")"
        }
        if let exchange { lessonHeard(exchange: exchange.id, outcome: outcome, result: result) }
        // Lines overlapped (one typed while another waited): say which one this answers.
        if let exchange, !inFlight.isEmpty || !newest {
            lines[0] += " (for \"" + TerminalSafe.escape(Array(exchange.line.utf8)) + "\")"
        }
        if engine == .tcp, case .success(let bytes) = result, let pieces = Self.piecesSentence(bytes.count, exchange?.receives ?? []) {
            lines.append(pieces)
        }
        // A second line (UDP's other explanation, the pieces) is its own line, under the first.
        for (index, line) in lines.enumerated() { say(line, role, index == 0 ? now : nil) }
        if case .failure(let failure) = result {
            recordFailure(failure, engine: engine, local: exchange?.local, began: exchange?.began, now: now)
        }
    }

    /// A TCP reply longer than a student's recv(1024): how many recv() calls it took netlab's
    /// client, and what one recv(1024) would have read (TCP keeps no message boundaries).
    public static func piecesSentence(_ total: Int, _ receives: [Int]) -> String? {
        guard total > 1024, receives.reduce(0, +) == total else { return nil }
        let shown = receives.prefix(6).map(String.init).joined(separator: ", ") + (receives.count > 6 ? ", ..." : "")
        let calls = receives.count == 1 ? "1 recv() call" : "\(receives.count) recv() calls (\(shown) bytes)"
        return "the \(total) bytes came in \(calls); TCP keeps no message boundaries, so a client that calls recv(1024) once "
            + "reads only the first 1024"
    }
}
