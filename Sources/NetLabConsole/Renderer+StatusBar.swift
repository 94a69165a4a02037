import NetLabCore

extension Renderer {
    /// ` TCP :12000 ON  UDP :12000 OFF  client: UDP -> 127.0.0.1:12000` with the state in words.
    /// The client's target is left out in presenter mode (its banner box names it).
    ///
    /// What the lab is about never goes: every server's state, the client's protocol, its full
    /// target host:port and the UDP mode. When the line is too long, the other words shorten
    /// first (spacing, "client:", the servers' ports, the mode's spelling), then the name.
    func drawStatusBar(_ screen: inout Screen, row: Int, showClient: Bool = true) {
        screen.fill(row: row, column: 0, width: screen.width, height: 1, role: .statusBar)
        // Built one level at a time, only until one fits (nearly always the first).
        let segments =
            (0...4).lazy.map { statusSegments(compact: $0, showClient: showClient) }
            .first { Self.width(of: $0) <= screen.width } ?? statusSegments(compact: 5, showClient: showClient)
        var x = 0
        for (text, role) in segments { x += screen.put(text, row: row, column: x, role: role) }
        let name = showClient ? " netlab " : " netlab presenter "
        let nameWidth = CharacterWidth.of(name)
        if screen.width - x > nameWidth + 1 {
            screen.put(name, row: row, column: screen.width - nameWidth, role: .title)
        }
    }

    private static func width(of segments: [(String, StyleRole)]) -> Int {
        segments.reduce(0) { $0 + CharacterWidth.of($1.0) }
    }

    /// The status line's pieces at a level of compactness (0: roomy ... 5: tightest: no server
    /// ports, `W` for WIRE; the servers' states, the client's protocol, full target and mode
    /// stay at every level).
    private func statusSegments(compact: Int, showClient: Bool) -> [(String, StyleRole)] {
        var segments: [(String, StyleRole)] = [(compact == 0 ? " " : "", .statusBar)]
        let client = state.client
        for (index, server) in state.servers.enumerated() {
            let (word, role): (String, StyleRole) =
                switch server.phase {
                case .on: ("ON", .statusOn)
                case .off: ("OFF", .statusOff)
                case .starting: ("STARTING", .statusBusy)
                case .failed: ("FAILED", .statusOff)
                }
            // Ports go last: first those the client's target shows, then all (level 4).
            let showPort = compact < 3 || (compact == 3 && server.port != client.port)
            let label = server.engine.rawValue + (showPort ? (compact == 0 ? " :\(server.port)" : ":\(server.port)") : "")
            if index > 0 { segments.append((compact == 0 ? "  " : " ", .statusBar)) }
            segments.append((label + " ", .statusBar))
            segments.append((" \(word) ", role))
        }
        // A network of netlab's own: nothing outside it reaches the servers, whatever they say.
        if state.privateNetwork { segments.append((compact == 0 ? "  PRIVATE NET" : " PRIVATE NET", .statusBar)) }
        // Faults on purpose: the room must see that the network misbehaves because it was told to.
        if !state.faults.isEmpty {
            segments.append((" ", .statusBar))
            segments.append((compact >= 3 ? " FAULT " : " FAULTS \(state.faults.count) ", .statusOff))
        }
        // The capture: are packets on the timeline? ("WIRE off" says why not in the transcript.)
        let wireWord = compact >= 5 ? " W" : compact == 0 ? "  WIRE " : " WIRE "
        switch state.wire {
        case .on:
            segments.append((wireWord, .statusBar))
            segments.append((" on ", .statusOn))
        case .off, .disabled:
            segments.append((wireWord, .statusBar))
            segments.append((" off ", .statusOff))
        case .starting:
            break
        }
        guard showClient else { return segments }
        let target = Endpoint(host: client.host, port: client.port)
        let from = client.from == "a" ? "" : "@\(client.from)"
        var text = compact == 0 ? "  client\(from): " : compact == 1 ? " client\(from): " : " \(from.isEmpty ? "" : from + " ")"
        text += client.engine.rawValue + (compact >= 2 ? "->" : " -> ") + "\(target)"
        if client.engine == .udp {
            let mode = compact >= 2 ? (client.udpMode == .connected ? "conn." : "unconn.") : client.udpMode.rawValue
            text += " (\(mode))"
        }
        segments.append((text, .statusBar))
        return segments
    }

    /// `F1/? Help  F2 TCP ...`, generated from the key bindings. When they do not all fit, the
    /// spacing narrows, then the alternates go (the help lists them), then the last items give
    /// way, except the way out (F10 Quit), which is always shown.
    func drawKeyBar(_ screen: inout Screen, row: Int) {
        screen.fill(row: row, column: 0, width: screen.width, height: 1, role: .keyBarLabel)
        for item in keyBarItems(width: screen.width) {
            let x = screen.put(item.key, row: row, column: item.columns.lowerBound, role: .keyBarKey)
            screen.put(item.label, row: row, column: item.columns.lowerBound + x, role: .keyBarLabel)
        }
    }

    /// The key bar's items and the columns each takes (a click there runs it).
    func keyBarItems(width screenWidth: Int) -> [(binding: KeyBinding, key: String, label: String, columns: Range<Int>)] {
        var shown = KeyBinding.all.filter(\.onKeyBar)
        func key(_ binding: KeyBinding, _ level: Int) -> String { level < 2 ? binding.keyBarKey : binding.key.label }
        // Each item is "KEY LABEL " plus one space (level 0) or none before the next.
        func width(_ bindings: [KeyBinding], _ level: Int) -> Int {
            bindings.reduce(0) { $0 + CharacterWidth.of(key($1, level)) + CharacterWidth.of($1.label) + (level == 0 ? 3 : 2) } - 1
        }
        let level = (0...2).first { width(shown, $0) <= screenWidth } ?? 2
        while width(shown, level) > screenWidth, let drop = shown.lastIndex(where: { $0.intent != .command(.quit) }) {
            shown.remove(at: drop)
        }
        var x = 0
        var items: [(binding: KeyBinding, key: String, label: String, columns: Range<Int>)] = []
        for binding in shown {
            let keyText = key(binding, level)
            let label = " " + binding.label + (level == 0 ? " " : "")
            let end = x + CharacterWidth.of(keyText) + CharacterWidth.of(label)
            items.append((binding, keyText, label, x..<end))
            x = end + 1
        }
        return items
    }
}
