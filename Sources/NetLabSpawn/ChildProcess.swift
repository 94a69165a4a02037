import CNetLabSpawn
import Foundation
import Glibc

/// A program started with posix_spawn, its standard input, output and error given as
/// descriptors, every other descriptor closed in the child, in a process group of its own.
///
/// Why not Foundation's `Process`: on Linux its `run()` lists /proc/self/fd to find the
/// descriptors to close and copies each entry's whole 256-byte name field, reading past the
/// end of the directory buffer; where the next page is unmapped the process dies with
/// SIGSEGV (seen in this project's test suite, once in a few runs; fixed upstream after
/// Swift 6.3.1). Here the kernel closes them (`posix_spawn_file_actions_addclosefrom_np`).
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` and `waiting` are guarded by `condition`.
    public let processIdentifier: pid_t
    private let condition = NSCondition()
    private var status: Int32?
    private var waiting = false
    /// The pipes and files given as streams, kept as long as this object (as `Process` keeps
    /// them): a pipe released early would close the end a reader or writer still uses.
    private var streams: [AnyObject] = []

    public struct SpawnError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "cannot run \(path): \(String(cString: strerror(code)))" }
    }

    /// Starts `path` with `arguments` (argv[0] is `path`); `environment` nil keeps this
    /// process's. `stdin`, `stdout`, `stderr` become the child's 0, 1 and 2.
    public init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Int32, stdout: Int32,
        stderr: Int32
    ) throws(SpawnError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Ignored on purpose: it cannot fail on glibc 2.34 and later (ChildProcessTests checks that
        // the child has 0, 1 and 2 only).
        _ = netlab_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid = pid_t()
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            if let envp {
                return envp.withUnsafeBufferPointer { posix_spawn(&pid, path, &actions, &attributes, argvBuffer.baseAddress!, $0.baseAddress!) }
            }
            return posix_spawn(&pid, path, &actions, &attributes, argvBuffer.baseAddress!, environ)
        }
        guard result == 0 else { throw SpawnError(path: path, code: result) }
        processIdentifier = pid
    }

    /// Where one of the child's standard descriptors goes.
    public enum Stream {
        /// /dev/null.
        case null
        /// This process's own descriptor (0, 1 or 2).
        case inherit
        /// One end of a pipe: the child's (the read end for stdin, else the write end), which
        /// this process closes once the child has its copy.
        case pipe(Pipe)
        case file(FileHandle)
    }

    /// Starts `path` as `init(_:_:environment:stdin:stdout:stderr:)` does, with its streams
    /// given as pipes, files, this process's own or /dev/null (the way `Process` takes them,
    /// and like it, this process's own unless told otherwise).
    public convenience init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Stream = .inherit,
        stdout: Stream = .inherit, stderr: Stream = .inherit
    ) throws {
        let null = try FileHandle(forUpdating: URL(fileURLWithPath: "/dev/null"))
        defer { try? null.close() }
        func descriptor(_ stream: Stream, standard: Int32) -> Int32 {
            switch stream {
            case .null: null.fileDescriptor
            case .inherit: standard
            case .pipe(let pipe): standard == 0 ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            case .file(let handle): handle.fileDescriptor
            }
        }
        try self.init(
            path, arguments, environment: environment, stdin: descriptor(stdin, standard: 0),
            stdout: descriptor(stdout, standard: 1), stderr: descriptor(stderr, standard: 2))
        for stream in [stdin, stdout, stderr] {
            switch stream {
            case .pipe(let pipe): streams.append(pipe)
            case .file(let handle): streams.append(handle)
            case .null, .inherit: break
            }
        }
        // The child has its copies: this process's close, so a reader sees the end when the child's does.
        if case .pipe(let pipe) = stdin { try? pipe.fileHandleForReading.close() }
        if case .pipe(let pipe) = stdout { try? pipe.fileHandleForWriting.close() }
        if case .pipe(let pipe) = stderr, !Self.same(stdout, stderr) { try? pipe.fileHandleForWriting.close() }
    }

    private static func same(_ a: Stream, _ b: Stream) -> Bool {
        if case .pipe(let x) = a, case .pipe(let y) = b { return x === y }
        return false
    }

    /// Waits for the child to end (once; later calls return at once).
    public func waitUntilExit() {
        condition.lock()
        while waiting { condition.wait() }
        if status != nil {
            condition.unlock()
            return
        }
        waiting = true
        condition.unlock()
        var raw: Int32 = 0
        while waitpid(processIdentifier, &raw, 0) == -1 && errno == EINTR {}
        condition.lock()
        status = raw
        waiting = false
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the child has not ended yet (it is reaped if it has).
    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        if status != nil || waiting { return status == nil }
        var raw: Int32 = 0
        guard waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier else { return true }
        status = raw
        return false
    }

    /// Its exit status, or the number of the signal that ended it (as Foundation's `Process`).
    /// Waits for the end.
    public var terminationStatus: Int32 {
        waitUntilExit()
        condition.lock()
        defer { condition.unlock() }
        let raw = status ?? 0
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
    }

    /// Whether a signal ended it. Waits for the end.
    public var endedBySignal: Bool {
        waitUntilExit()
        condition.lock()
        defer { condition.unlock() }
        return (status ?? 0) & 0x7F != 0
    }

    public func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    public func interrupt() {
        if isRunning { kill(processIdentifier, SIGINT) }
    }
}
