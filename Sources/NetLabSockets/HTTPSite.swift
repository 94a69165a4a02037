import Foundation
import Glibc
import NetLabCore

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

    /// What a request resolves to.
    enum Resource {
        case file(fd: Int32, size: Int, modified: Int, name: String)
        case memory([UInt8], modified: Int, name: String)
    }

    /// Finds the file for decoded path segments; never anything outside the root.
    func resolve(_ segments: [String], cache: HTTPFileCache? = nil) -> Result<Resource, HTTPRefusal> {
        switch self {
        case .builtIn:
            let name = segments.isEmpty ? "index.html" : segments.joined(separator: "/")
            guard let page = BuiltInSite.pages[name] else { return .failure(.init(404, "/\(name) is not on this server")) }
            return .success(.memory(page, modified: BuiltInSite.modified, name: name))
        case .directory(let root):
            let path = ([root] + segments).joined(separator: "/")
            if let entry = cache?.lookup(path) {
                return .success(.memory(entry.bytes, modified: entry.modifiedSeconds, name: entry.name))
            }
            var opened = Self.open(path)
            if case .success(let (fd, info)) = opened, (info.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                opened = Self.open(path + "/index.html")
                if case .failure = opened {
                    return .failure(.init(403, "this is a directory without index.html, and listings are off"))
                }
            }
            switch opened {
            case .failure(let error):
                switch error.code {
                case EACCES: return .failure(.init(403, "no permission to read this"))
                case ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP:
                    return .failure(.init(404, "/\(segments.joined(separator: "/")) is not on this server"))
                case EMFILE, ENFILE, ENOMEM:
                    // Out of descriptors is the server's state, not the file's: never a 404.
                    return .failure(.init(503, "the server has too many files open right now; try again in a moment"))
                default:
                    return .failure(.init(500, "the file could not be opened (\(ErrnoName.name(error.code)))"))
                }
            case .success(let (fd, info)):
                // The real path of what was opened must be under the root: a symlink may point
                // anywhere. One readlink of /proc/self/fd instead of realpath's walk (which
                // cost a readlink per path component: 9% of the server's time per request).
                guard let real = Self.realPath(of: fd, fallback: path), real.hasPrefix(root + "/") else {
                    close(fd)
                    return .failure(.init(403, "this points outside the served folder"))
                }
                guard (info.st_mode & S_IFMT) == S_IFREG else {
                    close(fd)
                    return .failure(.init(403, "not a regular file"))
                }
                if let entry = cache?.store(path, fd: fd, info: info, name: real) {
                    close(fd)
                    return .success(.memory(entry.bytes, modified: entry.modifiedSeconds, name: real))
                }
                return .success(.file(fd: fd, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec), name: real))
            }
        }
    }

    /// Opens without blocking (a FIFO would otherwise hang the server) and stats what opened.
    private struct OpenError: Error {
        var code: Int32
    }

    private static func open(_ path: String) -> Result<(Int32, stat), OpenError> {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(OpenError(code: errno)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            return .failure(OpenError(code: code))
        }
        return .success((fd, info))
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

/// A status and a sentence for the error page.
struct HTTPRefusal: Error {
    var status: Int
    var detail: String
    init(_ status: Int, _ detail: String) {
        self.status = status
        self.detail = detail
    }
}

/// The demo site served when no --root is given.
enum BuiltInSite {
    /// A fixed time (2026-01-01), so If-Modified-Since works on the built-in pages too.
    static let modified = 1_767_225_600

    static let pages: [String: [UInt8]] = [
        "index.html": Array("""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>netlab web server</title></head>
            <body><h1>netlab web server</h1>
            <p>This page came from netlab's built-in site. Try <a href="/HelloWorld.html">HelloWorld.html</a>,
            or a file that does not exist for the lab's 404 Not Found.</p>
            <p>Serve your own folder with <code>netlab http-server --root DIR</code>.</p></body></html>

            """.utf8),
        "HelloWorld.html": Array("""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Hello World</title></head>
            <body><h1>Hello World!</h1><p>Served by netlab, one of the lab's web server's files.</p></body></html>

            """.utf8),
    ]
}
