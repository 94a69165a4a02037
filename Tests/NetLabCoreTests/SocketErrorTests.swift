import Glibc
import Testing
import NetLabCore

@Suite struct SocketErrorTests {
    let target = Endpoint(host: "127.0.0.1", port: 12000)

    @Test func connectionRefused() {
        let error = SocketError.errno("connect", ECONNREFUSED, endpoint: target)
        #expect(error.description
            == "connect() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000")
    }

    @Test func connectedUDPRefusalNamesICMP() {
        let error = SocketError.errno("recv", ECONNREFUSED, endpoint: target)
        #expect(error.description.hasPrefix("recv() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000"))
        #expect(error.description.contains("ICMP port unreachable"))
    }

    @Test func addressInUseNamesThePortAndTheFix() {
        let error = SocketError.errno("bind", EADDRINUSE, endpoint: Endpoint(host: "::", port: 12000))
        #expect(error.description.contains("Address already in use (EADDRINUSE, errno 98)"))
        #expect(error.explanation.contains("port 12000"))
        #expect(error.explanation.contains("--port"))
    }

    @Test func privilegedPort() {
        let error = SocketError.errno("bind", EACCES, endpoint: Endpoint(host: "0.0.0.0", port: 80))
        #expect(error.description.contains("Permission denied (EACCES, errno 13)"))
        #expect(error.explanation.contains("below 1024"))
    }

    @Test func addressNotAvailable() {
        let error = SocketError.errno("bind", EADDRNOTAVAIL, endpoint: Endpoint(host: "10.9.9.9", port: 12000))
        #expect(error.summary == "Cannot assign requested address (EADDRNOTAVAIL, errno 99)")
        #expect(error.explanation.contains("10.9.9.9 is not an address of this machine"))
    }

    @Test func unreachable() {
        let net = SocketError.errno("connect", ENETUNREACH, endpoint: target)
        #expect(net.summary == "Network is unreachable (ENETUNREACH, errno 101)")
        #expect(net.explanation.contains("no route"))
        let host = SocketError.errno("connect", EHOSTUNREACH, endpoint: target)
        #expect(host.summary == "No route to host (EHOSTUNREACH, errno 113)")
    }

    @Test func unknownHostName() {
        let error = SocketError(
            operation: "getaddrinfo", code: .resolver(code: -2, name: "EAI_NONAME", message: "Name or service not known"),
            host: "nosuch.invalid")
        #expect(error.description.hasPrefix("getaddrinfo() failed for \"nosuch.invalid\": Name or service not known (EAI_NONAME, code -2)"))
        #expect(error.explanation.contains("check the spelling"))
    }

    @Test func unknownErrnoStillReadable() {
        let error = SocketError.errno("send", 9999, endpoint: target)
        #expect(error.summary == "Unknown error (errno 9999)")
        #expect(error.explanation == "the system could not send() on 127.0.0.1:12000")
    }

    @Test func timeoutExplainsUDPSilence() {
        let failure = ClientFailure.timedOut(engine: .udp, peer: target, seconds: 2)
        #expect(failure.description.hasPrefix("No reply from 127.0.0.1:12000 within 2 s: UDP does not tell the sender that nobody is listening"))
        #expect(ClientFailure.timedOut(engine: .tcp, peer: target, seconds: 0.5).description.contains("within 0.5 s"))
    }
}
