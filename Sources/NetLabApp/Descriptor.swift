import Foundation

/// Writing to a plain file descriptor (stdout, a log file): every byte, through EINTR.
public enum Descriptor {
    /// Writes all of `bytes`; the errno that stopped it, or nil when everything went out.
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }
}
