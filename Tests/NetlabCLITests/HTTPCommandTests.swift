import Foundation
import Testing

/// `netlab http-server` with real clients: curl and python's http.client.
@Suite struct HTTPCommandTests {
    @Test func onceServesOneRequestAndExits() throws {
        let server = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", "0", "--once")
        let port = try server.port()
        let curl = try run("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(port)/HelloWorld.html"])
        #expect(curl.status == 0, "\(curl.stderr)")
        #expect(curl.out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(curl.out.contains("<h1>Hello World!</h1>"))
        #expect(server.waitForExit() == 0)
        #expect(server.text.contains("\"GET /HelloWorld.html HTTP/1.1\" 200"))
    }

    @Test func pythonHTTPClientGets404AndFiles() throws {
        let server = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let script = """
            import http.client, sys
            c = http.client.HTTPConnection('127.0.0.1', \(port))
            for path in ['/', '/missing.html', '/HelloWorld.html']:
                c.request('GET', path)
                r = c.getresponse()
                body = r.read()
                print(r.status, r.getheader('Content-Type'), len(body) == int(r.getheader('Content-Length')))
            """
        let result = try run(python3, ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "200 text/html; charset=utf-8 True\n404 text/html; charset=utf-8 True\n200 text/html; charset=utf-8 True\n")
        #expect(server.interrupt() == 0)
    }

    @Test func badRootIsAUsageError() throws {
        let result = try netlab("http-server", "--root", "/no/such/folder")
        #expect(result.status == 64)
        #expect(result.stderr.contains("cannot serve /no/such/folder"))
    }
}

/// `netlab http-get` against netlab's own server.
@Suite struct HTTPGetTests {
    @Test func pathsURLsAndRequestLines() throws {
        let server = try Background.netlab("http-server", "--host", "127.0.0.1", "--port", "0")
        let port = try server.port()
        let path = try netlab("http-get", "--port", String(port), "/HelloWorld.html")
        #expect(path.status == 0)
        #expect(path.out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(path.out.contains("\r\n\r\n<!DOCTYPE html>"))
        let url = try netlab("http-get", "http://127.0.0.1:\(port)/nope.html")
        #expect(url.status == 0, "a 404 is an answer")
        #expect(url.out.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        let head = try netlab("http-get", "--port", String(port), "HEAD / HTTP/1.0")
        #expect(head.out.hasSuffix("Connection: close\r\n\r\n"), "HEAD: no body")
        #expect(server.interrupt() == 0)
        #expect(server.text.contains("\"HEAD / HTTP/1.0\" 200"))
    }

    @Test func refusedAndHTTPS() throws {
        let port = try freePort()
        let refused = try netlab("http-get", "--port", String(port), "/")
        #expect(refused.status == 69)
        let https = try netlab("http-get", "https://127.0.0.1/")
        #expect(https.status == 64)
        #expect(https.stderr.contains("netlab speaks plain HTTP, not HTTPS: use an http:// URL"))
    }
}
