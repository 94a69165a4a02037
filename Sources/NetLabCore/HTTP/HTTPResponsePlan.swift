/// One response, decided: the bytes of its head, its body, and whether the connection stays
/// open after it. The connection only sends it.
public struct HTTPResponsePlan: Sendable {
    public enum Body: Equatable, Sendable {
        case none
        /// In memory (an error page, a listing, a cached file).
        case bytes([UInt8])
        /// `length` bytes of an open file from `offset`.
        case file(FileToken, offset: Int, length: Int)
    }

    public var status: Int
    public var head: [UInt8]
    public var body: Body
    public var keepAlive: Bool
    /// The request answered (nil: no request line could be read).
    public var request: HTTPRequestHead?

    /// For the access log; `-` when no request line could be read. Made when asked (a
    /// server without a log never asks).
    public var requestLine: String { request?.requestLine ?? "-" }

    /// Head and body bytes together (what the access log counts).
    public var length: Int {
        switch body {
        case .none: head.count
        case .bytes(let bytes): head.count + bytes.count
        case .file(_, _, let length): head.count + length
        }
    }
}
