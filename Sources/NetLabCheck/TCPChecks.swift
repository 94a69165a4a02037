import Dispatch
import Glibc
import NetLabCore
import NetLabSockets

/// The TCP uppercase server's checks.
struct TCPChecks {
    let host: String
    let port: UInt16
    let options: Conformance.Options
    /// The connections made so far (a failed one stops the rest).
    let log: CheckSocket.ConnectionLog

    /// How long a check that does not close its side reads on after the expected reply (a
    /// server that sends more is caught in every run).
    static let grace = 0.2

    /// Each check by its key (`Rubric.keys[.tcp]` names them in this order).
    private static let catalog: [String: @Sendable (TCPChecks) -> CheckResult] = [
        "uppercase": { $0.letters() }, "again": { $0.again() }, "bytes": { $0.everyByte() }, "empty": { $0.empty() },
        "concurrent": { $0.twoClients() }, "long": { $0.long() }, "pieces": { $0.pieces() },
    ]

    /// The rubric's checks, in its order, each with its key and weight.
    func run(_ items: [Rubric.Item]) -> [CheckResult] { Conformance.run(self, Self.catalog, items, server: options.server, log: log) }

    private func openConnection(until deadline: UInt64) throws(SocketError) -> CheckSocket {
        try CheckSocket.connect(host: host, port: port, type: .stream, log: log, until: deadline)
    }

    /// One deadline for a whole check (connect, send, pauses, reply): no check waits longer
    /// than the timeout plus its own pauses, whatever the server does.
    private func deadline(pieces: Int = 1) -> UInt64 {
        CheckSocket.deadline(options.timeout + options.pause * Double(max(0, pieces - 1)))
    }

    /// Sends `pieces` (pausing between them), closes the sending side if `finish`, reads the
    /// reply until the server closes, `expected.count` bytes came, or the timeout.
    private func exchange(
        _ name: String, pieces: [[UInt8]], finish: Bool, expected: [UInt8], expectation: String,
        why: String
    ) -> CheckResult {
        let sent = pieces.flatMap { $0 }
        let deadline = deadline(pieces: pieces.count)
        do throws(SocketError) {
            let socket = try openConnection(until: deadline)
            var refused: (piece: Int, error: SocketError)?
            for (index, piece) in pieces.enumerated() {
                if index > 0 { usleep(UInt32(options.pause * 1e6)) }
                do throws(SocketError) {
                    try socket.send(piece, until: deadline)
                } catch {
                    refused = (index, error)
                    break
                }
            }
            if finish && refused == nil { socket.finishSending() }
            let reply = socket.receive(until: deadline, enough: finish ? .max : expected.count, grace: finish ? 0 : Self.grace)
            var result = judge(name, sent: sent, reply: reply, expected: expected, expectation: expectation, why: why)
            if let refused, !result.passed {
                // What came back before the server went away is the lesson: show it.
                result.problem =
                    "the server answered \(reply.count) bytes and closed the connection: sending piece "
                    + "\(refused.piece + 1) of \(pieces.count) failed with \(refused.error.summary)"
            }
            return result
        } catch {
            // Nothing was sent: the connection failed first.
            return CheckResult(
                name: name, passed: false, sent: [], received: [], expected: expectation,
                problem: Conformance.describe(error), why: why)
        }
    }

    private func judge(
        _ name: String, sent: [UInt8], reply: CheckSocket.Reply, expected: [UInt8],
        expectation: String, why: String
    ) -> CheckResult {
        var problem: String?
        if reply.bytes == expected && reply.count == expected.count {
            problem = nil
        } else if let error = reply.error {
            problem = Conformance.describe(error) + " after \(reply.count) of \(expected.count) bytes"
        } else if reply.count == 0 {
            problem =
                reply.closed
                ? "the server closed the connection without replying"
                : "no reply within \(ClientFailure.format(options.timeout)) s"
        } else if reply.bytes.count < expected.count, expected.starts(with: reply.bytes) {
            problem =
                "only the first \(reply.bytes.count) of \(expected.count) bytes came back"
                + (reply.closed ? ", then the server closed the connection" : "")
        } else if let index = zip(reply.bytes, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            problem = "byte \(index) is 0x\(HexDump.hex([reply.bytes[index]])), expected 0x\(HexDump.hex([expected[index]]))"
        } else {
            problem = "\(reply.count) bytes came back, expected \(expected.count)" + (reply.cut ? " (netlab stopped reading there)" : "")
        }
        return CheckResult(
            name: name, passed: problem == nil, sent: sent, received: reply.bytes, receivedCount: reply.count,
            expected: expectation, problem: problem, why: why)
    }

    private func letters() -> CheckResult {
        exchange(
            "lowercase letters come back uppercase (the lab's client: it waits without closing)",
            pieces: [Conformance.message], finish: false, expected: Uppercase.apply(Conformance.message),
            expectation: "the same bytes with a-z as A-Z, while the client waits with its socket open",
            why: "the lab's TCPClient.py sends, then waits for the reply before it closes: a server that waits for "
                + "the client to close first never answers it")
    }

