import Foundation

/// One system call of a traced program (`netlab run`), as the tracer saw it stop: its name,
/// its six raw arguments, its result, and what the tracer read from the program's memory (the
/// bytes sent or received, a socket address). Pure: built from recorded register sets, so the
/// decoding is tested without a tracee.
public struct TracedCall: Sendable, Equatable {
    public var pid: Int32
    public var call: Syscall
    public var arguments: [UInt64]
    /// The raw result: a count or a descriptor, or -errno.
    public var result: Int64
    /// When the call stopped on entry (before the kernel ran it) and when it returned.
    public var entry: Date
    public var exit: Date?
    /// The bytes it sent (read at entry) or received (read at exit), at most `TracedCall.keptBytes`.
    public var data: [UInt8] = []
    /// The socket address it named (connect, bind, sendto) or was given (accept, recvfrom).
    public var address: Endpoint?
    /// What the descriptor is, as the tracer knows it (`TCP`, `UDP`), when known.
    public var socketKind: String?
    /// TCP: bytes that had arrived and were still unread when the call returned (a recv()
    /// shorter than what came, or a close() that leaves data behind), when known.
    public var unread: Int?

    public init(pid: Int32, call: Syscall, arguments: [UInt64], result: Int64, entry: Date, exit: Date? = nil) {
        self.pid = pid
        self.call = call
        self.arguments = arguments
        self.result = result
        self.entry = entry
        self.exit = exit
    }

    /// Bytes of a send or receive kept per call (the count is always the real one).
    public static let keptBytes = 64 * 1024

    /// The time a row is shown at, netlab's rule for its own calls: a call that sends or
    /// connects at its entry (what it causes comes after), a call that receives or accepts at
    /// its return (what it took arrived before).
    public var stamp: Date { stampedAtReturn ? exit ?? entry : entry }

    /// Whether the row is stamped when the call returns (it receives or accepts).
    public var stampedAtReturn: Bool {
        [.recvfrom, .recvmsg, .recvmmsg, .read, .accept, .accept4].contains(call)
    }

    /// The errno when the call failed.
    public var errno: Int32? { result < 0 && result >= -4095 ? Int32(-result) : nil }

    /// The descriptor argument (most calls' first).
    public var descriptor: Int32 { Int32(truncatingIfNeeded: arguments.first ?? 0) }

    /// The system calls `netlab run` stops for, by their names in the C library.
    public enum Syscall: String, Sendable, CaseIterable {
        case socket, bind, listen, accept, accept4, connect, shutdown
        case sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg
        case getsockname, getpeername, setsockopt, getsockopt
        case read, write, close
    }

    /// x86-64's numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // (named as the architecture is, beside `aarch64`)
    public static let x86_64: [Int: Syscall] = [
        0: .read, 1: .write, 3: .close,
        41: .socket, 42: .connect, 43: .accept, 44: .sendto, 45: .recvfrom, 46: .sendmsg, 47: .recvmsg, 48: .shutdown,
        49: .bind, 50: .listen, 51: .getsockname, 52: .getpeername, 54: .setsockopt, 55: .getsockopt,
        288: .accept4, 299: .recvmmsg, 307: .sendmmsg,
    ]

    /// aarch64's numbers (the generic table, include/uapi/asm-generic/unistd.h): decoding is
    /// ready for them; the tracer reads registers on x86-64 only so far.
    public static let aarch64: [Int: Syscall] = [
        63: .read, 64: .write, 57: .close,
        198: .socket, 200: .bind, 201: .listen, 202: .accept, 203: .connect, 204: .getsockname, 205: .getpeername,
        206: .sendto, 207: .recvfrom, 208: .setsockopt, 209: .getsockopt, 210: .shutdown, 211: .sendmsg, 212: .recvmsg,
        242: .accept4, 243: .recvmmsg, 269: .sendmmsg,
    ]

    /// What the tracer must read from the program for a call, and when.
    public enum Fetch: Equatable, Sendable {
        /// Bytes at argument `pointer`, `length` long (argument), before the call: what it sends.
        case sent(pointer: Int, length: Int)
        /// Bytes at argument `pointer`, as many as the call returned, after it: what it received.
        case received(pointer: Int)
        /// A socket address at argument `pointer`, `length` (argument) long, before the call.
        case addressIn(pointer: Int, length: Int)
        /// A socket address at argument `pointer` whose length the kernel writes at argument
        /// `lengthPointer`, after the call.
        case addressOut(pointer: Int, lengthPointer: Int)
        /// A `struct msghdr` at argument `pointer`: its address and the bytes of its iovecs,
        /// before the call (sendmsg) or after it, as many as it returned (recvmsg).
        case message(pointer: Int, sent: Bool)
    }

    /// A 64-bit `struct msghdr` (56 bytes): where its address and its iovecs are.
    public struct MessageHeader: Equatable, Sendable {
        public var name: UInt64
        public var nameLength: Int
        public var vectors: UInt64
        public var vectorCount: Int

        public static let size = 56

        public init?(_ bytes: [UInt8]) {
            guard bytes.count >= 32 else { return nil }
            name = Self.word(bytes, 0)
            nameLength = Int(Self.word(bytes, 8) & 0xffff_ffff)
            vectors = Self.word(bytes, 16)
            vectorCount = Int(min(Self.word(bytes, 24), 1024))
        }

        /// The (base, length) pairs of `count` 16-byte iovecs.
        public static func vectors(_ bytes: [UInt8]) -> [(base: UInt64, length: Int)] {
            stride(from: 0, to: bytes.count - 15, by: 16).map { (word(bytes, $0), Int(min(word(bytes, $0 + 8), 1 << 30))) }
        }

        /// A little-endian 64-bit word (x86-64 and aarch64 are both little-endian).
        static func word(_ bytes: [UInt8], _ at: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
        }
    }

    public static func fetches(_ call: Syscall) -> [Fetch] {
        switch call {
        case .connect, .bind: [.addressIn(pointer: 1, length: 2)]
        case .sendto: [.sent(pointer: 1, length: 2), .addressIn(pointer: 4, length: 5)]
        case .write: [.sent(pointer: 1, length: 2)]
        case .recvfrom: [.received(pointer: 1), .addressOut(pointer: 4, lengthPointer: 5)]
        case .read: [.received(pointer: 1)]
        case .accept, .accept4: [.addressOut(pointer: 1, lengthPointer: 2)]
        case .sendmsg: [.message(pointer: 1, sent: true)]
        case .recvmsg: [.message(pointer: 1, sent: false)]
        default: []
        }
    }

    /// Whether the call is about the descriptor in its first argument, so it is shown only
    /// when that descriptor is a socket (read, write and close are everywhere else too).
    public static func needsSocket(_ call: Syscall) -> Bool {
        call != .socket
    }
}

/// A `struct sockaddr` read from a program: IPv4 and IPv6 become an `Endpoint`.
public enum SocketAddressBytes {
    public static func endpoint(_ bytes: [UInt8]) -> Endpoint? {
        guard bytes.count >= 2 else { return nil }
        let family = Int(bytes[0]) | Int(bytes[1]) << 8  // sa_family_t, the machine's order
        switch family {
        case 2 where bytes.count >= 8:  // AF_INET
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            return Endpoint(host: "\(bytes[4]).\(bytes[5]).\(bytes[6]).\(bytes[7])", port: port)
        case 10 where bytes.count >= 24:  // AF_INET6
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            return Endpoint(host: FrameDecoder.ipv6(bytes, 8), port: port)
        default:
            return nil
        }
    }
}
