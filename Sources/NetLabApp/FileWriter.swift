import Foundation
import NetLabCore

/// Writes a file the way a careful tool does (`:save`, `check --junit`, `--gradescope`).
///
/// - Not a regular file (a device such as `/dev/null` or `/dev/full`, a FIFO, `/dev/stdout`
///   and any other symbolic link): written in place, so a device stays a device and a link
///   stays a link. A FIFO nobody reads is an error, not a hang.
/// - An existing regular file: a temporary file in the same folder gets the bytes, then the
///   original's mode and owner, and is renamed over it, so a failed write leaves the old file
///   whole and a grades file kept 0600 stays 0600. Where the owner cannot be kept (someone
///   else's file) or the file has other hard links, it is written in place instead.
/// - A new file: created with the usual permissions (0666 less the umask).
/// Every failure is one sentence with the errno's name, and no temporary file is left behind.
public enum FileWriter {
    /// What to do when `path` is an existing regular file.
    public enum Existing: Sendable {
        case replace
        /// Leave it alone and fail with `.exists` (`:save` asks before replacing).
        case keep
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// `path` is an existing regular file and `Existing.keep` was asked for.
        case exists(path: String)
        /// `call` failed with `errno` while writing `path`.
        case failed(path: String, errno: Int32)
        /// A FIFO whose reader stopped reading for `seconds`.
        case stalled(path: String, seconds: Double)

        public var description: String {
            switch self {
            case .exists(let path):
                return "\(path) already exists"
            case .failed(let path, let value):
                let error = Errno(value)
                let hint: String
                switch value {
                case ENOSPC, EDQUOT: hint = "free some space, or choose a file on another disk"
                case EISDIR: hint = "give a file name, not a folder"
                case ENXIO: hint = "nothing is reading that FIFO: start its reader first"
                case EROFS: hint = "that disk is read-only: choose a file on another one"
                default: hint = "choose a path in a folder you can write to"
                }
                return "cannot write \(path): \(error.message) (\(error.name)); \(hint)"
            case .stalled(let path, let seconds):
                return "cannot write \(path): its reader took nothing for \(ClientFailure.format(seconds)) s; the rest was not written"
            }
        }
    }

    /// How long a FIFO's reader may take nothing before the write gives up.
    static let stallSeconds = 5.0

    /// Writes `bytes` to `path` (see the type's rules).
    public static func write(_ bytes: [UInt8], to path: String, existing: Existing = .replace) throws(Failure) {
        var link = stat()
        guard lstat(path, &link) == 0 else {
            guard errno == ENOENT else { throw .failed(path: path, errno: errno) }
            try create(bytes, at: path)
            return
        }
        var target = stat()
        let followed = stat(path, &target) == 0
        let isLink = link.st_mode & S_IFMT == S_IFLNK
        let regular = followed && target.st_mode & S_IFMT == S_IFREG
        if followed && target.st_mode & S_IFMT == S_IFDIR { throw .failed(path: path, errno: EISDIR) }
        if regular && existing == .keep && !(isLink && target.st_size == 0) { throw .exists(path: path) }
        if !followed {
            // A link to nothing: create what it names, through it.
            try inPlace(bytes, at: path, flags: O_CREAT | O_TRUNC)
        } else if isLink || !regular {
            try inPlace(bytes, at: path, flags: regular ? O_TRUNC : 0)
        } else if target.st_nlink > 1 {
            try inPlace(bytes, at: path, flags: O_TRUNC)
        } else {
            try replace(bytes, at: path, like: target)
        }
    }

    private static func create(_ bytes: [UInt8], at path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw .failed(path: path, errno: errno) }
        if let failure = finish(bytes, fd: fd, path: path) {
            unlink(path)
            throw failure
        }
    }

    private static func inPlace(_ bytes: [UInt8], at path: String, flags: Int32) throws(Failure) {
        // Non-blocking: opening a FIFO with no reader fails (ENXIO) instead of waiting for one.
        let fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | flags, 0o666)
        guard fd >= 0 else { throw .failed(path: path, errno: errno) }
        if let failure = finish(bytes, fd: fd, path: path) { throw failure }
    }

    private static func replace(_ bytes: [UInt8], at path: String, like original: stat) throws(Failure) {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((folder.isEmpty ? "" : folder + "/") + ".\(name).netlab-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .failed(path: path, errno: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if original.st_uid != geteuid() || original.st_gid != getegid() {
            guard fchown(fd, original.st_uid, original.st_gid) == 0 else {
                // Someone else's file in a folder we may write: renaming would make it ours.
                close(fd)
                unlink(temporary)
                try inPlace(bytes, at: path, flags: O_TRUNC)
                return
            }
        }
        // After fchown, which may clear set-id bits.
        guard fchmod(fd, original.st_mode & 0o7777) == 0 else {
            let value = errno
            close(fd)
            unlink(temporary)
            throw .failed(path: path, errno: value)
        }
        if let failure = finish(bytes, fd: fd, path: path, sync: true) {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let value = errno
            unlink(temporary)
            throw .failed(path: path, errno: value)
        }
    }

    /// Writes every byte and closes `fd`; the failure, if any (the descriptor is closed either way).
    private static func finish(_ bytes: [UInt8], fd: Int32, path: String, sync: Bool = false) -> Failure? {
        var offset = 0
        var failure: Failure?
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n >= 0 {
                offset += n
                continue
            }
            if errno == EINTR { continue }
            if errno == EAGAIN {
                // A FIFO or a terminal that is not taking bytes: wait a bounded time.
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&entry, 1, Int32(stallSeconds * 1000)) > 0 { continue }
                failure = .stalled(path: path, seconds: stallSeconds)
                break
            }
            failure = .failed(path: path, errno: errno)
            break
        }
        // A disk that is full may say so only here (delayed allocation, network disks).
        if failure == nil, sync, fsync(fd) != 0, errno != EINVAL { failure = .failed(path: path, errno: errno) }
        if close(fd) != 0, failure == nil, errno != EINTR { failure = .failed(path: path, errno: errno) }
        return failure
    }
}