    /// The lab's client again, after the one before it closed: a server without a loop
    /// around accept() answers one client and no second.
    private func again() -> CheckResult {
        // Only a client after another tells: when no check before this one has been served
        // (`--only again`, a rubric that starts with it), or netlab may have started the server
        // again (`--start`), a first client goes first. Alone, this check was the first client
        // and passed against a server that serves one.
        if log.succeeded == 0 || options.server != nil {
            let first = letters()
            if log.succeeded == 0 { return first }  // never connected: the stop logic says why
        }
        var result = letters()
        if let stop = log.stoppedBy, result.problem == Conformance.describe(stop) {
            // The second client was refused: exactly what this check asks about.
            result.problem =
                "the server stopped accepting connections after the client before (\(Conformance.describe(stop))): "
                + "accept() belongs in a loop"
        }
        result.name = "a second client, after the first, gets its reply too"
        result.expected = "the reply to a client that connects after the one before has closed, as to that one"
        result.why = "a server answers client after client: accept() belongs in a loop"
        return result
    }

    private func everyByte() -> CheckResult {
        let all = (0...255).map { UInt8($0) }
        return exchange(
            "every other byte value (all 256) is left alone", pieces: [all], finish: true, expected: Uppercase.apply(all),
            expectation: "a-z (0x61-0x7a) become A-Z; the other 230 byte values come back unchanged",
            why: "a network carries bytes, not text: digits, punctuation, UTF-8 and zero bytes must survive")
    }

    private func empty() -> CheckResult {
        let name = "an empty message gets an empty reply and the connection closes"
        let expectation = "no bytes back, and the server closes the connection (it is still serving afterwards)"
        let why = "recv() returning 0 bytes means the client closed: a server must handle it, not crash or wait for ever"
        let deadline = deadline()
        do throws(SocketError) {
            let socket = try openConnection(until: deadline)
            socket.finishSending()
            let reply = socket.receive(until: deadline)
            var problem: String?
            if reply.count > 0 {
                problem = "\(reply.count) bytes came back"
            } else if let error = reply.error, error.errnoValue == ECONNRESET {
                // A server that resets every connection must not pass here: a right one
                // closes (FIN) after its recv() returned 0.
                problem = "the server reset the connection (RST) instead of closing it: " + Conformance.describe(error)
            } else if let error = reply.error {
                problem = Conformance.describe(error)
            } else if !reply.closed {
                problem = "the server kept the connection open for \(ClientFailure.format(options.timeout)) s"
            }
            if problem == nil {
                do throws(SocketError) {
                    _ = try openConnection(until: CheckSocket.deadline(options.timeout))
                } catch {
                    problem = "the server stopped accepting connections afterwards: " + Conformance.describe(error)
                }
            }
            return CheckResult(
                name: name, passed: problem == nil, sent: [], received: reply.bytes, receivedCount: reply.count,
                expected: expectation, problem: problem, why: why)
        } catch {
            return CheckResult(
                name: name, passed: false, sent: [], received: [], expected: expectation,
                problem: Conformance.describe(error), why: why)
        }
    }

    private func twoClients() -> CheckResult {
        let name = "two clients at once: the second is answered while the first is connected"
        let expectation = "the second client's reply, while the first client is still connected and silent"
        let why =
            "in a lab room many clients talk to one server: a server that serves one connection at a time "
            + "leaves everyone else waiting behind the slowest"
        do throws(SocketError) {
            let first = try openConnection(until: deadline())
            let result = exchange(
                name, pieces: [Conformance.message], finish: true, expected: Uppercase.apply(Conformance.message),
                expectation: expectation, why: why)
            withExtendedLifetime(first) {}
            return result
        } catch {
            return CheckResult(
                name: name, passed: false, sent: [], received: [], expected: expectation,
                problem: Conformance.describe(error), why: why)
        }
    }

    private func long() -> CheckResult {
        let message = (0..<65536).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        return exchange(
            "a 64 KiB message comes back whole", pieces: [message], finish: true, expected: Uppercase.apply(message),
            expectation: "all 65,536 bytes back, uppercased",
            why: "TCP is a byte stream: one recv() returns what has arrived so far (at most its buffer size), so a server "
                + "must keep calling recv() and send back all it read; echoing each piece as it comes works with any client, "
                + "waiting for recv() to return 0 only with one that closes its side first (this check does, the lab's "
                + "TCPClient.py does not)")
    }

    private func pieces() -> CheckResult {
        let parts = [Array("hello, ".utf8), Array("welcome to ".utf8), Array("the socket lab".utf8)]
        let pause = ClientFailure.format(options.pause)
        return exchange(
            "a message sent in three pieces, \(pause) s apart, comes back whole", pieces: parts, finish: true,
            expected: Uppercase.apply(Conformance.message),
            expectation: "the whole message uppercased, however it was cut",
            why: "on a real network a message can arrive in several segments: a server that assumes one "
                + "recv() gets it all answers only the first piece")
    }
}
