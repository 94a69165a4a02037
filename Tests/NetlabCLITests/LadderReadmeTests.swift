import Foundation
import Glibc
import Testing

/// README's three ladders, made again from the lab's own clients under `netlab run --ladder`,
/// each in a network namespace of its own (so ports 12000 and 12001 are free), and compared
/// with the README's blocks; only the client's port, which the kernel picks, is the README's.
@Suite(.serialized, .enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root for unshare -n"))
struct LadderReadmeTests {
    static func readmeBlocks() throws -> [String] {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").standardized,
            encoding: .utf8)
        let section = try #require(
            readme.components(separatedBy: "<!-- ladders:start -->").dropFirst().first?.components(separatedBy: "<!-- ladders:end -->").first)
        return section.components(separatedBy: "```\n").enumerated().filter { $0.offset % 2 == 1 }.map {
            $0.element.trimmingCharacters(in: .newlines)
        }
    }

    /// Runs `script` (sh) in a fresh network namespace with its loopback up; the ladder that
    /// `netlab run --ladder --ascii -o FILE` wrote, from its names line on.
    func ladder(_ script: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-ladder-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = "\(netlabBinary.path) run --ladder --ascii -o \(file) --"
        _ = try runShell("ip link set lo up; " + script.replacingOccurrences(of: "RUN", with: run), environment: ["COLUMNS": "64"])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.wholeMatch(of: /^ [a-z0-9]+ :\d+ .*/) != nil }, "\(text)")
        return lines[start...].joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    func runShell(_ script: String, environment: [String: String]) throws -> Finished {
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { $1 }
        return try run("/usr/bin/unshare", ["-n", "sh", "-c", script], environment: variables)
    }

    /// The README's block with the kernel's client port in place of the README's.
    func expected(_ block: String, like actual: String) -> String {
        guard let port = actual.firstMatch(of: /^ [a-z0-9]+ :(\d+)/)?.1 else { return block }
        return block.replacing(/^( [a-z0-9]+ :)\d+/) { "\($0.1)\(port)" }
    }

    @Test func theThreeQuestionsLookAsTheReadmeShowsThem() throws {
        let blocks = try Self.readmeBlocks()
        #expect(blocks.count == 3)
        guard blocks.count == 3 else { return }
        let client = fixture("TCPClient.py")
        let udp = fixture("UDPClient.py")
        let refused = try ladder("RUN python3 \(client) 127.0.0.1 12000 < /dev/null")
        #expect(refused == expected(blocks[0], like: refused), "\(refused)")
        let silence = try ladder("echo hi | RUN timeout 1 python3 \(udp) 127.0.0.1 12000")
        #expect(silence == expected(blocks[1], like: silence), "\(silence)")
        let mismatched = try ladder(
            "python3 \(fixture("TCPServer.py")) 12000 > /dev/null & "
                // Until it listens (bounded): its port in /proc/net/tcp in state 0A.
                + "for i in $(seq 200); do grep -q ':2EE0 00000000:0000 0A' /proc/net/tcp && break; sleep 0.01; done; "
                + "echo hi | RUN python3 \(client) 127.0.0.1 12001; kill $!")
        #expect(mismatched == expected(blocks[2], like: mismatched), "\(mismatched)")
    }
}
