/// What a request's path resolves to on a site. `modified` is in seconds, `version` the
/// modification time in nanoseconds (for the ETag).
public enum HTTPResource: Sendable {
    /// An open file (its descriptor is the server's to close).
    case file(fd: Int32, size: Int, modified: Int, version: Int, name: String)
    case memory([UInt8], modified: Int, version: Int, name: String)
    /// 301 to this path: a folder asked for without its trailing slash (its relative
    /// links would otherwise resolve against the parent folder).
    case redirect(String)
    /// A folder's generated listing (HTML), with --list-dirs.
    case listing([UInt8])
}
