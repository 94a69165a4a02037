import Foundation
import Glibc
import NetLabCore
import NetLabEvents

/// Where an HTTP server's files come from: a document root, or the built-in demo site.
public enum HTTPSite: Sendable, Equatable {
    /// Files under this directory (its real path, symlinks resolved, without a trailing `/`).
    case directory(String)
    /// A small site in memory: an index page and the lab's HelloWorld.html.
    case builtIn

    /// A document root, checked: it must exist and be a directory.
    public static func root(_ path: String) throws(SiteError) -> HTTPSite {
        guard let real = realpath(path, nil) else { throw SiteError(path: path, reason: String(cString: strerror(errno))) }
        defer { free(real) }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SiteError(path: path, reason: "not a directory")
        }
        return .directory(String(cString: real))
    }

    public struct SiteError: Error, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot serve \(path): \(reason); give --root an existing directory" }
    }

    /// Finds the file for a decoded path; never anything outside the root.
    /// A file it opens is handed to `opened` (whose owner keeps it while it is being sent);
    /// the resource names it by its token.
    func resolve(
        _ target: HTTPTarget.Path, listDirectories: Bool = false, cache: QueueBound<HTTPFileCache>? = nil,
        opened: OpenedFileSlot? = nil
    ) -> Result<HTTPResource, HTTPRefusal> {
        let segments = target.segments
        // For the error pages only: made when one is.
        var shown: String { "/" + segments.joined(separator: "/") }
        switch self {
        case .builtIn:
            let name = segments.isEmpty ? "index.html" : segments.joined(separator: "/")
            guard let page = BuiltInSite.pages[name], segments.isEmpty || !target.trailingSlash else {
                return .failure(.init(404, "\(shown) is not on this server"))
            }
            return .success(.memory(page, modified: BuiltInSite.modified, version: BuiltInSite.modified * 1_000_000_000, name: name))
        case .directory(let root):
            var path = root
            path.reserveCapacity(root.utf8.count + segments.reduce(0) { $0 + $1.utf8.count + 1 })
            for segment in segments {
                path += "/"
                path += segment
            }
            if let entry = cache?.value.lookup(path), entry.isDirectory == target.trailingSlash || segments.isEmpty {
                return .success(.memory(entry.bytes, modified: entry.modifiedSeconds, version: entry.version, name: entry.name))
            }
            if !target.trailingSlash, let held = cache?.value.heldFile(path) {
                opened?.keep(held.file)
                return .success(Self.file(held.file, held.info, name: held.name))
            }
            var found = Self.open(path)
            var openedPath = path
            var isDirectory = false
            if case .success(let (_, info)) = found, (info.st_mode & S_IFMT) == S_IFDIR {
                isDirectory = true
                guard target.trailingSlash else {
                    return .success(.redirect(target.encoded + "/" + (target.query.map { "?" + $0 } ?? "")))
                }
                openedPath = path + "/index.html"
                found = Self.open(openedPath)
                if case .failure(let error) = found, error.code == ENOENT {
                    guard listDirectories else {
                        return .failure(.init(403, "this is a directory without index.html, and listings are off"))
                    }
                    return Self.listing(of: path, root: root, shown: shown)
                }
            } else if case .success = found, target.trailingSlash, !segments.isEmpty {
                // "/file.html/" names a folder that does not exist.
                return .failure(.init(404, "\(shown)/ is not on this server (\(shown) is a file, not a folder)"))
            }
            switch found {
            case .failure(let error):
                switch error.code {
                case EACCES: return .failure(.init(403, "no permission to read this"))
                case ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP:
                    return .failure(.init(404, "\(shown) is not on this server"))
                case EMFILE, ENFILE, ENOMEM:
                    // Out of descriptors is the server's state, not the file's: never a 404.
                    // The files kept open for later requests go (closed once no download
                    // holds them), so the next open may find a descriptor.
                    cache?.value.releaseHeld()
                    return .failure(.init(503, "the server has too many files open right now; try again in a moment"))
                default:
                    return .failure(.init(500, "the file could not be opened (\(Errno(error.code).name))"))
                }
            case .success(let (file, info)):
                // The real path of what was opened must be under the root: a symlink may point
                // anywhere. One readlink of /proc/self/fd instead of realpath's walk (which
                // cost a readlink per path component: 9% of the server's time per request).
                let real: String
                if let known = cache?.value.checkedName(openedPath, info) {
                    real = known
                } else {
                    guard let found = Self.realPath(of: file.fd, fallback: path), found.hasPrefix(root + "/") else {
                        return .failure(.init(403, "this points outside the served folder"))
                    }
                    real = found
                }
                guard (info.st_mode & S_IFMT) == S_IFREG else {
                    return .failure(.init(403, "not a regular file"))
                }
                if let entry = cache?.value.store(path, fd: file.fd, info: info, name: real, isDirectory: isDirectory) {
                    return .success(.memory(entry.bytes, modified: entry.modifiedSeconds, version: entry.version, name: real))
                }
                cache?.value.rememberChecked(openedPath, info, name: real)
                if !isDirectory { cache?.value.hold(path, file, info, name: real) }
                opened?.keep(file)
                return .success(Self.file(file, info, name: real))
            }
        }
    }

    /// A large file's resource: sent from `file`, its validators from `info`.
    private static func file(_ file: OpenFile, _ info: stat, name: String) -> HTTPResource {
        let version = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        return .file(file.token, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec), version: version, name: name)
    }

    /// The most entries a listing shows: a folder of 100,000 files is read and sorted (tens of
    /// milliseconds), but only this many are looked at and written, so listing it holds the
    /// server's other clients up for milliseconds, not seconds; the page says what it left out.
    static let listedEntries = 2_000

    /// A folder's listing: names sorted, escaped, linked (folders with a trailing slash), with
    /// sizes. Only names under the root are listed; fetching one goes through `resolve` again.
    private static func listing(of path: String, root: String, shown: String) -> Result<HTTPResource, HTTPRefusal> {
        guard let real = realPath(ofPath: path), real == root || real.hasPrefix(root + "/") else {
            return .failure(.init(403, "this points outside the served folder"))
        }
        guard let folder = opendir(path) else { return .failure(.init(403, "this folder cannot be read")) }
        defer { closedir(folder) }
        var names: [[UInt8]] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        // Byte order: the same for every name, whatever its encoding.
        names.sort { $0.lexicographicallyPrecedes($1) }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "'", with: "&#39;")
        }
        let title = escape(shown == "/" ? "/" : shown + "/")
        let descriptor = dirfd(folder)
        var rows = ""
        for raw in names.prefix(listedEntries) {
            var info = stat()
            guard fstatat(descriptor, raw.map { CChar(bitPattern: $0) } + [0], &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let name = String(decoding: raw, as: UTF8.self)
            let isFolder = (info.st_mode & S_IFMT) == S_IFDIR
            let link = HTTPTarget.percentEncodeStrict(name) + (isFolder ? "/" : "")
            let size = isFolder ? "-" : String(info.st_size)
            rows += "<tr><td><a href=\"\(escape(link))\">\(escape(name))\(isFolder ? "/" : "")</a></td><td>\(size)</td></tr>\n"
        }
        let more = names.count - min(names.count, listedEntries)
        let note = more == 0 ? "" : "<p>\(more) more entries are not listed (a listing shows the first \(listedEntries)).</p>"
        let page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Index of \(title)</title></head>
            <body><h1>Index of \(title)</h1>
            <table><tr><th>name</th><th>bytes</th></tr>
            \(shown == "/" ? "" : "<tr><td><a href=\"../\">../</a></td><td>-</td></tr>\n")\(rows)</table>\(note)<hr><p>netlab</p></body></html>

            """
        return .success(.listing(Array(page.utf8)))
    }

    private static func realPath(ofPath path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }

    /// Opens without blocking (a FIFO would otherwise hang the server) and stats what opened.
    private struct OpenError: Error {
        var code: Int32
    }

    private static func open(_ path: String) -> Result<(OpenFile, stat), OpenError> {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(OpenError(code: errno)) }
        let file = OpenFile(fd: fd)
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(OpenError(code: errno)) }
        return .success((file, info))
    }

    /// The canonical path of an open file (Linux: /proc/self/fd), or realpath of `fallback`.
    private static func realPath(of fd: Int32, fallback: String) -> String? {
        let real: String? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(PATH_MAX)) { buffer in
            let length = readlink("/proc/self/fd/\(fd)", buffer.baseAddress!, buffer.count)
            guard length > 0, length < buffer.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<length]), as: UTF8.self)
        }
        if let real { return real }
        guard let real = realpath(fallback, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }
}

/// The demo site served when no --root is given.
enum BuiltInSite {
    /// A 16x16 icon (ICO holding a 32-bit BMP: a green square with a dark border), so a
    /// browser's request for /favicon.ico gets an answer instead of a 404 in the log.
    static let favicon: [UInt8] = {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        let side = 16
        let pixels = side * side * 4
        let mask = side * 4  // AND mask rows: 16 bits padded to 32
        let bitmapSize = 40 + pixels + mask
        var icon = le16(0) + le16(1) + le16(1)  // ICONDIR: reserved, type icon, 1 image
        icon += [UInt8(side), UInt8(side), 0, 0] + le16(1) + le16(32) + le32(bitmapSize) + le32(22)  // ICONDIRENTRY
        icon +=
            le32(40) + le32(side) + le32(side * 2) + le16(1) + le16(32) + le32(0) + le32(pixels)
            + le32(0) + le32(0) + le32(0) + le32(0)  // BITMAPINFOHEADER (height doubled: XOR + AND)
        for y in 0..<side {
            for x in 0..<side {
                let edge = x == 0 || y == 0 || x == side - 1 || y == side - 1
                icon += edge ? [0x20, 0x40, 0x10, 0xFF] : [0x40, 0xB0, 0x30, 0xFF]  // BGRA
            }
        }
        icon += [UInt8](repeating: 0, count: mask)
        return icon
    }()

    /// A fixed time (2026-01-01), so If-Modified-Since works on the built-in pages too.
    static let modified = 1_767_225_600

    static let pages: [String: [UInt8]] = [
        "index.html": Array(
            """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>netlab web server</title></head>
            <body><h1>netlab web server</h1>
            <p>This page came from netlab's built-in site. Try <a href="/HelloWorld.html">HelloWorld.html</a>,
            or a file that does not exist for the lab's 404 Not Found.</p>
            <p>Serve your own folder with <code>netlab http-server --root DIR</code>.</p></body></html>

            """.utf8),
        "favicon.ico": favicon,
        "HelloWorld.html": Array(
            """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Hello World</title></head>
            <body><h1>Hello World!</h1><p>Served by netlab, one of the lab's web server's files.</p></body></html>

            """.utf8),
    ]
}
