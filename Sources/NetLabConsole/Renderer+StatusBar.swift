import NetLabCore

extension Renderer {
    /// ` TCP :12000 ON  UDP :12000 OFF  client: UDP -> 127.0.0.1:12000` with the state in words.
    /// The client's target is left out in presenter mode (its banner box names it).
    func drawStatusBar(_ screen: inout Screen, row: Int, showClient: Bool = true) {
        screen.fill(row: row, column: 0, width: screen.width, height: 1, role: .statusBar)
        var x = screen.put(" ", row: row, column: 0, role: .statusBar)
        for server in state.servers {
            let (word, role): (String, StyleRole) = switch server.phase {
            case .on: ("ON", .statusOn)
            case .off: ("OFF", .statusOff)
            case .starting: ("STARTING", .statusBusy)
            case .failed: ("FAILED", .statusOff)
            }
            x += screen.put("\(server.engine.rawValue) :\(server.port) ", row: row, column: x, role: .statusBar)
            x += screen.put(" \(word) ", row: row, column: x, role: role)
            x += screen.put("  ", row: row, column: x, role: .statusBar)
        }
        if showClient {
            let client = state.client
            var target = "client: \(client.engine.rawValue) -> \(Endpoint(host: client.host, port: client.port))"
            if client.engine == .udp { target += " (\(client.udpMode.rawValue))" }
            x += screen.put(target, row: row, column: x, role: .statusBar)
        }
        let name = showClient ? " netlab " : " netlab presenter "
        let nameWidth = CharacterWidth.of(name)
        if screen.width - x > nameWidth + 1 {
            screen.put(name, row: row, column: screen.width - nameWidth, role: .title)
        }
    }

    /// `F1 Help  F2 TCP ...`, generated from the key bindings.
    func drawKeyBar(_ screen: inout Screen, row: Int) {
        screen.fill(row: row, column: 0, width: screen.width, height: 1, role: .keyBarLabel)
        var x = 0
        for binding in KeyBinding.available(for: state.engines) where binding.onKeyBar {
            let needed = CharacterWidth.of(binding.key.label) + CharacterWidth.of(binding.label) + 3
            if x + needed > screen.width { break }
            x += screen.put(binding.key.label, row: row, column: x, role: .keyBarKey)
            x += screen.put(" " + binding.label + " ", row: row, column: x, role: .keyBarLabel)
            x += 1
        }
    }
}
