import ArgumentParser
import NetLabSockets

struct TCPServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-server",
        abstract: "Run the TCP uppercase server until Ctrl-C.",
        discussion: "Serves many clients at once; each gets its bytes back uppercased, then the connection closes after the client closes its side."
    )

    @OptionGroup var options: ServerOptions

    func run() throws {
        try ServerRunner.run(.tcp, options: options.settings) { TCPServer(events: $0) }
    }
}
