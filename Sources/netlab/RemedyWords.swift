import NetLabCore

/// What the command line tells a user to do about a failure: its own options, never the
/// console's commands.
enum RemedyWords {
    static func cli(_ remedy: Remedy?) -> String? {
        switch remedy {
        case .freeOrChangePort(let port):
            return "stop it, or pick another port with --port (e.g. --port \(Remedy.neighbour(of: port)))"
        case .waitOrChangePort(let port):
            return "wait a minute, or pick another port with --port (e.g. --port \(Remedy.neighbour(of: port)))"
        case .unprivilegedPort:
            return "use a port of 1024 or above with --port, such as 12000"
        case .raiseDescriptorLimit:
            return "close some connections or raise the limit (ulimit -n)"
        case .startServer:
            return "start the server first, or check --host and --port"
        case .connectedUDP:
            return "--connected hears the ICMP error"
        case nil:
            return nil
        }
    }

    /// What to do, said to the author of a traced program (`netlab run`): about its own calls.
    static func program(_ remedy: Remedy?) -> String? {
        switch remedy {
        case .freeOrChangePort(let port):
            return "stop it, or bind another port (e.g. \(Remedy.neighbour(of: port)))"
        case .waitOrChangePort(let port):
            return "wait a minute, set SO_REUSEADDR before bind(), or bind another port (e.g. \(Remedy.neighbour(of: port)))"
        case .unprivilegedPort:
            return "bind a port of 1024 or above, such as 12000"
        case .raiseDescriptorLimit:
            return "close the sockets the program no longer uses, or raise the limit (ulimit -n)"
        case .startServer:
            return "start the server first, or check the address and port the program connects to"
        case .connectedUDP:
            return "a connect()ed UDP socket hears the ICMP error"
        case nil:
            return nil
        }
    }

    /// A client failure with the CLI's remedy.
    static func line(_ failure: ClientFailure) -> String {
        guard let words = cli(failure.remedy) else { return failure.description }
        // After the first line: the second (if any) stays a line of its own.
        var lines = failure.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] += " (" + words + ")"
        return lines.joined(separator: "\n")
    }

    /// `error.description` and, when there is one, the remedy: one line.
    static func line(_ error: SocketError) -> String {
        guard let words = cli(error.remedy) else { return error.description }
        return error.description + "; " + words
    }
}
