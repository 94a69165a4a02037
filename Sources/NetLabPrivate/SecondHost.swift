import CNetLabPrivate
import Foundation

/// Host b of `netlab --private --hosts 2`: a second network namespace joined to netlab's by a
/// virtual Ethernet link, with addresses that exist only inside the private network. netlab
/// (its servers, client and capture) is host a; `netlab shell --host b` runs programs on b.
public struct SecondHost: Sendable {
    public static let addressA = "10.13.0.1"
    public static let addressB = "10.13.0.2"
    /// The link's two ends: on host a (where the capture listens) and on host b.
    public static let linkA = "nl-a"
    public static let linkB = "nl-b"

    /// The process holding host b's namespace (it ends with netlab).
    public let pid: pid_t

    /// Makes host b and the link (inside the private network only), and writes its runtime
    /// file for `netlab shell --host b`.
    public static func make() throws(PrivateNetwork.Failure) -> SecondHost {
        guard PrivateNetwork.isInside else {
            throw PrivateNetwork.Failure(message: "a second host is made only in netlab's private network (--private)", code: 64)
        }
        guard let ip = Program.find("ip"), let nsenter = Program.find("nsenter") else {
            throw PrivateNetwork.Failure(
                message: "two hosts need iproute2's ip and util-linux's nsenter: apt-get install iproute2 util-linux (Debian)", code: 69)
        }
        let pid = netlab_private_second_host()
        guard pid > 0 else {
            throw PrivateNetwork.Failure(message: "cannot make host b's network: \(String(cString: strerror(errno)))", code: 1)
        }
        let host = SecondHost(pid: pid)
        let b = ["--target", "\(pid)", "--net", ip]
        let steps: [(String, [String])] = [
            (ip, ["link", "add", linkA, "type", "veth", "peer", "name", linkB, "netns", "\(pid)"]),
            (ip, ["addr", "add", "\(addressA)/24", "dev", linkA]),
            (ip, ["link", "set", linkA, "up"]),
            (nsenter, b + ["link", "set", "lo", "up"]),
            (nsenter, b + ["addr", "add", "\(addressB)/24", "dev", linkB]),
            (nsenter, b + ["link", "set", linkB, "up"]),
        ]
        for (program, arguments) in steps {
            let result: (status: Int32, error: String)
            do {
                result = try Program.run(program, arguments)
            } catch {
                kill(pid, SIGKILL)
                throw PrivateNetwork.Failure(message: "cannot start \(program): \(error.localizedDescription)", code: 1)
            }
            guard result.status == 0 else {
                kill(pid, SIGKILL)
                let words = ([program] + arguments).joined(separator: " ")
                throw PrivateNetwork.Failure(message: "cannot make the link to host b (\(words)): \(result.error)", code: 1)
            }
        }
        if let file = ProcessInfo.processInfo.environment[PrivateNetwork.runtimeBVariable], file.hasPrefix("/") {
            try? "\(pid)\n".write(toFile: file, atomically: true, encoding: .utf8)
        }
        return host
    }

    /// Runs `program` (found like `ip`) with `arguments` on host a (netlab's own).
    public static func runHere(_ program: String, _ arguments: [String]) throws -> (status: Int32, error: String) {
        guard let path = Program.find(program) else { return (127, "\(program) is not installed") }
        return try Program.run(path, arguments)
    }

    /// Runs `program` (found like `ip`) with `arguments` on host b.
    public func run(_ program: String, _ arguments: [String], input: String = "") throws -> (status: Int32, error: String) {
        guard let path = Program.find(program), let nsenter = Program.find("nsenter") else {
            return (127, "\(program) is not installed")
        }
        return try Program.run(nsenter, ["--target", "\(pid)", "--net", path] + arguments, input: input)
    }
}
