import NetLabCore
import NetLabPrivate

/// `--fault "drop tcp 12000"` (repeatable, with --private, before a `--`): faults on purpose in
/// the private network, for every command (the console lists them on its status bar; `:fault`
/// changes them there).
enum FaultOption {
    /// The arguments without the `--fault` options, and each option's words.
    static func strip(_ arguments: [String]) -> (rest: [String], specs: [String]) {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        var rest: [String] = []
        var specs: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if index < end, argument == "--fault", index + 1 < end {
                specs.append(arguments[index + 1])
                index += 2
                continue
            }
            if index < end, argument.hasPrefix("--fault=") {
                specs.append(String(argument.dropFirst("--fault=".count)))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (rest, specs)
    }

    /// The faults the specs name, or the one-line usage error for the first that is wrong.
    static func parse(_ specs: [String]) -> Result<[Fault], CommandFailure> {
        var faults: [Fault] = []
        for spec in specs {
            let words = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            switch Fault.parse(words) {
            case .success(let fault) where !faults.contains(fault): faults.append(fault)
            case .success: break
            case .failure(let error):
                return .failure(CommandFailure(message: "--fault \"\(spec)\": \(error.message)", code: CommandFailure.usage))
            }
        }
        return .success(faults)
    }

    /// The faults this process was started with (already checked and loaded by `main`).
    static var started: [Fault] {
        (try? parse(strip(CommandLine.arguments).specs).get()) ?? []
    }

    /// Checks the options before anything runs: faults only in a private network.
    static func check(_ specs: [String], privateNetwork: Bool) throws(CommandFailure) {
        guard !specs.isEmpty else { return }
        if case .failure(let failure) = parse(specs) { throw failure }
        guard privateNetwork else {
            throw CommandFailure(
                message: "--fault needs --private: faults are made only in netlab's private network "
                    + "(here they would change this machine's firewall)", code: CommandFailure.usage)
        }
    }

    /// Inside the private network: the firewall made to hold the faults.
    static func load(_ specs: [String]) throws(CommandFailure) {
        guard !specs.isEmpty, case .success(let faults) = parse(specs) else { return }
        do throws(Firewall.Failure) {
            try Firewall.load(Fault.ruleset(faults))
        } catch {
            throw CommandFailure(message: error.message, code: 1)
        }
    }
}
