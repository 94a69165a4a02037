import ArgumentParser
import Foundation
import NetLabCore
import NetLabSockets

struct HTTPGetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-get",
        abstract: "Fetch a URL or path over HTTP and print the status line, headers and body.",
        discussion: """
            TARGET is a URL (http://127.0.0.1:8080/index.html), a path (/index.html, with --host and --port), \
            or a whole request line in quotes ("HEAD / HTTP/1.0"). Any HTTP answer, 404 included, exits 0.
            """
    )

    @Argument(help: "URL, path, or request line.")
    var target: String

    @Option(help: "The server's address, for a path or request line.")
    var host = "127.0.0.1"

    @Option(help: "The server's port, for a path or request line.")
    var port: Int = 8080

    @Option(help: "Seconds to wait for the whole response.")
    var timeout: Double = 5

    @Flag(help: "Also print a hex dump (tshark -x layout) of what was sent and received.")
    var hex = false

    func validate() throws {
        try Ports.check(port, allowZero: false)
        try Timeouts.check(timeout)
        _ = try destination()
    }

    /// Host, port and the line to send.
    func destination() throws -> (host: String, port: UInt16, line: String) {
        guard HTTPURL.looksLikeURL(target) else { return (host, UInt16(port), target) }
        do throws(HTTPURL.ParseError) {
            let url = try HTTPURL.parse(target)
            return (url.host, url.port, url.target)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let (host, port, line) = try destination()
        let request = HTTPClientMessage.request(for: line, host: host, port: port)
        let timeout = timeout
        try ClientRunner.run(words: [], hex: hex, input: [request]) { sink in
            let client = TCPClient(events: sink, engine: .http)
            return { message, completion in
                client.send(message, host: host, port: port, timeout: timeout, completion: completion)
            }
        }
    }
}
