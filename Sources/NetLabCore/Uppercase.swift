/// The lab's transformation: ASCII a-z become A-Z, every other byte passes through untouched.
///
/// Byte-wise on purpose: UTF-8 multi-byte sequences, control bytes and NUL are never altered,
/// so the server is binary-safe and a stream can be transformed in arbitrary chunks.
public enum Uppercase {
    /// The uppercase of one byte.
    @inlinable
    public static func byte(_ b: UInt8) -> UInt8 {
        // 'a'...'z' is 0x61...0x7a; clearing bit 5 maps it onto 'A'...'Z'.
        (b &- 0x61) < 26 ? b & 0xDF : b
    }

    /// A new array holding the uppercase of `bytes`.
    @inlinable
    public static func apply<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out = [UInt8](bytes)
        applyInPlace(&out)
        return out
    }

    /// Uppercases `bytes` where they are, without allocating.
    @inlinable
    public static func applyInPlace(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { applyInPlace($0) }
    }

    /// Writes the uppercase of `source` into `target` (at least as long).
    @inlinable
    public static func copy(_ source: UnsafeBufferPointer<UInt8>, into target: UnsafeMutableBufferPointer<UInt8>) {
        precondition(target.count >= source.count, "the target is shorter than the source")
        for i in source.indices {
            target[i] = byte(source[i])
        }
    }

    /// Uppercases the bytes of a raw buffer where they are.
    @inlinable
    public static func applyInPlace(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        for i in buffer.indices {
            buffer[i] = byte(buffer[i])
        }
    }
}
