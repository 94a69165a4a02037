import NetLabConsole
import NetLabCore
import Testing

@Suite struct ConsoleUpdateTests {
    @Test func enterSendsTheLineWithTheCurrentProtocol() {
        var state = ConsoleState()
        state.type("hello")
        let effects = state.apply([.key(.enter)])
        #expect(effects == [.send(.tcp, bytes: Array("hello".utf8), host: "127.0.0.1", port: 12000, udpMode: .unconnected, timeout: 5, exchange: 1)])
        #expect(state.input.editor.text == "")
        #expect(state.input.history == ["hello"])
        #expect(state.transcript.lines.items.isEmpty, "nothing is said to be sent before the client's send()")
        state.apply([.event(event(.tcp, .client, .sent(bytes: Array("hello".utf8), from: clientSocket, to: localServer)))])
        #expect(state.transcript.lines.last?.text == "TCP -> 127.0.0.1:12000 hello")
        #expect(state.apply([.key(.enter)]).isEmpty, "an empty line sends nothing")
    }

    /// Issue 24: each exchange has an id from its send effect through its events to its
    /// result. Two lines whose exchanges end out of order: each transcript line pairs the
    /// right request and reply (by protocol alone, the first line's text came with the
    /// second's reply).
    @Test func overlappingLinesPairTheirOwnReplies() {
        var state = ConsoleState()
        state.type("one")
        #expect(state.apply([.key(.enter)], at: 1).first.map { if case .send(.tcp, _, _, _, _, _, 1) = $0 { true } else { false } } == true)
        state.type("two")
        #expect(state.apply([.key(.enter)], at: 2).first.map { if case .send(.tcp, _, _, _, _, _, 2) = $0 { true } else { false } } == true)
        func sent(_ text: String, exchange: Int) -> Action {
            .event(
                LabEvent(
                    time: t0, engine: .tcp, role: .client, kind: .sent(bytes: Array(text.utf8), from: clientSocket, to: localServer),
                    exchange: exchange))
        }
        // "one" is still connecting; "two" goes out and is answered first.
        state.apply([sent("two", exchange: 2), .reply(engine: .tcp, exchange: 2, result: .success(Array("TWO".utf8)))], at: 3)
        #expect(state.outcome?.banners == ["TWO"])
        state.apply([sent("one", exchange: 1), .reply(engine: .tcp, exchange: 1, result: .success(Array("ONE".utf8)))], at: 4)
        #expect(
            state.transcript.lines.items.suffix(4).map(\.text) == [
                "TCP -> 127.0.0.1:12000 two", "TCP <- TWO (for \"two\")", "TCP -> 127.0.0.1:12000 one", "TCP <- ONE (for \"one\")",
            ])
        #expect(state.outcome?.banners == ["TWO"], "the banner stays with the newest line")
        #expect(state.inFlight.isEmpty)
        // One line at a time: no pairing note.
        state.type("three")
        state.apply([.key(.enter)], at: 5)
        state.apply([sent("three", exchange: 3), .reply(engine: .tcp, exchange: 3, result: .success(Array("THREE".utf8)))], at: 6)
        #expect(state.transcript.lines.last?.text == "TCP <- THREE")
    }

    @Test func outcomesInPlainWords() {
        var state = ConsoleState()
        state.apply([.reply(engine: .tcp, result: .failure(.socket(.errno(.connect, 111, endpoint: Endpoint(host: "127.0.0.1", port: 12000)))))])
        #expect(
            state.transcript.lines.last?.text
                == "Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:12000 (F2 turns netlab's TCP server on; :port changes the target)"
        )
        #expect(state.transcript.lines.last?.role == .error)
        state.apply([.reply(engine: .udp, result: .failure(.timedOut(engine: .udp, peer: Endpoint(host: "127.0.0.1", port: 12000), seconds: 2)))])
        #expect(
            state.transcript.lines.items.suffix(2).map(\.text) == [
                "No reply within 2 s. Nothing listening? Then the host answers with ICMP port unreachable, which Linux tells only a connected UDP socket. (:udp-mode connected hears the ICMP error)",
                "Or a program is bound there and did not answer, or a datagram was lost: UDP never resends. (The lab's UDPClient.py would wait forever; on Windows it gets ConnectionResetError.)",
            ])
        state.apply([.reply(engine: .udp, result: .success(Array("HI\u{1b}[2J".utf8)))])
        #expect(state.transcript.lines.last?.text == "UDP <- HI\\x1b[2J")
    }

    @Test func functionKeysToggleServers() {
        var state = ConsoleState()
        #expect(state.apply([.key(.function(2))]) == [.startServer(.tcp, host: nil, port: 12000)])
        #expect(state.server(.tcp).phase == .starting)
        state.apply([.event(event(.tcp, .server, .listening(server)))])
        #expect(state.server(.tcp).phase == .on(server))
        #expect(state.serverLog.lines.last?.text == "TCP server listening on [::]:12000")
        #expect(state.apply([.key(.function(2))]) == [.stopServer(.tcp)])
        #expect(state.server(.tcp).phase == .off)
        #expect(state.apply([.key(.function(3))]) == [.startServer(.udp, host: nil, port: 12000)])
        #expect(state.apply([.key(.function(4))]) == [.startServer(.http, host: nil, port: 8080)])
    }

    @Test func failedStartIsShown() {
        var state = ConsoleState()
        state.apply([.key(.function(2))])
        let error = SocketError.errno(.bind, 13, endpoint: Endpoint(host: "::", port: 80))
        state.apply([.event(event(.tcp, .server, .failed(error)))])
        #expect(state.server(.tcp).phase == .failed)
        #expect(state.serverLog.lines.last?.role == .error)
        #expect(
            state.serverLog.lines.last?.text
                == "TCP bind() failed: Permission denied (EACCES, errno 13): ports below 1024 need root (or CAP_NET_BIND_SERVICE); use a port of 1024 or above: :listen tcp 12000"
        )
        #expect(state.apply([.key(.function(2))]) == [.startServer(.tcp, host: nil, port: 12000)], "F2 tries again")
    }

    /// A lab port held by someone else (often the student's own server) at start: named,
    /// netlab's server stays OFF, and the console's remedy uses the console's commands.
    @Test func portTakenByAnotherServerLeavesOursOff() {
        var state = ConsoleState()
        state.apply([.key(.function(2))])
        var error = SocketError.errno(.bind, 98, endpoint: server)
        error.holder = "python3 TCPServer.py (pid 4242)"
        state.apply([.event(event(.tcp, .server, .failed(error)))])
        #expect(state.server(.tcp).phase == .off)
        #expect(
            state.serverLog.lines.last?.text
                == "TCP bind() failed: Address already in use (EADDRINUSE, errno 98): port 12000 on :: is already taken by python3 TCPServer.py (pid 4242); stop it, or move netlab's server with :listen tcp 12001"
        )
        #expect(
            state.transcript.lines.last?.text
                == "TCP port 12000 is taken by python3 TCPServer.py (pid 4242): netlab's TCP server stays OFF and the client talks to that server; F2 tries again, :listen tcp PORT moves netlab's"
        )
        #expect(!state.serverLog.lines.items.contains { $0.text.contains("--port") }, "no CLI option in the console")
    }

    @Test func commands() {
        var state = ConsoleState()
        func run(_ line: String) -> [Effect] {
            state.type(line)
            return state.apply([.key(.enter)])
        }
        #expect(run(":port 12001").isEmpty)
        #expect(state.client.port == 12001)
        #expect(run(":target ::1 9000").isEmpty)
        #expect(state.client.host == "::1" && state.client.port == 9000)
        #expect(run(":proto udp").isEmpty)
        #expect(state.client.engine == .udp)
        #expect(run(":udp-mode connected").isEmpty)
        #expect(state.client.udpMode == .connected)
        #expect(run(":tcp on") == [.startServer(.tcp, host: nil, port: 12000)])
        state.apply([.event(event(.tcp, .server, .listening(server)))])
        #expect(run(":listen tcp 13000") == [.stopServer(.tcp), .startServer(.tcp, host: nil, port: 13000)])
        #expect(state.server(.tcp).port == 13000)
        #expect(run(":udp off").isEmpty, "already off")
        #expect(run(":timeout 0.5").isEmpty)
        #expect(state.client.timeout == 0.5)
        #expect(run(":bogus").isEmpty)
        #expect(state.transcript.lines.last?.text == "unknown command :bogus; try :help for the list")
        #expect(run(":port 70000").isEmpty)
        #expect(state.transcript.lines.last?.text == "usage: :port N, with N from 1 to 65535")
        #expect(run(":theme nope").isEmpty)
        #expect(state.transcript.lines.last?.text == "unknown theme nope; available: default, monochrome")
        #expect(run(":theme monochrome") == [.applyTheme("monochrome")], "the loop is told to apply it, not left to infer it")
        #expect(state.theme == "monochrome")
        #expect(run(":help").isEmpty && state.overlay.showHelp)
        state.apply([.key(.escape)])
        #expect(!state.overlay.showHelp)
        #expect(run(":clear").isEmpty && state.transcript.lines.isEmpty)
        #expect(run(":quit") == [.quit])
    }

    /// The loop reports how its effects went as actions, and the state words them: a file
    /// saved or not (and why), a copy made; a theme change is an effect, not a state diff.
    @Test func outcomesComeBackAsActions() {
        var state = ConsoleState()
        #expect(state.update(.key(.function(6)), now: t0, themes: ["default", "monochrome"]) == [.applyTheme("monochrome")])
        state.apply([.saved(path: "lab.pcapng", bytes: 1234, what: "4 captured packets")])
        #expect(state.transcript.lines.last?.text == "saved 4 captured packets to lab.pcapng (1234 bytes)")
        state.apply([.notSaved(path: "notes.txt", reason: .exists)])
        #expect(
            state.transcript.lines.last?.text
                == "notes.txt already exists and was left as it is: :save! notes.txt replaces it, or give another name")
        #expect(state.transcript.lines.last?.role == .error)
        state.apply([.notSaved(path: "/full/x", reason: .failed("cannot write /full/x: No space left on device (ENOSPC)"))])
        #expect(state.transcript.lines.last?.text == "cannot write /full/x: No space left on device (ENOSPC)")
        state.apply([.copied(what: "the hex dump of #3")])
        #expect(
            state.transcript.lines.last?.text
                == "copied the hex dump of #3 to the clipboard with OSC 52 (the terminal must allow it; in tmux: set -g set-clipboard on); "
                + ":save FILE.hex writes it to a file")
    }

    @Test func f6CyclesThemesAndThemeNamesOne() {
        var state = ConsoleState()
        let themes = ["default", "classroom-light", "monochrome"]
        func press(_ key: Key) { _ = state.update(.key(key), now: t0, themes: themes) }
        press(.function(6))
        #expect(state.theme == "classroom-light")
        #expect(state.transcript.lines.last?.text == "theme: classroom-light (F6 for the next)")
        press(.function(6))
        press(.function(6))
        #expect(state.theme == "default", "wraps around")
        state.type(":theme")
        press(.enter)
        #expect(state.transcript.lines.last?.text == "themes: default, classroom-light, monochrome (now: default)")
        state.type(":theme monochrome")
        press(.enter)
        #expect(state.theme == "monochrome")
        state.type(":theme a b")
        press(.enter)
        #expect(state.transcript.lines.last?.text == "usage: :theme [NAME]")
        #expect(state.theme == "monochrome")
    }

    @Test func f7AndPresenterCommandSwitchPresenterMode() {
        var state = ConsoleState()
        state.apply([.key(.function(7))])
        #expect(state.presenter)
        #expect(state.transcript.lines.last?.text == "presenter mode on (F7 or :presenter off to leave)")
        #expect(run(":presenter off", &state).isEmpty && !state.presenter)
        #expect(run(":presenter on", &state).isEmpty && state.presenter)
        #expect(run(":presenter", &state).isEmpty && !state.presenter)
        #expect(run(":presenter maybe", &state).isEmpty && !state.presenter)
        #expect(state.transcript.lines.last?.text == "usage: :presenter [on|off]")
        #expect(ConsoleState(presenter: true).presenter)
    }

    @Test func theLatestOutcomeIsKeptForTheBanner() {
        var state = ConsoleState()
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        #expect(state.outcome?.kind == .waiting && state.outcome?.banners == ["WAITING"])
        #expect(state.outcome?.detail == "TCP -> 127.0.0.1:12000: waiting for the reply (at most 5 s)")
        let cases: [(LabEvent.Engine, Result<[UInt8], ClientFailure>, [String], Outcome.Kind)] = [
            (.tcp, .failure(.socket(.errno(.connect, 111, endpoint: localServer))), ["REFUSED"], .failure),
            (.tcp, .failure(.socket(.errno(.connect, 113, endpoint: localServer))), ["UNREACHABLE"], .failure),
            (.tcp, .failure(.socket(.errno(.connect, 99, endpoint: localServer))), ["EADDRNOTAVAIL"], .failure),
            (.udp, .failure(.timedOut(engine: .udp, peer: localServer, seconds: 2)), ["NO REPLY"], .silence),
            (.tcp, .failure(.timedOut(engine: .tcp, peer: localServer, seconds: 5)), ["NO REPLY"], .silence),
            (.tcp, .failure(.replyTooLarge(limit: 10)), ["TOO LARGE"], .failure),
            (.udp, .success(Array("HELLO\r\n".utf8)), ["HELLO"], .reply),
            (.udp, .success([0x41, 0x00, 0xff]), ["A\\x00\\xff"], .reply),  // as sent, escaped
            (.udp, .success([]), ["(EMPTY)"], .reply),
            (.http, .success(Array("HTTP/1.1 200 OK\r\n\r\n".utf8)), ["200 OK", "200"], .reply),
            (.http, .success(Array("HTTP/1.0 404 Not Found\r\n\r\n".utf8)), ["404 NOT FOUND", "404"], .failure),
            (.http, .success(Array("HTTP/1.1 204\r\n\r\n".utf8)), ["204"], .reply),
            (.http, .success(Array("HELLO".utf8)), ["NOT HTTP"], .failure),
        ]
        for (engine, result, banners, kind) in cases {
            state.apply([.reply(engine: engine, result: result)], at: 2)
            #expect(state.outcome?.banners == banners, "\(result)")
            #expect(state.outcome?.kind == kind, "\(result)")
            #expect(state.outcome?.engine == engine)
            #expect(state.outcome?.time == t0.addingTimeInterval(2))
        }
        #expect(state.outcome?.detail.hasPrefix("HTTP <- ") == true)
    }

    @Test func f5CyclesTheClientProtocol() {
        var state = ConsoleState()
        state.apply([.key(.function(5))])
        #expect(state.client.engine == .udp)
        state.apply([.key(.function(5))])
        #expect(state.client.engine == .http)
        #expect(state.client.port == 8080, "aimed at netlab's HTTP server, as it was at its UDP server")
        state.apply([.key(.function(5))])
        #expect(state.client.engine == .tcp)
    }

    @Test func httpModeAimsAtTheHTTPServerAndSummarizesReplies() {
        var state = ConsoleState()
        state.apply([.key(.function(5)), .key(.function(5))])
        #expect(state.client.engine == .http)
        #expect(state.client.port == 8080)
        state.type("/HelloWorld.html")
        let request = "GET /HelloWorld.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: netlab\r\nConnection: close\r\n\r\n"
        #expect(
            state.apply([.key(.enter)]) == [
                .send(.http, bytes: Array(request.utf8), host: "127.0.0.1", port: 8080, udpMode: .unconnected, timeout: 5, exchange: 1)
            ])
        state.apply([.reply(engine: .http, result: .success(Array("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<h1>x</h1>".utf8)))])
        #expect(state.transcript.lines.last?.text == "HTTP <- 404 Not Found, text/html, body 10 bytes (61 with the head)")
        #expect(state.transcript.lines.last?.role == .error)
        #expect(state.apply([.key(.function(4))]) == [.startServer(.http, host: nil, port: 8080)])
        state.apply([.key(.function(5))])
        #expect(state.client.port == 12000, "back to the TCP server's port")
    }

    @Test func lineEditing() {
        var state = ConsoleState()
        state.type("héllo")
        state.apply([
            .key(.left), .key(.left), .key(.backspace), .key(.character("L")), .key(.home), .key(.delete), .key(.end), .key(.character("!")),
        ])
        #expect(state.input.editor.text == "éLlo!")
        state.apply([.key(.control("u"))])
        #expect(state.input.editor.text == "")
        state.type("日本")
        #expect(state.input.editor.cursorColumn == 4)
    }

    @Test func historyWithUpAndDown() {
        var state = ConsoleState()
        for line in ["one", "two"] {
            state.type(line)
            state.apply([.key(.enter)])
        }
        state.apply([.key(.up)])
        #expect(state.input.editor.text == "two")
        state.apply([.key(.up), .key(.up)])
        #expect(state.input.editor.text == "one")
        state.apply([.key(.down)])
        #expect(state.input.editor.text == "two")
        state.apply([.key(.down)])
        #expect(state.input.editor.text == "")
    }

    @Test func packetsAndSelection() {
        var state = ConsoleState()
        for i in 0..<5 {
            state.apply([.event(event(.udp, .server, .received(bytes: [UInt8(i)], from: clientSocket, to: localServer)))])
        }
        #expect(state.timeline.rows.count == 5)
        #expect(state.timeline.shownRow?.id == 5, "follows the newest")
        state.apply([.key(.tab), .key(.tab)])
        #expect(state.focus == .timeline)
        state.apply([.key(.up)])
        #expect(state.timeline.selectedRowID == 4, "Up from the newest selects the one before")
        state.apply([.event(event(.udp, .server, .received(bytes: [9], from: clientSocket, to: localServer)))])
        #expect(state.timeline.shownRow?.id == 4, "a selection stays put while new packets arrive")
        state.apply([.key(.end)])
        #expect(state.timeline.shownRow?.id == 6)
        state.apply([.key(.home)])
        #expect(state.timeline.shownRow?.id == 1)
    }

    @Test func floodsStayBounded() {
        var state = ConsoleState()
        for i in 0..<(ConsoleState.logCapacity + 500) {
            state.apply([.event(event(.udp, .server, .received(bytes: [UInt8(truncatingIfNeeded: i)], from: clientSocket, to: localServer)))])
        }
        #expect(state.serverLog.lines.count == ConsoleState.logCapacity)
        #expect(state.serverLog.lines.dropped == 500)
        #expect(state.timeline.rows.count == ConsoleState.timelineCapacity)
        #expect(state.timeline.rows.dropped == ConsoleState.logCapacity + 500 - ConsoleState.timelineCapacity)
        let big = [UInt8](repeating: 0x61, count: ConsoleState.rowBytesKept + 10)
        state.apply([.event(event(.tcp, .server, .received(bytes: big, from: clientSocket, to: localServer)))])
        #expect(state.timeline.rows.last?.bytes.count == ConsoleState.rowBytesKept)
        #expect(state.timeline.rows.last?.length == big.count)
    }

    @Test func networkBytesAreEscapedInTheLog() {
        var state = ConsoleState()
        state.apply([.event(event(.tcp, .server, .received(bytes: Array("\u{1b}]0;pwned\u{7}".utf8), from: clientSocket, to: localServer)))])
        let text = state.serverLog.lines.last?.text ?? ""
        #expect(text.contains("\\x1b]0;pwned\\x07"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func helpTogglesAndTheClosingKeyDoesNothingElse() {
        var state = ConsoleState()
        state.apply([.key(.function(1))])
        #expect(state.overlay.showHelp)
        state.apply([.key(.function(1))])
        #expect(!state.overlay.showHelp)
        state.apply([.key(.function(1)), .key(.character("x"))])
        #expect(!state.overlay.showHelp)
        #expect(state.input.editor.text == "", "the key that closes help only closes it")
        state.type("hello")
        state.apply([.key(.function(1))])
        #expect(state.apply([.key(.enter)]).isEmpty, "Enter closing the help does not send")
        #expect(state.apply([.key(.function(1)), .key(.function(2))]).isEmpty, "nor does F2 start a server")
        #expect(state.input.editor.text == "hello")
    }

    @Test func settingsWithoutAnArgumentShowTheirValueAndHelpTakesACommand() {
        var state = ConsoleState()
        func run(_ line: String) -> [Effect] { NetLabConsoleTests.run(line, &state) }
        #expect(run(":port").isEmpty)
        #expect(state.transcript.lines.last?.text == "client target port: 12000")
        #expect(run(":target").isEmpty)
        #expect(state.transcript.lines.last?.text == "client target: TCP -> 127.0.0.1:12000")
        #expect(run(":timeout").isEmpty)
        #expect(state.transcript.lines.last?.text == "client timeout: 2 s")
        #expect(run(":udp-mode").isEmpty)
        #expect(state.transcript.lines.last?.text == "UDP client mode: unconnected")
        // F8's note says what changes on the wire's account (checked with tcpdump: the ICMP
        // port unreachable comes back either way; only a connected socket is told).
        state.apply([.key(.function(8))])
        #expect(
            state.transcript.lines.last?.text
                == "UDP client mode: connected (the socket is connected first: an ICMP port unreachable now comes back as ECONNREFUSED; F8 switches back)"
        )
        state.apply([.key(.function(8))])
        #expect(
            state.transcript.lines.last?.text == "UDP client mode: unconnected (as the lab's client: an ICMP error is never reported; F8 switches)")
        #expect(run(":timeout 1e-9").isEmpty)
        #expect(state.client.timeout == 2, "below the stated minimum")
        #expect(state.transcript.lines.last?.text == "usage: :timeout SECONDS, between 0.001 and 3600")
        #expect(run(":help port").isEmpty)
        #expect(state.transcript.lines.last?.text == ":port N: the client's target port (try a wrong one; no N: show it)")
        #expect(!state.overlay.showHelp)
        #expect(run(":help :udp").isEmpty)
        #expect(state.transcript.lines.last?.text == ":tcp on|off  :udp on|off  :http on|off: turn a server on or off")
        #expect(run(":help frob").isEmpty)
        #expect(state.transcript.lines.last?.text == "no command :frob; :help lists them all")
    }

    @Test func quitKeys() {
        var state = ConsoleState()
        #expect(state.apply([.key(.function(10))]) == [.quit])
        #expect(state.quitting)
    }
}

