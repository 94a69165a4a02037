import Glibc
import NetLabCore
import NetLabSockets
import Testing

extension LoopbackTests {
    /// A listener that is all its engine watches waits for the next connection in accept()
    /// (a receive timeout of 2 ms, one tick) instead of in epoll. That is safe only if the listening
    /// socket alone blocks, and only for a bounded time: a connection that blocked would stall
    /// every other client of the engine.
    @Suite struct WaitingAcceptTests {
        /// A blocking client socket connected to 127.0.0.1:`port`, with a receive timeout.
        private func connectClient(_ port: UInt16) throws -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(connected == 0, "connect: errno \(errno)")
            return fd
        }

        private func exchange(_ fd: Int32, _ text: String) -> String {
            _ = send(fd, text, text.utf8.count, 0)
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "recv returned \(n), errno \(errno)"
        }

        /// This process's sockets whose own address has `port`: (fd, is it listening).
        private func sockets(onPort port: UInt16) -> [(fd: Int32, listening: Bool)] {
            var found: [(Int32, Bool)] = []
            for fd in Int32(0)..<Int32(4096) {
                var address = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let named = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
                guard named == 0, address.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: address.sin_port) == port else { continue }
                var listening: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size)
                found.append((fd, listening != 0))
            }
            return found
        }

        @Test func onlyTheListenerBlocksAndOnlyForATick() throws {
            let server = TCPServer(events: .discard)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            let client = try connectClient(port)
            defer { close(client) }
            #expect(exchange(client, "still open") == "STILL OPEN")

            let found = sockets(onPort: port)
            let listeners = found.filter(\.listening)
            let accepted = found.filter { !$0.listening }
            #expect(listeners.count == 1 && accepted.count == 1, "\(found)")
            for (fd, _) in listeners {
                #expect(fcntl(fd, F_GETFL) & O_NONBLOCK == 0, "the listener waits in accept()")
                var timeout = timeval()
                var size = socklen_t(MemoryLayout<timeval>.size)
                #expect(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, &size) == 0)
                // 2 ms asked; the kernel keeps it in whole ticks (4 ms at HZ=250, 10 at HZ=100).
                #expect(timeout.tv_sec == 0 && timeout.tv_usec >= 2000 && timeout.tv_usec <= 10_000, "\(timeout)")
            }
            for (fd, _) in accepted {
                #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0, "an accepted connection never blocks the engine")
            }
        }

        /// One-message clients one after another (the server waits for each in accept), then
        /// two at once with one left open: every one is answered.
        @Test func clientsOneAfterAnotherAndTogetherAreAllAnswered() throws {
            let server = TCPServer(events: .discard, oneMessage: true)
            let port = try server.start(host: "127.0.0.1", port: 0).port
            defer { server.stop() }
            for index in 0..<200 {
                let fd = try connectClient(port)
                #expect(exchange(fd, "client \(index)") == "CLIENT \(index)")
                close(fd)
            }
            // Connected, silent: the server has a connection open and goes back to epoll.
            let silent = try connectClient(port)
            let other = try connectClient(port)
            #expect(exchange(other, "the other one") == "THE OTHER ONE")
            close(other)
            #expect(exchange(silent, "now me") == "NOW ME")
            close(silent)
        }
    }
}
