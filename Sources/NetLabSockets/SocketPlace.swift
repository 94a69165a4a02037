import CNetLabSys
import Foundation
import Glibc
import NetLabCore

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
        final class Outcome: @unchecked Sendable {
            // @unchecked: written by the thread before `done` is signalled, read after the wait.
            var result: Result<Int32, SocketError> = .failure(.errno(.socket, EAGAIN))
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let namespace = namespace
        let thread = Thread {
            if setns(namespace, NETLAB_CLONE_NEWNET) != 0 {
                outcome.result = .failure(.errno(.socket, errno))
            } else {
                do throws(SocketError) {
                    outcome.result = .success(try Syscall.socket(family: family, type: type))
                } catch {
                    outcome.result = .failure(error)
                }
            }
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.result.get()
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
