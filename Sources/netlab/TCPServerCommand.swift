import ArgumentParser
import NetLabSockets

struct TCPServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-server",
        abstract: "Run the TCP uppercase server until Ctrl-C.",
        discussion: "Serves many clients at once; each gets its bytes back uppercased, then the connection closes after the client closes its side."
    )

    @OptionGroup var options: ServerOptions

    @Flag(help: "Answer one read per connection, then close, exactly like the lab's TCPServer.py (the server closes first).")
    var oneMessage = false

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may send and read nothing before the server closes it (0: never).",
            discussion: "At most 1024 clients (fewer if ulimit -n is lower) are served at once; more are reset at once."))
    var idleTimeout: Double = TCPServer.defaultIdleTimeout

    func validate() throws {
        try IdleTimeouts.check(idleTimeout)
    }

    func run() throws {
        let oneMessage = oneMessage
        let idleTimeout = idleTimeout
        try ServerRunner.run(.tcp, options: options.settings) {
            TCPServer(events: $0, oneMessage: oneMessage, idleTimeout: idleTimeout)
        }
    }
}