/// Issue 10: what one large reply or a full input line may cost the console.
@Suite struct ConsoleBoundsTests {
    @Test func aHugeReplyKeepsAShortLineAndItsLength() {
        var state = ConsoleState()
        state.apply([.key(.function(7))])  // presenter: the banner is measured every frame
        let reply = [UInt8](repeating: 0x41, count: 10 * 1024 * 1024)
        state.apply([.reply(engine: .tcp, result: .success(reply))])
        let line = state.transcript.lines.last!.text
        #expect(line.hasPrefix("TCP <- 10485760 bytes, the first 160: AAAA"))
        #expect(line.hasSuffix("AAA..."))
        #expect(line.utf8.count < 250)
        #expect(state.outcome!.banners.allSatisfy { $0.count <= 64 })
        let screen = render(state, width: 80, height: 24, clock: utcClock)
        #expect(screen.text.contains("TCP <- 10485760 bytes, the first 160: AAAA"))
    }

    @Test func anEmptyReplyIsNotShownAsAnAnswer() {
        var state = ConsoleState()
        state.apply([.reply(engine: .tcp, result: .failure(.closedWithoutReply(engine: .tcp, peer: localServer)))])
        #expect(state.transcript.lines.last?.text == "The server closed the connection without replying")
        #expect(state.outcome?.banners == ["CLOSED", "EMPTY"])
    }

