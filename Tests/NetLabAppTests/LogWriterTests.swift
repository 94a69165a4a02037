import Foundation
import Glibc
import NetLabApp
import Testing

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
}
