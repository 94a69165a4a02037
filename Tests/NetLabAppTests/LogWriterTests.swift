import Foundation
import Glibc
import Testing

@testable import NetLabApp

/// A headless server's log: lines queued as Strings and lines built straight into the queue
/// as bytes come out whole, in order; a line that does not fit is dropped and said.
@Suite struct LogWriterTests {
    /// Everything the writer wrote to a pipe, once it has drained.
    private func output(limit: Int = LogWriter.capacity, _ queue: (LogWriter) -> Void) throws -> String {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let log = LogWriter(fd: ends[1], dropNote: { "dropped \($0)" }, limit: limit)
        queue(log)
        #expect(log.drain(within: 10))
        close(ends[1])
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(ends[0], &chunk, chunk.count)
            if n <= 0 { break }
            text += chunk[0..<n]
        }
        return String(decoding: text, as: UTF8.self)
    }

    @Test func builtLinesAndTextLinesKeepTheirOrder() throws {
        let text = try output { log in
            log.line("first")
            #expect(
                log.line(building: {
                    $0 += Array("second".utf8)
                    return true
                }))
            // Declined: nothing of what it appended stays.
            #expect(
                !log.line(building: {
                    $0 += Array("never".utf8)
                    return false
                }))
            log.line("third")
        }
        #expect(text == "first\nsecond\nthird\n")
    }

    @Test func aBuiltLineTooLongToWaitIsDroppedAndSaid() throws {
        let text = try output(limit: 16) { log in
            // Lines are built at the end of the queue: one dropped leaves those before it whole.
            log.line("ab")
            #expect(
                log.line(building: {
                    $0 += Array("longer than sixteen bytes".utf8)
                    return true
                }))
            #expect(
                log.line(building: {
                    $0 += Array("fits".utf8)
                    return true
                }))
        }
        #expect(text == "ab\nfits\ndropped 1\n")
    }

    /// The writer gathers 10 ms after a line that comes after a quiet spell, and under a
    /// steady load sleeps until 50 ms after its last write began: 20 wake-ups a second at most.
    @Test func theWriterWakesAtMostTwentyTimesASecond() {
        let ms: UInt64 = 1000
        #expect(LogWriter.gather(sinceLastWrite: 0) == 50 * ms)
        #expect(LogWriter.gather(sinceLastWrite: 1 * ms) == 49 * ms)
        #expect(LogWriter.gather(sinceLastWrite: 39 * ms) == 11 * ms)
        #expect(LogWriter.gather(sinceLastWrite: 40 * ms) == 10 * ms)
        #expect(LogWriter.gather(sinceLastWrite: 45 * ms) == 10 * ms)
        #expect(LogWriter.gather(sinceLastWrite: 60_000 * ms) == 10 * ms)
        // The first line ever (no write yet: the clock minus 0).
        #expect(LogWriter.gather(sinceLastWrite: .max) == 10 * ms)
    }
}
