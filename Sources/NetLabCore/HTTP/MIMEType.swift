/// Content-Type values by file extension, for the files a lab web server serves.
public enum MIMEType {
    static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "json": "application/json", "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
        "xml": "application/xml", "csv": "text/csv; charset=utf-8",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
        "ico": "image/vnd.microsoft.icon", "webp": "image/webp", "pdf": "application/pdf", "wasm": "application/wasm",
        "woff2": "font/woff2", "mp4": "video/mp4", "zip": "application/zip",
    ]

    /// The type for a file name; `application/octet-stream` when unknown.
    public static func forFile(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
