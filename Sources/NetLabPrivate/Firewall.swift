import Foundation

/// The private network's own firewall, set with nftables' `nft` program: netlab's faults are a
/// ruleset in a table of its own, replaced whole (one transaction) on every change. Only ever
/// inside the private network: on a real network the same rules would change the machine's
/// firewall.
public enum Firewall {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Where Debian puts `nft` (root's PATH has /usr/sbin; a student's often does not).
    static let places = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"]

    /// The `nft` program, if installed.
    public static func program() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = places + path.split(separator: ":").map { "\($0)/nft" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Loads `ruleset` (nft's file syntax) into the private network's firewall. Blocks until
    /// nft is done: call it off the main thread.
    public static func load(_ ruleset: String) throws(Failure) {
        guard PrivateNetwork.isInside else {
            throw Failure(
                message: "faults are made only in netlab's private network (start netlab --private): "
                    + "here they would change this machine's firewall")
        }
        guard let nft = program() else {
            throw Failure(message: "faults need nftables' nft program: apt-get install nftables (Debian), then try again")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nft)
        process.arguments = ["-f", "-"]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(message: "cannot start \(nft): \(error.localizedDescription)")
        }
        input.fileHandleForWriting.write(Data(ruleset.utf8))
        try? input.fileHandleForWriting.close()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let first = String(decoding: said, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "exit \(process.terminationStatus)"
            throw Failure(message: "nft refused the faults: \(first)")
        }
    }
}