    @Test func aFullInputLineShowsTheCursorsNeighbourhood() {
        var state = ConsoleState()
        let text = (0..<LineEditor.maxLength).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) }
        state.input.editor.replace(with: String(text))
        #expect(state.input.editor.characters.count == LineEditor.maxLength)
        var screen = render(state, width: 80, height: 24, clock: utcClock)
        // At the end: the last characters, the cursor just after them.
        let inputRow = screen.cursor!.row
        let row = String(screen.text.split(separator: "\n", omittingEmptySubsequences: false)[inputRow])
        #expect(row.contains(String(String(text).suffix(40))))
        let endColumn = screen.cursor!.column
        // Home: the first characters, the cursor on the first.
        state.apply([.key(.home)])
        screen = render(state, width: 80, height: 24, clock: utcClock)
        let homeRow = String(screen.text.split(separator: "\n", omittingEmptySubsequences: false)[inputRow])
        #expect(homeRow.contains("TCP> abcdefghij"))
        #expect(screen.cursor!.column < endColumn)
        // A control character typed into the line takes its escape's width, cursor included.
        state.input.editor.replace(with: "a\u{7}b")
        screen = render(state, width: 80, height: 24, clock: utcClock)
        let escRow = String(screen.text.split(separator: "\n", omittingEmptySubsequences: false)[inputRow])
        let prompt = escRow.range(of: "TCP> ")!
        #expect(escRow[prompt.upperBound...].hasPrefix("a\\x07b"))
        #expect(screen.cursor!.column == escRow.distance(from: escRow.startIndex, to: prompt.upperBound) + 6)
    }
}

