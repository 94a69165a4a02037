/// Where a headless server's log line is written byte by byte: a growing array, or `RawLine`,
/// stack memory the line is built in before it is appended to the log's buffer in one copy.
/// Generic within this module only (its writers are specialized for both): called from
/// another module, a generic writer ran unspecialized.
protocol LineBytes {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeRawBufferPointer)
}

extension LineBytes {
    /// A String's UTF-8 (an engine's name, a host, a reason).
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// A constant's UTF-8 (` -> `, ` bytes `).
    mutating func append(_ constant: StaticString) {
        append(bytes: UnsafeRawBufferPointer(start: constant.utf8Start, count: constant.utf8CodeUnitCount))
    }

    /// A non-negative number's decimal digits, written from the last into a buffer on the stack
    /// (divisions by the constant 10, which compile to multiplications), then appended at once.
    mutating func append(decimal value: Int) {
        precondition(value >= 0, "decimal digits are for counts and ports")
        if value < 10 {
            append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        // Int.max has 19 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            var rest = value
            repeat {
                start -= 1
                digits[start] = 0x30 &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            append(bytes: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: digits[start...])))
        }
    }
}

extension [UInt8]: LineBytes {
    mutating func append(bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}

/// A line written into memory the caller provides: no uniqueness or capacity check of an
/// array per byte, one copy of the whole line at the end. A write that would not fit writes
/// nothing and leaves `fits` false (the caller then builds the line in an array instead).
struct RawLine: LineBytes {
    private let base: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0
    private(set) var fits = true

    init(_ base: UnsafeMutableBufferPointer<UInt8>) {
        self.base = base
    }

    /// What was written.
    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: base[..<count]) }

    mutating func append(_ byte: UInt8) {
        guard count < base.count else {
            fits = false
            return
        }
        base[count] = byte
        count += 1
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= base.count - count else {
            fits = false
            return
        }
        if let source = bytes.baseAddress {
            UnsafeMutableRawPointer(base.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Builds a line of at most `room` bytes with `write` in stack memory and appends it to
    /// `line` in one copy; when it does not fit (a long, escaped request line), `write` builds
    /// it in `line` itself. Returns what `write` returned (false: `line` is left as it was).
    static func append(to line: inout [UInt8], room: Int, _ write: (inout RawLine) -> Bool, else slow: (inout [UInt8]) -> Bool)
        -> Bool
    {
        let built: Bool? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            var raw = RawLine(buffer)
            guard write(&raw) else { return false }
            guard raw.fits else { return nil }
            line.append(contentsOf: raw.written)
            return true
        }
        if let built { return built }
        return slow(&line)
    }
}
