/// Content-Type values by file extension, for the files a lab web server serves.
public enum MIMEType {
    /// Source files are served as UTF-8 text, so a browser shows them instead of downloading.
    static let byExtension: [String: String] = {
        var table: [String: String] = [
            "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
            "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
            "json": "application/json", "xml": "application/xml", "csv": "text/csv; charset=utf-8",
            "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
            "ico": "image/vnd.microsoft.icon", "webp": "image/webp", "avif": "image/avif", "bmp": "image/bmp",
            "pdf": "application/pdf", "wasm": "application/wasm", "zip": "application/zip", "gz": "application/gzip",
            "tar": "application/x-tar",
            "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
            "mp3": "audio/mpeg", "ogg": "audio/ogg", "oga": "audio/ogg", "wav": "audio/wav", "flac": "audio/flac",
            "m4a": "audio/mp4", "opus": "audio/opus",
            "mp4": "video/mp4", "webm": "video/webm", "ogv": "video/ogg", "mov": "video/quicktime",
            "pcap": "application/vnd.tcpdump.pcap", "pcapng": "application/octet-stream",
        ]
        for source in [
            "txt", "md", "py", "c", "h", "cc", "cpp", "hpp", "java", "sh", "swift", "rs", "go", "rb",
            "pl", "kt", "ts", "toml", "yaml", "yml", "ini", "cfg", "conf", "log", "sql", "tex",
        ] {
            table[source] = "text/plain; charset=utf-8"
        }
        return table
    }()

    /// The type for a file name; `application/octet-stream` when unknown.
    /// The name may be a path: only its last component counts (a hidden file's leading dot
    /// is not an extension).
    public static func forFile(_ name: String) -> String {
        let utf8 = name.utf8
        guard let dot = utf8.lastIndex(where: { $0 == 0x2E || $0 == 0x2F }), utf8[dot] == 0x2E, dot != utf8.startIndex,
            utf8[utf8.index(before: dot)] != 0x2F
        else { return "application/octet-stream" }
        return byExtension[name[utf8.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
