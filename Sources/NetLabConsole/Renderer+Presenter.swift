import NetLabCore

/// Presenter mode, for the back row of a lecture hall:
///
/// ┌ status bar: every server's ON/OFF ─┐
/// │ client target                      │
/// │   ███  BIG BANNER: HELLO, REFUSED  │
/// │ what happened, in one line         │
/// ├ server log (the latest lines) ─────┤
/// ├ client: last line, input line ─────┤
/// └ key bar ───────────────────────────┘
extension Renderer {
    static let presenterClientHeight = 4

    func drawPresenter(_ screen: inout Screen) {
        let width = screen.width
        let height = screen.height
        drawStatusBar(&screen, row: 0, showClient: false)

        // The explanation is the lesson: it gets every row it needs (up to 6), taken from the
        // server log below, which keeps at least 3.
        let clientRowFor = height - 1 - Self.presenterClientHeight
        let question = presenterQuestion
        // The banner box's inner width.
        let detail = question.map { Self.wrap($0.choices, width: width - 2) } ?? presenterDetail(width: width - 2)
        let scale = bannerScale(width: width - 4, height: height)
        let fontRows = BlockFont.height * scale
        let detailRows = min(max(2, detail.count), 6, max(2, clientRowFor - 1 - (fontRows + 4) - 1))
        let bannerRect = Rect(row: 1, column: 0, width: width, height: fontRows + 2 + detailRows)
        drawBanner(&screen, bannerRect, detail: Array(detail.prefix(detailRows)), scale: scale)

        let clientRow = height - 1 - Self.presenterClientHeight
        let logRow = bannerRect.row + bannerRect.height
        if clientRow - logRow >= 3 {
            let rect = Rect(row: logRow, column: 0, width: width, height: clientRow - logRow)
            if state.lesson != nil {
                drawLesson(&screen, rect)
            } else if state.timeline.view == .ladder {
                drawPresenterLadder(&screen, rect)
            } else {
                drawServerLog(&screen, rect)
            }
        }

        let clientRect = Rect(row: clientRow, column: 0, width: width, height: Self.presenterClientHeight)
        let (title, role) = title("Client", pane: .client)
        screen.box(clientRect, title: title, titleRole: role)
        let inner = clientRect.inner
        if let last = state.transcript.lines.last {
            // The newest line only, cut at the edge: the full transcript is in the normal layout.
            let time = last.time.map { clock($0) + " " } ?? ""
            let x = screen.put(time, row: inner.row, column: inner.column, role: .time, limit: inner.width)
            screen.put(last.text, row: inner.row, column: inner.column + x, role: last.role, limit: inner.width - x)
        }
        drawInputLine(&screen, row: inner.row + 1, column: inner.column, width: inner.width)
        drawKeyBar(&screen, row: height - 1)
    }

    /// Twice the size (each cell 2x2) when the screen is tall enough to keep the explanation
    /// and a server log under it (32 rows: a projector at 100x36) and the banner fits whole.
    private func bannerScale(width: Int, height: Int) -> Int {
        guard height >= 32, presenterQuestion == nil, let outcome = state.outcome, outcome.banners.allSatisfy(BlockFont.canDraw),
            outcome.banners.contains(where: { BlockFont.width($0, scale: 2) <= width })
        else { return 1 }
        return 2
    }

    /// The outcome's explanation wrapped to `width`, each of its lines on rows of its own.
    private func presenterDetail(width: Int) -> [String] {
        guard let outcome = state.outcome, width > 0 else { return [] }
        return (clock(outcome.time) + "  " + outcome.detail).split(separator: "\n")
            .flatMap { Self.wrap(String($0), width: width) }
    }

