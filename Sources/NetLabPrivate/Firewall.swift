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

    /// The `nft` program, if installed.
    public static func program() -> String? { Program.find("nft") }

    /// Loads `ruleset` (nft's file syntax) into the private network's firewall (host b's with
    /// `host`). Blocks until nft is done: call it off the main thread.
    public static func load(_ ruleset: String, on host: SecondHost? = nil) throws(Failure) {
        guard PrivateNetwork.isInside else {
            throw Failure(
                message: "faults are made only in netlab's private network (start netlab --private): "
                    + "here they would change this machine's firewall")
        }
        guard let nft = program() else {
            throw Failure(message: "faults need nftables' nft program: apt-get install nftables (Debian), then try again")
        }
        let result: (status: Int32, error: String)
        do {
            result = try host.map { try $0.run("nft", ["-f", "-"], input: ruleset) } ?? Program.run(nft, ["-f", "-"], input: ruleset)
        } catch {
            throw Failure(message: "cannot start \(nft): \(error.localizedDescription)")
        }
        guard result.status == 0 else {
            throw Failure(message: "nft refused the faults: \(result.error.isEmpty ? "exit \(result.status)" : result.error)")
        }
    }
}
