import Glibc
import NetLabCore
import NetLabSockets

/// The web server's checks: the lab's one-request server must get these right too.
struct HTTPChecks {
    let host: String
    let port: UInt16
    let options: Conformance.Options
    /// The connections made so far (a failed one stops the rest).
    let log: CheckSocket.ConnectionLog

    /// Whether the server answered 404 for `htmlPath` (the first check that asks for it
    /// says): the checks that need the file are then not run (nothing is judged on a 404 page
    /// as if it were the file), and the report says so once.
    final class FileSeen {
        var missing = false
    }
    let seen = FileSeen()

    private var fileMissing: Bool { seen.missing }

    /// Each check by its key (`Rubric.keys[.http]` names them in this order).
    private static let catalog: [String: @Sendable (HTTPChecks) -> CheckResult] = [
        "crlf": { $0.statusLine() }, "served": { $0.served() }, "length": { $0.contentLength() }, "type": { $0.contentType() },
        "404": { $0.notFound() }, "escape": { $0.noEscape() }, "head": { $0.head() }, "close": { $0.connectionClose() },
        "pieces": { $0.pieces() }, "symlink": { checks in checks.symlink(checks.options.escapeLink ?? "") },
    ]

    /// The rubric's checks, in its order, each with its key and weight, and why some were not
    /// run (the file is missing), if they were not.
    func run(_ items: [Rubric.Item]) -> (results: [CheckResult], note: String?) {
        let results = Conformance.run(
            self, Self.catalog, items.filter { $0.key != "symlink" || options.escapeLink != nil }, server: options.server, log: log)
        guard fileMissing else { return (results, nil) }
        let skipped = results.filter(\.notRun).count
        let file = options.htmlPath.split(separator: "/").last.map(String.init) ?? options.htmlPath
        let rest =
            skipped == 0
            ? ""
            : "; the \(skipped == 1 ? "check that needs" : "\(skipped) checks that need") the file "
                + "\(skipped == 1 ? "was" : "were") not run"
        return (
            results,
            "the server answered 404 Not Found for \(options.htmlPath): put \(file) in the folder the server serves "
                + "(or name a file it has with --path)\(rest)"
        )
    }

    /// `served`: the lab's file comes back (200 and a body), whatever the headers say.
    private func served() -> CheckResult {
        let sent = request("GET", options.htmlPath)
        let reply = fetch([sent])
        if HTTPClientMessage.split(reply.bytes)?.status == 404 { seen.missing = true }
        return result(
            "\(options.htmlPath) is served (200 and the file)", sent: sent, reply: reply,
            expectation: "HTTP/1.x 200, the head, then the file's bytes",
            why: "the lab's web server reads the file the request names and sends it after a status line and header lines"
        ) { response, reply in
            if response.status == 404 { return "404 Not Found: the server does not have \(options.htmlPath)" }
            guard response.status == 200 else {
                return "the status is \(response.status.map(String.init) ?? "missing"), expected 200 (\"\(Self.quote(response.statusLine))\")"
            }
            return Self.bodyCount(reply) == 0 ? "200, but no file came after the head" : nil
        }
    }

    /// A check that needs the file, not run because the server does not have it.
    private func skipped(_ name: String, expectation: String, why: String) -> CheckResult {
        var result = CheckResult(name: name, passed: false, sent: [], received: [], expected: expectation, why: why)
        result.notRun = true
        return result
    }

    private var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private func request(_ method: String, _ path: String) -> [UInt8] {
        Array("\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: netlab-check\r\nConnection: close\r\n\r\n".utf8)
    }

    /// What one request got: the reply's first bytes and count, whether the server closed,
    /// and what went wrong on the socket.
    private struct Fetched {
        var bytes: [UInt8] = []
        var count = 0
        var closed = false
        var problem: String?
        var cut = false
    }

    /// Sends `pieces`, reads until the server closes, all within one deadline for the check.
    private func fetch(_ pieces: [[UInt8]]) -> Fetched {
        let deadline = CheckSocket.deadline(options.timeout + options.pause * Double(max(0, pieces.count - 1)))
        do throws(SocketError) {
            let socket = try CheckSocket.connect(host: host, port: port, type: .stream, log: log, until: deadline)
            var sendFailure: SocketError?
            for (index, piece) in pieces.enumerated() {
                if index > 0 { usleep(UInt32(options.pause * 1e6)) }
                do throws(SocketError) {
                    try socket.send(piece, until: deadline)
                } catch {
                    sendFailure = error
                    break
                }
            }
            // What the server sent before a send failed (it answered early and closed) is read
            // all the same: it is what the student needs to see.
            let reply = socket.receive(until: deadline)
            var problem = reply.error.map(Conformance.describe)
            if let sendFailure {
                problem = "\(Conformance.describe(sendFailure)) after the server sent \(reply.count) bytes"
            }
            return Fetched(bytes: reply.bytes, count: reply.count, closed: reply.closed, problem: problem, cut: reply.cut)
        } catch {
            return Fetched(problem: Conformance.describe(error))
        }
    }

