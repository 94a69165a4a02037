import Testing

@testable import NetLabCore

/// Issue 23: what a hostile server or targets file can put in front of netlab, per output kind.
@Suite struct HostileTextTests {
    /// The same corpus for every output kind: ESC sequences (title, clear, OSC 52), a bidi
    /// override, noncharacters, NUL and DEL.
    static let corpus = "200 \u{1B}]0;pwned\u{07}\u{1B}[2J\u{FFFE}\u{FFFF}\u{202E}x\u{0}\u{7F}\u{85} OK"

    @Test func aHugeContentLengthIsReadToTheEndNotOverflowed() {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nhello".utf8)
        #expect(HTTPClientMessage.responseLength(head, toHEAD: false) == nil)
        #expect(HTTPClientMessage.promisedBody(head) == nil)
        let fair = Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello".utf8)
        #expect(HTTPClientMessage.promisedBody(fair) == 1000)
    }

    @Test func aPartialReplyIsNotNothing() {
        let peer = Endpoint(host: "127.0.0.1", port: 8080)
        let partial = Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello".utf8)
        #expect(
            ClientFailure.unfinishedReply(engine: .http, peer: peer, seconds: 1, received: partial).description
                == "Only 46 bytes (the head and 5 of the 1000 body bytes its Content-Length promised) came back from 127.0.0.1:8080, "
                + "then nothing for 1 s: the response is incomplete and the server kept the connection open")
        #expect(
            ClientFailure.unfinishedReply(engine: .http, peer: peer, seconds: nil, received: partial).brief
                == "Only 46 bytes (the head and 5 of the 1000 body bytes its Content-Length promised) came, "
                + "then the server closed the connection: the response is cut short")
        #expect(
            ClientFailure.unfinishedReply(engine: .http, peer: peer, seconds: 2, received: Array("HTTP/1.1 200".utf8)).brief
                == "Only 12 bytes of a response head that never ended came, then nothing for 2 s: "
                + "the response is incomplete and the server kept the connection open")
        #expect(ClientFailure.unfinishedReply(engine: .http, peer: peer, seconds: 1, received: partial).event == nil)
    }

    @Test func terminalTextEscapesControlsAndKeepsOwnBackslashes() {
        let shown = CheckReport.terminal("Content-Type is " + Self.corpus + " (ends in \\r\\n)")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
        #expect(!shown.contains("\u{202E}"))
        #expect(shown == "Content-Type is 200 \\x1b]0;pwned\\x07\\x1b[2J\u{FFFE}\u{FFFF}\\u{202e}x\\x00\\x7f\\x85 OK (ends in \\r\\n)")
    }

    @Test func xmlTextHasOnlyCharactersXMLAllows() {
        let escaped = XMLText.escape(Self.corpus + " <&>\"'")
        for scalar in escaped.unicodeScalars {
            let v = scalar.value
            let allowed =
                v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                || (0x10000...0x10FFFF).contains(v)
            #expect(allowed, "U+\(String(v, radix: 16)) is not allowed in XML 1.0")
        }
        #expect(escaped.contains("\\u{fffe}\\u{ffff}\\u{202e}"))
        #expect(escaped.hasSuffix(" &lt;&amp;&gt;&quot;&apos;"))
    }

    @Test func jsonEscapesControlsBidiAndNoncharacters() {
        #expect(
            JSONValue.quote(Self.corpus)
                == "\"200 \\u001b]0;pwned\\u0007\\u001b[2J\\ufffe\\uffff\\u202ex\\u0000\\u007f\\u0085 OK\"")
    }

    @Test func reportsKeepAPrefixAndCountEveryByte() {
        let big = [UInt8](repeating: 0x78, count: CheckResult.keptBytes * 3)
        let result = CheckResult(name: "n", passed: false, sent: [], received: big, receivedCount: 10_000_000, expected: "e", why: "w")
        #expect(result.received.count == CheckResult.keptBytes)
        #expect(result.receivedCount == 10_000_000)
        let report = CheckReport(target: "http 127.0.0.1:1", results: [result])
        #expect(
            report.text.contains(
                "      received: 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 "
                    + "... (10000000 bytes)"))
        #expect(report.json.contains("\"received_bytes\":10000000"))
    }

    @Test func listingLinksCannotStartAScheme() {
        #expect(HTTPTarget.percentEncodeStrict("javascript:alert(1)") == "javascript%3Aalert%281%29")
        #expect(HTTPTarget.percentEncodeStrict("a b/c?d#e%f~g-h_i.j") == "a%20b%2Fc%3Fd%23e%25f~g-h_i.j")
        // Redirects keep RFC 3986's sub-delimiters, as before.
        #expect(HTTPTarget.percentEncode("a:b") == "a:b")
    }

    @Test func manyPortsCompileAsARangeAndAreMatchedInUserSpace() {
        let few = (0..<CaptureFilter.exactPorts).map { UInt16(10000 + $0) }
        #expect(CaptureFilter.expression(ports: few).contains("tcp port 10031"))
        let many = (0..<400).map { UInt16(10000 + $0 * 2) }
        #expect(
            CaptureFilter.expression(ports: many) == "tcp portrange 10000-10798 or udp portrange 10000-10798 or "
                + "(icmp and (icmp[0] == 3 or icmp[0] == 11)) or (icmp6 and ip6[6] == 58 and ip6[40] >= 1 and ip6[40] <= 4) or "
                + "(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] != 6 and ip6[6] != 17 and ip6[6] != 58)")
    }
}
