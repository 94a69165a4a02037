import CNetLabSys
import Foundation
import Glibc
import NetLabCore
import Synchronization

/// Where a client's sockets are made: another network namespace (host b of `netlab --private
/// --hosts 2`), named by a process in it. A socket belongs for good to the namespace of the
/// thread that made it, so each one is made on a short-lived thread that joined the namespace
/// first (a namespace is per thread; the engines' threads stay where they are).
public final class SocketPlace: Sendable {
    /// The namespace's descriptor (`/proc/PID/ns/net`), open while the place exists.
    private let namespace: Int32
    public let name: String

    /// The network namespace process `pid` is in, named `name` (`b`).
    public init(process pid: Int32, name: String) throws(SocketError) {
        let fd = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SocketError.errno(.socket, errno) }
        namespace = fd
        self.name = name
    }

    deinit { Glibc.close(namespace) }

    /// A new non-blocking socket in this place's namespace.
    func socket(family: Int32, type: SocketType) throws(SocketError) -> Int32 {
        let outcome = Mutex<Result<Int32, SocketError>>(.failure(.errno(.socket, EAGAIN)))
        let done = DispatchSemaphore(value: 0)
        let namespace = namespace
        let thread = Thread {
            let result: Result<Int32, SocketError>
            if setns(namespace, NETLAB_CLONE_NEWNET) != 0 {
                result = .failure(.errno(.socket, errno))
            } else {
                do throws(SocketError) {
                    result = .success(try Syscall.socket(family: family, type: type))
                } catch {
                    result = .failure(error)
                }
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.withLock { $0 }.get()
    }
}

extension Optional where Wrapped == SocketPlace {
    /// A socket in the place, or in netlab's own network when there is none.
    func socket(family: Int32, type: SocketType) throws(SocketError) -> Int32 {
        switch self {
        case .some(let place): try place.socket(family: family, type: type)
        case .none: try Syscall.socket(family: family, type: type)
        }
    }
}
