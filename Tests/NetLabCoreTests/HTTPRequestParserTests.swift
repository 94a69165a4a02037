import NetLabCore
import Testing

private let simple = Array("GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.0\r\n\r\n".utf8)

/// Feeds `bytes` whole, or one byte at a time, and returns the first outcome that is not `.needMore`.
private func parse(_ bytes: [UInt8], byteAtATime: Bool = false) -> HTTPRequestParser.ParseResult {
    var parser = HTTPRequestParser()
    if !byteAtATime { return parser.parse(bytes[...]) }
    for end in 1...max(1, bytes.count) {
        let outcome = parser.parse(bytes[0..<min(end, bytes.count)])
        if outcome != .needMore { return outcome }
    }
    return .needMore
}

/// The head `text` parses to, if it does.
private func parsedHead(_ text: String) -> HTTPRequestHead? {
    if case .head(let head, _) = parse(Array(text.utf8)) { return head }
    return nil
}

private func status(_ text: String) -> Int? {
    if case .failed(let error) = parse(Array(text.utf8)) { return error.status }
    return nil
}

@Suite struct HTTPRequestParserTests {
    @Test(arguments: [false, true])
    func simpleGet(byteAtATime: Bool) throws {
        guard case .head(let head, let consumed) = parse(simple, byteAtATime: byteAtATime) else {
            Issue.record("no head")
            return
        }
        #expect(consumed == simple.count)
        #expect(head.method == "GET")
        #expect(head.target == "/index.html")
        #expect(head.version == (1, 1))
        #expect(head.field("host") == "localhost:8080")
        #expect(head.requestLine == "GET /index.html HTTP/1.1")
        #expect(head.keepAlive)
    }

    @Test func pipelinedRequestsParseOneAfterAnother() {
        let two = simple + Array("HEAD / HTTP/1.0\r\n\r\n".utf8)
        var parser = HTTPRequestParser()
        guard case .head(_, let first) = parser.parse(two[...]) else {
            Issue.record("first")
            return
        }
        guard case .head(let second, let used) = parser.parse(two[first...]) else {
            Issue.record("second")
            return
        }
        #expect(second.method == "HEAD")
        #expect(first + used == two.count)
        #expect(!second.keepAlive, "HTTP/1.0 closes unless keep-alive")
    }

    @Test func keepAliveRules() {
        func head(_ text: String) -> HTTPRequestHead? {
            if case .head(let head, _) = parse(Array(text.utf8)) { return head }
            return nil
        }
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n")?.keepAlive == false)
        // Tokens are trimmed of spaces and tabs, empty ones skipped, and compared whole.
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: ,\t CLOSE \t,\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed, xclose\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: upgrade,keep-alive\r\n\r\n")?.keepAlive == true)
        // Repeated Connection fields are one list (RFC 9110, section 5.3).
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: upgrade\r\nconnection: Keep-Alive\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.0\r\nConnection:\r\n\r\n")?.keepAlive == false)
    }

    /// Field names match in any ASCII case and only so: bytes that differ by the case bit but
    /// are not letters (`` ` `` and `@`, `^` and `~`, `|` and `\\`), a prefix, or a longer name
    /// do not; nor does a name against a longer or a non-ASCII one.
    @Test func fieldNamesMatchInAnyCaseAndOnlySo() throws {
        let request = "GET / HTTP/1.1\r\nHost: a\r\nX-a`^|b: 1\r\nIF-none-MATCH: \"e\"\r\nRange: bytes=0-1\r\nz: last\r\n\r\n"
        let head = try #require(parsedHead(request))
        #expect(head.field("x-A`^|B") == "1")
        #expect(head.field("X-a@^|b") == nil)
        #expect(head.field("X-a`~|b") == nil)
        #expect(head.field("X-a`^\\b") == nil)
        #expect(head.field("If-None-Match") == "\"e\"")
        #expect(head.field("if-none-matc") == nil)
        #expect(head.field("If-None-Matchx") == nil)
        #expect(head.field("RANGE") == "bytes=0-1")
        #expect(head.field("Z") == "last")
        #expect(head.field("") == nil)
        #expect(head.field("HOST") == "a")
        // A name longer than a small string's 15 bytes, and a non-ASCII one, against themselves.
        let long = "GET / HTTP/1.0\r\nX-A-Very-Long-Field-Name: v\r\n\r\n"
        let second = try #require(parsedHead(long))
        #expect(second.field("x-a-very-long-field-name") == "v")
        #expect(second.field("x-a-very-long-field-namf") == nil)
        #expect(second.field("X-A-Véry-Long-Field-Name") == nil)
    }

