import NetLabCore
import Testing

/// The small text defects found by attacking netlab (issue 10), each pinned.
@Suite struct RobustnessTextTests {
    @Test func bidiControlsAreShownAsEscapes() {
        // U+202E (right-to-left override) would make the rest of the line read backwards.
        #expect(TerminalSafe.escape(Array("abc\u{202E}def".utf8)) == "abc\\u{202e}def")
        #expect(TerminalSafe.escape(Array("x\u{2066}y\u{2069}".utf8)) == "x\\u{2066}y\\u{2069}")
        // Combining marks are text, not controls: kept.
        #expect(TerminalSafe.escape(Array("e\u{301}".utf8)) == "e\u{301}")
    }

    @Test func previewsCutOnCharacterBoundaries() {
        // 47 ASCII bytes then "é" (2 bytes): the 48-byte cut would fall inside the é.
        let bytes = Array((String(repeating: "a", count: 47) + "é" + "zzz").utf8)
        let preview = LabEvent.preview(bytes)
        #expect(preview == "\"" + String(repeating: "a", count: 47) + "\"...")
        #expect(!preview.contains("\\x"))
        // An invalid sequence is still cut where the limit says (it shows as bytes anyway).
        #expect(TerminalSafe.characterBoundary(in: [UInt8](repeating: 0x80, count: 10), atMost: 4) == 4)
        #expect(TerminalSafe.characterBoundary(in: Array("日本".utf8), atMost: 4) == 3)
    }

    @Test func eioHasAName() {
        #expect(Errno(5).name == "EIO")
        #expect(Errno(5).message == "Input/output error")
    }

    @Test func servedLineSaysWhenAResponseWasCutShort() {
        let peer = Endpoint(host: "127.0.0.1", port: 40000)
        let event = LabEvent(
            engine: .http, role: .server,
            kind: .served(
                peer: peer, requestLine: "GET /big HTTP/1.1", status: 200, bytes: 65536, milliseconds: 12.34,
                unfinished: "the client closed the connection"))
        #expect(event.summary == "127.0.0.1:40000 \"GET /big HTTP/1.1\" 200 65536 bytes sent 12.3 ms (unfinished: the client closed the connection)")
        let idle = LabEvent(engine: .tcp, role: .server, kind: .idleClosed(peer: peer, seconds: 60))
        #expect(idle.summary == "closed the connection with 127.0.0.1:40000: nothing sent or read for 60 s")
    }

    @Test func emptyReplyIsAFailureInWords() {
        let failure = ClientFailure.closedWithoutReply(engine: .tcp, peer: Endpoint(host: "127.0.0.1", port: 12000))
        #expect(failure.description == "127.0.0.1:12000 closed the connection without sending anything back")
        #expect(failure.brief == "The server closed the connection without replying")
    }
}

@Suite struct HTTPURLTests {
    @Test func takesURLsApart() throws {
        #expect(try HTTPURL.parse("http://127.0.0.1:8080/index.html") == HTTPURL(host: "127.0.0.1", port: 8080, target: "/index.html"))
        #expect(try HTTPURL.parse("http://localhost") == HTTPURL(host: "localhost", port: 80, target: "/"))
        #expect(try HTTPURL.parse("http://[::1]:8080/a?b=c#frag") == HTTPURL(host: "::1", port: 8080, target: "/a?b=c"))
        #expect(try HTTPURL.parse("HTTP://h:1?q") == HTTPURL(host: "h", port: 1, target: "/?q"))
        #expect(try HTTPURL.parse("http://user:pw@h:99/") == HTTPURL(host: "h", port: 99, target: "/"))
    }

    @Test(arguments: [
        (
            "http://127.0.0.1:65536/",
            "http://127.0.0.1:65536/ has port \"65536\", which is not a port number: use 1-65535, e.g. http://127.0.0.1:8080/"
        ),
        (
            "http://127.0.0.1:99999999999999999999/",
            "http://127.0.0.1:99999999999999999999/ has port \"99999999999999999999\", which is not a port number: use 1-65535, e.g. http://127.0.0.1:8080/"
        ),
        ("http://127.0.0.1:0/", "http://127.0.0.1:0/ has port \"0\", which is not a port number: use 1-65535, e.g. http://127.0.0.1:8080/"),
        ("http://h:8o/", "http://h:8o/ has port \"8o\", which is not a port number: use 1-65535, e.g. http://127.0.0.1:8080/"),
        ("http:///index.html", "http:///index.html names no host: write it as http://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8080/"),
        ("http://::1:8080/", "http://::1:8080/ has a malformed host: an IPv6 address goes in brackets, e.g. http://[::1]:8080/"),
        ("ftp://h/", "ftp://h/ is not an http:// URL: write it as http://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8080/"),
        ("https://h/", "netlab speaks plain HTTP, not HTTPS: use an http:// URL"),
    ])
    func refusesWithTheCause(url: String, message: String) {
        #expect(throws: HTTPURL.ParseError.self) { try HTTPURL.parse(url) }
        do { _ = try HTTPURL.parse(url) } catch { #expect(error.description == message) }
    }

    @Test func pathsAndRequestLinesAreNotURLs() {
        #expect(!HTTPURL.looksLikeURL("/index.html"))
        #expect(!HTTPURL.looksLikeURL("GET / HTTP/1.1"))
        #expect(HTTPURL.looksLikeURL("ftp://x/"))
    }

    @Test func responseLengthFromTheHead() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
        #expect(HTTPClientMessage.responseLength(Array(head.utf8), toHEAD: false) == head.utf8.count + 5)
        #expect(HTTPClientMessage.responseLength(Array(head.utf8), toHEAD: true) == head.utf8.count)
        #expect(HTTPClientMessage.responseLength(Array("HTTP/1.1 304 Not Modified\r\n\r\n".utf8), toHEAD: false) == 29)
        #expect(HTTPClientMessage.responseLength(Array("HTTP/1.1 200 OK\r\nContent-Len".utf8), toHEAD: false) == nil)
        #expect(HTTPClientMessage.responseLength(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8), toHEAD: false) == nil)
        #expect(HTTPClientMessage.responseLength(Array("HTTP/1.0 200 OK\r\n\r\nbody to the end".utf8), toHEAD: false) == nil)
    }
}
