import Foundation
import Glibc
import NetLabSpawn
import Testing

/// The tests and `--private` start programs with `ChildProcess` (posix_spawn), not Foundation's
/// `Process`, whose `run()` on Linux over-reads /proc/self/fd entries and crashed this suite
/// about once in a few runs (SIGSEGV in Process.run).
@Suite struct ChildProcessTests {
    /// The child gets 0, 1 and 2 and nothing else, even descriptors this process left open
    /// without close-on-exec.
    @Test func onlyTheThreeStandardDescriptorsReachTheChild() throws {
        var leaky: [Int32] = [0, 0]
        #expect(pipe(&leaky) == 0)  // no O_CLOEXEC on purpose
        defer { for fd in leaky { close(fd) } }
        let output = Pipe()
        let child = try ChildProcess("/bin/sh", ["-c", "cd /proc/self/fd && echo *"], stdin: .null, stdout: .pipe(output))
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        // The shell's glob opens the folder it lists: that is the 3. An inherited descriptor
        // keeps its number (the leaky pipe's are above 3 here).
        #expect(leaky.allSatisfy { $0 > 3 })
        let numbers = listed.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }.sorted()
        #expect(numbers == [0, 1, 2, 3], "\(listed)")
    }

    @Test func exitStatusAndSignalAreToldApart() throws {
        let exited = try ChildProcess("/bin/sh", ["-c", "exit 3"])
        #expect(exited.terminationStatus == 3)
        #expect(!exited.endedBySignal)
        #expect(!exited.isRunning)
        let killed = try ChildProcess("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.terminationStatus == 9)
        #expect(killed.endedBySignal)
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: ChildProcess.SpawnError.self) {
            _ = try ChildProcess("/nonexistent/program", [], stdin: 0, stdout: 1, stderr: 2)
        }
    }

    /// Many children started at once from several threads, each with its own pipe: every
    /// one's output arrives whole and every one is reaped (Process.run crashed under this).
    @Test func manyAtOnceFromSeveralThreads() async throws {
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let output = Pipe()
                    let child = try ChildProcess("/bin/echo", ["child \(index)"], stdin: .null, stdout: .pipe(output))
                    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    child.waitUntilExit()
                    return child.terminationStatus == 0 ? text : "status \(child.terminationStatus)"
                }
            }
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all
        }
        #expect(Set(results) == Set((0..<64).map { "child \($0)\n" }))
    }
}
