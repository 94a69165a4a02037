import Foundation
import Glibc
import NetLabSpawn
import Testing

/// A loopback TCP connection that sends `request` and then reads nothing.
private func connectAndSend(_ port: UInt16, _ request: String) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var size: Int32 = 4096
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    _ = withLoopbackAddress(port) { connect(fd, $0, $1) }
    _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    return fd
}

private func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// Issue 10, through the binary: usage errors, descriptor limits, a stalled stdout.
@Suite(.serialized) struct RobustnessCLITests {
    @Test func badURLsAreUsageErrors() throws {
        let cases = [
            ("http://127.0.0.1:65536/", "has port \"65536\", which is not a port number: use 1-65535"),
            ("http://127.0.0.1:99999999999999999999/", "has port \"99999999999999999999\", which is not a port number"),
            ("http:///x", "names no host"),
            ("ftp://127.0.0.1/", "is not an http:// URL"),
        ]
        for (url, message) in cases {
            let result = try netlab("http-get", url)
            #expect(result.status == 64, "\(url)")
            #expect(result.stderr.contains(message), "\(url): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func optionErrorsNameTheOptionTyped() throws {
        let port = try netlab("--tcp-port", "0")
        #expect(port.status == 64)
        #expect(port.stderr.contains("--tcp-port 0 is not a port number"))
        let tiny = try netlab("udp-client", "--timeout", "1e-9", "hi")
        #expect(tiny.status == 64)
        #expect(tiny.stderr.contains("--timeout 1e-09 is out of range: give seconds between 0.001 and 3600"))
        let idle = try netlab("tcp-server", "--idle-timeout=-1")
        #expect(idle.status == 64)
        #expect(idle.stderr.contains("--idle-timeout -1.0 is out of range"))
    }

    /// Below the few descriptors the engines need, a clear refusal instead of a crash.
    @Test func tooFewDescriptorsIsExplained() throws {
        let result = try run("/bin/sh", ["-c", "ulimit -n 16 && exec \"$0\" tcp-server --host 127.0.0.1 --port 0", netlabBinary.path])
        #expect(result.status == 1)
        #expect(
            result.stderr == "netlab: only 16 open files are allowed (ulimit -n) and netlab needs at least 32: raise the limit, e.g. ulimit -n 1024\n"
        )
    }

