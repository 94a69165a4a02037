import Glibc
import NetLabCore

/// The loopback interface of a fresh network namespace (`netlab --private`) is down: this
/// brings it up, so 127.0.0.1 and ::1 work there. A socket and two ioctls, so it lives here,
/// in the one module that makes socket calls.
public enum Loopback {
    /// Brings `lo` up (it may already be); the errno when the kernel refuses.
    public static func bringUp() -> Errno? {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return Errno(errno) }
        defer { Syscall.close(fd) }
        // struct ifreq: the name (16 bytes), then the flags (a short) at offset 16.
        var request = [UInt8](repeating: 0, count: 40)
        for (index, byte) in "lo".utf8.enumerated() { request[index] = byte }
        let flagsRead: UInt = 0x8913  // SIOCGIFFLAGS
        let flagsWrite: UInt = 0x8914  // SIOCSIFFLAGS
        return request.withUnsafeMutableBytes { bytes -> Errno? in
            guard ioctl(fd, flagsRead, bytes.baseAddress!) == 0 else { return Errno(errno) }
            let up = Int16(IFF_UP) | Int16(IFF_RUNNING)
            bytes.storeBytes(of: bytes.load(fromByteOffset: 16, as: Int16.self) | up, toByteOffset: 16, as: Int16.self)
            return ioctl(fd, flagsWrite, bytes.baseAddress!) == 0 ? nil : Errno(errno)
        }
    }
}
