import Glibc

/// The process's limit on open descriptors (RLIMIT_NOFILE), which bounds how many clients a
/// server can hold at once.
public enum DescriptorLimit {
    /// Fewer than this and the engines cannot even start (epoll sets, Dispatch's own pipes,
    /// a listening socket each): checked before anything starts.
    public static let minimum = 32

    /// The soft limit now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return 1024 }
        return limit.rlim_cur >= rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one, as servers do at start (the usual soft limit,
    /// 1,024, is reached before a server's own connection limit); returns the soft limit then.
    /// At most 1,048,576: an unlimited hard limit would make per-descriptor tables huge.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return current }
        let wanted = min(limit.rlim_max, 1 << 20)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(openFilesResource, &limit)  // on failure the old limit stays; `current` says which
        }
        return current
    }

    private static var openFilesResource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
