import ArgumentParser
import NetLabCore
import NetLabEvents
import NetLabSockets

/// `--host` and `--port` for a server.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on: an IPv4 or IPv6 address or a host name. Default: every address, IPv4 and IPv6.")
    var host: String?

    @Option(help: "Port to listen on (0 lets the system pick a free one).")
    var port: Int = 12000

    @Flag(help: "Also print a hex dump (tshark -x layout) of every message.")
    var hex = false

    @Flag(help: "Also log connections opening and closing, and every reply.")
    var verbose = false

    @Flag(help: "No line per message: only start, stop and errors (for load tests).")
    var quiet = false

    func validate() throws {
        try Ports.check(port, allowZero: true)
        try ServerSettings.checkQuiet(quiet, verbose: verbose, hex: hex)
    }

    var settings: ServerSettings { ServerSettings(host: host, port: UInt16(port), hex: hex, verbose: verbose, quiet: quiet) }
}

/// What `ServerRunner` needs, however a command spells its options (the HTTP server's port
/// default differs).
struct ServerSettings {
    var host: String?
    var port: UInt16
    var hex: Bool
    var verbose: Bool
    var quiet = false
    /// `--once`: the runner must see the `served` event even when nothing is printed.
    var once = false

    static func checkQuiet(_ quiet: Bool, verbose: Bool, hex: Bool) throws {
        if quiet && (verbose || hex) {
            throw ValidationError("--quiet with --\(verbose ? "verbose" : "hex") asks for less and more at once: pick one")
        }
    }

    /// The events the log prints, and so the ones the engine should build.
    func detail(for engine: LabEvent.Engine) -> EventSink.Detail {
        if quiet { return once ? .traffic : .lifecycle }
        // HTTP's access line comes from `served`; payloads only for --verbose or --hex. A
        // server's replies are printed only with --verbose.
        if verbose { return .payloads }
        if engine == .http && !hex { return .traffic }
        return .receives
    }
}

/// `--root`, checked: an existing directory, or a one-line usage error.
enum Roots {
    static func site(_ root: String?) throws -> HTTPSite {
        guard let root else { return .builtIn }
        do throws(HTTPSite.SiteError) {
            return try HTTPSite.root(root)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// `--host` and `--port` for a client.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's address: an IPv4 or IPv6 address or a host name.")
    var host = "127.0.0.1"

    @Option(help: "The server's port.")
    var port: Int = 12000

    @Flag(help: "Also print a hex dump (tshark -x layout) of what was sent and received.")
    var hex = false

    func validate() throws {
        try Ports.check(port, allowZero: false)
        if host.isEmpty { throw ValidationError("--host is empty: give the server's address, e.g. --host 127.0.0.1") }
    }
}

enum Ports {
    /// `option` is the flag's own name, so the error names what the user typed.
    static func check(_ port: Int, allowZero: Bool, option: String = "--port") throws {
        let lowest = allowZero ? 0 : 1
        guard (lowest...65535).contains(port) else {
            throw ValidationError("\(option) \(port) is not a port number: use \(lowest)-65535 (the lab uses 12000)")
        }
    }
}

/// `--timeout`, checked.
enum Timeouts {
    static func check(_ seconds: Double) throws {
        guard seconds >= 0.001, seconds <= 3600, seconds.isFinite else {
            throw ValidationError("--timeout \(seconds) is out of range: give seconds between 0.001 and 3600, e.g. --timeout 2")
        }
    }
}

/// `--idle-timeout`, checked.
enum IdleTimeouts {
    static func check(_ seconds: Double, allowNever: Bool = true) throws {
        if allowNever && seconds == 0 { return }
        guard seconds >= 0.001, seconds <= 86400, seconds.isFinite else {
            let range = allowNever ? "0 (never) or seconds between 0.001 and 86400" : "seconds between 0.001 and 86400"
            throw ValidationError("--idle-timeout \(seconds) is out of range: give \(range), e.g. --idle-timeout 60")
        }
    }
}
