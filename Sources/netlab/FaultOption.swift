import NetLabApp
import NetLabCore
import NetLabPrivate

/// `--fault "drop tcp 12000"` (repeatable, with --private, before a `--`): faults on purpose in
/// the private network, for every command (the console lists them on its status bar; `:fault`
/// changes them there).
enum FaultOption {
    /// The arguments without the `--fault` options, and each option's words.
    static func strip(_ arguments: [String]) -> (rest: [String], specs: [String]) {
        GlobalOption.strip(arguments, option: "--fault")
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
    static func check(_ specs: [String], privateNetwork: Bool, hosts: Int) throws(CommandFailure) {
        guard !specs.isEmpty else { return }
        let faults: [Fault]
        switch parse(specs) {
        case .failure(let failure): throw failure
        case .success(let parsed): faults = parsed
        }
        if let needing = faults.first(where: \.needsSecondHost), hosts != 2 {
            throw CommandFailure(
                message: "--fault \"\(needing)\" needs a second host, on its far side: add --hosts 2", code: CommandFailure.usage)
        }
        guard privateNetwork else {
            throw CommandFailure(
                message: "--fault needs --private: faults are made only in netlab's private network "
                    + "(here they would change this machine's firewall)", code: CommandFailure.usage)
        }
    }

    /// Inside the private network: the firewall made to hold the faults.
    static func load(_ specs: [String]) throws(CommandFailure) {
        guard !specs.isEmpty, case .success(let faults) = parse(specs) else { return }
        do throws(FaultError) {
            try FaultLoader.load(faults, secondHost: NetLab.secondHost)
        } catch {
            throw CommandFailure(message: error.message, code: 1)
        }
    }
}

/// `--hosts 2` (with --private): a second host joined to netlab's by a link.
enum HostsOption {
    /// The number of hosts asked for (1 when the option is not given), or the usage error.
    static func parse(_ values: [String]) -> Result<Int, CommandFailure> {
        guard let value = values.last else { return .success(1) }
        guard let hosts = Int(value), (1...2).contains(hosts) else {
            return .failure(
                CommandFailure(message: "--hosts \(value): 1 or 2 (two hosts: netlab's and host b, joined by a link)", code: CommandFailure.usage))
        }
        return .success(hosts)
    }

    /// The hosts this process was started with.
    static var started: Int {
        (try? parse(GlobalOption.strip(CommandLine.arguments, option: "--hosts").specs).get()) ?? 1
    }
}

/// netlab's own options that come before the command (`--fault`, `--hosts`): read before the
/// argument parser runs, since they decide where netlab runs.
enum GlobalOption {
    /// The arguments without `option VALUE` (or `option=VALUE`) before a `--`, and the values.
    static func strip(_ arguments: [String], option: String) -> (rest: [String], specs: [String]) {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        var rest: [String] = []
        var specs: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if index < end, argument == option, index + 1 < end {
                specs.append(arguments[index + 1])
                index += 2
                continue
            }
            if index < end, argument.hasPrefix(option + "=") {
                specs.append(String(argument.dropFirst(option.count + 1)))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (rest, specs)
    }
}
