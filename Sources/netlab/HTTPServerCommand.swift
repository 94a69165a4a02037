import ArgumentParser
import Dispatch
import Foundation
import NetLabCore
import NetLabSockets

struct HTTPServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-server",
        abstract: "Run the web server (static files, 404 for missing ones) until Ctrl-C.",
        discussion: """
            Serves files under --root (index.html for a folder), or a small built-in site with the lab's \
            HelloWorld.html when no root is given. GET and HEAD, HTTP/1.0 and 1.1, keep-alive and pipelining. \
            One access-log line per request. --once serves exactly one request and exits, as the lab's server does.
            """
    )

    @Option(help: "Address to listen on. Default: every address, IPv4 and IPv6.")
    var host: String?

    @Option(help: "Port to listen on (0 lets the system pick a free one).")
    var port: Int = 8080

    @Option(help: "Folder to serve. Default: the built-in demo site.")
    var root: String?

    @Flag(help: "List a folder that has no index.html (names escaped and sorted, with sizes) instead of answering 403.")
    var listDirs = false

    @Flag(help: "Serve exactly one request, then exit 0.")
    var once = false

    @Flag(help: "Also print a hex dump (tshark -x layout) of every request.")
    var hex = false

    @Flag(help: "Also log connections and every chunk sent.")
    var verbose = false

    @Flag(help: "No access log line per request: only start, stop and errors (for load tests).")
    var quiet = false

    @Option(help: "Seconds a connection may wait for its next request, or leave a response unread, before it is closed.")
    var idleTimeout: Double = HTTPServer.Configuration.defaultIdleTimeout

    func validate() throws {
        try Ports.check(port, allowZero: true)
        try IdleTimeouts.check(idleTimeout, allowNever: false)
        try ServerSettings.checkQuiet(quiet, verbose: verbose, hex: hex)
        _ = try Roots.site(root)
    }

    func run() throws {
        var configuration = HTTPServer.Configuration(site: try Roots.site(root))
        configuration.closeAfterEachResponse = once
        configuration.listDirectories = listDirs
        configuration.idleTimeout = idleTimeout
        let options = ServerSettings(host: host, port: UInt16(port), hex: hex, verbose: verbose, quiet: quiet, once: once)
        let once = once
        try ServerRunner.run(
            .http, options: options,
            onEvent: { event, stop in
                if once, case .served = event.kind { stop() }
            },
            make: { HTTPServer(events: $0, configuration: configuration) })
    }
}
