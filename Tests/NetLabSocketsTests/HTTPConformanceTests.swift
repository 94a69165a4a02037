import Foundation
import Glibc
import NetLabCheck
import NetLabCore
import Testing

@testable import NetLabSockets

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// The head's field, by name, from a raw response.
private func field(_ name: String, in response: [UInt8]) -> String? {
    let head = text(response).components(separatedBy: "\r\n\r\n").first ?? ""
    return head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
        .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
}

private func statusLine(_ response: [UInt8]) -> String {
    text(response).components(separatedBy: "\r\n").first ?? ""
}

extension LoopbackTests {
    /// What browsers, curl and RFC 9110/9112 expect of a static file server (issue 13).
    @Suite struct HTTPConformanceTests {
        final class Site {
            let root: URL
            let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            init() throws {
                root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-conformance-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
                try FileManager.default.createDirectory(at: root.appendingPathComponent("my dir"), withIntermediateDirectories: true)
                try FileManager.default.createDirectory(at: root.appendingPathComponent("plain"), withIntermediateDirectories: true)
                try "<link rel=stylesheet href=\"style.css\">\n".write(
                    to: root.appendingPathComponent("sub/index.html"), atomically: true, encoding: .utf8)
                try "print('hi')\n".write(to: root.appendingPathComponent("lab.py"), atomically: true, encoding: .utf8)
                try "<b>x</b>\n".write(to: root.appendingPathComponent("file.html"), atomically: true, encoding: .utf8)
                try Data(big).write(to: root.appendingPathComponent("big.bin"))
                try "a".write(to: root.appendingPathComponent("plain/<b>&'x.txt"), atomically: true, encoding: .utf8)
                try "bb".write(to: root.appendingPathComponent("plain/a.txt"), atomically: true, encoding: .utf8)
            }
            deinit { try? FileManager.default.removeItem(at: root) }
        }

        func serve(_ site: Site, listDirectories: Bool = false) throws -> (HTTPServer, UInt16) {
            var configuration = HTTPServer.Configuration(site: try HTTPSite.root(site.root.path))
            configuration.listDirectories = listDirectories
            let server = HTTPServer(events: .discard, configuration: configuration)
            return (server, try server.start(host: "127.0.0.1", port: 0).port)
        }

        func get(_ request: String, _ port: UInt16) async throws -> [UInt8] {
            try await TCPClient(events: .discard).send(Array(request.utf8), host: "127.0.0.1", port: port, timeout: 10).get()
        }

        @Test func folderWithoutSlashRedirects() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            let moved = try await get("GET /sub?x=1 HTTP/1.0\r\n\r\n", port)
            #expect(statusLine(moved) == "HTTP/1.1 301 Moved Permanently")
            #expect(field("Location", in: moved) == "/sub/?x=1")
            let spaced = try await get("GET /my%20dir HTTP/1.0\r\n\r\n", port)
            #expect(field("Location", in: spaced) == "/my%20dir/")
            #expect(statusLine(try await get("GET /sub/ HTTP/1.0\r\n\r\n", port)) == "HTTP/1.1 200 OK")
            // Served once with its slash (and cached), still redirected without it.
            #expect(statusLine(try await get("GET /sub HTTP/1.0\r\n\r\n", port)) == "HTTP/1.1 301 Moved Permanently")
            #expect(statusLine(try await get("GET /file.html/ HTTP/1.0\r\n\r\n", port)) == "HTTP/1.1 404 Not Found")
        }