    private func drawBanner(_ screen: inout Screen, _ rect: Rect, detail: [String], scale: Int) {
        let client = state.client
        var target = "\(client.engine.rawValue) client -> \(Endpoint(host: client.host, port: client.port))"
        if client.engine == .udp { target += " (\(client.udpMode.rawValue))" }
        screen.box(rect, title: target, titleRole: .title)
        let inner = rect.inner
        if let question = presenterQuestion {
            // A lesson's question while the room predicts: the question, the votes in large
            // letters (the outcome's banner comes back with the result), the choices under them.
            centered(&screen, question.ask, row: inner.row, in: inner, role: .title)
            let tally = question.tally.uppercased()
            if !tally.isEmpty, BlockFont.canDraw(tally), BlockFont.width(tally) <= inner.width - 2 {
                let left = inner.column + max(0, (inner.width - BlockFont.width(tally)) / 2)
                for (index, line) in BlockFont.rows(tally, scale: 1, fill: BlockFont.block).enumerated() {
                    screen.put(line, row: inner.row + 1 + index, column: left, role: .bannerSilent)
                }
            } else {
                centered(&screen, tally.isEmpty ? "type the room's letters" : tally, row: inner.row + 3, in: inner, role: .info)
            }
            for (index, line) in detail.enumerated() {
                centered(&screen, line, row: inner.row + 1 + BlockFont.height + index, in: inner, role: .info)
            }
            return
        }
        guard let outcome = state.outcome else {
            let hint = "Type a line and press Enter: the reply, a refusal or the silence shows here."
            centered(&screen, hint, row: inner.row + inner.height / 2, in: inner, role: .info)
            return
        }
        // The detail under the banner takes the rows it needs (the box grew for them); with
        // one row, the banner sits a row lower.
        let bannerTop = inner.row + (detail.count > 1 ? 0 : 1)
        if outcome.banners.allSatisfy(BlockFont.canDraw) {
            let text =
                scale == 1
                ? BlockFont.fit(outcome.banners, width: inner.width - 2)
                : outcome.banners.first { BlockFont.width($0, scale: scale) <= inner.width - 2 } ?? ""
            let left = inner.column + max(0, (inner.width - BlockFont.width(text, scale: scale)) / 2)
            let fill = outcome.kind == .waiting ? BlockFont.pending : BlockFont.block
            for (index, line) in BlockFont.rows(text, scale: scale, fill: fill).enumerated() {
                screen.put(line, row: bannerTop + index, column: left, role: outcome.role)
            }
        } else {
            // Letters the block font does not have (é, ü, 日本, an emoji): the text itself, as
            // sent, spaced out on the banner's middle row rather than a row of question marks.
            let text = outcome.banners[0]
            let spaced = text.map(String.init).joined(separator: " ")
            let shown = CharacterWidth.of(spaced) <= inner.width - 2 ? spaced : text
            centered(&screen, shown, row: bannerTop + BlockFont.height * scale / 2, in: inner, role: outcome.role)
        }
        let role: StyleRole = outcome.kind == .failure ? .error : outcome.kind == .reply ? .received : .info
        for (index, line) in detail.enumerated() {
            centered(&screen, line, row: bannerTop + BlockFont.height * scale + index, in: inner, role: role)
        }
    }

    /// One line centred in `rect` (left-aligned and cut when it is too long).
    private func centered(_ screen: inout Screen, _ text: String, row: Int, in rect: Rect, role: StyleRole) {
        let column = rect.column + max(0, (rect.width - CharacterWidth.of(text)) / 2)
        screen.put(text, row: row, column: column, role: role, limit: rect.column + rect.width - column)
    }

    /// A lesson's step while the room predicts (until its result is in): the question, the
    /// choices and the votes so far.
    var presenterQuestion: (ask: String, choices: String, tally: String)? {
        guard let run = state.lesson, let step = run.current, let ask = step.ask else { return nil }
        switch run.phase {
        case .predicting, .settingUp, .running:
            return (ask, step.choices.map { "\($0.key) \($0.text)" }.joined(separator: "   "), run.tally)
        default:
            return nil
        }
    }
}
