import Foundation

/// Reads standard input as lines of raw bytes (no decoding, so any byte survives), without the
/// trailing `\n`. A last line without `\n` still counts.
struct LineReader {
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    let fd: Int32

    init(fd: Int32 = 0) { self.fd = fd }

    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                finished = true
            } else {
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
    }
}
