import Synchronization

/// The protocol state of one HTTP connection as a value: the unparsed input, the request
/// heads found in it (pipelining), request bodies being skipped, back-pressure, and every
/// deadline. Fed what happened (bytes, end of input, responses queued and sent, writes that
/// stalled or progressed, the time), it says what to do next; it makes no call and reads no
/// clock, so its timeouts are unit-tested with made-up times.
public struct HTTPConnectionState: Sendable {
    /// What the connection does for the next request in the input.
    public enum Step: Equatable, Sendable {
        /// Answer this head (the responder decides how).
        case respond(HTTPRequestHead)
        /// Answer these bytes with an error page, then close.
        case refuse(HTTPRefusal)
    }

    /// What the connection does once everything queued has been sent.
    public enum AfterFlush: Equatable, Sendable {
        /// Close; with `halfCloseFirst`, send the FIN first (unread input would turn the close
        /// into a reset that may cost the client the end of the response).
        case close(halfCloseFirst: Bool)
        /// A pipelined request is waiting in the input: take the next steps.
        case continueWithInput
        /// Wait for the client (a deadline is armed).
        case wait
    }

    /// What a passed deadline asks for.
    public enum Expiry: Equatable, Sendable {
        /// Close now; `reason` goes in the access-log line of a response cut short.
        case close(reason: String)
        /// Answer 408, then close.
        case requestTimedOut
    }

    /// Parse no further pipelined requests while this much is waiting to be sent.
    public static let maxQueued = 256 * 1024

    public let headerTimeout: Double
    public let idleTimeout: Double
    private var parser: HTTPRequestParser
    private let inputLimit: Int

    public private(set) var input: [UInt8] = []
    private var skipBody = 0
    /// A chunked request body being skipped (its length is found by decoding it).
    private var chunkedBody: HTTPChunkedBody?
    /// Bytes of queued responses not yet sent, and how many responses they are.
    public private(set) var queuedBytes = 0
    private var queuedResponses = 0
    /// A response said `Connection: close`, or a deadline asked to finish: close once sent.
    public private(set) var closeAfterFlush = false
    public private(set) var peerFinished = false
    private var waitingForHead = false
    /// The read-side deadline (uptime ns) and what it means.
    private var deadline: UInt64 = .max
    private var expiry: Expiry?
    /// When a reader that takes nothing is given up on: set when a write finds the socket
    /// full, cleared by the next write that sends something. Apart from the read-side
    /// deadline, so no header or idle timer can push it back.
    private var writeDeadline: UInt64 = .max

