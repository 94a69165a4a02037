/// What a request's path resolves to on a site. `modified` is in seconds, `version` the
/// modification time in nanoseconds (for the ETag).
public enum HTTPResource: Sendable {
    /// An open file, held by the sockets layer (the core decides by its size, never reads it).
    case file(FileToken, size: Int, modified: Int, version: Int, name: String)
    case memory([UInt8], modified: Int, version: Int, name: String)
    /// 301 to this path: a folder asked for without its trailing slash (its relative
    /// links would otherwise resolve against the parent folder).
    case redirect(String)
    /// A folder's generated listing (HTML), with --list-dirs.
    case listing([UInt8])
}

/// An open file as the core sees it: a name for what the sockets layer holds open (its owner
/// closes it once, when the last holder lets go), passed from a lookup to a response plan.
/// The core compares and forwards it; it opens, reads and closes nothing with it.
public struct FileToken: Hashable, Sendable {
    package let descriptor: Int32

    package init(descriptor: Int32) {
        self.descriptor = descriptor
    }
}
