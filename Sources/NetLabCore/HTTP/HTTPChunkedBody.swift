/// Skips a chunked request body (RFC 9112, section 7.1) as it arrives, so the request after
/// it on the same connection is read from the right byte. The data is not kept: the server
/// serves GET and HEAD only, but a body must not be mistaken for the next request.
public struct HTTPChunkedBody: Equatable, Sendable {
    public enum ConsumeResult: Equatable, Sendable {
        /// All of the input was used; the body goes on.
        case needMore
        /// The body ended: `consumed` bytes of this input belonged to it.
        case done(consumed: Int)
        case failed(HTTPRefusal)
    }

    private enum State: Equatable, Sendable {
        case size(digits: Int, value: Int, inExtension: Bool)
        /// The CR of a size line was seen; its LF comes next.
        case sizeLineEnd(value: Int)
        case data(remaining: Int)
        case dataEnd(sawCR: Bool)
        /// After the last chunk: trailer lines until an empty one.
        case trailer(lineLength: Int)
    }

    private var state = State.size(digits: 0, value: 0, inExtension: false)
    /// A chunk-size line or trailer line longer than this is refused.
    static let maxLine = 4096

    public init() {}

    public mutating func consume(_ bytes: ArraySlice<UInt8>) -> ConsumeResult {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch state {
            case .size(let digits, let value, let inExtension):
                if byte == 0x0A || byte == 0x0D {
                    guard digits > 0 else { return .failed(.badRequest("a chunk without a size")) }
                    state = byte == 0x0D ? .sizeLineEnd(value: value) : Self.after(size: value)
                } else if inExtension {
                    guard digits < Self.maxLine else { return .failed(.badRequest("a chunk extension too long")) }
                    state = .size(digits: digits + 1, value: value, inExtension: true)
                } else if byte == 0x3B || byte == 0x20 || byte == 0x09 {
                    state = .size(digits: digits, value: value, inExtension: true)
                } else if let digit = HTTPTarget.hexValue(byte) {
                    guard digits < 15 else { return .failed(.badRequest("a chunk size too large")) }
                    state = .size(digits: digits + 1, value: value * 16 + Int(digit), inExtension: false)
                } else {
                    return .failed(.badRequest("a chunk size that is not hexadecimal"))
                }
                index += 1
            case .sizeLineEnd(let value):
                guard byte == 0x0A else { return .failed(.badRequest("a chunk size line without its line feed")) }
                index += 1
                state = Self.after(size: value)
            case .data(let remaining):
                let take = min(remaining, bytes.endIndex - index)
                index += take
                state = remaining - take == 0 ? .dataEnd(sawCR: false) : .data(remaining: remaining - take)
            case .dataEnd(let sawCR):
                if byte == 0x0D && !sawCR {
                    state = .dataEnd(sawCR: true)
                } else if byte == 0x0A {
                    state = .size(digits: 0, value: 0, inExtension: false)
                } else {
                    return .failed(.badRequest("chunk data longer than its size"))
                }
                index += 1
            case .trailer(let lineLength):
                index += 1
                if byte == 0x0A {
                    if lineLength == 0 { return .done(consumed: index - bytes.startIndex) }
                    state = .trailer(lineLength: 0)
                } else if byte != 0x0D {
                    guard lineLength < Self.maxLine else { return .failed(.badRequest("a trailer line too long")) }
                    state = .trailer(lineLength: lineLength + 1)
                }
            }
        }
        return .needMore
    }

    /// What follows a size line: data, or the trailer after the last (zero) chunk.
    private static func after(size: Int) -> State { size == 0 ? .trailer(lineLength: 0) : .data(remaining: size) }
}
