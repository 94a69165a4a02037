import Foundation
import NetLabCore
import Testing

/// docs/wire.md's "What the messages mean" table quotes netlab's own words: each message below,
/// built from the code for 127.0.0.1:12000, must appear there verbatim.
@Suite struct DocMessagesTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/wire.md").standardized

    static let target = Endpoint(host: "127.0.0.1", port: 12000)

    static var messages: [String] {
        var holder = SocketError.errno(.bind, EADDRINUSE, endpoint: Endpoint(host: "::", port: 12000))
        holder.holder = "python3 TCPServer.py (pid 4242)"
        var timeWait = SocketError.errno(.bind, EADDRINUSE, endpoint: Endpoint(host: "::", port: 12000))
        timeWait.timeWait = 1
        return [
            SocketError.errno(.connect, ECONNREFUSED, endpoint: target).explanation,
            ClientFailure.timedOut(engine: .udp, peer: target, seconds: 2).brief,
            SocketError.errno(.recv, ECONNREFUSED, endpoint: target).explanation,
            ClientFailure.connectTimedOut(engine: .tcp, peer: target, seconds: 5).brief,
            ClientFailure.timedOut(engine: .tcp, peer: target, seconds: 5).brief,
            SocketError.errno(.recv, ECONNRESET, endpoint: target).explanation,
            holder.explanation,
            timeWait.explanation,
            ClientFailure.closedWithoutReply(engine: .tcp, peer: target).description,
            WireSession.refused(target),
            WireSession.udpUnreachable(target),
            ClientFailure.unfinishedReply(
                engine: .http, peer: target, seconds: 5,
                received: Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello".utf8)
            ).description,
            ClientFailure.unfinishedReply(
                engine: .http, peer: target, seconds: nil,
                received: Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello".utf8)
            ).description,
            LabEvent(
                time: Date(), engine: .tcp, role: .server,
                kind: .closed(peer: Endpoint(host: "127.0.0.1", port: 40000), peerClosedFirst: true)
            ).summary,
            LabEvent(
                time: Date(), engine: .tcp, role: .server,
                kind: .closed(peer: Endpoint(host: "127.0.0.1", port: 40000), peerClosedFirst: false)
            ).summary,
        ].flatMap { $0.split(separator: "\n").map(String.init) }
    }

    @Test func everyMessageIsQuotedAsTheCodeSaysIt() throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        guard let start = text.range(of: "<!-- messages:start -->"), let end = text.range(of: "<!-- messages:end -->") else {
            Issue.record("docs/wire.md has no messages table")
            return
        }
        let table = text[start.upperBound..<end.lowerBound]
        for message in Self.messages {
            #expect(table.contains(message), "docs/wire.md's messages table should quote: \(message)")
        }
    }
}
