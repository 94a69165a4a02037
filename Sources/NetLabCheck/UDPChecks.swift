import Glibc
import NetLabCore
import NetLabSockets

/// The UDP uppercase server's checks.
struct UDPChecks {
    let host: String
    let port: UInt16
    let options: Conformance.Options
    /// The connections made so far (a failed one stops the rest).
    let log: CheckSocket.ConnectionLog

    /// Each check by its key (`Rubric.keys[.udp]` names them in this order).
    private static let catalog: [String: @Sendable (UDPChecks) -> CheckResult] = {
        let all = (0...255).map { UInt8($0) }
        let mtu = (0..<1400).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let largest = (0..<65507).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        return [
            "uppercase": {
                $0.datagram(
                    "lowercase letters come back uppercase", Conformance.message,
                    expectation: "one datagram back: the same bytes with a-z as A-Z",
                    why: "the lab's protocol: the reply is the request uppercased, to the address it came from")
            },
            "bytes": {
                $0.datagram(
                    "every other byte value (all 256) is left alone", all,
                    expectation: "a-z (0x61-0x7a) become A-Z; the other 230 byte values come back unchanged",
                    why: "a network carries bytes, not text: digits, punctuation, UTF-8 and zero bytes must survive")
            },
            "empty": {
                $0.datagram(
                    "an empty datagram gets an empty reply", [],
                    expectation: "one datagram of 0 bytes back",
                    why: "UDP keeps message boundaries: an empty datagram is a message, and recvfrom() returns it as 0 bytes")
            },
            "clients": { $0.twoClients() },
            "mtu": {
                $0.datagram(
                    "a 1,400-byte datagram comes back whole", mtu,
                    expectation: "all 1,400 bytes back in one datagram, uppercased",
                    why: "it fits in one Ethernet frame: a 1,500-byte MTU carries at most 1,472 bytes of UDP data over IPv4")
            },
            "largest": {
                $0.datagram(
                    "the largest datagram (65,507 bytes) comes back whole", largest,
                    expectation: "all 65,507 bytes back in one datagram, uppercased",
                    why: "recvfrom() cuts a datagram to its buffer size and drops the rest without a word: "
                        + "a server needs a 65,535-byte buffer to see every datagram whole")
            },
        ]
    }()

    /// The rubric's checks, in its order, each with its key and weight.
    func run(_ items: [Rubric.Item]) -> [CheckResult] { Conformance.run(self, Self.catalog, items, server: options.server, log: log) }

    private func datagram(_ name: String, _ message: [UInt8], expectation: String, why: String) -> CheckResult {
        let expected = Uppercase.apply(message)
        func failed(_ problem: String, received: [UInt8] = []) -> CheckResult {
            CheckResult(name: name, passed: false, sent: message, received: received, expected: expectation, problem: problem, why: why)
        }
        if let stop = log.stoppedBy { return failed(Conformance.describe(stop)) }
        do throws(SocketError) {
            let deadline = CheckSocket.deadline(options.timeout)
            let socket = try CheckSocket.datagram(host: host, port: port)
            try socket.sendDatagram(message, until: deadline)
            switch socket.receiveDatagramFrom(until: deadline) {
            case .none:
                return failed("no reply within \(ClientFailure.format(options.timeout)) s")
            case .failure(let error):
                // The ICMP error for the datagram (nothing listening there): every datagram
                // check after it would get the same, so the report says it once.
                if error.errnoValue == ECONNREFUSED { log.stoppedBy = error }
                return failed(Conformance.describe(error))
            case .success(let (reply, sender)):
                log.succeeded += 1
                if sender != socket.peer {
                    return failed(
                        "the reply came from \(sender), not from \(socket.peer) where the datagram went: the lab's UDPClient.py "
                            + "takes it (recvfrom() accepts any sender), a connected UDP client never sees it", received: reply)
                }
                let problem: String? =
                    reply == expected
                    ? nil
                    : reply.count != expected.count
                        ? "\(reply.count) bytes came back, expected \(expected.count)"
                        : "the bytes differ from the expected reply"
                return CheckResult(
                    name: name, passed: problem == nil, sent: message, received: reply, expected: expectation,
                    problem: problem, why: why)
            }
        } catch {
            return failed(Conformance.describe(error))
        }
    }

    private func twoClients() -> CheckResult {
        let name = "two clients at once: each gets its own reply"
        let expectation = "each client's datagram comes back uppercased to that client, not to the other"
        let why = "a UDP server answers each datagram to the address recvfrom() gave with it: many clients share one socket"
        let first = Array("first client".utf8)
        let second = Array("second client".utf8)
        if let stop = log.stoppedBy {
            return CheckResult(
                name: name, passed: false, sent: first + second, received: [], expected: expectation,
                problem: Conformance.describe(stop), why: why)
        }
        do throws(SocketError) {
            let deadline = CheckSocket.deadline(options.timeout)
            let a = try CheckSocket.connect(host: host, port: port, type: .datagram, log: log, until: deadline)
            let b = try CheckSocket.connect(host: host, port: port, type: .datagram, log: log, until: deadline)
            try a.send(first, until: deadline)
            try b.send(second, until: deadline)
            let replyA = (try? a.receiveDatagram(until: deadline)?.get()) ?? []
            let replyB = (try? b.receiveDatagram(until: deadline)?.get()) ?? []
            let passed = replyA == Uppercase.apply(first) && replyB == Uppercase.apply(second)
            return CheckResult(
                name: name, passed: passed, sent: first + second, received: replyA + replyB, expected: expectation,
                problem: passed ? nil : "the replies were \(CheckReport.hexPreview(replyA)) and \(CheckReport.hexPreview(replyB))",
                why: why)
        } catch {
            return CheckResult(
                name: name, passed: false, sent: first + second, received: [], expected: expectation,
                problem: Conformance.describe(error), why: why)
        }
    }
}
