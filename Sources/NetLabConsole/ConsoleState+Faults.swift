import Foundation
import NetLabCore

/// `:fault`: faults on purpose, in the private network only, and what each one means.
extension ConsoleState {
    static let faultsOnlyPrivate =
        "faults are made only in netlab's private network: start netlab --private (here they would change this machine's firewall)"

    mutating func fault(_ change: ColonCommand.FaultChange, now: Date) -> [Effect] {
        switch change {
        case .list:
            if faults.isEmpty {
                say(
                    privateNetwork
                        ? "no faults: try :fault drop tcp 12000 (a firewall that drops), :fault reject udp 12000, :fault loss 20%"
                        : Self.faultsOnlyPrivate, privateNetwork ? .info : .error, now)
            } else {
                say("faults: \(faults.map(\.description).joined(separator: ", ")) (:fault off ends them)", .info, now)
            }
            return []
        case .off:
            guard privateNetwork else { return refuseFault(now) }
            faults = []
            return [.setFaults([])]
        case .add(let fault):
            guard privateNetwork else { return refuseFault(now) }
            guard !fault.needsSecondHost || hosts == 2 else {
                say(":fault \(fault) needs a second host, on its far side: start netlab --private --hosts 2", .error, now)
                return []
            }
            guard !faults.contains(fault) else {
                say("fault \(fault) is already on", .info, now)
                return []
            }
            // One rate at a time: a new one replaces the old.
            if case .rate = fault { faults.removeAll { if case .rate = $0 { true } else { false } } }
            faults.append(fault)
            return [.setFaults(faults)]
        }
    }

    private mutating func refuseFault(_ now: Date) -> [Effect] {
        say(Self.faultsOnlyPrivate, .error, now)
        return []
    }

    /// The faults `--fault` loaded before the console started: in force, and each said.
    public mutating func start(faults started: [Fault], now: Date) {
        guard !started.isEmpty else { return }
        faults = started
        faultsSet(.success(started), now: now)
    }

    /// The firewall holds `now` (or refused): said, with what the new fault does.
    mutating func faultsSet(_ result: Result<[Fault], FaultError>, now: Date) {
        switch result {
        case .failure(let error):
            faults = faultsInForce
            say(error.message, .error, now)
        case .success(let new):
            let added = new.filter { !faultsInForce.contains($0) }
            faultsInForce = new
            if new.isEmpty {
                say("faults off: the private network passes everything again, at full speed", .info, now)
            }
            for fault in added { say("fault on: \(fault): \(Self.meaning(of: fault))", .info, now) }
        }
    }

    /// What a fault does to the packets, as a firewall or a lossy link would.
    static func meaning(of fault: Fault) -> String {
        switch fault {
        case .drop(let proto, let port):
            "the firewall drops what comes to \(proto.rawValue.uppercased()) port \(port) and answers nothing; "
                + "the dropped packets are marked on the timeline"
        case .reject(let proto, let port):
            "the firewall answers what comes to \(proto.rawValue.uppercased()) port \(port) with ICMP administratively prohibited"
        case .loss(let percent, let proto, let port):
            "each \(proto.map { $0.rawValue.uppercased() + " " } ?? "")packet\(port.map { " to or from port \($0)" } ?? "") "
                + "is lost with a chance of \(percent)%; the lost ones are marked on the timeline"
        case .down:
            "host b (10.13.0.2) sends and answers nothing, not even ARP: to host a it is gone"
        case .rate(let bits):
            "the link between host a and host b carries at most \(Fault.rateText(bits))/s each way"
        }
    }

    /// `:host a|b`: where netlab's client sends from. From host b, a loopback target would be
    /// host b's own loopback (nothing of netlab's there): it moves to host a's address.
    mutating func sendFrom(_ name: String?, now: Date) {
        let addresses = ["a": "10.13.0.1", "b": "10.13.0.2"]
        guard let name else {
            say("netlab's client sends from host \(client.from) (\(addresses[client.from] ?? ""))", .info, now)
            return
        }
        guard hosts == 2 else {
            say(":host \(name) needs a second host: start netlab --private --hosts 2", .error, now)
            return
        }
        guard name != client.from else {
            say("netlab's client already sends from host \(name)", .info, now)
            return
        }
        client.from = name
        var sentence = "netlab's client now sends from host \(name) (\(addresses[name] ?? ""))"
        if name == "b", ["127.0.0.1", "localhost", "::1"].contains(client.host) {
            client.host = "10.13.0.1"
            sentence +=
                "; its target moves to \(Endpoint(host: client.host, port: client.port)), netlab's servers on host a "
                + "(127.0.0.1 is each host's own loopback)"
        }
        say(sentence, .info, now)
    }
}
