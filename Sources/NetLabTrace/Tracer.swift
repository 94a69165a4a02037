import CNetLabTrace
import Foundation
import Glibc
import NetLabCore

/// Runs a program under ptrace with a seccomp filter, so only its socket calls (and read,
/// write and close, shown when the descriptor is a socket) stop; everything else runs at full
/// speed. Follows forks, vforks and threads. The only importer of ptrace and seccomp.
///
/// One thread does everything (spawn, waitpid, every ptrace request): ptrace answers only the
/// thread that is the tracee's parent.
public final class Tracer {
    public struct Failure: Error, Sendable {
        public var message: String
    }

    /// How the program ended: its exit status, or the signal that killed it.
    public enum Ending: Equatable, Sendable {
        case exited(Int32)
        case killed(Int32)

        /// The status a shell would report: the exit status, or 128 + the signal.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .killed(let signal): 128 + signal
            }
        }
    }

    private let path: String
    private let arguments: [String]
    private let report: (TracedCall) -> Void
    /// Hears each shown call as it enters, before the kernel runs it (the program waits): a
    /// capture can start watching the port a connect() is about to knock on, and what a close()
    /// leaves unread can be noted on the call.
    public var entered: ((inout TracedCall) -> Void)?
    /// Hears each shown call as it returns, after `report`, while the program still waits.
    public var returned: ((TracedCall) -> Void)?
    /// Hears the program's pid once it is started.
    public var started: ((Int32) -> Void)?
    /// Local sockets (AF_UNIX, netlink) the program opened: left out, their calls not shown.
    public private(set) var localSockets = 0

    /// Where each thread stands: the call it entered (waiting for its exit) and its descriptor
    /// table (threads share one; a fork copies it).
    private struct Thread {
        var pending: TracedCall?
        var table: Int
    }
    private var threads: [pid_t: Thread] = [:]
    /// Descriptor tables: each network socket's descriptor and what it is (`TCP`, `UDP`,
    /// `socket`: raw or another type).
    private var tables: [Int: [Int32: String]] = [:]
    private var nextTable = 0
    /// New tracees announced by their parent's event, before their own first stop.
    private var announced: [pid_t: Int] = [:]
    /// Tracees whose first stop came before their parent's event.
    private var early: Set<pid_t> = []

    /// Whether the program shares the tracer's CPU (it inherits the pinning): each traced call
    /// is two hand-overs between them, five times cheaper on one CPU (Benchmarks/trace.py).
    private let sameCPU: Bool

    /// `report` runs on the tracing thread for each call as it returns, the program still
    /// stopped (what its socket holds can be read then).
    /// `inherits` are the descriptors above stderr the program keeps (nil: those open now, a
    /// shell's; a console passes none of its own).
    public init(
        path: String, arguments: [String], sameCPU: Bool = true, output: Int32? = nil, input: Int32? = nil,
        inherits: [Int32]? = nil, report: @escaping (TracedCall) -> Void
    ) {
        self.output = output
        self.input = input
        self.path = path
        self.arguments = arguments
        self.sameCPU = sameCPU
        self.report = report
        if let inherits {
            inherited = inherits.sorted()
        } else {
            var found = [Int32](repeating: 0, count: 256)
            let count = netlab_trace_open_descriptors(&found, Int32(found.count))
            inherited = Array(found.prefix(Int(max(0, count))))
        }
    }

    /// The descriptors open when the tracer was made (its shell's): the only ones besides
    /// stdin, stdout and stderr the program gets.
    private let inherited: [Int32]
    /// Where the program's stdout and stderr go (its stdin is then /dev/null); nil: netlab's.
    /// The tracer closes it once the program has its copy.
    private let output: Int32?
    /// Where its stdin comes from when `output` is given (nil: /dev/null); closed like it.
    private let input: Int32?

    /// `name` as the shell finds it: a path as it is, else the first executable on PATH.
    public static func resolve(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in search.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            var info = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, info.st_mode & S_IFMT != S_IFDIR { return candidate }
        }
        return nil
    }

    /// The calls that stop the program (this machine's numbers).
    static var numbers: [Int32] {
        #if arch(x86_64)
        TracedCall.x86_64.keys.map { Int32($0) }.sorted()
        #else
        []
        #endif
    }

    /// Runs the program to its end and returns how it ended. Blocks the calling thread.
    public func run() throws(Failure) -> Ending {
        #if !arch(x86_64)
        throw Failure(message: "netlab run traces x86-64 programs only on this build")
        #else
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw Failure(message: "cannot make a pipe: \(Errno(errno).message)") }
        // Close-on-exec: the exec closes the write end, so only a failed start writes to it.
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        defer { close(pipeEnds[0]) }
        let argv = ([path] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let numbers = Self.numbers
        if sameCPU { _ = netlab_trace_pin_here() }
        let pid = numbers.withUnsafeBufferPointer { calls in
            inherited.withUnsafeBufferPointer { keep in
                netlab_trace_spawn(
                    path, argv, environ, calls.baseAddress, Int32(calls.count), pipeEnds[1], keep.baseAddress, Int32(keep.count),
                    output ?? -1, input ?? -1)
            }
        }
        close(pipeEnds[1])
        // The program has its own copy of `output`: this one would keep a reader from ever
        // seeing the end.
        if let output { close(output) }
        if let input { close(input) }
        guard pid > 0 else { throw Failure(message: "cannot start \(path): \(Errno(errno).message) (\(Errno(errno).name))") }
        // The child stops itself before its exec: set the options, then let it run.
        var status: Int32 = 0
        while waitpid(pid, &status, netlab_trace_wait_flags) < 0 && errno == EINTR {}
        guard netlab_wifstopped(status) != 0 else {
            throw Failure(message: Self.startFailure(pipeEnds[0], command: arguments[0]))
        }
        guard netlab_ptrace(netlab_ptrace_setoptions, pid, 0, netlab_ptrace_options) == 0 else {
            let error = Errno(errno)
            kill(pid, SIGKILL)
            throw Failure(message: "cannot trace \(arguments[0]): ptrace options refused (\(error.name)): \(error.message)")
        }
        threads[pid] = Thread(pending: nil, table: newTable())
        started?(pid)
        _ = netlab_ptrace(netlab_ptrace_cont, pid, 0, 0)
        var ending: Ending?
        var execSeen = false
        while !threads.isEmpty {
            var status: Int32 = 0
            let stopped = waitpid(-1, &status, netlab_trace_wait_flags)
            if stopped < 0 {
                if errno == EINTR { continue }
                break  // ECHILD: nothing left
            }
            if netlab_wifexited(status) != 0 || netlab_wifsignaled(status) != 0 {
                threads[stopped] = nil
                if stopped == pid {
                    ending = netlab_wifexited(status) != 0 ? .exited(netlab_wexitstatus(status)) : .killed(netlab_wtermsig(status))
                    if !execSeen, case .exited(127)? = ending {
                        throw Failure(message: Self.startFailure(pipeEnds[0], command: arguments[0]))
                    }
                }
                continue
            }
            guard netlab_wifstopped(status) != 0 else { continue }
            let signal = netlab_wstopsig(status)
            let event = Int32(status >> 16)
            if threads[stopped] == nil {
                // A new thread or child, auto-attached: its first stop is a SIGSTOP.
                if let table = announced.removeValue(forKey: stopped) {
                    threads[stopped] = Thread(pending: nil, table: table)
                } else {
                    threads[stopped] = Thread(pending: nil, table: -1)  // its parent's event will say which table
                    early.insert(stopped)
                }
                if signal == SIGSTOP && event == 0 {
                    _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, 0)
                    continue
                }
            }
            if signal == SIGTRAP && event == netlab_ptrace_event_seccomp {
                let wantsExit = enter(stopped)
                _ = netlab_ptrace(wantsExit ? netlab_ptrace_syscall : netlab_ptrace_cont, stopped, 0, 0)
            } else if signal == SIGTRAP | 0x80 {
                leave(stopped)
                _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, 0)
            } else if signal == SIGTRAP && [netlab_ptrace_event_fork, netlab_ptrace_event_vfork, netlab_ptrace_event_clone].contains(event) {
                var child: UInt = 0
                _ = withUnsafeMutablePointer(to: &child) { netlab_ptrace(netlab_ptrace_geteventmsg, stopped, 0, UInt(bitPattern: $0)) }
                let parentTable = threads[stopped]?.table ?? newTable()
                // A thread shares its parent's descriptors; a fork gets a copy.
                let table = event == netlab_ptrace_event_clone ? parentTable : copyTable(parentTable)
                let newPid = pid_t(truncatingIfNeeded: child)
                if early.remove(newPid) != nil { threads[newPid]?.table = table } else { announced[newPid] = table }
                _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, 0)
            } else if signal == SIGTRAP && event == netlab_ptrace_event_exec {
                execSeen = true
                _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, 0)
            } else if signal == SIGTRAP && event != 0 {
                _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, 0)
            } else {
                // A signal for the program (Ctrl-C, a pipe closed, SIGSTOP): deliver it.
                _ = netlab_ptrace(netlab_ptrace_cont, stopped, 0, UInt(signal))
            }
        }
        return ending ?? .exited(0)
        #endif
    }

    /// Why the child never reached its program: the errno it sent back, in words.
    private static func startFailure(_ pipe: Int32, command: String) -> String {
        var code: Int32 = 0
        let count = Glibc.read(pipe, &code, MemoryLayout<Int32>.size)
        guard count == MemoryLayout<Int32>.size else { return "\(command) ended before it started" }
        let error = Errno(code)
        switch code {
        case EPERM:
            return "cannot trace \(command): ptrace is not allowed here (\(error.name)); a container may forbid it "
                + "(docker run --cap-add SYS_PTRACE) or kernel.yama.ptrace_scope may be 3; the rest of netlab works without it"
        case EINVAL, ENOSYS:
            return "cannot trace \(command): this kernel refused the seccomp filter (\(error.name)); the rest of netlab works without it"
        default:
            return "cannot run \(command): \(error.message) (\(error.name))"
        }
    }

    private func newTable() -> Int {
        nextTable += 1
        tables[nextTable] = [:]
        return nextTable
    }

    private func copyTable(_ table: Int) -> Int {
        let copy = newTable()
        tables[copy] = tables[table] ?? [:]
        return copy
    }

    /// A call stopped on entry: whether to see its exit (false: not a socket's, let it run).
    private func enter(_ pid: pid_t) -> Bool {
        var regs = netlab_trace_regs()
        guard netlab_trace_get_regs(pid, &regs) == 0, let name = TracedCall.x86_64[regs.number] else { return false }
        let table = threads[pid]?.table ?? -1
        let arguments = [regs.args.0, regs.args.1, regs.args.2, regs.args.3, regs.args.4, regs.args.5].map { UInt64($0) }
        var call = TracedCall(pid: pid, call: name, arguments: arguments, result: 0, entry: Date())
        if TracedCall.needsSocket(name) {
            guard let kind = tables[table]?[call.descriptor] else { return false }
            call.socketKind = kind
        }
        fetchOnEntry(TracedCall.fetches(name), pid: pid, into: &call)
        entered?(&call)
        threads[pid]?.pending = call
        return true
    }

    /// The same call returning: its result, what it received, and the descriptor table.
    private func leave(_ pid: pid_t) {
        guard var call = threads[pid]?.pending else { return }
        threads[pid]?.pending = nil
        var regs = netlab_trace_regs()
        guard netlab_trace_get_regs(pid, &regs) == 0 else { return }
        call.result = Int64(regs.result)
        call.exit = Date()
        let arguments = call.arguments
        if call.errno == nil { fetchOnReturn(TracedCall.fetches(call.call), pid: pid, into: &call) }
        let table = threads[pid]?.table ?? -1
        if call.errno == nil {
            switch call.call {
            case .socket:
                // Only network sockets (IPv4, IPv6) are the lab's: a local one (AF_UNIX: the C
                // library asking a name service, a logger) is neither shown nor followed.
                guard arguments[0] == 2 || arguments[0] == 10 else {
                    localSockets += 1
                    return
                }
                let type = arguments[1] & 0xf
                let kind = type == 1 ? "TCP" : type == 2 ? "UDP" : "socket"
                tables[table]?[Int32(truncatingIfNeeded: call.result)] = kind
                call.socketKind = kind
            case .accept, .accept4:
                tables[table]?[Int32(truncatingIfNeeded: call.result)] = call.socketKind ?? "TCP"
            case .close:
                tables[table]?[call.descriptor] = nil
            default:
                break
            }
        } else if call.call == .close {
            tables[table]?[call.descriptor] = nil
        }
        report(call)
        returned?(call)
    }
}
