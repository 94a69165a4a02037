import Foundation
import NetLabCore

/// The ladder for lecture notes: Mermaid's sequence diagram (`:save FILE.mmd`) and a
/// standalone SVG a browser shows (`:save FILE.svg`), text kept as text.
extension Ladder {
    /// The ladder of captured frames alone (`netlab capture --ladder`): the timeline's own
    /// handling of frames (numbers, marks) makes its rows.
    public init(frames: [CapturedFrame], serverPorts: Set<UInt16>) {
        var timeline = Timeline()
        for frame in frames { _ = timeline.add(frame) }
        self.init(rows: Array(timeline.rows.items), serverPorts: serverPorts)
    }

    /// The ladder of a traced program (`netlab run --ladder`): its calls, as the console shows
    /// them, and the packets they caused; the ports it connected or sent to, and bound, stand
    /// on the server side.
    public init(traced calls: [(call: TracedCall, program: String)], frames: [CapturedFrame]) {
        var timeline = Timeline()
        var servers: Set<UInt16> = []
        for (call, program) in calls {
            if [.connect, .sendto, .bind].contains(call.call), let port = call.address?.port, port != 0 { servers.insert(port) }
            timeline.add(
                callOf: LabEvent(
                    time: call.stamp, engine: call.socketKind == "UDP" ? .udp : .tcp, role: .program,
                    kind: .traced(call, program: program)))
        }
        for frame in frames { _ = timeline.add(frame) }
        self.init(rows: Array(timeline.rows.items), serverPorts: servers)
    }

    /// `sequenceDiagram` with a participant per lifeline, a note per call and per silence, an
    /// arrow per packet (`-x` for one a fault dropped).
    public func mermaid() -> String {
        var lines = ["sequenceDiagram"]
        for (index, lifeline) in lifelines.enumerated() {
            lines.append("    participant L\(index) as \(Self.mermaidText(lifeline.name))")
        }
        for step in steps {
            switch step {
            case .call(let lane, let label, _):
                lines.append("    Note over L\(lane): \(Self.mermaidText(label))")
            case .arrow(let from, let to, let label, _, let dropped):
                lines.append("    L\(from)\(dropped ? "-x" : "->>")L\(to): \(Self.mermaidText(label + (dropped ? " (dropped)" : "")))")
            case .gap(let seconds):
                let last = lifelines.count - 1
                lines.append("    Note over L0,L\(last): \(Self.mermaidText("\(ClientFailure.format((seconds * 10).rounded() / 10)) s of silence"))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Mermaid's text: `;` and `#` would end a statement or start an entity, so they are
    /// written as entities; line breaks as spaces.
    public static func mermaidText(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case ";": out += "#59;"
            case "#": out += "#35;"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// A standalone SVG: lifelines with their names, call boxes, arrows with their labels, the
    /// silences; one 26-pixel row per step.
    public func svg() -> String {
        let spacing = 220
        let left = 110
        let top = 40
        let rowHeight = 26
        let width = left * 2 + spacing * max(1, lifelines.count - 1)
        let height = top + rowHeight * (steps.count + 1) + 20
        func x(_ lane: Int) -> Int { left + spacing * lane }
        var body: [String] = []
        for (index, lifeline) in lifelines.enumerated() {
            body.append(
                "<text x=\"\(x(index))\" y=\"22\" text-anchor=\"middle\" font-weight=\"bold\">\(XMLText.escape(lifeline.name))</text>")
            body.append(
                "<line x1=\"\(x(index))\" y1=\"\(top - 10)\" x2=\"\(x(index))\" y2=\"\(height - 10)\" stroke=\"#888\" stroke-width=\"1.5\"/>")
        }
        for (index, step) in steps.enumerated() {
            let y = top + rowHeight * (index + 1) - 8
            switch step {
            case .call(let lane, let label, _):
                let text = XMLText.escape(label)
                let boxWidth = 14 + 7 * label.count
                let boxX = lifelines[lane].isServer ? x(lane) - boxWidth : x(lane)
                body.append(
                    "<rect x=\"\(boxX)\" y=\"\(y - 14)\" width=\"\(boxWidth)\" height=\"20\" rx=\"3\" fill=\"#eef\" stroke=\"#557\"/>")
                body.append("<text x=\"\(boxX + 7)\" y=\"\(y)\">\(text)</text>")
            case .arrow(let from, let to, let label, _, let dropped):
                let (a, b) = (x(from), x(to))
                let end = dropped ? (a + b) / 2 : b
                body.append(
                    "<line x1=\"\(a)\" y1=\"\(y)\" x2=\"\(end)\" y2=\"\(y)\" stroke=\"\(dropped ? "#b00" : "#000")\" stroke-width=\"1.5\""
                        + (dropped ? "/>" : " marker-end=\"url(#head)\"/>"))
                if dropped {
                    body.append("<text x=\"\(end)\" y=\"\(y + 5)\" text-anchor=\"middle\" fill=\"#b00\" font-weight=\"bold\">X</text>")
                }
                body.append(
                    "<text x=\"\((a + b) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\">\(XMLText.escape(label + (dropped ? " (dropped)" : "")))</text>"
                )
            case .gap(let seconds):
                body.append(
                    "<text x=\"\(width / 2)\" y=\"\(y)\" text-anchor=\"middle\" fill=\"#666\" font-style=\"italic\">"
                        + "\(ClientFailure.format((seconds * 10).rounded() / 10)) s of silence</text>")
            }
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="DejaVu Sans Mono, monospace" font-size="13">
            <defs><marker id="head" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto">\
            <path d="M0,0 L10,4 L0,8 z"/></marker></defs>
            <rect width="100%" height="100%" fill="#fff"/>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }
}
