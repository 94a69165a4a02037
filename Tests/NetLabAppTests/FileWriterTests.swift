import Foundation
import Glibc
import NetLabApp
import Testing

/// Issue 23: `:save`, `check --junit` and `--gradescope` write files like a careful tool.
@Suite struct FileWriterTests {
    let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-writer-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func kind(_ path: String, follow: Bool = false) -> mode_t {
        var info = stat()
        _ = follow ? stat(path, &info) : lstat(path, &info)
        return info.st_mode & S_IFMT
    }

    func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.contains(".netlab-") }
    }

    @Test func aDeviceStaysADevice() throws {
        try FileWriter.write(Array("grades".utf8), to: "/dev/null")
        #expect(kind("/dev/null") == S_IFCHR)
        #expect(throws: FileWriter.Failure.failed(path: "/dev/full", errno: ENOSPC)) {
            try FileWriter.write(Array("grades".utf8), to: "/dev/full")
        }
        #expect(kind("/dev/full") == S_IFCHR)
        #expect(
            FileWriter.Failure.failed(path: "/dev/full", errno: ENOSPC).description
                == "cannot write /dev/full: No space left on device (ENOSPC); free some space, or choose a file on another disk")
    }

    @Test func aLinkStaysALinkAndItsTargetIsWritten() throws {
        let target = folder + "/target.xml"
        let link = folder + "/link.xml"
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(symlink(target, link) == 0)
        try FileWriter.write(Array("new".utf8), to: link)
        #expect(kind(link) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
    }

    @Test func anExistingFileKeepsItsModeAndIsReplacedWhole() throws {
        let path = folder + "/grades.xml"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(chmod(path, 0o600) == 0)
        try FileWriter.write(Array("new grades".utf8), to: path)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new grades")
        #expect(leftovers().isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0, "giving a file to another user needs root"))
    func someoneElsesFileKeepsItsOwner() throws {
        let path = folder + "/theirs.xml"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(chown(path, 65534, 65534) == 0)
        try FileWriter.write(Array("new".utf8), to: path)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_uid == 65534 && info.st_gid == 65534)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    }

    @Test func keepLeavesAnExistingFileAlone() throws {
        let path = folder + "/session.txt"
        try "mine".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: FileWriter.Failure.exists(path: path)) { try FileWriter.write(Array("x".utf8), to: path, existing: .keep) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "mine")
        // A new name is written, with the usual permissions.
        let fresh = folder + "/fresh.txt"
        try FileWriter.write(Array("x".utf8), to: fresh, existing: .keep)
        // The umask as /proc tells it (setting it to read it would race other tests' files).
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let mask = try #require(mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        var info = stat()
        #expect(stat(fresh, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o666 & ~mask)
    }

    @Test func aFIFOWithoutAReaderAndAFolderAreOneLineErrors() {
        let fifo = folder + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileWriter.Failure.failed(path: fifo, errno: ENXIO)) { try FileWriter.write([1], to: fifo) }
        #expect(kind(fifo) == S_IFIFO)
        #expect(throws: FileWriter.Failure.failed(path: folder, errno: EISDIR)) { try FileWriter.write([1], to: folder) }
        #expect(throws: FileWriter.Failure.failed(path: folder + "/no/such", errno: ENOENT)) { try FileWriter.write([1], to: folder + "/no/such") }
    }
}