/// Issue 14's first requirement for 80x24: the status bar keeps what the lab is about.
@Suite struct StatusBarAt80Tests {
    @Test func everyServerTheProtocolTheFullTargetAndTheMode() {
        var state = ConsoleState()
        state.apply([.event(event(.tcp, .server, .listening(server))), .event(event(.udp, .server, .listening(server)))])
        state.type(":proto udp")
        state.apply([.key(.enter)])
        state.type(":target 192.168.100.200 12001")
        state.apply([.key(.enter), .key(.function(8))])
        let narrow = render(state, width: 80, height: 24, clock: utcClock)
        let line = String(narrow.text.split(separator: "\n")[0])
        #expect(line == "TCP:12000  ON  UDP:12000  ON  HTTP:8080  OFF  UDP->192.168.100.200:12001 (conn.)")
        // The key bar: every F-key fits at 80 columns (single spaces, the alternates left to the
        // help); narrower, others give way to F10 Quit.
        #expect(
            narrow.text.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces)
                == "F1 Help F2 TCP F3 UDP F4 HTTP F5 Proto F6 Theme F7 Big F8 Mode F9 View F10 Quit")
        let sixty = render(state, width: 60, height: 16, clock: utcClock)
        #expect(sixty.text.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces).hasSuffix("F10 Quit") == true)
        let wide = render(state, width: 120, height: 30, clock: utcClock)
        #expect(
            wide.text.split(separator: "\n")[0].hasPrefix(
                " TCP :12000  ON   UDP :12000  ON   HTTP :8080  OFF   client: UDP -> 192.168.100.200:12001 (connected)"))
    }
}

