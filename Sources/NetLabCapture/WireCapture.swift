import CPcap
import Dispatch
import Foundation
import NetLabCore
import NetLabPrivate

/// A live capture with libpcap, on a thread of its own: frames go to a handler as the kernel
/// hands them over (immediate mode: no batching delay), each with the kernel's timestamp.
/// The only code in netlab that imports libpcap.
public final class WireCapture: @unchecked Sendable {
    // @unchecked: `handle` is used only on the capture thread after `start` (and by `init`
    // before it), except pcap_breakloop, which libpcap makes safe from other threads;
    // `stopping`, `started`, `pendingFilter` and `latestStatistics` are guarded by `lock`.

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable { case notPermitted, noSuchInterface, badFilter, other }
        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    /// Counts from the kernel: frames the filter passed, and frames lost because the capture
    /// buffer was full (`dropped`) or the interface dropped them.
    public struct Statistics: Sendable, Equatable {
        public var received: UInt32
        public var dropped: UInt32
        public var interfaceDropped: UInt32
    }

    /// The fix for a user without capture rights, in one line.
    /// The refusal's first words, before what to do (`PrivateNetwork.captureAdvice`).
    public static let needsRights = "capturing packets needs root or the CAP_NET_RAW capability"

    public let interface: String
    public let linkType: CapturedFrame.LinkType
    private let handle: OpaquePointer
    private let lock = NSLock()
    private var stopping = false
    /// A filter handed over by `setFilter`, applied by the capture thread (libpcap's handle is
    /// not shared between threads); `applied` says it is in force.
    private var pendingFilter: String?
    private let applied = DispatchSemaphore(value: 0)
    private var latestStatistics: Statistics?
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Opens `interface` (`lo`, `any`, `eth0`) with `filter` (pcap-filter syntax).
    public init(interface: String = "lo", filter: String, bufferBytes: Int32 = 16 << 20) throws(Failure) {
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errors) else {
            let reason = String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(kind: .other, message: "cannot capture on \(interface): \(reason)")
        }
        pcap_set_snaplen(handle, 262_144)
        // Not immediate mode: libpcap then uses the kernel's TPACKET_V3 ring, whose blocks hold
        // frames packed by their size; immediate mode falls back to TPACKET_V2, one slot of the
        // snapshot length (256 KiB) per frame, so 4 MiB held about 16 frames and a burst lost
        // most of them (Benchmarks/capture.py: 2,000 echoed datagrams, 1,218 of 4,000 frames
        // kept where tcpdump kept all; now both keep all). Frames come in batches at most
        // `timeout` ms apart, which is also how often the thread sees a stop and the counts.
        pcap_set_immediate_mode(handle, 0)
        pcap_set_timeout(handle, 10)
        pcap_set_buffer_size(handle, bufferBytes)
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            switch status {
            case PCAP_ERROR_PERM_DENIED:
                throw Failure(kind: .notPermitted, message: "\(Self.needsRights): \(PrivateNetwork.captureAdvice())")
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw Failure(kind: .noSuchInterface, message: "no network interface \(interface): `ip link` lists them (lo is the loopback)")
            default:
                let reason = detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail
                throw Failure(kind: .other, message: "cannot capture on \(interface): \(reason)")
            }
        }
        self.handle = handle
        self.interface = interface
        self.linkType = CapturedFrame.LinkType(rawValue: UInt32(pcap_datalink(handle)))
        do throws(Failure) {
            try Self.apply(filter, to: handle)
        } catch {
            pcap_close(handle)
            throw error
        }
    }

    deinit {
        if !started { pcap_close(handle) }
    }

    private static func apply(_ filter: String, to handle: OpaquePointer) throws(Failure) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw Failure(kind: .badFilter, message: "bad capture filter \"\(filter)\": \(String(cString: pcap_geterr(handle)))")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw Failure(kind: .badFilter, message: "cannot set the capture filter: \(String(cString: pcap_geterr(handle)))")
        }
    }

    /// Replaces the kernel filter and returns once it is in force (at most `within` seconds):
    /// the capture thread is woken (pcap_breakloop), applies it, and goes on. A send made
    /// after this returns is seen under the new filter.
    @discardableResult
    public func setFilter(_ filter: String, within seconds: Double = 0.2) -> Bool {
        lock.lock()
        let running = started && !stopping
        pendingFilter = filter
        lock.unlock()
        guard running else { return false }
        pcap_breakloop(handle)
        return applied.wait(timeout: .now() + seconds) == .success
    }

    /// The kernel's counts, as of the capture thread's last wake-up (at most 10 ms old).
    public var statistics: Statistics? {
        lock.lock()
        defer { lock.unlock() }
        return latestStatistics
    }

    /// Starts delivering frames to `handler` (on the capture thread) until `stop`. At most
    /// `count` frames when given. `failed` hears a capture that stopped by itself (the
    /// interface went away).
    public func start(
        count: Int? = nil, failed: @escaping @Sendable (Failure) -> Void = { _ in },
        finished done: @escaping @Sendable () -> Void = {},
        frames handler: @escaping @Sendable (CapturedFrame) -> Void
    ) {
        lock.lock()
        precondition(!started, "a capture starts once")
        started = true
        lock.unlock()
        let thread = Thread { [self] in
            run(count: count, failed: failed, handler)
            pcap_close(handle)
            finished.signal()
            done()
        }
        thread.name = "netlab.capture"
        thread.start()
    }

    /// Stops the capture and waits (at most a second) for its thread to let go of the handle.
    /// Ends the capture loop and waits for it at most `seconds` (a handler stuck writing to a
    /// stalled pipe may never return).
    public func stop(waitingAtMost seconds: Double = 1) {
        lock.lock()
        let wasRunning = started && !stopping
        stopping = true
        lock.unlock()
        guard wasRunning else { return }
        pcap_breakloop(handle)
        _ = finished.wait(timeout: .now() + seconds)
    }

    private func run(count: Int?, failed: @Sendable (Failure) -> Void, _ handler: (CapturedFrame) -> Void) {
        var delivered = 0
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            lock.lock()
            let stop = stopping
            let filter = pendingFilter
            pendingFilter = nil
            lock.unlock()
            if stop {
                recordStatistics()
                return
            }
            if let filter {
                do throws(Failure) { try Self.apply(filter, to: handle) } catch { failed(error) }
                applied.signal()
            }
            let status = pcap_next_ex(handle, &header, &data)
            if status == 1, let header, let data {
                let stamp = header.pointee.ts
                let time = Date(timeIntervalSince1970: Double(stamp.tv_sec) + Double(stamp.tv_usec) / 1e6)
                let bytes = Array(UnsafeBufferPointer(start: data, count: Int(header.pointee.caplen)))
                handler(CapturedFrame(time: time, linkType: linkType, bytes: bytes, length: Int(header.pointee.len)))
                delivered += 1
                if let count, delivered >= count {
                    recordStatistics()  // the counts as the capture ends, for whoever reports them
                    return
                }
            } else if status == 0 {
                recordStatistics()
            } else {
                // -2: pcap_breakloop, for a new filter (go on) or a stop; -1: the interface went away.
                // Not "a filter is still pending": the loop's top may have taken the filter
                // before setFilter's breakloop landed, and that break must not end the capture
                // (it did: a `:port` right after start-up left the wire empty for the session).
                if status == -2 {
                    lock.lock()
                    let stop = stopping
                    lock.unlock()
                    if !stop { continue }
                }
                if status == -1 {
                    failed(Failure(kind: .other, message: "the capture stopped: \(String(cString: pcap_geterr(handle)))"))
                }
                recordStatistics()
                return
            }
            if delivered % 256 == 0 { recordStatistics() }
        }
    }

    private func recordStatistics() {
        var counts = pcap_stat()
        guard pcap_stats(handle, &counts) == 0 else { return }
        lock.lock()
        latestStatistics = Statistics(received: counts.ps_recv, dropped: counts.ps_drop, interfaceDropped: counts.ps_ifdrop)
        lock.unlock()
    }
}
