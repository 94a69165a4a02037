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

    func run() throws {
        let oneMessage = oneMessage
        try ServerRunner.run(.tcp, options: options.settings) { TCPServer(events: $0, oneMessage: oneMessage) }
    }
}