/// `:run`: the command, the list, the news a program sends, and its calls as timeline rows.
@Suite struct RunInTheConsoleTests {
    @Test func theCommandSplitsAsAShellWould() {
        #expect(ColonCommand.parse("run python3 -c \"print('a b')\" x") == .success(.run(["python3", "-c", "print('a b')", "x"])))
        #expect(ColonCommand.parse("run 'one two' three") == .success(.run(["one two", "three"])))
        #expect(ColonCommand.parse("run") == .success(.run([])))
        #expect(ColonCommand.parse("run python3 'unclosed") == .failure(CommandError("usage: :run COMMAND... (a quote is not closed)")))
        #expect(ColonCommand.parse("stop 2") == .success(.stopProgram(2)))
        #expect(ColonCommand.parse("type 1 hello  world") == .success(.typeTo(1, "hello  world")), "spaces kept as typed")
        #expect(ColonCommand.parse("type 1") == .success(.typeTo(1, "")), "an empty line is a line")
        #expect(ColonCommand.parse("type x hi") == .failure(CommandError("usage: :type N TEXT (N from :run)")))
        #expect(ColonCommand.parse("stop") == .failure(CommandError("usage: :stop N (:run lists them)")))
    }

    /// A traced call is reported when it returns, by the tracer's thread, so netlab's server
    /// may report the recv() it caused first: the row takes its place by its time.
    @Test func aTracedCallTakesItsPlaceByItsTime() {
        var state = ConsoleState()
        let client = Endpoint(host: "127.0.0.1", port: 40000)
        state.apply([
            .event(
                LabEvent(
                    time: t0.addingTimeInterval(2), engine: .tcp, role: .server,
                    kind: .received(bytes: Array("hi".utf8), from: client, to: localServer), call: .recv))
        ])
        var sent = TracedCall(pid: 7, call: .sendto, arguments: [3, 0, 2, 0, 0, 0], result: 2, entry: t0.addingTimeInterval(1))
        sent.data = Array("hi".utf8)
        state.apply([.event(LabEvent(time: sent.stamp, engine: .tcp, role: .program, kind: .traced(sent, program: "python3")))])
        #expect(
            state.timeline.rows.items.map(\.text) == [
                "python3 [7] sendto(3, \"hi\", 2) = 2", "TCP server recv() 2 B 127.0.0.1:40000 > 127.0.0.1:12000",
            ])
    }

    @Test func aProgramsLifeInTheTranscriptAndItsCallsInTheTimeline() {
        var state = ConsoleState()
        state.type(":run python3 TCPServer.py 12001")
        #expect(state.apply([.key(.enter)]) == [.run(id: 1, command: ["python3", "TCPServer.py", "12001"])])
        #expect(
            state.transcript.lines.last?.text
                == "1 python3 TCPServer.py 12001: starting, traced (its socket calls join the timeline; :type 1 TEXT is its input, :stop 1 ends it)")
        state.apply([
            .program(.started(id: 1, pid: 4242)), .program(.output(id: 1, line: "The server is ready\u{1b}[2J")),
            .program(.port(12001)),
        ])
        #expect(state.transcript.lines.last?.text == "python3 TCPServer.py 12001: The server is ready\\x1b[2J", "its output, escaped")
        state.type(":type 1 hello")
        #expect(state.apply([.key(.enter)]) == [.input(id: 1, bytes: Array("hello\n".utf8))])
        #expect(state.transcript.lines.last?.text == "python3 TCPServer.py 12001 <- hello")
        state.apply([.program(.inputLost(id: 1, why: "it is not reading its input (the pipe is full)"))])
        #expect(state.transcript.lines.last?.text == "program 1 did not get the line: it is not reading its input (the pipe is full)")
        #expect(state.watchedPorts.contains(12001), "the wire watches the port it named")
        var call = TracedCall(pid: 4242, call: .bind, arguments: [3, 0, 16, 0, 0, 0], result: 0, entry: t0)
        call.address = Endpoint(host: "127.0.0.1", port: 12001)
        state.apply([.event(LabEvent(time: t0, engine: .tcp, role: .program, kind: .traced(call, program: "python3")))])
        #expect(state.timeline.rows.items.last?.text == "python3 [4242] bind(3, 127.0.0.1:12001) = 0")
        #expect(state.timeline.rows.items.last?.role == .program)
        var refused = TracedCall(pid: 4242, call: .connect, arguments: [4, 0, 16, 0, 0, 0], result: -111, entry: t0)
        refused.address = Endpoint(host: "127.0.0.1", port: 12002)
        state.apply([.event(LabEvent(time: t0, engine: .tcp, role: .program, kind: .traced(refused, program: "python3")))])
        #expect(state.transcript.lines.last?.text == "python3 [4242] connect() failed with ECONNREFUSED: nothing is listening on 127.0.0.1:12002")
        #expect(state.timeline.rows.items.last?.isError == true)
        state.type(":stop 1")
        #expect(state.apply([.key(.enter)]) == [.stopProgram(pid: 4242)])
        state.apply([.program(.ended(id: 1, how: "was killed by Terminated (signal 15)"))])
        #expect(state.transcript.lines.last?.text == "1 python3 TCPServer.py 12001 (pid 4242) was killed by Terminated (signal 15)")
        state.type(":run")
        state.apply([.key(.enter)])
        #expect(state.transcript.lines.last?.text == "1 python3 TCPServer.py 12001 (pid 4242) ended")
        state.type(":stop 1")
        #expect(state.apply([.key(.enter)]).isEmpty)
        #expect(state.transcript.lines.last?.text == "no running program 1: :run lists them")
    }
}
