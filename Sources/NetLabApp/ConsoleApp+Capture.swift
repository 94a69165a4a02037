import Dispatch
import Foundation
import NetLabCapture
import NetLabConsole
import NetLabCore
import NetLabEvents

/// The console's capture: started with the watched ports as its kernel filter, its frames
/// into the event stream, its drop count checked once a second.
extension ConsoleApp {
    /// Starts the live capture for the timeline's wire rows; without the rights to capture,
    /// the timeline shows the calls alone and the transcript says how to get the wire.
    func startCapture(_ sink: EventSink) {
        guard settings.wire else {
            dispatch(.wire(.disabled))
            return
        }
        let hosts = [settings.listenHost, settings.clientHost]
        // Two hosts: the link to host b as well as the loopback.
        let interface = settings.secondHost != nil || hosts.contains { CaptureFilter.interface(for: $0) != "lo" } ? "any" : "lo"
        let arp = settings.secondHost != nil
        capturedPorts = watchedPorts
        let ports = watched
        ports.set(capturedPorts)
        let matcher = CaptureFilter.PortMatcher()
        do {
            // The kernel passes only the watched ports (a busy loopback would otherwise fill the
            // capture buffer with other programs' traffic); a port change replaces the filter
            // before anything is sent (`setFilter` waits until it is in force), and the ports
            // are checked again here, on the capture thread.
            let capture = try WireCapture(interface: interface, filter: captureExpression(capturedPorts))
            self.capture = capture
            capture.start(
                failed: { [weak self] failure in
                    DispatchQueue.main.async { @Sendable in
                        MainActor.assumeIsolated { self?.dispatch(.wire(.off(reason: failure.message))) }
                    }
                },
                frames: { frame in
                    // No ports: `:watch all` (the kernel filter passes every TCP and UDP port).
                    // Decoded only when the ports must be judged (as before the link's ARP came in).
                    let watching = ports.get()
                    if watching.isEmpty {
                        sink.emitWire(frame)
                        return
                    }
                    let decoded = FrameDecoder.decode(frame)
                    if matcher.matches(decoded, ports: watching) || (arp && decoded.arp != nil) { sink.emitWire(frame) }
                })
            dispatch(.wire(.on(interface: interface)))
            // The kernel's drop count, checked once a second: a lost frame is never silent.
            let timer = DispatchSource.makeTimerSource(queue: .main)
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler { @Sendable [weak self] in
                MainActor.assumeIsolated {
                    guard let app = self, let statistics = app.capture?.statistics else { return }
                    let dropped = Int(statistics.dropped) + Int(statistics.interfaceDropped)
                    if dropped != app.state.timeline.kernelDropped { app.dispatch(.wireDropped(dropped)) }
                }
            }
            timer.resume()
            sources.append(timer)
            if settings.privateNetwork { startFaultLog(sink) }
        } catch {
            dispatch(.wire(.off(reason: error.message)))
        }
    }

    /// The kernel filter: the watched ports (and ARP on the link to host b).
    func captureExpression(_ ports: [UInt16]) -> String {
        let expression = CaptureFilter.expression(ports: ports)
        return settings.secondHost == nil ? expression : "arp or " + expression
    }

    /// In the private network, the firewall's log too: each packet a `:fault` throws away is
    /// logged to an NFLOG group, and its row on the timeline is marked with the fault.
    private func startFaultLog(_ sink: EventSink) {
        do {
            let log = try WireCapture(interface: "nflog:\(Fault.logGroup)", filter: "", bufferBytes: 2 << 20)
            faultLog = log
            log.start(failed: { _ in }, frames: { frame in sink.emitWire(frame) })
        } catch {
            note("the firewall's log cannot be read (\(error.message)): packets a :fault drops are not marked", role: .error)
        }
    }
}

/// The ports the timeline shows on the wire: set on the main queue, read on the capture thread.
final class WatchedPorts: @unchecked Sendable {
    // @unchecked: `ports` is guarded by `lock`.
    private let lock = NSLock()
    private var ports: Set<UInt16> = []
    func set(_ list: [UInt16]) {
        lock.lock()
        ports = Set(list)
        lock.unlock()
    }
    func get() -> Set<UInt16> {
        lock.lock()
        defer { lock.unlock() }
        return ports
    }
}