    @Test func bareLineFeedsAndLeadingBlankLines() {
        guard case .head(let head, _) = parse(Array("\r\n\nGET /x HTTP/1.0\nA: b\n\n".utf8)) else {
            Issue.record("no head")
            return
        }
        #expect(head.target == "/x")
        #expect(head.field("a") == "b")
    }

    @Test func incompleteNeedsMore() {
        #expect(parse(Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)) == .needMore)
        #expect(parse([]) == .needMore)
    }

    @Test func statusesForBadRequests() {
        #expect(status("GET / HTTP/1.1\r\n\r\n") == 400)  // no Host
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
        #expect(status("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET / FTP/1.0\r\n\r\n") == 400)
        #expect(status("G@T / HTTP/1.0\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nBad Name: x\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nA: x\r\n folded\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nA: x\u{0}y\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nContent-Length: -1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == nil, "chunked bodies are read (and skipped)")
        #expect(status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501)
        #expect(status("GET / HTTP/2.0\r\n\r\n") == 505)
        #expect(status("GET / HTTP/1.2\r\nHost: a\r\n\r\n") == nil, "a later HTTP/1.x is answered as 1.1")
        #expect(status("GET / HTTP/1.2\r\n\r\n") == 400, "and needs Host like 1.1")
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nX-Ok: fine\r\n\r\n") == nil)
    }

    @Test func limits() {
        let longTarget = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(status(longTarget) == 414)
        // Without a line end yet, an over-long line is refused before it is complete.
        #expect(parse(Array(("GET /" + String(repeating: "a", count: 9000)).utf8)) == .failed(.uriTooLong(limit: 8192)))
        let manyFields = "GET / HTTP/1.0\r\n" + (0..<101).map { "X-\($0): y\r\n" }.joined() + "\r\n"
        #expect(status(manyFields) == 431)
        let bigField = "GET / HTTP/1.0\r\nX: " + String(repeating: "y", count: 17000) + "\r\n\r\n"
        #expect(status(bigField) == 431)
    }

    @Test func bodyLengthIsReportedForSkipping() {
        guard case .head(let head, let consumed) = parse(Array("GET / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello".utf8)) else {
            Issue.record("no head")
            return
        }
        #expect(head.bodyLength == 5)
        #expect(consumed == Array("GET / HTTP/1.0\r\nContent-Length: 5\r\n\r\n".utf8).count)
    }

    /// Random and mutated requests: never a crash, and whole or byte-at-a-time always agree.
    @Test func randomAndMutatedInputsAgreeAndTerminate() {
        var generator = SplitMix(seed: 0x6E65_746C_6162)
        let seeds: [[UInt8]] = [
            simple, Array("HEAD / HTTP/1.0\r\n\r\n".utf8),
            Array("GET /a%2e%2e/b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".utf8),
        ]
        var ran = 0
        for round in 0..<3000 {
            var input = seeds[round % seeds.count]
            if round % 10 == 0 {
                input = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) where !input.isEmpty {
                    let at = Int.random(in: 0..<input.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: input[at] = UInt8.random(in: 0...255, using: &generator)
                    case 1: input.remove(at: at)
                    default: input.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                    }
                }
            }
            let whole = parse(input)
            let pieces = parse(input, byteAtATime: true)
            #expect(whole == pieces, "input \(input)")
            if case .head(_, let consumed) = whole { #expect(consumed <= input.count) }
            ran += 1
        }
        #expect(ran == 3000)
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct HTTPClientMessageTests {
    @Test func requestsForPathsAndLines() {
        #expect(
            String(decoding: HTTPClientMessage.request(for: "/a.html", host: "127.0.0.1", port: 8080), as: UTF8.self)
                == "GET /a.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: netlab\r\nConnection: close\r\n\r\n")
        #expect(
            String(decoding: HTTPClientMessage.request(for: "HEAD / HTTP/1.0", host: "::1", port: 80), as: UTF8.self)
                == "HEAD / HTTP/1.0\r\nUser-Agent: netlab\r\nConnection: close\r\n\r\n")
        #expect(
            String(decoding: HTTPClientMessage.request(for: "", host: "::1", port: 80), as: UTF8.self)
                .hasPrefix("GET / HTTP/1.1\r\nHost: [::1]:80\r\n"))
    }

    @Test func responses() {
        let response = HTTPClientMessage.parseResponse(Array("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<h1>x</h1>".utf8))
        #expect(response.status == 404)
        #expect(response.headerLines == ["Content-Type: text/html"])
        #expect(response.body == Array("<h1>x</h1>".utf8))
        #expect(response.summary == "404 Not Found, text/html, body 10 bytes (61 with the head)")
        #expect(HTTPClientMessage.parseResponse(Array("garbage".utf8)).status == nil)
    }
}
