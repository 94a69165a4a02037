import Dispatch
import Glibc

/// Owns one non-blocking socket and its dispatch sources, on one engine queue.
///
/// Readiness comes from `DispatchSource`s; the descriptor is closed exactly once, in the last
/// cancel handler, after every source has let go of it (closing earlier would let the kernel
/// reuse the number under a live source). Not thread-safe: used only on `queue`.
final class SocketHandle {
    let fd: Int32
    let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var readPaused = false
    private var writeSource: DispatchSourceWrite?
    private var writePaused = false
    private var liveSources = 0
    private var closing = false
    private var closed = false
    private var whenClosed: [() -> Void] = []

    init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        self.queue = queue
    }

    var isClosing: Bool { closing }

    /// Calls `handler` on the queue each time the socket is readable.
    func onReadable(_ handler: @escaping () -> Void) {
        precondition(readSource == nil && !closing)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler(handler: handler)
        adopt(source)
        readSource = source
    }

    func pauseReading() {
        guard let readSource, !readPaused else { return }
        readSource.suspend()
        readPaused = true
    }

    func resumeReading() {
        guard let readSource, readPaused else { return }
        readSource.resume()
        readPaused = false
    }

    /// Calls `handler` on the queue when the socket is writable, until `pauseWriting()`.
    func onWritable(_ handler: @escaping () -> Void) {
        guard !closing else { return }
        if let writeSource {
            writeSource.setEventHandler(handler: handler)
            if writePaused {
                writeSource.resume()
                writePaused = false
            }
            return
        }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler(handler: handler)
        adopt(source)
        writeSource = source
    }

    func pauseWriting() {
        guard let writeSource, !writePaused else { return }
        writeSource.suspend()
        writePaused = true
    }

    /// Drops the write source until the next `onWritable`. Preferred to pausing: a suspended
    /// write source sharing the descriptor with the read source is suspected of making
    /// libdispatch miss read events (seen: rare exchanges that hung until their timeout).
    func finishWriting() {
        guard let writeSource, !closing else { return }
        if writePaused {
            writeSource.resume()
            writePaused = false
        }
        writeSource.cancel()
        self.writeSource = nil
    }

    /// Cancels every source, then closes the descriptor and calls `completion` on the queue.
    /// Safe to call more than once; later completions run after the close as well.
    func close(completion: (() -> Void)? = nil) {
        if closed {
            completion?()
            return
        }
        if let completion { whenClosed.append(completion) }
        guard !closing else { return }
        closing = true
        if let readSource {
            if readPaused { readSource.resume(); readPaused = false }
            readSource.cancel()
        }
        if let writeSource {
            if writePaused { writeSource.resume(); writePaused = false }
            writeSource.cancel()
        }
        if liveSources == 0 { finish() }
    }

    private func adopt(_ source: DispatchSourceProtocol) {
        liveSources += 1
        source.setCancelHandler { [self] in
            liveSources -= 1
            if liveSources == 0 { finish() }
        }
        source.resume()
    }

    private func finish() {
        Syscall.close(fd)
        closed = true
        readSource = nil
        writeSource = nil
        let callbacks = whenClosed
        whenClosed = []
        for callback in callbacks { callback() }
    }
}
