import Foundation
import NetLabCore
import Testing

/// The HTTP connection's protocol decisions with made-up times: no socket, no waiting.
@Suite struct HTTPConnectionStateTests {
    static let second: UInt64 = 1_000_000_000

    static func state(busy: Bool = false, now: UInt64 = 0) -> HTTPConnectionState {
        HTTPConnectionState(limits: .init(), headerTimeout: 10, idleTimeout: 30, readSize: 65536, busy: busy, now: now)
    }

    static func feed(_ state: inout HTTPConnectionState, _ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { state.received($0) }
    }

    @Test func theHeaderTimeoutRunsFromTheFirstByteAndMoreBytesDoNotExtendIt() {
        var state = Self.state()
        Self.feed(&state, "G")
        #expect(state.nextStep(now: 1 * Self.second) == nil)
        Self.feed(&state, "ET / HT")
        #expect(state.nextStep(now: 10 * Self.second) == nil)
        #expect(state.expired(now: 10 * Self.second) == nil)
        #expect(state.expired(now: 11 * Self.second) == .requestTimedOut)
        #expect(state.closeAfterFlush)
    }

    @Test func anIdleConnectionClosesAfterTheIdleTimeout() {
        var state = Self.state(now: 5 * Self.second)
        #expect(state.expired(now: 34 * Self.second) == nil)
        #expect(state.expired(now: 35 * Self.second) == .close(reason: "nothing arrived for 30 s"))
    }

    @Test func aTurnedAwayClientHasOneSecondForItsHead() {
        var state = Self.state(busy: true)
        #expect(state.expired(now: Self.second - 1) == nil)
        #expect(state.expired(now: Self.second) == .close(reason: "nothing arrived for 30 s"))
    }

