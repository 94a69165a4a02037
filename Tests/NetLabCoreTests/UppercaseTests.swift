import NetLabCore
import Testing

@Suite struct UppercaseTests {
    @Test func everyByteValue() {
        for value in 0...255 {
            let byte = UInt8(value)
            let expected: UInt8 = (0x61...0x7A).contains(byte) ? byte - 0x20 : byte
            #expect(Uppercase.byte(byte) == expected, "byte \(value)")
        }
        let all = (0...255).map { UInt8($0) }
        let upper = Uppercase.apply(all)
        #expect(upper.count == 256)
        #expect(upper.filter { (0x61...0x7A).contains($0) }.isEmpty)
        #expect(zip(all, upper).filter { $0 != $1 }.count == 26)
    }

    @Test func leavesUTF8ControlBytesAndNULAlone() {
        let text = Array("héllo wörld ß ✓ 日本\u{0}\t\u{1b}[31m".utf8)
        let expected = Array("HéLLO WöRLD ß ✓ 日本\u{0}\t\u{1b}[31M".utf8)
        #expect(Uppercase.apply(text) == expected)
    }

    @Test func lowercaseLettersAndSpecialCharacters() {
        #expect(Uppercase.apply(Array("hello, welcome to lab &*!".utf8)) == Array("HELLO, WELCOME TO LAB &*!".utf8))
        #expect(Uppercase.apply(Array("ALREADY Upper".utf8)) == Array("ALREADY UPPER".utf8))
        #expect(Uppercase.apply([UInt8]()) == [])
    }

    @Test func chunkingDoesNotMatter() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = Uppercase.apply(message)
        var pieces: [UInt8] = []
        var index = 0
        var size = 1
        while index < message.count {
            let end = min(index + size, message.count)
            pieces += Uppercase.apply(message[index..<end])
            index = end
            size = size % 17 + 1
        }
        #expect(pieces == whole)
    }
}
