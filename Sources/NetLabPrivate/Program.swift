import Foundation
import NetLabSpawn

/// A system program netlab drives in its private network (`ip`, `nft`, `nsenter`, `tc`): found
/// where Debian puts it (root's PATH has the sbin folders, a student's often does not) and run
/// to its end. Blocks: call it off the main thread.
enum Program {
    static let folders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = folders.map { "\($0)/\(name)" } + path.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `path` with `arguments`, `input` on its stdin: its status and the first line it wrote
    /// to stderr.
    static func run(_ path: String, _ arguments: [String], input: String = "") throws -> (status: Int32, error: String) {
        let stdin = Pipe()
        let stderr = Pipe()
        let process = try ChildProcess(path, arguments, stdin: .pipe(stdin), stdout: .null, stderr: .pipe(stderr))
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let said = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let first = String(decoding: said, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return (process.terminationStatus, first)
    }
}