    @Test func keepAliveWaitsForTheNextRequestWithTheIdleTimeout() {
        var state = Self.state()
        Self.feed(&state, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        guard case .respond(let head) = state.nextStep(now: 0) else {
            Issue.record("no request")
            return
        }
        #expect(head.target == "/")
        state.queued(bytes: 100, keepAlive: true)
        #expect(state.nextStep(now: 0) == nil)
        state.sent(bytes: 100)
        #expect(state.flushed(now: 2 * Self.second) == .wait)
        #expect(state.expired(now: 31 * Self.second) == nil)
        #expect(state.expired(now: 32 * Self.second) == .close(reason: "the server closed the connection"))
    }

    @Test func pipelinedRequestsComeOneAtATimeAndConnectionCloseEndsThem() {
        var state = Self.state()
        Self.feed(&state, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
        var targets: [String] = []
        while case .respond(let head) = state.nextStep(now: 0) {
            targets.append(head.target)
            state.queued(bytes: 10, keepAlive: head.keepAlive)
        }
        #expect(targets == ["/a", "/b"])
        state.sent(bytes: 10)
        state.sent(bytes: 10)
        // The third request is left unread in the input: FIN first, so the close is no reset.
        #expect(state.flushed(now: 0) == .close(halfCloseFirst: true))
    }

    @Test func aClientThatNeverReadsIsClosedAfterTheIdleTimeoutHoweverOftenItWakesUs() {
        var state = Self.state()
        Self.feed(&state, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(state.nextStep(now: 0) != nil)
        state.queued(bytes: 1 << 30, keepAlive: true)
        state.writeStalled(now: 1 * Self.second)
        state.writeStalled(now: 20 * Self.second)  // not pushed back
        #expect(state.expired(now: 30 * Self.second) == nil)
        #expect(state.expired(now: 31 * Self.second) == .close(reason: "the client read nothing for 30 s"))
    }

    @Test func aWriteThatSendsSomethingStopsTheStallClock() {
        var state = Self.state()
        Self.feed(&state, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(state.nextStep(now: 0) != nil)
        state.queued(bytes: 1 << 30, keepAlive: true)
        state.writeStalled(now: 1 * Self.second)
        state.wroteSome()
        state.writeStalled(now: 25 * Self.second)
        #expect(state.expired(now: 54 * Self.second) == nil)
        #expect(state.expired(now: 55 * Self.second) == .close(reason: "the client read nothing for 30 s"))
    }

    @Test func responsesBackedUpStopReadingAndParsing() {
        var state = Self.state()
        Self.feed(&state, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(state.nextStep(now: 0) != nil)
        state.queued(bytes: HTTPConnectionState.maxQueued, keepAlive: true)
        #expect(!state.wantsToRead)
        #expect(state.nextStep(now: 0) == nil)
        state.sent(bytes: HTTPConnectionState.maxQueued)
        #expect(state.wantsToRead)
        #expect(state.nextStep(now: 0) != nil)
    }

    @Test func aRequestCutShortByTheClientsFINIsABadRequest() {
        var state = Self.state()
        Self.feed(&state, "GET / HT")
        #expect(state.nextStep(now: 0) == nil)
        state.receivedEnd()
        #expect(state.nextStep(now: 0) == .refuse(.badRequest("the connection ended in the middle of a request")))
    }

    @Test func aHeadTimeoutWithAnswersStillGoingOutFinishesThemThenCloses() {
        var state = Self.state()
        Self.feed(&state, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGE")
        #expect(state.nextStep(now: 0) != nil)
        state.queued(bytes: 10, keepAlive: true)
        #expect(state.nextStep(now: 0) == nil)
        #expect(state.expired(now: 10 * Self.second) == nil)
        state.sent(bytes: 10)
        #expect(state.flushed(now: 10 * Self.second) == .close(halfCloseFirst: true))
    }
}

/// Every status decision of the responder, with a made-up site and clock.
@Suite struct HTTPResponderTests {
    static let clock = HTTPClock(uptimeNanoseconds: { 0 }, secondsSince1970: { 1_700_000_000 })

    static func responder(
        busy: Bool = false,
        site: @escaping HTTPResponder.Lookup = { _ in
            .success(.memory(Array("<h1>hi</h1>".utf8), modified: 1_600_000_000, version: 1_600_000_000_000_000_000, name: "index.html"))
        }
    ) -> HTTPResponder {
        HTTPResponder(busy: busy, clock: clock, lookup: site)
    }

    static func head(_ text: String) -> HTTPRequestHead {
        var parser = HTTPRequestParser()
        guard case .head(let head, _) = parser.parse(Array(text.utf8)[...]) else { preconditionFailure(text) }
        return head
    }

    static func headText(_ response: HTTPResponsePlan) -> String { String(decoding: response.head, as: UTF8.self) }

    @Test func aFileIs200WithItsValidatorsAndTheClocksDate() {
        let response = Self.responder().respond(to: Self.head("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 200)
        #expect(response.body == .bytes(Array("<h1>hi</h1>".utf8)))
        #expect(response.keepAlive)
        let text = Self.headText(response)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nServer: netlab\r\n"))
        #expect(text.contains("Content-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n"))
        #expect(text.contains("Last-Modified: Sun, 13 Sep 2020 12:26:40 GMT\r\n"))
    }

    /// A whole file's head, every byte, from the remembered fields (the second and later
    /// answers for a version) as from the first; a new version, size or name gets its own;
    /// a file dated after now is written field by field, its Last-Modified the Date.
    @Test func aWholeFilesHeadIsTheSameFromItsRememberedFields() {
        // A version of its own: the fields cache is shared by every responder in the process.
        let version = 1_600_000_000_123_456_789
        func answer(_ method: String, size: Int = 11, modified: Int = 1_600_000_000, version: Int = version, name: String = "a.css") -> String {
            let bytes = [UInt8](repeating: 0x61, count: size)
            let responder = Self.responder(site: { _ in .success(.memory(bytes, modified: modified, version: version, name: name)) })
            return Self.headText(responder.respond(to: Self.head("\(method) /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")))
        }
        let etag = HTTPPreconditions.etag(size: 11, modifiedNanoseconds: version)
        let expected =
            "HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nServer: netlab\r\n"
            + "Content-Type: text/css; charset=utf-8\r\nContent-Length: 11\r\n"
            + "Last-Modified: Sun, 13 Sep 2020 12:26:40 GMT\r\nETag: \(etag)\r\nCache-Control: no-cache\r\n"
            + "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n"
        #expect(answer("GET") == expected)
        #expect(answer("GET") == expected)
        #expect(answer("HEAD") == expected)
        // Same version, another size or name: not the remembered fields.
        let longer = answer("GET", size: 12)
        #expect(longer.contains("Content-Length: 12\r\n") && longer.contains(HTTPPreconditions.etag(size: 12, modifiedNanoseconds: version)))
        #expect(answer("GET", name: "a.html").contains("Content-Type: text/html; charset=utf-8\r\n"))
        #expect(answer("GET") == expected)
        // Touched: a new version, new validators.
        let touched = answer("GET", modified: 1_600_000_001, version: version + 1_000_000_000)
        #expect(touched.contains("Last-Modified: Sun, 13 Sep 2020 12:26:41 GMT\r\n"))
        #expect(touched.contains("ETag: \(HTTPPreconditions.etag(size: 11, modifiedNanoseconds: version + 1_000_000_000))\r\n"))
        // Dated after the clock's now: never later than Date.
        let future = answer("GET", modified: 1_800_000_000, version: 1_800_000_000_000_000_007)
        #expect(future.contains("Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n"))
        #expect(future.hasSuffix("Accept-Ranges: bytes\r\nConnection: close\r\n\r\n"))
    }

    @Test func headHasTheLengthButNoBody() {
        let response = Self.responder().respond(to: Self.head("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 200)
        #expect(response.body == .none)
        #expect(Self.headText(response).contains("Content-Length: 11\r\n"))
    }

    @Test func theETagAnswers304() {
        let first = Self.headText(Self.responder().respond(to: Self.head("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
        let etag = first.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }!.dropFirst(6)
        let response = Self.responder().respond(to: Self.head("GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n"))
        #expect(response.status == 304)
        #expect(response.body == .none)
    }

    @Test func methodsAre405WithAllowOr501() {
        let post = Self.responder().respond(to: Self.head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
        #expect(post.status == 405)
        #expect(Self.headText(post).contains("Allow: GET, HEAD\r\n"))
        #expect(Self.responder().respond(to: Self.head("BREW / HTTP/1.1\r\nHost: x\r\n\r\n")).status == 501)
    }

    /// A refused method without a framed body closes: the body a student's client sends with
    /// no length would otherwise be read as a request and answered 400, unasked (issue 23).
    @Test func aRefusedMethodWithoutAFramedBodyCloses() {
        let bare = Self.responder().respond(to: Self.head("POST / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(bare.status == 405 && !bare.keepAlive)
        #expect(Self.headText(bare).contains("Connection: close\r\n"))
        #expect(!Self.responder().respond(to: Self.head("BREW / HTTP/1.1\r\nHost: x\r\n\r\n")).keepAlive)
        let framed = Self.responder().respond(to: Self.head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"))
        #expect(framed.status == 405 && framed.keepAlive)
    }

    @Test func aTargetLeavingTheRootIs403BeforeTheSiteIsAsked() {
        let response = Self.responder(site: { _ in preconditionFailure("not asked") })
            .respond(to: Self.head("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 403)
    }

    @Test func theSitesRefusalIsItsPage() {
        let response = Self.responder(site: { _ in .failure(HTTPRefusal(404, "/x is not on this server")) })
            .respond(to: Self.head("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 404)
        guard case .bytes(let page) = response.body else {
            Issue.record("no page")
            return
        }
        #expect(String(decoding: page, as: UTF8.self).contains("/x is not on this server"))
    }

    @Test func anOpenFileIsNamedOnlyByTheAnswersThatSendIt() {
        let token = FileToken(descriptor: 42)
        let site: HTTPResponder.Lookup = { _ in .success(.file(token, size: 5, modified: 0, version: 0, name: "a.txt")) }
        // HEAD sends no body: the plan does not name the file, so its owner lets it go.
        let head = Self.responder(site: site).respond(to: Self.head("HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head.body == .none)
        let get = Self.responder(site: site).respond(to: Self.head("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(get.body == .file(token, offset: 0, length: 5))
        let part = Self.responder(site: site).respond(to: Self.head("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2\r\n\r\n"))
        #expect(part.body == .file(token, offset: 1, length: 2))
    }

    @Test func aBusyServerAnswers503AndCloses() {
        let response = Self.responder(busy: true).respond(to: Self.head("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 503)
        #expect(!response.keepAlive)
        #expect(Self.headText(response).contains("Retry-After: 1\r\n"))
    }
}
