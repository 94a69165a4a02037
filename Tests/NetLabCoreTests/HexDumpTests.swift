import Foundation
import NetLabCore
import Testing

/// The frames of `Fixtures/small.pcap`, whose `tshark -x` output is `Fixtures/tshark-x-small.txt`.
private let smallFrames: [[UInt8]] = [
    Array("hello world".utf8),
    (0...255).map { UInt8($0) } + Array("hello, welcome\r\n".utf8) + [0x00, 0x1B] + Array("[31m".utf8) + [0xC3, 0xA9],
    Array(repeating: UInt8(ascii: "x"), count: 16),
]

private func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct HexDumpTests {
    @Test func matchesRealTsharkOutput() throws {
        // tshark prints each frame's dump followed by an empty line.
        let expected = try fixture("tshark-x-small.txt")
        let ours = smallFrames.map { HexDump.format($0) + "\n" }.joined()
        #expect(ours == expected)
    }

    @Test func widensTheOffsetPastFFFF() throws {
        // tshark -x on a 65537-byte frame: every offset gets five digits.
        let expectedTail = try fixture("tshark-x-65537-tail.txt").split(separator: "\n").map(String.init)
        let lines = HexDump.lines(Array(repeating: UInt8(ascii: "a"), count: 65537))
        #expect(Array(lines.suffix(2)) == expectedTail)
        #expect(lines[0].hasPrefix("00000  61 "))
    }

    @Test func offsetWidth() {
        #expect(HexDump.offsetWidth(count: 0) == 4)
        #expect(HexDump.offsetWidth(count: 65536) == 4)
        #expect(HexDump.offsetWidth(count: 65537) == 5)
        #expect(HexDump.offsetWidth(count: 0x100001) == 6)
    }

    @Test func shortRowIsPaddedSoTheASCIIColumnLinesUp() {
        let full = HexDump.lines(Array(repeating: UInt8(0x41), count: 16))[0]
        let short = HexDump.lines([0x41])[0]
        #expect(full.count == short.count + 15)
        #expect(short == "0000  41" + String(repeating: " ", count: 48) + "A")
        #expect(full.firstIndex(of: "A") == short.firstIndex(of: "A"))
    }

    @Test func emptyInputGivesNoLines() {
        #expect(HexDump.lines([UInt8]()).isEmpty)
        #expect(HexDump.format([UInt8]()) == "")
    }

    @Test func formatAndLinesAgree() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(HexDump.format(bytes) == HexDump.lines(bytes).map { $0 + "\n" }.joined())
    }
}
