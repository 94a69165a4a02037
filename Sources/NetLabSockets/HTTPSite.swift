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
    func resolve(_ segments: [String]) -> Result<Resource, HTTPRefusal> {
        switch self {
        case .builtIn:
            let name = segments.isEmpty ? "index.html" : segments.joined(separator: "/")
            guard let page = BuiltInSite.pages[name] else { return .failure(.init(404, "/\(name) is not on this server")) }
            return .success(.memory(page, modified: BuiltInSite.modified, name: name))
        case .directory(let root):
            var path = ([root] + segments).joined(separator: "/")
            var info = stat()
            guard stat(path, &info) == 0 else {
                let code = errno
                if code == EACCES { return .failure(.init(403, "no permission to read this")) }
                return .failure(.init(404, "/\(segments.joined(separator: "/")) is not on this server"))
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                path += "/index.html"
                guard stat(path, &info) == 0 else {
                    return .failure(.init(403, "this is a directory without index.html, and listings are off"))
                }
            }
            // The real path must stay under the root: a symlink may point anywhere.
            guard let real = realpath(path, nil) else { return .failure(.init(404, "not found")) }
            let resolved = String(cString: real)
            free(real)
            guard resolved.hasPrefix(root + "/") else { return .failure(.init(403, "this points outside the served folder")) }
            let fd = open(resolved, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(.init(errno == EACCES ? 403 : 404, "cannot open this file")) }
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                return .failure(.init(403, "not a regular file"))
            }
            return .success(.file(fd: fd, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec),
                                  name: resolved))
        }
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
