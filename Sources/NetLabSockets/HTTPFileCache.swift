import Glibc

/// Small files of a document root kept in memory, so a repeated request costs one `stat`
/// instead of open, fstat, readlink, read and close (measured on 1 KiB keep-alive requests).
///
/// An entry is used only while `stat` of the request's path still finds the same file
/// (device, inode, size, modification and change times): an edited file (even one rewritten
/// at the same size with its modification time put back: the change time cannot be set), or a symlink now pointing
/// elsewhere, misses and is resolved again with every check of `HTTPSite.resolve`.
/// A value: the HTTP server keeps it in a `QueueBound` on its queue.
struct HTTPFileCache {
    struct Entry {
        var device: UInt
        var inode: UInt
        var size: Int
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
        var changedSeconds: Int
        var changedNanoseconds: Int
        var bytes: [UInt8]
        var name: String
        /// Stored for a folder's path (its index.html): served only to a path ending in `/`.
        var isDirectory: Bool

        /// The modification time in nanoseconds, for the ETag.
        var version: Int { modifiedSeconds * 1_000_000_000 + modifiedNanoseconds }
    }

    static let largestFile = 64 * 1024
    static let capacity = 8 * 1024 * 1024

    private var entries: [String: Entry] = [:]
    private var total = 0

    /// A file too large to keep, whose opened path was found under the root: the same path
    /// opening the same file (fstat: device, inode, size, modification and change times)
    /// again needs no readlink (7 us per 1 MiB answer under perf). A file moved, renamed, written
    /// or re-linked changes its change time, so it is checked again. A folder above it moved
    /// out of the root (a symlink left in its place) does not: the file, unchanged since its
    /// check, is served as it was until it changes (nothing the root did not already show).
    struct Checked {
        var device: UInt
        var inode: UInt
        var size: Int
        var modified: timespec
        var changed: timespec
        var name: String

        init(_ info: stat, name: String) {
            device = UInt(info.st_dev)
            inode = UInt(info.st_ino)
            size = Int(info.st_size)
            modified = info.st_mtim
            changed = info.st_ctim
            self.name = name
        }

        func matches(_ info: stat) -> Bool {
            device == UInt(info.st_dev) && inode == UInt(info.st_ino) && size == Int(info.st_size)
                && modified.tv_sec == info.st_mtim.tv_sec && modified.tv_nsec == info.st_mtim.tv_nsec
                && changed.tv_sec == info.st_ctim.tv_sec && changed.tv_nsec == info.st_ctim.tv_nsec
        }
    }

    static let checkedCapacity = 1024
    private var checked: [String: Checked] = [:]

    /// The real name of the file opened at `path`, if that path was checked before and still
    /// opens the same file.
    func checkedName(_ path: String, _ info: stat) -> String? {
        guard let entry = checked[path], entry.matches(info) else { return nil }
        return entry.name
    }

    /// Remembers that `path` opened a file under the root (its real name `name`).
    mutating func rememberChecked(_ path: String, _ info: stat, name: String) {
        if checked.count >= Self.checkedCapacity { checked.removeAll(keepingCapacity: true) }
        checked[path] = Checked(info, name: name)
    }

    /// Large files kept open between requests, at most `heldCapacity`: a repeated request for
    /// one costs a `stat` instead of open, fstat and close (openat alone was 4.3 us of a 1 MiB
    /// answer's ~130 under perf). Used only while `stat` of the request's path still finds the
    /// same file, as the memory cache; its connections may be sending it meanwhile (sendfile
    /// and pread take their own offsets). `releaseHeld` lets go of them (the server's stop).
    private var held: [String: (file: OpenFile, checked: Checked)] = [:]
    static let heldCapacity = 16

    /// The open file for `path`, its `stat` and real name, if the path still finds that file.
    mutating func heldFile(_ path: String) -> (file: OpenFile, info: stat, name: String)? {
        guard let entry = held[path] else { return nil }
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0, entry.checked.matches(info) else {
            held.removeValue(forKey: path)
            return nil
        }
        return (entry.file, info, entry.checked.name)
    }

    /// Keeps `file`, opened at `path` and checked to be under the root (real name `name`).
    mutating func hold(_ path: String, _ file: OpenFile, _ info: stat, name: String) {
        if held.count >= Self.heldCapacity { held.removeAll(keepingCapacity: true) }
        held[path] = (file, Checked(info, name: name))
    }

    /// Lets go of every held file (each closes once no connection is sending it).
    mutating func releaseHeld() { held.removeAll() }

    /// The cached file for `path`, if it is still the same file.
    mutating func lookup(_ path: String) -> Entry? {
        guard let entry = entries[path] else { return nil }
        var info = stat()
        // withCString: passing the String itself copied it into a new array first.
        guard path.withCString({ stat($0, &info) }) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR, stat(path + "/index.html", &info) != 0 { return nil }
        guard Self.matches(entry, info) else {
            remove(path)
            return nil
        }
        return entry
    }

    /// Remembers a small file that `HTTPSite.resolve` opened, checked and stat'ed (`info`);
    /// returns its bytes (read once), or nil for a file too large to keep (it is then
    /// streamed from `fd`).
    mutating func store(_ path: String, fd: Int32, info: stat, name: String, isDirectory: Bool) -> Entry? {
        guard Int(info.st_size) <= Self.largestFile else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count == bytes.count else { return nil }
        let entry = Entry(
            device: UInt(info.st_dev), inode: UInt(info.st_ino), size: Int(info.st_size),
            modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec),
            changedSeconds: Int(info.st_ctim.tv_sec), changedNanoseconds: Int(info.st_ctim.tv_nsec),
            bytes: bytes, name: name, isDirectory: isDirectory)
        if total + bytes.count > Self.capacity { removeAll() }
        remove(path)
        entries[path] = entry
        total += bytes.count
        return entry
    }

    private mutating func remove(_ path: String) {
        if let old = entries.removeValue(forKey: path) { total -= old.bytes.count }
    }

    private mutating func removeAll() {
        entries.removeAll()
        total = 0
    }

    private static func matches(_ entry: Entry, _ info: stat) -> Bool {
        entry.device == UInt(info.st_dev) && entry.inode == UInt(info.st_ino) && entry.size == Int(info.st_size)
            && entry.modifiedSeconds == Int(info.st_mtim.tv_sec) && entry.modifiedNanoseconds == Int(info.st_mtim.tv_nsec)
            && entry.changedSeconds == Int(info.st_ctim.tv_sec) && entry.changedNanoseconds == Int(info.st_ctim.tv_nsec)
    }
}
