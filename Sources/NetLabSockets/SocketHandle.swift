import Dispatch
import Glibc

/// Owns one non-blocking socket and its readiness handlers, on one engine's reactor (and so
/// on its queue). The descriptor leaves the epoll set before it is closed, exactly once.
/// Not thread-safe: used only on the reactor's queue.
/// It is its own reactor registration (one object per socket); its owner uses the methods
/// below, not the registration's fields. A server's connection is a socket handle itself
/// (a subclass): one object per accepted connection, not two.
class SocketHandle: Reactor.Registration {
    let reactor: Reactor
    private var closing = false
    private var closed = false
    /// Runs once, right after the descriptor is closed (a connection tells its listener).
    var onClosed: (() -> Void)?
    /// Runs just before close(2), so a `closed` event is stamped before the FIN it causes.
    var willClose: (() -> Void)?
    /// Hears the same two moments without a closure per socket (a server's connection: no
    /// allocation per connection for them). Held until the socket is closed, then let go.
    var observer: SocketCloseObserver?

    init(fd: Int32, reactor: Reactor) {
        self.reactor = reactor
        super.init(fd: fd)
        reactor.add(self)
    }

    var isClosing: Bool { closing }

    /// Whether this is the only socket its reactor watches.
    var isAlone: Bool { reactor.watchesOnly(self) }

    /// Calls `handler` on the queue each time the socket is readable (or has an error or
    /// hang-up to report).
    func onReadable(_ handler: @escaping () -> Void) {
        precondition(onRead == nil && !closing)
        onRead = handler
        // A pause made before the handler was set (a first read done early) stays.
        reactor.update(self)
    }

    func pauseReading() {
        guard !closing, readEnabled else { return }
        readEnabled = false
        reactor.update(self)
    }

    func resumeReading() {
        guard !closing, !readEnabled else { return }
        readEnabled = true
        reactor.update(self)
    }

    /// Calls `handler` on the queue when the socket is writable, until `finishWriting()`.
    func onWritable(_ handler: @escaping () -> Void) {
        guard !closing else { return }
        onWrite = handler
        writeEnabled = true
        reactor.update(self)
    }

    /// No more writable calls until the next `onWritable`.
    func finishWriting() {
        guard !closing, onWrite != nil else { return }
        onWrite = nil
        reactor.update(self)
    }

    /// Stops every handler and closes the descriptor, then calls `completion`. Safe to call
    /// more than once; later completions run at once.
    func close(completion: (() -> Void)? = nil) {
        if !closed {
            closing = true
            closed = true
            reactor.remove(self)
            let before = willClose
            willClose = nil
            before?()
            observer?.socketWillClose()
            Syscall.close(fd)
            let notify = onClosed
            onClosed = nil
            notify?()
            let told = observer
            observer = nil
            told?.socketDidClose()
        }
        completion?()
    }
}

/// What a socket's owner hears as its socket closes: just before close(2) (a `closed` event
/// stamped before the FIN it causes) and right after.
protocol SocketCloseObserver: AnyObject {
    func socketWillClose()
    func socketDidClose()
}