    private func result(
        _ name: String, sent: [UInt8], reply: Fetched, expectation: String,
        why: String, _ judge: (HTTPClientMessage.Response, Fetched) -> String?
    ) -> CheckResult {
        var problem = reply.problem
        if problem == nil {
            if reply.count == 0 {
                problem =
                    reply.closed
                    ? "the server closed the connection without a response"
                    : "no response within \(ClientFailure.format(options.timeout)) s"
            } else if let response = HTTPClientMessage.split(reply.bytes) {
                problem = judge(response, reply)
            } else {
                problem = "no complete response head (no blank line after the headers)"
            }
        }
        return CheckResult(
            name: name, passed: problem == nil, sent: sent, received: reply.bytes, receivedCount: reply.count,
            expected: expectation, problem: problem, why: why)
    }

    /// A server's own words in a report: at most 200 characters of them.
    static func quote(_ text: String) -> String {
        text.count <= 200 ? text : String(text.prefix(200)) + "... (\(text.utf8.count) bytes)"
    }

    /// Body bytes that came in all (the report keeps only the first of them).
    private static func bodyCount(_ reply: Fetched) -> Int {
        reply.count - (HTTPClientMessage.headEnd(reply.bytes) ?? reply.count)
    }

    /// One request on its own connection, judged from the response.
    private func ask(
        _ method: String, _ path: String, _ name: String, expectation: String, why: String,
        _ judge: (HTTPClientMessage.Response, Fetched) -> String?
    ) -> CheckResult {
        if fileMissing && path == options.htmlPath { return skipped(name, expectation: expectation, why: why) }
        let sent = request(method, path)
        return result(name, sent: sent, reply: fetch([sent]), expectation: expectation, why: why, judge)
    }

    /// The first request: the lab's file, its status line and line endings. Its status also
    /// says whether the server has the file at all.
    private func statusLine() -> CheckResult {
        let sent = request("GET", options.htmlPath)
        let reply = fetch([sent])  // the raw bytes are needed: the parsed head hides the line endings
        let status = HTTPClientMessage.split(reply.bytes)?.status
        if status == 404 { seen.missing = true }
        let check = result(
            "the status line and every header line end in CRLF", sent: sent, reply: reply,
            expectation: "HTTP/1.x 200 ..., each line of the head ending in \\r\\n, then an empty line",
            why: "HTTP's lines end in CR LF (RFC 9112); a browser forgives a bare \\n, other clients and proxies do not"
        ) { response, _ in
            // A 404 for the file is the report's one sentence about it; the line endings are
            // judged on the 404's head all the same.
            guard response.statusLine.hasPrefix("HTTP/1."), response.status == 200 || response.status == 404 else {
                return "the status line is \"\(Self.quote(response.statusLine))\", expected HTTP/1.x 200 for \(options.htmlPath)"
            }
            let head = reply.bytes.prefix(HTTPClientMessage.headEnd(reply.bytes) ?? reply.bytes.count)
            for (index, byte) in head.enumerated() where byte == 0x0A && (index == 0 || head[head.startIndex + index - 1] != 0x0D) {
                return "a line of the head ends in a bare \\n (byte \(index))"
            }
            return nil
        }
        return check
    }

    private func contentLength() -> CheckResult {
        return ask(
            "GET", options.htmlPath, "Content-Length equals the body",
            expectation: "a Content-Length header whose value is the number of body bytes",
            why: "without a right length a client cannot tell where the body ends on a kept-alive connection"
        ) { response, reply in
            guard let value = response.field("Content-Length") else { return "no Content-Length header" }
            let body = Self.bodyCount(reply)
            guard Int(value) == body, !reply.cut else {
                return "Content-Length says \(value), the body has \(reply.cut ? "more than " : "")\(body) bytes"
                    + (reply.cut ? " (netlab stopped reading there)" : "")
            }
            return nil
        }
    }

