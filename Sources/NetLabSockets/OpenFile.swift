import Glibc
import NetLabCore

/// A file the HTTP server opened to serve, closed exactly once: when its last holder lets go
/// (the response sent, an answer that does not send it (HEAD, 304, 412, 416), a cached copy
/// taken instead, a refusal after opening, or a connection closed midway). Nothing closes it by
/// hand. A class, not a non-copyable struct: it waits in a connection's output queue, an
/// array, until it is sent, and the array needs copyable elements.
final class OpenFile {
    let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    deinit { Syscall.closeFile(fd) }

    /// What the core's plans carry in its place.
    var token: FileToken { FileToken(descriptor: fd) }
}

/// The file the latest lookup opened, handed from the responder's lookup to the connection
/// that queues the answer (which keeps it only if the answer sends it).
final class OpenedFileSlot {
    private var file: OpenFile?

    func keep(_ file: OpenFile) { self.file = file }

    /// The file, if `token` names it; anything else held is let go (and so closed).
    func take(_ token: FileToken?) -> OpenFile? {
        defer { file = nil }
        guard let file, file.token == token else { return nil }
        return file
    }
}
