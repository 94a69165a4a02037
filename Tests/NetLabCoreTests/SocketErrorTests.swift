import Glibc
import NetLabCore
import Testing

@Suite struct SocketErrorTests {
    let target = Endpoint(host: "127.0.0.1", port: 12000)

    @Test func connectionRefused() {
        let error = SocketError.errno(.connect, ECONNREFUSED, endpoint: target)
        #expect(
            error.description
                == "connect() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000")
    }

    @Test func connectedUDPRefusalNamesICMP() {
        let error = SocketError.errno(.recv, ECONNREFUSED, endpoint: target)
        #expect(error.description.hasPrefix("recv() failed: Connection refused (ECONNREFUSED, errno 111): nothing is listening on 127.0.0.1:12000"))
        #expect(error.description.contains("ICMP port unreachable"))
    }

    @Test func addressInUseNamesThePortAndTheFix() {
        let error = SocketError.errno(.bind, EADDRINUSE, endpoint: Endpoint(host: "::", port: 12000))
        #expect(error.description.contains("Address already in use (EADDRINUSE, errno 98)"))
        #expect(error.explanation == "another program is already using port 12000 on ::")
        #expect(error.remedy == .freeOrChangePort(port: 12000))
        var held = error
        held.holder = "python3 TCPServer.py (pid 4242)"
        #expect(held.explanation == "port 12000 on :: is already taken by python3 TCPServer.py (pid 4242)")
        #expect(!held.description.contains("--port"), "remedies are worded by the front ends")
    }

    @Test func privilegedPort() {
        let error = SocketError.errno(.bind, EACCES, endpoint: Endpoint(host: "0.0.0.0", port: 80))
        #expect(error.description.contains("Permission denied (EACCES, errno 13)"))
        #expect(error.explanation.contains("below 1024"))
    }

    @Test func addressNotAvailable() {
        let error = SocketError.errno(.bind, EADDRNOTAVAIL, endpoint: Endpoint(host: "10.9.9.9", port: 12000))
        #expect(error.summary == "Cannot assign requested address (EADDRNOTAVAIL, errno 99)")
        #expect(error.explanation.contains("10.9.9.9 is not an address of this machine"))
    }

    @Test func unreachable() {
        let net = SocketError.errno(.connect, ENETUNREACH, endpoint: target)
        #expect(net.summary == "Network is unreachable (ENETUNREACH, errno 101)")
        #expect(net.explanation.contains("no route"))
        let host = SocketError.errno(.connect, EHOSTUNREACH, endpoint: target)
        #expect(host.summary == "No route to host (EHOSTUNREACH, errno 113)")
    }

    @Test func unknownHostName() {
        let error = SocketError(
            operation: .getaddrinfo, code: .resolver(code: -2, name: "EAI_NONAME", message: "Name or service not known"),
            host: "nosuch.invalid")
        #expect(error.description.hasPrefix("getaddrinfo() failed for \"nosuch.invalid\": Name or service not known (EAI_NONAME, code -2)"))
        #expect(error.explanation.contains("check the spelling"))
    }

    @Test func unknownErrnoStillReadable() {
        let error = SocketError.errno(.send, 9999, endpoint: target)
        #expect(error.summary == "Unknown error (errno 9999)")
        #expect(error.explanation == "the system could not send() on 127.0.0.1:12000")
    }

    @Test func timeoutExplainsUDPSilence() {
        let failure = ClientFailure.timedOut(engine: .udp, peer: target, seconds: 2)
        #expect(
            failure.description
                == "No reply from 127.0.0.1:12000 within 2 s. Nothing listening? Then the host answers with ICMP port unreachable, which Linux tells only a connected UDP socket.\nOr a program is bound there and did not answer, or a datagram was lost: UDP never resends. (The lab's UDPClient.py would wait forever; on Windows it gets ConnectionResetError.)"
        )
        #expect(failure.remedy == .connectedUDP)
        #expect(
            ClientFailure.timedOut(engine: .tcp, peer: target, seconds: 0.5).description
                == "No reply from 127.0.0.1:12000 within 0.5 s: the connection is up (the handshake completed) but the server sent nothing back")
        #expect(
            ClientFailure.connectTimedOut(engine: .tcp, peer: target, seconds: 5).description
                == "No answer from 127.0.0.1:12000 within 5 s: the connection request (SYN) got no SYN/ACK; the host may be down, a firewall may drop the packets, or the server's backlog is full (a closed port would have refused at once)"
        )
    }

    @Test func resetSaysWhatUsuallyCausesIt() {
        let error = SocketError.errno(.recv, ECONNRESET, endpoint: target)
        #expect(
            error.explanation
                == "127.0.0.1:12000 reset the connection (RST): most often the program there closed its socket with part of the message unread (the lab's TCPServer.py reads only 1024 bytes), so its kernel sent a reset instead of a FIN, and reply bytes already on their way may be lost with it"
        )
    }
}
