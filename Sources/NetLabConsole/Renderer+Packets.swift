import NetLabCore

extension Renderer {
    /// The packet list (top third) and the bytes of the shown packet, tshark -x style:
    ///
    /// ```
    ///   #  time          proto  who     dir  from -> to                    len
    /// ──────────────────────────────────────────────
    /// #3 TCP client sent 5 bytes
    /// 0000  68 65 6c 6c 6f    hello
    /// ```
    func drawPackets(_ screen: inout Screen, _ rect: Rect) {
        var name = "Packets"
        if state.packets.dropped > 0 { name += " (\(state.packets.dropped) older dropped)" }
        name += state.selectedPacketID == nil ? " [following newest]" : " [selected]"
        let (title, role) = title(name, pane: .packets)
        screen.box(rect, title: title, titleRole: role)
        let inner = rect.inner
        guard inner.height >= 3 else { return }
        let listHeight = max(1, inner.height / 3)
        let shown = state.shownPacket
        let packets = Array(state.packets.items)
        // Keep the shown packet in view: the window ends at it, or at the newest.
        let endIndex = shown.flatMap { p in packets.firstIndex { $0.id == p.id } }.map { $0 + 1 } ?? packets.count
        let visible = packets[max(0, endIndex - listHeight)..<endIndex]
        for (i, packet) in visible.enumerated() {
            let row = inner.row + i
            let selected = packet.id == shown?.id
            let role: StyleRole = selected ? .selected : (packet.outgoing ? .sent : .received)
            if selected { screen.fill(row: row, column: inner.column, width: inner.width, height: 1, role: .selected) }
            screen.put(packetLine(packet), row: row, column: inner.column, role: role, limit: inner.width)
        }
        let ruleRow = inner.row + listHeight
        for x in inner.column..<(inner.column + inner.width) { screen[ruleRow, x] = .init("─", .border) }
        guard let shown else {
            screen.put("No messages yet: send one from the client line below.", row: ruleRow + 1,
                       column: inner.column, role: .info, limit: inner.width)
            return
        }
        var row = ruleRow + 1
        let bottom = inner.row + inner.height
        let truncated = shown.length > shown.bytes.count ? " (first \(shown.bytes.count) kept)" : ""
        screen.put("#\(shown.id) \(shown.engine.rawValue) \(shown.role.rawValue) \(shown.outgoing ? "sent" : "received") \(shown.length) bytes\(truncated)",
                   row: row, column: inner.column, role: .title, limit: inner.width)
        row += 1
        let lines = HexDump.lines(shown.bytes)
        let offsetWidth = HexDump.offsetWidth(count: shown.bytes.count)
        let room = bottom - row
        for (i, line) in lines.enumerated() {
            if row >= bottom { break }
            if i == room - 1 && lines.count > room {
                screen.put("... \(lines.count - i) more rows", row: row, column: inner.column, role: .dropped, limit: inner.width)
                break
            }
            drawHexRow(&screen, line, offsetWidth: offsetWidth, row: row, column: inner.column, width: inner.width)
            row += 1
        }
    }

    /// `#12 20:45:04.968 TCP client sent 127.0.0.1:35446 -> 127.0.0.1:12000 21 B`
    func packetLine(_ packet: ConsoleState.Packet) -> String {
        let direction = packet.outgoing ? "sent" : "recv"
        return "#\(packet.id) \(clock(packet.time)) \(packet.engine.rawValue) \(packet.role.rawValue) \(direction) "
            + "\(packet.from) -> \(packet.to) \(packet.length) B"
    }

    private func drawHexRow(_ screen: inout Screen, _ line: String, offsetWidth: Int, row: Int, column: Int, width: Int) {
        let characters = Array(line)
        let bytesEnd = min(characters.count, offsetWidth + 2 + HexDump.bytesPerRow * 3)
        screen.put(String(characters[..<offsetWidth]), row: row, column: column, role: .hexOffset, limit: width)
        screen.put(String(characters[offsetWidth..<bytesEnd]), row: row, column: column + offsetWidth, role: .hexBytes,
                   limit: max(0, width - offsetWidth))
        if characters.count > bytesEnd {
            screen.put(String(characters[bytesEnd...]), row: row, column: column + bytesEnd, role: .hexASCII,
                       limit: max(0, width - bytesEnd))
        }
    }
}
