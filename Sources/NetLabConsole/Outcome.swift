import Foundation
import NetLabCore

/// The client's latest result, as presenter mode's banner shows it: `HELLO`, `REFUSED`,
/// `NO REPLY`, `200 OK`, `404`.
public struct Outcome: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Sent; the reply (or its absence) is still to come.
        case waiting
        case reply
        case failure
        /// Nothing came back: UDP's silence, or a TCP server that never answered.
        case silence
    }

    public var engine: LabEvent.Engine
    public var kind: Kind
    /// Banner texts, longest first: the renderer shows the first that fits.
    public var banners: [String]
    /// One line under the banner: what happened, in words.
    public var detail: String
    public var time: Date

    public init(engine: LabEvent.Engine, kind: Kind, banners: [String], detail: String, time: Date) {
        self.engine = engine
        self.kind = kind
        self.banners = banners
        self.detail = detail
        self.time = time
    }

    public var role: StyleRole {
        switch kind {
        case .reply: .bannerSuccess
        case .failure: .bannerFailure
        case .waiting, .silence: .bannerSilent
        }
    }

    /// Sent, the answer still to come: the banner is drawn hollow, and the line says how long
    /// the client waits (NO REPLY is what the same wait looks like when it runs out).
    public static func waiting(_ engine: LabEvent.Engine, to target: Endpoint, at time: Date, timeout: Double? = nil) -> Outcome {
        let limit = timeout.map { " (at most \(ClientFailure.format($0)) s)" } ?? ""
        return Outcome(
            engine: engine, kind: .waiting, banners: ["WAITING"], detail: "\(engine.rawValue) -> \(target): waiting for the reply\(limit)",
            time: time)
    }

    /// The banner for a client's result.
    public init(engine: LabEvent.Engine, result: Result<[UInt8], ClientFailure>, at time: Date) {
        self.engine = engine
        self.time = time
        switch result {
        case .success(let bytes) where engine == .http:
            let response = HTTPClientMessage.parseResponse(bytes)
            detail = "HTTP <- " + Self.preview(Array(response.summary.utf8))
            if let status = response.status {
                kind = status < 400 ? .reply : .failure
                // The server's own words: "HTTP/1.1 404 Not Found" -> "404 NOT FOUND", then "404".
                let statusAndReason = response.statusLine.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "\(status)"
                banners = ["\(status)"]
                if statusAndReason.uppercased() != "\(status)" { banners.insert(statusAndReason.uppercased(), at: 0) }
            } else {
                kind = .failure
                banners = ["NOT HTTP"]
            }
        case .success(let bytes):
            kind = .reply
            detail = "\(engine.rawValue) <- " + Self.preview(bytes)
            // The banner shows a few words at most: never measure more of the reply than that.
            var text = Array(bytes.prefix(Self.bannerBytes))
            while let last = text.last, last == 10 || last == 13 { text.removeLast() }
            // The reply as it is (UTF-8, control bytes escaped), cut on a character boundary;
            // the banner draws what its block font has, and plain text otherwise.
            let cut = TerminalSafe.characterBoundary(in: text, atMost: text.count)
            let shown = TerminalSafe.escape(text[..<cut])
            banners = [shown.isEmpty ? "(EMPTY)" : shown]
        case .failure(let failure):
            detail = failure.brief
            switch failure {
            case .timedOut:
                kind = .silence
                banners = ["NO REPLY"]
            case .connectTimedOut:
                kind = .silence
                banners = ["NO ANSWER"]
            case .replyTooLarge:
                kind = .failure
                banners = ["TOO LARGE"]
            case .closedWithoutReply:
                kind = .failure
                banners = ["CLOSED", "EMPTY"]
            case .unfinishedReply:
                kind = .failure
                banners = ["UNFINISHED"]
            case .socket(let error):
                kind = .failure
                banners = [error.errnoValue.map(Self.word(forErrno:)) ?? "ERROR"]
            }
        }
    }

    /// Bytes of a reply the detail line shows; the rest is counted, not kept (a 10 MB reply
    /// must not make every frame measure 10 MB: the packets pane has the bytes).
    public static let detailBytes = 160
    static let bannerBytes = 64

    /// The reply escaped; a long one leads with its length and is cut at a character
    /// boundary after `detailBytes` (the length first, so a two-row presenter line shows it).
    static func preview(_ bytes: [UInt8]) -> String {
        guard bytes.count > detailBytes else { return TerminalSafe.escape(bytes) }
        let cut = TerminalSafe.characterBoundary(in: bytes, atMost: detailBytes)
        return "\(bytes.count) bytes, the first \(cut): " + TerminalSafe.escape(bytes[..<cut]) + "..."
    }

    /// A short word for an errno: what the room should read from the back row.
    static func word(forErrno value: Int32) -> String {
        switch Errno(value).name {
        case "ECONNREFUSED": "REFUSED"
        case "ECONNRESET": "RESET"
        case "EHOSTUNREACH": "UNREACHABLE"
        case "ENETUNREACH": "NO ROUTE"
        case "ETIMEDOUT": "TIMED OUT"
        case "EMSGSIZE": "TOO BIG"
        case let name: name
        }
    }
}