    public init(limits: HTTPRequestParser.Limits, headerTimeout: Double, idleTimeout: Double, readSize: Int, busy: Bool, now: UInt64) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        parser = HTTPRequestParser(limits: limits)
        // A head at its limits plus one read.
        inputLimit = limits.requestLine + limits.headerBytes + readSize
        // A turned-away client gets a second at most to send the head its 503 answers.
        arm(busy ? min(1, headerTimeout) : idleTimeout, now: now, .close(reason: Self.nothingArrived(idleTimeout)))
    }

    /// `nothing arrived for 30 s`, made once per timeout value (every connection arms it;
    /// formatting it each time was two allocations per connection).
    private static let nothingArrivedText = Mutex<(seconds: Double, text: String)>((-1, ""))

    static func nothingArrived(_ seconds: Double) -> String {
        nothingArrivedText.withLock { cached in
            if cached.seconds != seconds { cached = (seconds, "nothing arrived for \(ClientFailure.format(seconds)) s") }
            return cached.text
        }
    }

    // MARK: Reading

    /// Whether to read now: not after the client's FIN, not with responses backed up (a
    /// client that pipelines and never reads) or the input full. Unread, the kernel's
    /// buffers and TCP's window hold the client back, not this process's memory.
    public var wantsToRead: Bool {
        !peerFinished && queuedBytes < Self.maxQueued && input.count <= inputLimit
    }

    public mutating func received(_ bytes: UnsafeBufferPointer<UInt8>) {
        input.append(contentsOf: bytes)
    }

    public mutating func receivedEnd() {
        peerFinished = true
    }

    /// The client has finished and nothing is left to send: close.
    public var isFinished: Bool { peerFinished && queuedResponses == 0 }

    // MARK: Requests

    /// The next request to answer, or nil when there is none yet (more input needed, or
    /// output backed up, or the connection is closing). Call `queued` with each answer.
    public mutating func nextStep(now: UInt64) -> Step? {
        while !closeAfterFlush, queuedBytes < Self.maxQueued {
            if skipBody > 0 {
                let n = min(skipBody, input.count)
                input.removeFirst(n)
                skipBody -= n
                if skipBody > 0 { return nil }
            }
            if var body = chunkedBody {
                switch body.consume(input[...]) {
                case .needMore:
                    input.removeAll(keepingCapacity: true)
                    chunkedBody = body
                    return nil
                case .done(let consumed):
                    input.removeFirst(consumed)
                    chunkedBody = nil
                case .failed(let refusal):
                    chunkedBody = nil
                    input.removeAll()
                    return .refuse(refusal)
                }
            }
            switch parser.parse(input[...]) {
            case .needMore:
                if input.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) {
                    input.removeAll()  // blank lines between requests are ignored
                } else if !waitingForHead {
                    // The header timeout runs from the first byte and is not extended by more:
                    // a client sending a byte a minute cannot hold the connection.
                    waitingForHead = true
                    arm(headerTimeout, now: now, .requestTimedOut)
                }
                if peerFinished && !input.isEmpty && queuedResponses == 0 {
                    return .refuse(.badRequest("the connection ended in the middle of a request"))
                }
                return nil
            case .head(let head, let consumed):
                input.removeFirst(consumed)
                skipBody = head.bodyLength
                if head.chunked { chunkedBody = HTTPChunkedBody() }
                waitingForHead = false
                // The read side waits for nothing while the answer goes out (the write side
                // has its own stall deadline); `flushed` arms the idle timeout after it. Left
                // armed, the connection's first idle deadline cut any download that took
                // longer than the idle timeout (found by this type's tests).
                deadline = .max
                expiry = nil
                return .respond(head)
            case .failed(let refusal):
                input.removeAll()
                return .refuse(refusal)
            }
        }
        return nil
    }

    /// An answer of `bytes` (head and body) was queued for sending.
    public mutating func queued(bytes: Int, keepAlive: Bool) {
        queuedBytes += bytes
        queuedResponses += 1
        if !keepAlive { closeAfterFlush = true }
    }

    /// A queued answer of `bytes` was sent to the end.
    public mutating func sent(bytes: Int) {
        queuedBytes -= bytes
        queuedResponses -= 1
    }

    /// Everything queued has been sent: what next.
    public mutating func flushed(now: UInt64) -> AfterFlush {
        if closeAfterFlush { return .close(halfCloseFirst: !input.isEmpty) }
        if peerFinished && input.isEmpty { return .close(halfCloseFirst: false) }
        if !input.isEmpty && skipBody == 0 && chunkedBody == nil && !waitingForHead { return .continueWithInput }
        if !waitingForHead {
            // Keep-alive: the next request has the idle timeout to start.
            arm(idleTimeout, now: now, .close(reason: "the server closed the connection"))
        }
        return .wait
    }

    // MARK: Writing

    /// A write found the socket full: the stall clock starts (if it is not running).
    public mutating func writeStalled(now: UInt64) {
        if writeDeadline == .max { writeDeadline = now + Self.nanoseconds(idleTimeout) }
    }

    /// A write sent something: the client is reading.
    public mutating func wroteSome() {
        writeDeadline = .max
    }

    // MARK: Deadlines

    /// What a deadline that has passed at `now` asks for, if one has.
    public mutating func expired(now: UInt64) -> Expiry? {
        if now >= writeDeadline {
            writeDeadline = .max
            return .close(reason: "the client read nothing for \(ClientFailure.format(idleTimeout)) s")
        }
        guard now >= deadline, let expiry else { return nil }
        deadline = .max
        self.expiry = nil
        if expiry == .requestTimedOut, queuedResponses > 0 {
            // Responses are still going out: finish them, then close (no later deadline
            // would otherwise be armed, and the half-sent head could hold the connection).
            closeAfterFlush = true
            return nil
        }
        if expiry == .requestTimedOut { closeAfterFlush = true }
        return expiry
    }

    /// No more deadlines (the connection is closing).
    public mutating func disarm() {
        deadline = .max
        expiry = nil
        writeDeadline = .max
    }

    private mutating func arm(_ seconds: Double, now: UInt64, _ expiry: Expiry) {
        deadline = now + Self.nanoseconds(seconds)
        self.expiry = expiry
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(seconds * 1e9) }
}
