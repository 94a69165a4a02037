import ArgumentParser
import NetLabSockets

struct UDPServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udp-server",
        abstract: "Run the UDP uppercase server until Ctrl-C.",
        discussion: "Answers each datagram with its uppercase, sent back to the address it came from."
    )

    @OptionGroup var options: ServerOptions

    func run() throws {
        try ServerRunner.run(.udp, options: options.settings) { UDPServer(events: $0) }
    }
}