        @Test func validatorsAndConditionalRequests() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            let first = try await get("GET /lab.py HTTP/1.0\r\n\r\n", port)
            #expect(field("Content-Type", in: first) == "text/plain; charset=utf-8")
            #expect(field("Cache-Control", in: first) == "no-cache")
            #expect(field("Accept-Ranges", in: first) == "bytes")
            let etag = try #require(field("ETag", in: first))
            let modified = try #require(field("Last-Modified", in: first))
            let date = try #require(field("Date", in: first))
            #expect(HTTPDate.parse(modified)! <= HTTPDate.parse(date)!)
            func status(_ fields: String, method: String = "GET") async throws -> String {
                statusLine(try await get("\(method) /lab.py HTTP/1.0\r\n\(fields)\r\n", port))
            }
            #expect(try await status("If-None-Match: \(etag)\r\n") == "HTTP/1.1 304 Not Modified")
            #expect(try await status("If-None-Match: W/\(etag)\r\n") == "HTTP/1.1 304 Not Modified", "weak comparison")
            #expect(try await status("If-None-Match: \"other\"\r\n") == "HTTP/1.1 200 OK")
            // If-None-Match wins over If-Modified-Since.
            #expect(try await status("If-None-Match: \"other\"\r\nIf-Modified-Since: \(date)\r\n") == "HTTP/1.1 200 OK")
            #expect(try await status("If-Modified-Since: \(date)\r\n") == "HTTP/1.1 304 Not Modified")
            #expect(try await status("If-Match: \"other\"\r\n") == "HTTP/1.1 412 Precondition Failed")
            #expect(try await status("If-Match: \(etag)\r\n") == "HTTP/1.1 200 OK")
            #expect(try await status("If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n") == "HTTP/1.1 412 Precondition Failed")
            // All three date formats.
            #expect(try await status("If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n") == "HTTP/1.1 200 OK")
            #expect(try await status("If-Unmodified-Since: Sun Nov  6 08:49:37 1994\r\n") == "HTTP/1.1 412 Precondition Failed")
            // Edited: a new ETag, so the old one no longer matches.
            try "print('edited')\n".write(to: site.root.appendingPathComponent("lab.py"), atomically: false, encoding: .utf8)
            #expect(try await status("If-None-Match: \(etag)\r\n") == "HTTP/1.1 200 OK")
        }

        /// A file touched into the future still says it was modified no later than now.
        @Test func lastModifiedIsNeverAfterDate() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            let path = site.root.appendingPathComponent("file.html").path
            var times = [timespec(tv_sec: time(nil) + 86_400, tv_nsec: 0), timespec(tv_sec: time(nil) + 86_400, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
            let response = try await get("GET /file.html HTTP/1.0\r\n\r\n", port)
            let modified = try #require(field("Last-Modified", in: response).flatMap(HTTPDate.parse))
            let date = try #require(field("Date", in: response).flatMap(HTTPDate.parse))
            #expect(modified <= date)
        }

        @Test func byteRanges() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            let part = try await get("GET /big.bin HTTP/1.0\r\nRange: bytes=10-19\r\n\r\n", port)
            #expect(statusLine(part) == "HTTP/1.1 206 Partial Content")
            #expect(field("Content-Range", in: part) == "bytes 10-19/100000")
            #expect(field("Content-Length", in: part) == "10")
            #expect(body(part) == Array(site.big[10...19]))
            let tail = try await get("GET /big.bin HTTP/1.0\r\nRange: bytes=-5\r\n\r\n", port)
            #expect(body(tail) == Array(site.big.suffix(5)))
            let open = try await get("GET /big.bin HTTP/1.0\r\nRange: bytes=99990-\r\n\r\n", port)
            #expect(field("Content-Range", in: open) == "bytes 99990-99999/100000")
            let past = try await get("GET /big.bin HTTP/1.0\r\nRange: bytes=100000-\r\n\r\n", port)
            #expect(statusLine(past) == "HTTP/1.1 416 Range Not Satisfiable")
            #expect(field("Content-Range", in: past) == "bytes */100000")
            let small = try await get("GET /lab.py HTTP/1.0\r\nRange: bytes=0-4\r\n\r\n", port)
            #expect(text(body(small)) == "print")
            let stale = try await get("GET /big.bin HTTP/1.0\r\nRange: bytes=0-4\r\nIf-Range: \"old\"\r\n\r\n", port)
            #expect(statusLine(stale) == "HTTP/1.1 200 OK", "If-Range with another ETag: the whole file")
        }

        @Test func methodsVersionsAndChunkedBodies() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            let frob = try await get("FROB / HTTP/1.0\r\n\r\n", port)
            #expect(statusLine(frob) == "HTTP/1.1 501 Not Implemented")
            let post = try await get("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", port)
            #expect(statusLine(post) == "HTTP/1.1 405 Method Not Allowed")
            #expect(field("Allow", in: post) == "GET, HEAD")
            let later = try await get("GET /file.html HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", port)
            #expect(statusLine(later) == "HTTP/1.1 200 OK", "HTTP/1.2 is answered as 1.1")
            // A chunked body is read and skipped: the request after it is answered.
            let two = try await get(
                "POST /lab.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                    + "GET /file.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port)
            #expect(text(two).components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) } == ["405", "200"])
            #expect(text(two).hasSuffix("<b>x</b>\n"))
        }

        @Test func dotSegmentsInsideTheRootAreResolved() async throws {
            let site = try Site()
            let (server, port) = try serve(site)
            defer { server.stop() }
            #expect(text(body(try await get("GET /sub/../lab.py HTTP/1.0\r\n\r\n", port))) == "print('hi')\n")
            #expect(statusLine(try await get("GET /sub/../../lab.py HTTP/1.0\r\n\r\n", port)) == "HTTP/1.1 403 Forbidden")
        }

        @Test func listingsOnlyWhenAskedAndEscaped() async throws {
            let site = try Site()
            let (off, offPort) = try serve(site)
            #expect(statusLine(try await get("GET /plain/ HTTP/1.0\r\n\r\n", offPort)) == "HTTP/1.1 403 Forbidden")
            off.stop()
            let (on, port) = try serve(site, listDirectories: true)
            defer { on.stop() }
            let listing = text(try await get("GET /plain/ HTTP/1.0\r\n\r\n", port))
            #expect(listing.contains("<a href=\"%3Cb%3E%26%27x.txt\">&lt;b&gt;&amp;&#39;x.txt</a></td><td>1</td>"))
            #expect(listing.contains("<a href=\"a.txt\">a.txt</a></td><td>2</td>"))
            #expect(listing.range(of: "%3Cb%3E")!.lowerBound < listing.range(of: "a.txt\"")!.lowerBound, "sorted by name")
            #expect(!listing.contains("<b>&"), "names escaped")
        }

        /// Issue 23: a file named like a script URL stays a relative link, and a huge folder is
        /// listed in part, saying so (it held every other client up for seconds).
        @Test func listingLinksNeverStartASchemeAndAHugeFolderIsListedInPart() async throws {
            let site = try Site()
            let folder = site.root.appendingPathComponent("many")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent("javascript:alert(1)").path, contents: Data()))
            for index in 0..<(HTTPSite.listedEntries + 4) {
                #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent(String(format: "z%05d", index)).path, contents: Data()))
            }
            let (server, port) = try serve(site, listDirectories: true)
            defer { server.stop() }
            let listing = text(try await get("GET /many/ HTTP/1.0\r\n\r\n", port))
            #expect(listing.contains("<a href=\"javascript%3Aalert%281%29\">javascript:alert(1)</a>"))
            #expect(listing.components(separatedBy: "<tr><td><a href=").count - 1 == HTTPSite.listedEntries + 1, "../ and the first 2,000")
            #expect(listing.contains("<p>5 more entries are not listed (a listing shows the first 2000).</p>"))
        }

        @Test func builtInSiteHasAFavicon() async throws {
            let server = HTTPServer(events: .discard)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let icon = try await get("GET /favicon.ico HTTP/1.0\r\n\r\n", port)
            #expect(statusLine(icon) == "HTTP/1.1 200 OK")
            #expect(field("Content-Type", in: icon) == "image/vnd.microsoft.icon")
            #expect(Array(body(icon).prefix(4)) == [0, 0, 1, 0], "an ICO header")
        }

        @Test func widerMIMETable() {
            #expect(MIMEType.forFile("TCPServer.py") == "text/plain; charset=utf-8")
            #expect(MIMEType.forFile("x.swift") == "text/plain; charset=utf-8")
            #expect(MIMEType.forFile("a.c") == "text/plain; charset=utf-8")
            #expect(MIMEType.forFile("song.mp3") == "audio/mpeg")
            #expect(MIMEType.forFile("clip.webm") == "video/webm")
            #expect(MIMEType.forFile("f.woff2") == "font/woff2")
            #expect(MIMEType.forFile("m.wasm") == "application/wasm")
            #expect(MIMEType.forFile("d.json") == "application/json")
            #expect(MIMEType.forFile("i.svg") == "image/svg+xml")
        }
    }
}