    private func contentType() -> CheckResult {
        return ask(
            "GET", options.htmlPath, "Content-Type is text/html for an .html file",
            expectation: "Content-Type: text/html (a charset parameter may follow)",
            why: "the browser decides how to show the body from Content-Type, not from the file name"
        ) { response, _ in
            guard let value = response.field("Content-Type") else { return "no Content-Type header" }
            guard value.lowercased().hasPrefix("text/html") else { return "Content-Type is \(Self.quote(value))" }
            return nil
        }
    }

    private func notFound() -> CheckResult {
        return ask(
            "GET", "/netlab-check-missing-\(UInt32.random(in: 0...UInt32.max)).html", "a missing file is 404 with a body",
            expectation: "HTTP/1.x 404 and a page saying so",
            why: "the lab asks for a 404 Not Found page; an empty 404 shows a blank window in the browser"
        ) { response, reply in
            guard response.status == 404 else { return "the status is \(response.status.map(String.init) ?? "missing"), expected 404" }
            return Self.bodyCount(reply) == 0 ? "the 404 has no body" : nil
        }
    }

    private func noEscape() -> CheckResult {
        let targets = [
            "/../../../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        ]
        var sent: [UInt8] = []
        var received: [UInt8] = []
        var count = 0
        var problem: String?
        for target in targets {
            let bytes = request("GET", target)
            let reply = fetch([bytes])
            sent += bytes
            received += reply.bytes.prefix(CheckResult.keptBytes - received.count)
            count += reply.count
            guard let response = HTTPClientMessage.split(reply.bytes) else {
                problem = reply.problem ?? "no response to GET \(target)"
                break
            }
            if response.status == 200, String(decoding: response.body, as: UTF8.self).contains("root:") {
                problem = "GET \(target) served /etc/passwd"
                break
            }
        }
        return CheckResult(
            name: "no file from outside the served folder (.., encoded ..)", passed: problem == nil, sent: sent,
            received: received, receivedCount: count, expected: "400, 403 or 404 for each; never a file from outside the folder",
            problem: problem,
            why: "a web server that follows .. out of its folder hands any file of the machine to anyone")
    }

    private func head() -> CheckResult {
        return ask(
            "HEAD", options.htmlPath, "HEAD gets the head and no body",
            expectation: "the same status and headers as GET, and no body bytes",
            why: "HEAD asks only for the headers (RFC 9110); body bytes after them would be read as the next response"
        ) { response, reply in
            guard response.status == 200 else { return "the status is \(response.status.map(String.init) ?? "missing"), expected 200" }
            let body = Self.bodyCount(reply)
            return body == 0 ? nil : "\(body) body bytes followed the head"
        }
    }

    private func connectionClose() -> CheckResult {
        if fileMissing {
            return skipped(
                "Connection: close is honoured", expectation: "the response, then the server closes the connection",
                why: "a client that asked to close waits for the end of the connection to know the response is complete")
        }
        let sent = request("GET", options.htmlPath)
        let reply = fetch([sent])
        return CheckResult(
            name: "Connection: close is honoured", passed: reply.closed && reply.problem == nil, sent: sent,
            received: reply.bytes, receivedCount: reply.count, expected: "the response, then the server closes the connection",
            problem: reply.problem
                ?? (reply.closed ? nil : "the connection stayed open \(ClientFailure.format(options.timeout)) s after the response"),
            why: "a client that asked to close waits for the end of the connection to know the response is complete")
    }

    private func pieces() -> CheckResult {
        if fileMissing {
            return skipped(
                "a request that arrives in three pieces is answered", expectation: "HTTP/1.x 200, as for the request in one piece",
                why: "TCP may deliver a request in several segments: a server that parses what its first recv() "
                    + "returned answers a request it has not read yet")
        }
        let whole = request("GET", options.htmlPath)
        let parts = [Array(whole[0..<5]), Array(whole[5..<20]), Array(whole[20...])]
        let reply = fetch(parts)
        return result(
            "a request that arrives in three pieces is answered", sent: whole, reply: reply,
            expectation: "HTTP/1.x 200, as for the request in one piece",
            why: "TCP may deliver a request in several segments: a server that parses what its first recv() "
                + "returned answers a request it has not read yet"
        ) { response, _ in
            response.status == 200 ? nil : "the status is \(response.status.map(String.init) ?? "missing"), expected 200"
        }
    }

    private func symlink(_ link: String) -> CheckResult {
        return ask(
            "GET", "/" + link, "a symbolic link out of the served folder is not followed",
            expectation: "403 or 404: the link points outside the folder",
            why: "a link inside the folder can point anywhere: the server must check where a path really leads"
        ) { response, _ in
            response.status == 200 ? "the server followed /\(link) out of its folder (200)" : nil
        }
    }
}
