import ArgumentParser
import NetLabSockets

struct TCPClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-client",
        abstract: "Send messages to a TCP uppercase server and print the replies.",
        discussion: """
            With MESSAGE words, sends them joined by spaces as one message and prints only the reply. \
            Without, sends each line of standard input (prompting like the lab's client on a terminal). \
            Each message uses its own connection: connect, send, close the sending side, read the reply to the end. \
            A reply over 64 MiB is cut off with an error; a connection closed without a byte of reply is an error too (exit 1).
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Seconds to wait for the connection and the whole reply.")
    var timeout: Double = 5

    @Argument(help: "The message; words are joined with spaces.")
    var message: [String] = []

    func validate() throws {
        try Timeouts.check(timeout)
    }

    func run() throws {
        let host = options.host
        let port = UInt16(options.port)
        let timeout = timeout
        try ClientRunner.run(words: message, hex: options.hex) { sink in
            let client = TCPClient(events: sink)
            return { message, completion in
                client.send(message, host: host, port: port, timeout: timeout, completion: completion)
            }
        }
    }
}
