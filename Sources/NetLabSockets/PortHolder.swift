import Foundation
import Glibc

/// Who holds a local port, from /proc (Linux): the sockets bound to it in /proc/net/*, then
/// the processes with one of those sockets open. For an EADDRINUSE that names its cause
/// (`python3 TCPServer.py (pid 4242)`) instead of leaving a student to guess.
public enum PortHolder {

    /// `python3 TCPServer.py (pid 4242)` for each process holding `port`: listening on it
    /// first, else any socket bound to it (a client's connection from that port blocks a bind
    /// too); empty when none is visible (another user's process needs root to be seen).
    package static func holders(of port: UInt16, _ type: SocketType) -> [String] {
        var inodes = sockets(port: port, type: type, states: type == .stream ? ["0A"] : nil)
        if inodes.isEmpty && type == .stream { inodes = sockets(port: port, type: type, states: nil) }
        guard !inodes.isEmpty else { return [] }
        var found: [String] = []
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in processes where pid.allSatisfy(\.isNumber) {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            let holds = fds.contains { fd in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                    target.hasPrefix("socket:[")
                else { return false }
                return inodes.contains(String(target.dropFirst(8).dropLast()))
            }
            if holds { found.append("\(command(of: pid)) (pid \(pid))") }
        }
        return found
    }

    /// Whether something listens on `port` (TCP) or is bound to it (UDP), from /proc: how
    /// `netlab check --start` knows the server it started is ready without a connection.
    /// For TCP only the listeners are read: the kernel lists them first in /proc/net/tcp and
    /// makes the file as it is read, so the reading stops at the first line of another state
    /// (with 30,000 connections in TIME_WAIT, reading the whole file took 0.1 s of kernel time
    /// and parsing it far more; a start is polled every 10 ms).
    package static func isListening(port: UInt16, _ type: SocketType) -> Bool {
        guard type == .stream else { return !sockets(port: port, type: type, states: nil).isEmpty }
        let hexPort = ":" + String(format: "%04X", port)
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            var found = false
            readLines(file) { line in
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[0] != "sl" else { return true }
                guard fields[3] == "0A" else { return false }  // past the listeners
                if fields[1].hasSuffix(hexPort) { found = true }
                return !found
            }
            if found { return true }
        }
        return false
    }

    /// Whether a TCP connection on this machine has `port` as its local port and is still
    /// open on that side (established, or closing but not yet closed by its program; not
    /// TIME_WAIT): a server still busy with a client that has gone.
    package static func hasOpenConnections(port: UInt16) -> Bool {
        let hexPort = ":" + String(format: "%04X", port)
        // 01 established, 03 SYN_RECV, 04/05 FIN_WAIT1/2, 08 CLOSE_WAIT, 09 LAST_ACK, 0B CLOSING.
        let open: Set<Substring> = ["01", "03", "04", "05", "08", "09", "0B"]
        var found = false
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] where !found {
            readLines(file) { line in
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(hexPort), open.contains(fields[3]) { found = true }
                return !found
            }
        }
        return found
    }

    /// Hands `path`'s lines to `body` as they are read, until `body` says stop.
    private static func readLines(_ path: String, _ body: (Substring) -> Bool) {
        var pending: [UInt8] = []
        _ = readChunks(path) { chunk in
            pending += chunk
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !body(line[...]) { return false }
            }
            return true
        }
    }

    /// Reads `path` a page at a time into `body` until its end or until `body` says stop; false
    /// when it cannot be opened. /proc files report size 0 and hand out a page or so per read.
    private static func readChunks(_ path: String, _ body: (ArraySlice<UInt8>) -> Bool) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0, body(chunk[0..<n]) else { return true }
        }
    }

    /// How many TCP connections on `port` are in TIME_WAIT while nothing listens there: the
    /// state in which a server without SO_REUSEADDR (the lab's TCPServer.py) cannot bind it.
    public static func timeWaitWithoutListener(port: UInt16) -> Int {
        guard sockets(port: port, type: .stream, states: ["0A"]).isEmpty else { return 0 }
        return sockets(port: port, type: .stream, states: ["06"], includeTimeWait: true).count
    }

    /// The local port of another process's socket descriptor (`netlab run`: a program that
    /// bound port 0 and let the kernel choose), from /proc; nil when it cannot be seen.
    public static func localPort(pid: Int32, fd: Int32) -> UInt16? {
        let fields = socketFields(pid: pid, fd: fd, files: ["/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/udp6"])
        return fields?[1].split(separator: ":").last.flatMap { UInt16($0, radix: 16) }
    }

    /// Bytes that arrived on another process's TCP socket and are not read yet (the kernel's
    /// receive queue, /proc/net/tcp's rx_queue), or nil when it cannot be seen.
    public static func unread(pid: Int32, fd: Int32) -> Int? {
        connection(pid: pid, fd: fd)?.unread
    }

    /// Another process's TCP socket as /proc sees it, in one reading: its local and remote
    /// ports and the bytes that arrived and are not read yet.
    public static func connection(pid: Int32, fd: Int32) -> (local: UInt16, remote: UInt16, unread: Int)? {
        guard let fields = socketFields(pid: pid, fd: fd, files: ["/proc/net/tcp", "/proc/net/tcp6"]),
            let local = fields[1].split(separator: ":").last.flatMap({ UInt16($0, radix: 16) }),
            let remote = fields[2].split(separator: ":").last.flatMap({ UInt16($0, radix: 16) }),
            let unread = fields[4].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
        else { return nil }
        return (local, remote, unread)
    }

    /// The /proc/net line of the socket behind `pid`'s descriptor `fd` (matched by inode), split.
    private static func socketFields(pid: Int32, fd: Int32, files: [String]) -> [Substring]? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
            target.hasPrefix("socket:[")
        else { return nil }
        let inode = String(target.dropFirst(8).dropLast())
        for file in files {
            guard let text = readWhole(file) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[9] == inode { return fields }
            }
        }
        return nil
    }

    /// Inodes (or, for TIME_WAIT, one entry per connection) of sockets bound to `port`.
    private static func sockets(port: UInt16, type: SocketType, states: Set<String>?, includeTimeWait: Bool = false) -> [String] {
        let files = type == .stream ? ["/proc/net/tcp", "/proc/net/tcp6"] : ["/proc/net/udp", "/proc/net/udp6"]
        let hexPort = String(format: "%04X", port)
        var result: [String] = []
        for file in files {
            guard let text = readWhole(file) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[1].hasSuffix(":" + hexPort) else { continue }
                if let states, !states.contains(String(fields[3])) { continue }
                // TIME_WAIT entries belong to no process (inode 0): count them one by one.
                result.append(includeTimeWait ? String(line) : String(fields[9]))
            }
        }
        return result.filter { includeTimeWait || $0 != "0" }
    }

    /// A /proc file read to its end. /proc reports size 0 and hands out a page or so per
    /// read, so a single-read helper sees only the first few dozen sockets (found when a busy
    /// machine's TIME_WAIT entries were missed).
    static func readWhole(_ path: String) -> String? {
        var bytes: [UInt8] = []
        guard
            readChunks(
                path,
                {
                    bytes += $0
                    return true
                })
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `python3 TCPServer.py`: the program's name and its arguments, shortened.
    private static func command(of pid: String) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return name ?? "process"
        }
        // Paths by their last component: `python3 TCPServer.py`, as the student typed it.
        let words = data.split(separator: 0).map { (String(decoding: $0, as: UTF8.self) as NSString).lastPathComponent }
        var text = words.joined(separator: " ")
        if text.count > 80 { text = String(text.prefix(77)) + "..." }
        return text
    }
}
