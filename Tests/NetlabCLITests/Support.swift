import Foundation
import Glibc
import NetLabSpawn
import TestPorts
import Testing

/// The `netlab` binary built next to this test bundle.
let netlabBinary: URL = {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    // The runner may be `.../debug/netlabPackageTests.xctest` or a file inside it.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("netlab")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return candidate
        }
        directory.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/netlab")
}()

func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
}

struct Finished {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to the end (killing it after `deadline` seconds so a bug cannot hang the suite).
func run(
    _ executable: String, _ arguments: [String], stdin: [UInt8] = [], deadline: Double = 20,
    environment: [String: String]? = nil
) throws -> Finished {
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    let process = try ChildProcess(
        executable, arguments, environment: environment, stdin: .pipe(input), stdout: .pipe(output), stderr: .pipe(errors))
    let killer = DispatchWorkItem { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: killer)
    input.fileHandleForWriting.write(Data(stdin))
    try input.fileHandleForWriting.close()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    return Finished(status: process.terminationStatus, stdout: Array(outData), stderr: String(decoding: errData, as: UTF8.self))
}

func netlab(_ arguments: String..., stdin: String = "") throws -> Finished {
    try run(netlabBinary.path, arguments, stdin: Array(stdin.utf8))
}

let python3: String =
    ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    ?? "/usr/bin/python3"

/// A loopback port where nothing listens right now, for TCP and UDP alike, below the kernel's
/// ephemeral range (32768-60999): a port the kernel picked for port 0 can be handed to another
/// test's outgoing connection a moment later, and a server then fails to bind it again.
func freePort() throws -> UInt16 {
    guard let port = TestPorts.take(in: 28000...32767, isFree: { isFree($0, type: SOCK_STREAM) && isFree($0, type: SOCK_DGRAM) }) else {
        throw BackgroundError(message: "no free port between 28000 and 32767")
    }
    return port
}

private func isFree(_ port: UInt16, type: __socket_type) -> Bool {
    let fd = socket(AF_INET, Int32(type.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return withLoopbackAddress(port) { bind(fd, $0, $1) } == 0
}

/// A long-running program whose output lines can be awaited.
final class Background: @unchecked Sendable {
    private(set) var process: ChildProcess!
    /// What the program wrote, filled by a reader thread of its own.
    private let collected = Collected()

    /// The program's output (stdout and stderr), read by a thread that owns the pipe's read
    /// end and closes it at the end of the output. Not a `readabilityHandler`: that is a
    /// dispatch source, and Foundation may close the descriptor before libdispatch has let it
    /// go; libdispatch's manager thread then crashed (an illegal instruction in
    /// `_dispatch_source_refs_finalize_unregistration`, seen in CI dry runs).
    private final class Collected: @unchecked Sendable {
        // @unchecked: `buffer` and `ended` are guarded by `condition`.
        let condition = NSCondition()
        var buffer: [UInt8] = []
        var ended = false

        func read(from fd: Int32) {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 {
                    buffer += chunk[0..<count]
                } else {
                    ended = true
                }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { break }
            }
            close(fd)
        }
    }

    private var condition: NSCondition { collected.condition }
    private var buffer: [UInt8] { collected.buffer }
    private var ended: Bool { collected.ended }

    init(_ executable: String, _ arguments: [String]) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw BackgroundError(message: "pipe() failed, errno \(errno)") }
        // Close-on-exec for a program another thread forks and execs meanwhile (ChildProcess
        // gives its children descriptors 0-2 only anyway).
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        do {
            process = try ChildProcess(executable, arguments, stdin: null, stdout: ends[1], stderr: ends[1])
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        // The child has its copy: the reader sees the end when the child's output ends.
        close(ends[1])
        let collected = collected
        let reader = ends[0]
        let thread = Thread { collected.read(from: reader) }
        thread.name = "background-reader"
        thread.start()
    }

    static func netlab(_ arguments: String...) throws -> Background {
        try Background(netlabBinary.path, arguments)
    }

    var text: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    var bytes: [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        return buffer
    }

    /// Waits (at most `seconds`) until a line contains `needle`; returns that line.
    func line(containing needle: String, within seconds: Double = 10, orContaining other: String? = nil) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            // Only complete lines: a line may arrive in pieces.
            var lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            if let line = lines.first(where: { $0.hasPrefix(needle + " ") || $0.contains(other ?? needle) }) {
                return String(line)
            }
            if ended || !condition.wait(until: deadline) {
                throw BackgroundError(message: "no line with \"\(needle)\" in: \(String(decoding: buffer, as: UTF8.self))")
            }
        }
    }

    /// The port a server announced: netlab's `Listening on HOST:PORT ...` or the lab fixtures' `port PORT`.
    func port(within seconds: Double = 10) throws -> UInt16 {
        var line = try self.line(containing: "port", within: seconds, orContaining: "Listening on ")
        if line.hasPrefix("# ") { line = String(line.dropFirst(2)) }  // --hex marks non-dump lines
        let word: Substring
        if line.hasPrefix("port ") {
            word = line.dropFirst(5)
        } else {
            let address = line.dropFirst("Listening on ".count).prefix { $0 != " " }
            word = address[address.index(after: address.lastIndex(of: ":")!)...]
        }
        guard let port = UInt16(word) else { throw BackgroundError(message: "no port in \(line)") }
        return port
    }

    /// SIGINT, then waits for the exit; returns the status.
    func interrupt() -> Int32 {
        kill(process.processIdentifier, SIGINT)
        return waitForExit()
    }

    func waitForExit(within seconds: Double = 10) -> Int32 {
        let killer = DispatchWorkItem { [process] in process?.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
        process.waitUntilExit()
        killer.cancel()
        // Let the reader collect the last bytes.
        condition.lock()
        let deadline = Date().addingTimeInterval(5)
        while !ended && condition.wait(until: deadline) {}
        condition.unlock()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            // SIGKILL: children of this test process may start with SIGTERM blocked (the
            // signal mask of the thread that spawned them is inherited), and then ignore it.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct BackgroundError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body` with 127.0.0.1:`port` as a socket address (for tests' raw socket calls).
func withLoopbackAddress<T>(_ port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
