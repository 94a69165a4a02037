import Testing

@testable import NetLabCore

@Suite struct HTTPTargetTests {
    @Test func ordinaryPaths() throws {
        #expect(try HTTPTarget.segments(of: "/").get() == [])
        #expect(try HTTPTarget.segments(of: "/HelloWorld.html").get() == ["HelloWorld.html"])
        #expect(try HTTPTarget.segments(of: "/a//b/./c/?x=1#frag").get() == ["a", "b", "c"])
        #expect(try HTTPTarget.segments(of: "/caf%C3%A9%20menu.txt").get() == ["café menu.txt"])
        #expect(try HTTPTarget.segments(of: "http://localhost:8080/docs/x.css").get() == ["docs", "x.css"])
    }

    /// Requests that try to leave the document root: each is refused before any file access.
    static let traversal: [String] = [
        "/..", "/../", "/../etc/passwd", "/a/../../etc/passwd", "/a/..", "/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd",
        "/.%2e/etc/passwd", "/%2e./etc/passwd", "/a/%2e%2e/%2e%2e/x", "/..%2fetc%2fpasswd", "/..%2Fetc/passwd",
        "/%2f..%2f..%2fetc", "/a%2f..%2f..%2fb", "/..%5cwindows", "/a%5c..%5c..%5cb", "/%5C..%5C", "/a%00.html",
        "/index.html%00.txt", "/%00", "http://x/../etc/passwd", "https://x/%2e%2e/y", "/./../x", "/a/./../../b",
        "/....//..//etc", "/..;/etc/passwd", "/%252e%252e/etc", "/a/b/c/../../../../etc",
        "/%c0%ae%c0%ae/etc/passwd", "/%ff/x", "/%zz", "/%2", "etc/passwd", "*", "localhost:8080",
    ]

    @Test(arguments: traversal)
    func neverLeavesTheRoot(target: String) {
        switch HTTPTarget.segments(of: target) {
        case .failure(let refusal):
            #expect([400, 403].contains(refusal.status))
        case .success(let segments):
            // Accepted only when every segment is a plain name below the root.
            #expect(!segments.contains(".."), "\(target) -> \(segments)")
            #expect(!segments.contains { $0.contains("/") || $0.contains("\\") || $0.contains("\0") || $0.isEmpty })
        }
    }

    /// The fast path for plain targets and the full decoder agree wherever the fast path
    /// answers, and it declines everything that needs decoding or normalising.
    @Test(arguments: [
        "/", "/HelloWorld.html", "/a/b/c.txt", "//a///b//", "/docs/", "/1k.bin", "/a.b/c-d_e~f/", "/...",
        "/a/.../b", "/.hidden", "/x/.y/",
    ])
    func plainPathsAgreeWithTheDecoder(target: String) throws {
        let plain = try #require(HTTPTarget.plainPath(of: target))
        #expect(plain == (try HTTPTarget.decodedPath(of: target).get()))
    }

    @Test(arguments: ["/a/../b", "/./a", "/a/.", "/a/..", "/%2e%2e/x", "/a?b", "/a#b", "http://h/x", "a/b", "/a\\b", "/caf\u{e9}", "/a b"])
    func plainPathDeclinesTheRest(target: String) {
        #expect(HTTPTarget.plainPath(of: target) == nil)
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.traversal.count >= 30)
    }

    @Test func mimeTypes() {
        #expect(MIMEType.forFile("index.html") == "text/html; charset=utf-8")
        #expect(MIMEType.forFile("PHOTO.JPG") == "image/jpeg")
        #expect(MIMEType.forFile("app.wasm") == "application/wasm")
        #expect(MIMEType.forFile("README") == "application/octet-stream")
        #expect(MIMEType.forFile(".bashrc") == "application/octet-stream")
        // A path: only the last component's extension counts.
        #expect(MIMEType.forFile("/srv/www/notes.d/index.HTML") == "text/html; charset=utf-8")
        #expect(MIMEType.forFile("/srv/www.html/README") == "application/octet-stream")
        #expect(MIMEType.forFile("/srv/www/.html") == "application/octet-stream")
        #expect(MIMEType.forFile("archive.tar.gz") == "application/gzip")
        #expect(MIMEType.forFile("trailing.") == "application/octet-stream")
    }

    @Test func httpDates() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        // All three formats RFC 9110 asks recipients to accept.
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("garbage") == nil)
        for seconds in stride(from: 0, to: 2_000_000_000, by: 123_456_789) {
            #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
        }
    }

    @Test func responseHead() {
        let head = HTTPResponseHead(status: 404, fields: [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "10")])
        #expect(
            String(decoding: head.bytes, as: UTF8.self)
                == "HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 10\r\n\r\n")
        #expect(HTTPResponseHead(status: 431).statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
        #expect(HTTPResponseHead(status: 505).statusLine == "HTTP/1.1 505 HTTP Version Not Supported")
        let page = String(decoding: HTTPResponseHead.errorPage(404, detail: "/<script>"), as: UTF8.self)
        #expect(page.contains("<title>404 Not Found</title>"))
        #expect(page.contains("/&lt;script&gt;"))
    }
}

@Suite struct HTTPTargetDotSegmentTests {
    @Test(arguments: [
        ("/a/../b", ["b"], false), ("/a/./b", ["a", "b"], false), ("/a/b/..", ["a"], true), ("/a/b/.", ["a", "b"], true),
        ("/a/%2e%2e/b", ["b"], false), ("/sub", ["sub"], false), ("/sub/", ["sub"], true), ("/", [], true),
        ("/file.html/", ["file.html"], true), ("/a//b", ["a", "b"], false),
    ])
    func removesDotSegmentsInsideTheRoot(target: String, segments: [String], trailingSlash: Bool) throws {
        let path = try HTTPTarget.path(of: target).get()
        #expect(path.segments == segments)
        #expect(path.trailingSlash == trailingSlash)
    }

    @Test(arguments: ["/..", "/../x", "/a/../../x", "/%2e%2e/", "/a/b/../../.."])
    func refusesToLeaveTheRoot(target: String) {
        #expect(throws: HTTPRefusal.self) { try HTTPTarget.path(of: target).get() }
    }

    @Test func encodesForLocation() throws {
        let path = try HTTPTarget.path(of: "/my%20dir?x=1").get()
        #expect(path.encoded == "/my%20dir")
        #expect(path.query == "x=1")
    }
}

@Suite struct HTTPChunkedBodyTests {
    @Test func skipsAChunkedBodyWholeOrByteByByte() {
        let body = Array("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1".utf8)
        let end = body.count - "GET / HTTP/1.1".utf8.count
        var whole = HTTPChunkedBody()
        #expect(whole.consume(body[...]) == .done(consumed: end))
        var piecewise = HTTPChunkedBody()
        var used = 0
        for index in body.indices {
            switch piecewise.consume(body[index...index]) {
            case .needMore: used += 1
            case .done(let consumed):
                used += consumed
                #expect(used == end)
                return
            case .failed(let error): Issue.record("\(error)")
            }
        }
        Issue.record("never done")
    }

    @Test func refusesMalformedChunks() {
        var bad = HTTPChunkedBody()
        #expect(bad.consume(Array("zz\r\n".utf8)[...]) == .failed(.badRequest("a chunk size that is not hexadecimal")))
        var long = HTTPChunkedBody()
        #expect(long.consume(Array("2\r\nabc\r\n".utf8)[...]) == .failed(.badRequest("chunk data longer than its size")))
    }
}
