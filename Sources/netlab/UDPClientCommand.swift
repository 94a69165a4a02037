import ArgumentParser
import NetLabCore
import NetLabSockets

extension UDPMode: ExpressibleByArgument {}

struct UDPClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udp-client",
        abstract: "Send datagrams to a UDP uppercase server and print the replies.",
        discussion: """
            With MESSAGE words, sends them joined by spaces as one datagram and prints only the reply. \
            Without, sends each line of standard input. If nobody listens, an unconnected socket (the lab's \
            way) is never told: the client only times out. With --connected, Linux reports the ICMP \
            port-unreachable as "Connection refused".
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Seconds to wait for each reply.")
    var timeout: Double = 2

    @Flag(help: "connect() the socket first, so a closed port is reported as ECONNREFUSED.")
    var connected = false

    @Argument(help: "The message; words are joined with spaces.")
    var message: [String] = []

    func validate() throws {
        try Timeouts.check(timeout)
    }

    func run() throws {
        let host = options.host
        let port = UInt16(options.port)
        let timeout = timeout
        let mode: UDPClient.Mode = connected ? .connected : .unconnected
        try ClientRunner.run(words: message, hex: options.hex) { sink in
            let client = UDPClient(events: sink)
            return { message, completion in
                client.send(message, host: host, port: port, mode: mode, timeout: timeout, completion: completion)
            }
        }
    }
}
