import Foundation
import NetLabCore
import Testing

@Suite struct EventJSONTests {
    private func object(_ event: LabEvent) throws -> [String: Any] {
        let line = event.jsonLine
        #expect(!line.contains("\n"))
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    private let at = Date(timeIntervalSince1970: 1_795_600_800.123456)
    private let client = Endpoint(host: "127.0.0.1", port: 40000)
    private let server = Endpoint(host: "127.0.0.1", port: 12000)

    @Test func messagesCarryEveryByteAndTheirAddresses() throws {
        let bytes: [UInt8] = Array("hi \"there\"\n\u{1b}[31m".utf8) + [0xff]
        let json = try object(
            LabEvent(
                time: at, engine: .tcp, role: .client, kind: .sent(bytes: bytes, from: client, to: server),
                call: .send))
        #expect(json["time"] as? String == "2026-11-25T10:00:00.123456Z")
        #expect(json["engine"] as? String == "TCP")
        #expect(json["role"] as? String == "client")
        #expect(json["event"] as? String == "sent")
        #expect(json["call"] as? String == "send")
        #expect(json["from"] as? String == "127.0.0.1:40000")
        #expect(json["to"] as? String == "127.0.0.1:12000")
        #expect(json["length"] as? Int == bytes.count)
        #expect(json["hex"] as? String == bytes.map { String(format: "%02x", $0) }.joined())
        #expect((json["text"] as? String)?.hasPrefix("127.0.0.1:12000 <- \(bytes.count) bytes") == true)
    }

    @Test func failuresNameTheCallAndTheErrno() throws {
        let json = try object(
            LabEvent(
                time: at, engine: .tcp, role: .client,
                kind: .failed(.errno(.connect, 111, endpoint: server))))
        #expect(json["event"] as? String == "failed")
        let error = try #require(json["error"] as? [String: Any])
        #expect(error["operation"] as? String == "connect")
        #expect(error["errno"] as? Int == 111)
        #expect(error["name"] as? String == "ECONNREFUSED")
        #expect(error["message"] as? String == "Connection refused (ECONNREFUSED, errno 111)")
        #expect(json["peer"] as? String == "127.0.0.1:12000")
    }

    @Test func everyKindIsOneParsableObject() throws {
        let kinds: [LabEvent.Kind] = [
            .listening(server), .stopped(server), .accepted(peer: client), .connecting(peer: server),
            .connected(local: client, peer: server), .closed(peer: client), .shutdown(peer: server),
            .received(bytes: [0], from: client, to: Endpoint(host: "::1", port: 12000)),
            .rejected(peer: client, reason: "busy"),
            .served(
                peer: client, requestLine: "GET /\u{7} HTTP/1.1", status: 404, bytes: 347, milliseconds: 0.4567,
                unfinished: "the client reset the connection"),
            .idleClosed(peer: client, seconds: 60), .notice("line\u{2028}separator"),
            .timedOut(peer: server, seconds: 0.5),
            .wire(CapturedFrame(time: at, linkType: .ethernet, bytes: [UInt8](repeating: 0, count: 14))),
        ]
        var names: [String] = []
        for kind in kinds {
            let json = try object(LabEvent(time: at, engine: .http, role: .server, kind: kind))
            names.append(try #require(json["event"] as? String))
            #expect(json["text"] is String)
        }
        #expect(
            names == [
                "listening", "stopped", "accepted", "connecting", "connected", "closed", "shutdown", "received", "rejected",
                "served", "idle_closed", "notice", "timed_out", "wire",
            ])
        let served = try object(LabEvent(time: at, engine: .http, role: .server, kind: kinds[9]))
        #expect(served["status"] as? Int == 404)
        #expect(served["ms"] as? Double == 0.457)
        #expect(served["request"] as? String == "GET /\u{7} HTTP/1.1")
        // connect() names the socket's own address when the kernel gave it one: the SYN's flow.
        let connecting = try object(LabEvent(time: at, engine: .tcp, role: .client, kind: .connecting(peer: server, local: client)))
        #expect(connecting["local"] as? String == client.description && connecting["peer"] as? String == server.description)
        #expect(connecting["text"] as? String == "connecting to \(server) from \(client)")
        #expect(try object(LabEvent(time: at, engine: .tcp, role: .client, kind: kinds[3]))["local"] == nil)
        // A client's events name their exchange (the console's line they answer).
        #expect(try object(LabEvent(time: at, engine: .tcp, role: .client, kind: kinds[3], exchange: 7))["exchange"] as? Int == 7)
    }

    /// Issue 22: a captured frame is tagged with its own protocol, not "TCP" by convention;
    /// a close says whose FIN came first when the server knows.
    @Test func wireFramesNameTheirProtocolAndClosesTheirOrder() throws {
        let ip: [UInt8] = [0x45, 0, 0, 36, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        let udp: [UInt8] = [0x9c, 0x41, 0x2e, 0xe0, 0, 16, 0, 0] + Array("hi udp!!".utf8)
        let frame = CapturedFrame(time: at, linkType: .ethernet, bytes: [UInt8](repeating: 0, count: 12) + [0x08, 0x00] + ip + udp)
        let json = try object(LabEvent(time: at, engine: .tcp, role: .wire, kind: .wire(frame)))
        #expect(json["engine"] as? String == "UDP")
        let closed = try object(LabEvent(time: at, engine: .tcp, role: .server, kind: .closed(peer: client, peerClosedFirst: true)))
        #expect(closed["peer_closed_first"] as? Bool == true)
        #expect(closed["text"] as? String == "closed the connection with 127.0.0.1:40000 (its FIN came first: it holds TIME_WAIT)")
    }
}