    /// Out of descriptors (each stalled download holds a socket and a file: a file of its own,
    /// since one file is opened once for all its downloads), the server says so once, does not
    /// spin, and accepts again when connections close.
    @Test func outOfDescriptorsIsOneLineAndAcceptingResumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-emfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for index in 0..<100 {  // sparse: 4 MiB each, no disk
            let file = root.appendingPathComponent("big\(index).bin")
            FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: 4 << 20)
            try handle.close()
        }
        let port = try freePort()
        let server = try Background(
            "/bin/sh",
            [
                "-c", "ulimit -n 128 && exec \"$0\" http-server --host 127.0.0.1 --port \(port) --root \"$1\" --idle-timeout 60",
                netlabBinary.path, root.path,
            ])
        _ = try server.line(containing: "Listening on", orContaining: "Listening on")
        var clients: [Int32] = []
        defer { for client in clients { close(client) } }
        for index in 0..<100 { clients.append(connectAndSend(port, "GET /big\(index).bin HTTP/1.1\r\nHost: x\r\n\r\n")) }
        _ = try server.line(containing: "accepting paused", orContaining: "accepting paused")
        for client in clients { close(client) }
        clients = []
        _ = try server.line(containing: "accepting connections again", orContaining: "accepting connections again")
        let fetched = try netlab("http-get", "--port", String(port), "HEAD /big0.bin HTTP/1.0")
        #expect(fetched.status == 0)
        #expect(fetched.out.hasPrefix("HTTP/1.1 200 OK"))
        #expect(server.interrupt() == 0)
        let log = server.text
        #expect(occurrences("accepting paused with", in: log) == 1, "\(log.suffix(2000))")
        #expect(occurrences("Too many open files (EMFILE", in: log) == 1, "\(log.suffix(2000))")
        // A file that cannot be opened for want of descriptors is the server's trouble: 503, never 404.
        #expect(!log.contains("\" 404 "), "\(log.suffix(2000))")
    }

    /// Large files are kept open for later requests (16 at most). When a file cannot be opened
    /// for want of descriptors, the answer is 503 and the kept files are let go, so the next
    /// request finds a descriptor: 503 once, then 200 (kept for ever, it would be 503 again).
    @Test func keptFilesAreLetGoWhenDescriptorsRunOut() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-kept-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for index in 0...16 {  // sparse, over the memory cache's 64 KiB: kept open, not read
            let file = root.appendingPathComponent("kept\(index).bin")
            FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: 100_000)
            try handle.close()
        }
        let port = try freePort()
        let limit = 64
        let server = try Background(
            "/bin/sh",
            ["-c", "ulimit -n \(limit) && exec \"$0\" http-server --host 127.0.0.1 --port \(port) --root \"$1\"", netlabBinary.path, root.path])
        _ = try server.line(containing: "Listening on", orContaining: "Listening on")
        func head(_ index: Int) throws -> String {
            try netlab("http-get", "--port", String(port), "HEAD /kept\(index).bin HTTP/1.0").out
        }
        for index in 0..<16 { #expect(try head(index).hasPrefix("HTTP/1.1 200 OK")) }
        // The server's open descriptors, read from /proc (the shell exec'd it: same pid).
        let descriptors = "/proc/\(server.process.processIdentifier)/fd"
        func open() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: descriptors).count) ?? 0 }
        // Idle clients for all but one of the descriptors left: accepted in the order they
        // connected (a loopback connect is in the accept queue when it returns), each holds
        // one; the request's connection, behind them, takes the last.
        let left = limit - open()
        #expect(left > 1 && left < 48, "\(left) descriptors left")
        var clients: [Int32] = []
        defer { for client in clients { close(client) } }
        for _ in 0..<(left - 1) { clients.append(connectAndSend(port, "")) }
        // The file cannot be opened: 503, and the kept files go.
        #expect(try head(16).hasPrefix("HTTP/1.1 503 Service Unavailable"))
        #expect(try head(16).hasPrefix("HTTP/1.1 200 OK"), "the kept files were not let go")
        #expect(server.interrupt() == 0)
        #expect(!server.text.contains("\" 404 "), "\(server.text.suffix(2000))")
    }

    /// Idle clients timing out at the descriptor limit, with more waiting in the backlog than
    /// there are descriptors: each tick's sweep frees some, accepting resumes and runs out
    /// again. The server survives it (it trapped on an unsigned subtraction) and every client is
    /// served or timed out in turn.
    @Test func idleTimeoutsAtTheDescriptorLimitKeepTheServerUp() throws {
        let port = try freePort()
        let server = try Background(
            "/bin/sh",
            [
                "-c", "ulimit -n 40 && exec \"$0\" tcp-server --host 127.0.0.1 --port \(port) --idle-timeout 1",
                netlabBinary.path,
            ])
        _ = try server.line(containing: "Listening on", orContaining: "Listening on")
        let holders = """
            import socket, sys, time
            port = int(sys.argv[1])
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(70)]
            for s in held: s.settimeout(30)
            ended = 0
            for s in held:
                try:
                    if s.recv(1) == b"": ended += 1
                except OSError:
                    ended += 1
            print("ended", ended, flush=True)
            """
        let clients = try run(python3, ["-c", holders, String(port)], deadline: 60)
        #expect(clients.out == "ended 70\n", "\(clients.stderr)")
        #expect(server.process.isRunning, "\(server.text.suffix(1500))")
        #expect(server.interrupt() == 0)
        #expect(server.text.contains("accepting connections again"))
    }

    /// With stdout a pipe nobody reads, a server still stops at once on SIGTERM.
    @Test func stalledStdoutDoesNotBlockShutdown() throws {
        let (process, output, port) = try udpServerWithStdoutPipe()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try awaitReady(output.fileHandleForReading.fileDescriptor)
        // About 20 MB of log: more than the pipe holds (the log itself keeps up to 32 MiB).
        let reply = try flood(port: port, count: 5_000)
        #expect(reply, "the server answered while its stdout was stalled")
        kill(process.processIdentifier, SIGTERM)
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            process.waitUntilExit()
            exited.signal()
        }
        let inTime = exited.wait(timeout: .now() + 3) == .success
        #expect(inTime, "SIGTERM did not stop the server within 3 s")
        if inTime { #expect(process.terminationStatus == 0) }
        // The lines it could not print are not lost in silence.
        try errors.fileHandleForWriting.close()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(said == "netlab: stopped before the log caught up: its last lines were not printed\n")
    }

    /// Lines that did not fit are counted, and the count is said when output moves again.
    @Test func droppedLogLinesAreCounted() throws {
        // A 256 KiB log buffer, so a few thousand datagrams overflow it even while the (debug
        // build's) formatting lags behind the flood.
        let (process, output, port) = try udpServerWithStdoutPipe(logBufferKiB: 256)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = try awaitReady(output.fileHandleForReading.fileDescriptor)
        // About 20 MB of log: more than the pipe and the log's 256 KiB hold.
        #expect(try flood(port: port, count: 5_000))
        // Now read: the buffered lines, then the note (each read waits at most 10 s).
        let fd = output.fileHandleForReading.fileDescriptor
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        // Only the newest bytes are searched (the note is one line): tens of MB pass through.
        while !text.contains("dropped: output was not being read") {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 10_000) == 1 else { break }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            text = String(text.suffix(300)) + String(decoding: chunk[0..<n], as: UTF8.self)
        }
        let note = try #require(text.split(separator: "\n").first { $0.contains("log lines dropped") })
        #expect(note.hasPrefix("netlab: "))
        #expect(note.hasSuffix(" log lines dropped: output was not being read (the log keeps at most 256 KiB waiting)"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// `udp-server --hex` with stdout a pipe this test reads only when it chooses to (--hex:
    /// 63 log lines per datagram, so a few thousand datagrams are megabytes of log).
    /// Its stderr, read after it exits.
    private let errors = Pipe()

    private func udpServerWithStdoutPipe(logBufferKiB: Int? = nil) throws -> (ChildProcess, Pipe, UInt16) {
        let port = try freePort()
        let environment = logBufferKiB.map {
            ProcessInfo.processInfo.environment.merging(["NETLAB_LOG_BUFFER_KIB": String($0)]) { $1 }
        }
        let output = Pipe()
        let process = try ChildProcess(
            netlabBinary.path, ["udp-server", "--host", "127.0.0.1", "--port", String(port), "--hex"], environment: environment,
            stdout: .pipe(output), stderr: .pipe(errors))
        return (process, output, port)
    }

    /// Reads stdout only until the server says it is listening (at most 10 s), then no more.
    @discardableResult
    private func awaitReady(_ fd: Int32) throws -> String {
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !text.contains("Listening on") {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 10_000) == 1 else { throw BackgroundError(message: "the server never said it was listening") }
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { throw BackgroundError(message: "the server exited: \(text)") }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
        }
        return text
    }

    /// Sends `count` 1,000-byte datagrams, then one more that must be answered (the server is
    /// still serving). Returns whether the answer came.
    private func flood(port: UInt16, count: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        _ = withLoopbackAddress(port) { connect(fd, $0, $1) }
        let payload = [UInt8](repeating: 0x61, count: 1000)
        var buffer = [UInt8](repeating: 0, count: 2000)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Twenty at a time, each batch's replies awaited (200 ms at most each), so the
        // server gets them all instead of the kernel dropping what it cannot take at once.
        for _ in 0..<(count / 20) {
            for _ in 0..<20 { _ = send(fd, payload, payload.count, 0) }
            var replies = 0
            while replies < 20, recv(fd, &buffer, buffer.count, 0) > 0 { replies += 1 }
            if replies == 0 { return false }  // the server stopped answering
        }
        // The server still answers: a marker datagram comes back uppercased (a few tries).
        for _ in 0..<50 {
            _ = send(fd, "marker", 6, 0)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                if n == 6 && Array(buffer[0..<6]) == Array("MARKER".utf8) { return true }
            }
        }
        return false
    }
}
