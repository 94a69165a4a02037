import Benchmark
import Foundation
import NetLabConsole
import NetLabCore

/// Micro benchmarks of netlab's hot paths: ns per operation and allocations.
/// Run: `swift package --package-path Benchmarks benchmark` (or Benchmarks/run-all.sh for the whole suite).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    // The server's transformation over a 64 KiB read buffer, in place (what the engines do).
    let text = Array(String(repeating: "hello, welcome to the socket lab! ", count: 2000).utf8.prefix(65536))
    Benchmark("Uppercase 64 KiB in place") { benchmark in
        var buffer = text
        buffer[0] = 0x61  // own copy before measuring
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            Uppercase.applyInPlace(&buffer)
            blackHole(buffer)
        }
    }

    // The hex pane and --hex: a 1,500-byte packet (an Ethernet MTU) in tshark -x layout.
    let packet = (0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    Benchmark("HexDump 1500-byte packet", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HexDump.lines(packet))
        }
    }

    // A browser's GET as it arrives, parsed to a request head.
    let request = Array("""
        GET /HelloWorld.html HTTP/1.1\r
        Host: 127.0.0.1:8080\r
        User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r
        Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r
        Accept-Language: en-US,en;q=0.5\r
        Accept-Encoding: gzip, deflate\r
        Connection: keep-alive\r
        Upgrade-Insecure-Requests: 1\r
        \r

        """.utf8)
    Benchmark("HTTP parse browser GET", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            var parser = HTTPRequestParser()
            blackHole(parser.parse(request[...]))
        }
    }

    // The console's whole screen at 200x60 after a busy lab session (full logs, packets).
    var state = ConsoleState()
    let start = Date(timeIntervalSince1970: 1_795_600_800)
    let server = Endpoint(host: "127.0.0.1", port: 12000)
    for i in 0..<3000 {
        let peer = Endpoint(host: "127.0.0.1", port: UInt16(40000 + i % 1000))
        let bytes = Array("message number \(i) from the flood".utf8)
        let time = start.addingTimeInterval(Double(i) / 1000)
        _ = state.update(.event(LabEvent(time: time, engine: .udp, role: .server,
                                         kind: .received(bytes: bytes, from: peer, to: server))), now: time)
        _ = state.update(.event(LabEvent(time: time, engine: .udp, role: .server,
                                         kind: .sent(bytes: Uppercase.apply(bytes), from: server, to: peer))), now: time)
    }
    let busy = state
    Benchmark("Console render 200x60") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(render(busy, width: 200, height: 60))
        }
    }

    // One engine event into the console's state (what a flood costs per datagram).
    let event = LabEvent(time: start, engine: .udp, role: .server,
                         kind: .received(bytes: Array("hello".utf8), from: server, to: server))
    // 1,000 events per sample (results are per event): the sample's first update copies the
    // rings (copy-on-write) and must not be what is measured.
    Benchmark("Console update per packet event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var state = busy
        _ = state.update(.event(event), now: start)  // own copy of the rings before measuring
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(state.update(.event(event), now: start))
        }
    }
}
