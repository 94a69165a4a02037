import Dispatch
import Foundation
import NetLabCore
import NetLabEvents
import NetLabSockets
import Synchronization

/// The shared body of `tcp-client` and `udp-client`: where messages come from, where replies go.
enum ClientRunner {
    /// Sends one message and calls back with the result, on the sink's queue.
    typealias Send =
        @Sendable (
            _ message: [UInt8], _ completion: @escaping @Sendable (Result<[UInt8], ClientFailure>) -> Void
        ) -> Void

    /// `input`, when given, holds whole messages to send instead of words or stdin; their
    /// replies are printed as they are (line by line, escaped, on a terminal).
    static func run(words: [String], hex: Bool, input: [[UInt8]]? = nil, makeSend: (EventSink) -> Send) throws {
        signal(SIGPIPE, SIG_IGN)
        /// Serial queue for the engine's events and results, in order.
        let eventQueue = DispatchQueue(label: "netlab.client-events")
        let sink = EventSink(queue: eventQueue) { event in
            guard hex else { return }
            switch event.kind {
            case .sent(let bytes, let from, let to):
                // "#": text2pcap skips the line (see ServerRunner.logLines).
                Output.line("# sent \(bytes.count) bytes \(from) -> \(to)")
                for line in HexDump.logLines(bytes) { Output.line(line) }
            case .received(let bytes, let from, let to):
                Output.line("# received \(bytes.count) bytes \(from) -> \(to)")
                for line in HexDump.logLines(bytes) { Output.line(line) }
            default:
                break
            }
        }
        let send = makeSend(sink)

        if let input {
            for message in input {
                let reply = try exchange(message, send)
                if hex {
                    // The bytes are in the dump above; the text follows as "#" lines text2pcap skips.
                    for line in reply.split(separator: 0x0A, omittingEmptySubsequences: false) {
                        Output.line("# " + TerminalSafe.escape(line.last == 0x0D ? line.dropLast() : line))
                    }
                    continue
                }
                guard Output.stdoutIsTerminal else {
                    Output.write(reply, to: 1)
                    continue
                }
                for line in reply.split(separator: 0x0A, omittingEmptySubsequences: false) {
                    Output.line(TerminalSafe.escape(line.last == 0x0D ? line.dropLast() : line))
                }
            }
            return
        }
        if !words.isEmpty {
            let reply = try exchange(Array(words.joined(separator: " ").utf8), send)
            if hex { Output.line("# reply: " + TerminalSafe.escape(reply)) } else { Output.reply(reply) }
            return
        }
        var reader = LineReader()
        let interactive = Output.stdinIsTerminal
        var lastFailure: CommandFailure?
        while true {
            if interactive { Output.write(Array("Input lowercase sentence: ".utf8), to: 1) }
            guard let line = reader.next() else { break }
            do {
                let reply = try exchange(line, send)
                if hex {
                    Output.line("# reply: " + TerminalSafe.escape(reply))
                } else {
                    Output.reply(reply, prefix: interactive ? "From Server: " : "")
                }
            } catch let failure as CommandFailure {
                // At a keyboard, say what happened and let the student try again.
                guard interactive else { throw failure }
                Output.error(failure.message)
                lastFailure = failure
            }
        }
        if interactive { Output.line("") }
        if let lastFailure, interactive { throw CommandFailure(message: "the last message got no reply", code: lastFailure.code) }
    }

    /// One message, waited for.
    static func exchange(_ message: [UInt8], _ send: Send) throws -> [UInt8] {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<[UInt8], ClientFailure>?>(nil)
        send(message) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        switch box.withLock({ $0 })! {
        case .success(let reply):
            return reply
        case .failure(let failure):
            var message = RemedyWords.line(failure)
            if case .socket(let error) = failure { message = RemedyWords.line(error) }
            throw CommandFailure(message: message, code: exitCode(for: failure))
        }
    }

    static func exitCode(for failure: ClientFailure) -> Int32 {
        switch failure {
        case .timedOut, .connectTimedOut, .unfinishedReply(_, _, .some, _): CommandFailure.timedOut
        case .socket(let error) where error.errnoValue == ECONNREFUSED: CommandFailure.refused
        default: CommandFailure.other
        }
    }
}
