import Foundation
import NetLabCore
import NetLabPrivate

/// Puts faults where they belong: host a's firewall (drop, reject, loss on netlab's input),
/// host b's (down) and the link between them (rate: a token bucket on each end's way out).
/// Blocks until the programs are done: off the main thread.
public enum FaultLoader {
    public static func load(_ faults: [Fault], secondHost: SecondHost?) throws(FaultError) {
        do throws(Firewall.Failure) {
            try Firewall.load(Fault.ruleset(faults))
            if let secondHost { try Firewall.load(Fault.hostBRuleset(faults), on: secondHost) }
        } catch {
            throw FaultError(error.message)
        }
        guard let secondHost else { return }
        do {
            try setRate(Fault.linkRate(faults), secondHost: secondHost)
            // A host that is down has been for a while: host a's kernel has forgotten its
            // hardware address, so the next packet asks ARP first, and nobody answers.
            if faults.contains(.down) { _ = try SecondHost.runHere("ip", ["neigh", "flush", "dev", SecondHost.linkA]) }
        } catch let error as FaultError {
            throw error
        } catch {
            throw FaultError("cannot set the link's rate: \(error.localizedDescription)")
        }
    }

    /// tbf on both ends of the link (a veth has no queue of its own; 1500-byte frames, so a
    /// burst of a few frames), or none.
    static func setRate(_ bits: Int?, secondHost: SecondHost) throws {
        for (link, onB) in [(SecondHost.linkA, false), (SecondHost.linkB, true)] {
            let arguments: [String]
            if let bits {
                arguments = ["qdisc", "replace", "dev", link, "root", "tbf", "rate", "\(bits)bit", "burst", "6kb", "latency", "2s"]
            } else {
                arguments = ["qdisc", "del", "dev", link, "root"]
            }
            let result = onB ? try secondHost.run("tc", arguments) : try SecondHost.runHere("tc", arguments)
            // Deleting a qdisc that is not there is fine ("No such file or directory", or
            // "Cannot delete qdisc with handle of zero").
            if result.status != 0, bits != nil {
                throw FaultError("tc refused the rate: \(result.error.isEmpty ? "exit \(result.status)" : result.error)")
            }
        }
    }
}
