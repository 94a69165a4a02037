import ArgumentParser
import Foundation
import NetLabPrivate
import NetLabSockets

/// The `netlab` command: the lab's programs, headless, as subcommands.
@main
struct NetLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netlab",
        abstract: "A network lab for socket programming: the lab's TCP, UDP and HTTP servers and clients, "
            + "a console that shows each socket call beside the packets it caused, a capture and a grader.",
        discussion: """
            The servers turn a-z into A-Z and leave every other byte alone, like the lab's \
            TCPServer.py and UDPServer.py, and talk to them, to nc and to each other.
            --private (with any command, the console's too) runs netlab in a network of its own, \
            where capturing needs no root; netlab shell runs programs in it. With it, --hosts 2 adds host b \
            (10.13.0.2, joined to netlab's 10.13.0.1 by a link; netlab shell --host b), and --fault "drop tcp 12000" \
            (repeatable: drop or reject tcp|udp PORT, loss N% [tcp|udp] [PORT]; with two hosts also down and \
            rate 100kbit) puts a fault there on purpose.
            Exit codes: 0 success, 64 bad usage, 69 connection refused, 75 no reply in time, 1 other failures.
            """,
        version: NetLab.version,
        subcommands: [
            ConsoleCommand.self, TCPServerCommand.self, UDPServerCommand.self, TCPClientCommand.self,
            UDPClientCommand.self, HTTPServerCommand.self, HTTPGetCommand.self, CaptureCommand.self, CheckCommand.self,
            RunCommand.self, ShellCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    /// `netlab --version`: the release this source tree is (raised with each tagged release).
    static let version = "0.9.0"

    /// Host b, when `--hosts 2` made one (set once in `main`, before any command runs).
    nonisolated(unsafe) static var secondHost: SecondHost?

    /// Parses, runs, and turns every error into one line on stderr and an exit code.
    static func main() {
        let (withoutHosts, hostSpecs) = GlobalOption.strip(CommandLine.arguments, option: "--hosts")
        let (withoutFaults, faultSpecs) = FaultOption.strip(withoutHosts)
        var arguments = Array(withoutFaults.dropFirst())
        let privateRest = PrivateNetwork.strip(withoutFaults)
        let hosts: Int
        do {
            hosts = try HostsOption.parse(hostSpecs).get()
            if hosts == 2, privateRest == nil, !PrivateNetwork.isInside {
                throw CommandFailure(
                    message: "--hosts 2 needs --private: the second host exists only in netlab's private network", code: CommandFailure.usage)
            }
            try FaultOption.check(faultSpecs, privateNetwork: privateRest != nil || PrivateNetwork.isInside, hosts: hosts)
        } catch let error as CommandFailure {
            Output.error(error.message)
            Foundation.exit(error.code)
        } catch {
            Output.error("\(error)")
            Foundation.exit(1)
        }
        if privateRest != nil, !PrivateNetwork.isInside, let rest = PrivateNetwork.strip(CommandLine.arguments) {
            // Run again in a private network (the --fault options go along), and end as it ends.
            do {
                Foundation.exit(try PrivateNetwork.run(rest))
            } catch {
                Output.error(error.message)
                Foundation.exit(error.code)
            }
        }
        if let rest = privateRest { arguments = Array(rest.dropFirst()) }
        // In the private network (started by --private, or a netlab run from its shell): a new
        // network namespace's loopback is down; bringing it up again is harmless.
        if PrivateNetwork.isInside, let error = Loopback.bringUp() {
            Output.error("cannot bring the private network's loopback up: \(error.message) (\(error.name))")
            Foundation.exit(1)
        }
        if PrivateNetwork.isInside, hosts == 2 {
            do {
                NetLab.secondHost = try SecondHost.make()
            } catch {
                Output.error(error.message)
                Foundation.exit(error.code)
            }
        }
        do {
            try FaultOption.load(faultSpecs)
        } catch {
            Output.error(error.message)
            Foundation.exit(error.code)
        }
        do {
            var command = try parseAsRoot(arguments)
            try checkDescriptors()
            try command.run()
        } catch let failure as CommandFailure {
            Output.error(failure.message)
            Foundation.exit(failure.code)
        } catch let exit as ExitCode {
            // A command that reported everything itself (netlab check: the failed count).
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if error is CleanExit { Foundation.exit(code.rawValue) }
            let message = NetLab.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Output.error("\(message) (see 'netlab --help')")
            Foundation.exit(code.rawValue)
        }
    }
}

/// Raises the descriptor limit to the hard one (servers hold a descriptor per client) and
/// refuses to start below the few that the engines themselves need.
func checkDescriptors() throws {
    let limit = DescriptorLimit.raise()
    guard limit >= DescriptorLimit.minimum else {
        throw CommandFailure(
            message: "only \(limit) open files are allowed (ulimit -n) and netlab needs at least \(DescriptorLimit.minimum): "
                + "raise the limit, e.g. ulimit -n 1024",
            code: CommandFailure.other)
    }
}

/// A failure the command already explained: its message and exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32

    static let usage: Int32 = 64  // EX_USAGE
    static let refused: Int32 = 69  // EX_UNAVAILABLE: nothing listens there
    static let timedOut: Int32 = 75  // EX_TEMPFAIL: no reply in time
    static let other: Int32 = 1
}
