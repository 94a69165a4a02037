import NetLabCore
import Testing

@Suite struct TerminalSafeTests {
    /// The word-at-a-time check agrees with the byte rule (printable ASCII but the backslash)
    /// for every byte value in every position of buffers of 1 to 17 bytes (whole words, a
    /// tail, both), among plain bytes of every kind.
    @Test func wordAtATimePlainCheckAgreesWithTheByteRule() {
        func plain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && byte != 0x5C }
        let fillers: [UInt8] = [0x20, 0x41, 0x5B, 0x5D, 0x7E]
        for length in 1...17 {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = (0..<length).map { fillers[$0 % fillers.count] }
                    bytes[position] = UInt8(value)
                    let found = bytes.withUnsafeBytes { TerminalSafe.allPlain($0) }
                    #expect(found == plain(UInt8(value)), "byte \(value) at \(position) of \(length)")
                }
            }
        }
        #expect([UInt8]().withUnsafeBytes { TerminalSafe.allPlain($0) })
    }

    @Test func escapesControlBytesAndEscapeSequences() {
        #expect(TerminalSafe.escape(Array("a\u{1b}[2Jb\r\n\t\u{7}".utf8)) == "a\\x1b[2Jb\\r\\n\\t\\x07")
        #expect(TerminalSafe.escape([0x00, 0x7F]) == "\\x00\\x7f")
    }

    @Test func keepsValidUTF8AndEscapesInvalid() {
        #expect(TerminalSafe.escape(Array("héllo ✓ 日本".utf8)) == "héllo ✓ 日本")
        #expect(TerminalSafe.escape([0x41, 0xFF, 0xC3, 0x42]) == "A\\xff\\xc3B")
    }

    @Test func escapesC1ControlsThatSomeTerminalsObey() {
        // U+009B is CSI on terminals that take 8-bit controls.
        #expect(TerminalSafe.escape([0xC2, 0x9B, 0x32, 0x4A]) == "\\x9b2J")
    }

    @Test func backslashIsDoubledSoEscapesAreUnambiguous() {
        #expect(TerminalSafe.escape(Array("a\\x1b".utf8)) == "a\\\\x1b")
    }

    @Test func noOutputByteIsAControlCharacter() {
        let all = (0...255).map { UInt8($0) }
        let escaped = Array(TerminalSafe.escape(all + all.reversed()).utf8)
        #expect(escaped.allSatisfy { $0 >= 0x20 && $0 != 0x7F })
    }
}
