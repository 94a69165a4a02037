import ArgumentParser
import Foundation
import NetLabPrivate
import NetLabTrace

/// `netlab shell [-- COMMAND...]`: a shell, or COMMAND, in the private network of the
/// running `netlab --private`, so the student's own programs run beside it and show on its
/// timeline.
struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Open a shell (or run COMMAND) in the private network of the running netlab --private.",
        discussion: """
            netlab --private runs netlab in a network of its own (no root needed to capture \
            there); programs started from netlab shell share that network, so the console \
            sees their packets and they reach its servers. netlab exits with their status.
            With netlab --private --hosts 2, --host b runs it on the second host (10.13.0.2; netlab \
            and its servers are host a, 10.13.0.1).
            Example: netlab --private in one terminal, then netlab shell -- python3 TCPServer.py in another
            """
    )

    @Option(help: ArgumentHelp("The host to run on: a (netlab's) or b (with --hosts 2).", valueName: "a|b"))
    var host: String = "a"

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The program and its arguments, after -- (default: $SHELL).", valueName: "command"))
    var command: [String] = []

    func run() throws {
        // The passthrough takes everything from the first word it does not know, --help too.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        var words = command.first == "--" ? Array(command.dropFirst()) : command
        if words.isEmpty { words = ForegroundShell.command }
        guard host == "a" || host == "b" else {
            throw CommandFailure(message: "--host \(host): a (netlab's host) or b (the second host of --hosts 2)", code: CommandFailure.usage)
        }
        do {
            let target = try PrivateNetwork.running(host: host)
            guard let path = Tracer.resolve(words[0]) else {
                throw CommandFailure(
                    message: "\(words[0]): no such program (not a path, and not on PATH); check the name, or give its path", code: 127)
            }
            Foundation.exit(try PrivateNetwork.join(target, path: path, arguments: [path] + words.dropFirst()))
        } catch let error as PrivateNetwork.Failure {
            throw CommandFailure(message: error.message, code: error.code)
        }
    }
}
