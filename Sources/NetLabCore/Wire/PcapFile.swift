import Foundation

/// Capture files: reads pcap (either byte order, micro- or nanosecond stamps) and pcapng;
/// writes pcapng, which Wireshark and `tshark -r` read, with comments where a file must say
/// what it is (a section comment, and one per packet).
public enum PcapFile {
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// A frame and, for pcapng, its packet comment.
    public struct Record: Sendable, Equatable {
        public var frame: CapturedFrame
        public var comment: String?
        public init(frame: CapturedFrame, comment: String? = nil) {
            self.frame = frame
            self.comment = comment
        }
    }

    public struct Contents: Sendable, Equatable {
        public var sectionComment: String?
        public var records: [Record]
        public var frames: [CapturedFrame] { records.map(\.frame) }
    }

    public static func read(_ data: [UInt8]) throws(ReadError) -> Contents {
        guard data.count >= 4 else { throw ReadError(description: "the file is too short to be a capture") }
        let magic = UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
        if magic == 0x0a0d_0d0a { return try readPcapng(data) }
        return Contents(sectionComment: nil, records: try readPcap(data).map { Record(frame: $0, comment: nil) })
    }

    private static func readPcap(_ data: [UInt8]) throws(ReadError) -> [CapturedFrame] {
        guard data.count >= 24 else { throw ReadError(description: "the pcap header is cut short") }
        let big = ByteReader(data, bigEndian: true)
        let (bigEndian, nanoseconds): (Bool, Bool)
        switch big.u32(0) {
        case 0xa1b2_c3d4: (bigEndian, nanoseconds) = (true, false)
        case 0xa1b2_3c4d: (bigEndian, nanoseconds) = (true, true)
        case 0xd4c3_b2a1: (bigEndian, nanoseconds) = (false, false)
        case 0x4d3c_b2a1: (bigEndian, nanoseconds) = (false, true)
        default: throw ReadError(description: "not a pcap or pcapng file (no known magic number at its start)")
        }
        let reader = ByteReader(data, bigEndian: bigEndian)
        let linkType = CapturedFrame.LinkType(rawValue: reader.u32(20))
        var frames: [CapturedFrame] = []
        var offset = 24
        while offset + 16 <= data.count {
            let seconds = Double(reader.u32(offset))
            let fraction = Double(reader.u32(offset + 4)) / (nanoseconds ? 1e9 : 1e6)
            let captured = Int(reader.u32(offset + 8))
            let length = Int(reader.u32(offset + 12))
            guard offset + 16 + captured <= data.count else { throw ReadError(description: "a packet record is cut short") }
            frames.append(
                CapturedFrame(
                    time: Date(timeIntervalSince1970: seconds + fraction), linkType: linkType,
                    bytes: Array(data[(offset + 16)..<(offset + 16 + captured)]), length: length))
            offset += 16 + captured
        }
        return frames
    }

    private static func readPcapng(_ data: [UInt8]) throws(ReadError) -> Contents {
        var contents = Contents(sectionComment: nil, records: [])
        var interfaces: [(CapturedFrame.LinkType, Double)] = []
        var reader = ByteReader(data, bigEndian: false)
        var offset = 0
        while offset + 12 <= data.count {
            if ByteReader(data, bigEndian: true).u32(offset) == 0x0a0d_0d0a, offset + 12 <= data.count {
                // Section header: its byte-order magic decides how the rest reads.
                reader = ByteReader(data, bigEndian: ByteReader(data, bigEndian: true).u32(offset + 8) == 0x1a2b_3c4d)
                interfaces = []
            }
            let type = reader.u32(offset)
            let length = Int(reader.u32(offset + 4))
            guard length >= 12, length % 4 == 0, offset + length <= data.count else {
                throw ReadError(description: "a pcapng block is cut short or malformed")
            }
            let body = (offset + 8)..<(offset + length - 4)
            switch type {
            case 0x0a0d_0d0a:
                contents.sectionComment = comment(in: reader, from: body.lowerBound + 16, to: body.upperBound)
            case 1:
                guard body.count >= 8 else { throw ReadError(description: "a pcapng interface block is cut short") }
                var resolution = 1e-6
                forEachOption(reader, from: body.lowerBound + 8, to: body.upperBound) { code, value in
                    if code == 9, let byte = value.first {
                        resolution = byte & 0x80 != 0 ? pow(2, -Double(byte & 0x7f)) : pow(10, -Double(byte))
                    }
                }
                interfaces.append((CapturedFrame.LinkType(rawValue: UInt32(reader.u16(body.lowerBound))), resolution))
            case 6:
                guard body.count >= 20 else { throw ReadError(description: "a pcapng packet block is cut short") }
                let interface = Int(reader.u32(body.lowerBound))
                guard interface < interfaces.count else { throw ReadError(description: "a packet names an interface the file does not describe") }
                let stamp = UInt64(reader.u32(body.lowerBound + 4)) << 32 | UInt64(reader.u32(body.lowerBound + 8))
                let captured = Int(reader.u32(body.lowerBound + 12))
                let original = Int(reader.u32(body.lowerBound + 16))
                let start = body.lowerBound + 20
                guard start + captured <= body.upperBound else { throw ReadError(description: "a pcapng packet block is cut short") }
                let (linkType, resolution) = interfaces[interface]
                let frame = CapturedFrame(
                    time: Date(timeIntervalSince1970: Double(stamp) * resolution), linkType: linkType,
                    bytes: Array(data[start..<(start + captured)]), length: original)
                let options = start + (captured + 3) / 4 * 4
                contents.records.append(Record(frame: frame, comment: comment(in: reader, from: options, to: body.upperBound)))
            case 3:
                guard body.count >= 4, let (linkType, _) = interfaces.first else { break }
                let original = Int(reader.u32(body.lowerBound))
                let captured = min(original, body.count - 4)
                contents.records.append(
                    Record(
                        frame: CapturedFrame(
                            time: Date(timeIntervalSince1970: 0), linkType: linkType,
                            bytes: Array(data[(body.lowerBound + 4)..<(body.lowerBound + 4 + captured)]),
                            length: original), comment: nil))
            default:
                break
            }
            offset += length
        }
        return contents
    }

    private static func forEachOption(_ reader: ByteReader, from start: Int, to end: Int, _ body: (UInt16, ArraySlice<UInt8>) -> Void) {
        var at = start
        while at + 4 <= end {
            let code = reader.u16(at)
            let length = Int(reader.u16(at + 2))
            if code == 0 || at + 4 + length > end { return }
            body(code, reader.bytes[(at + 4)..<(at + 4 + length)])
            at += 4 + (length + 3) / 4 * 4
        }
    }

    private static func comment(in reader: ByteReader, from start: Int, to end: Int) -> String? {
        var text: String?
        forEachOption(reader, from: start, to: end) { code, value in
            if code == 1, text == nil { text = String(decoding: value, as: UTF8.self) }
        }
        return text
    }

    // MARK: Writing

    /// A pcapng file (little-endian, microsecond stamps, one interface per link type).
    public static func pcapng(_ records: [Record], sectionComment: String? = nil, application: String = "netlab") -> [UInt8] {
        var linkTypes: [CapturedFrame.LinkType] = []
        for record in records where !linkTypes.contains(record.frame.linkType) { linkTypes.append(record.frame.linkType) }
        let writer = PcapngWriter(linkTypes: linkTypes)
        var out = writer.header(sectionComment: sectionComment, application: application)
        for record in records { out += writer.packet(record) }
        return out
    }

    /// pcapng written as it goes: `header` once, then `packet` per frame (a live capture
    /// appends each frame as it arrives, so nothing waits in memory).
    public struct PcapngWriter: Sendable {
        public let linkTypes: [CapturedFrame.LinkType]

        public init(linkTypes: [CapturedFrame.LinkType]) {
            self.linkTypes = linkTypes
        }

        /// The section header and one interface description per link type, named
        /// `interfaceName` when given (`if_name`: Wireshark shows it per packet).
        public func header(sectionComment: String? = nil, application: String = "netlab", interfaceName: String? = nil) -> [UInt8] {
            var shb: [UInt8] = []
            shb.u32(0x1a2b_3c4d)
            shb.u16(1)
            shb.u16(0)
            shb.u64(UInt64.max)  // section length: not given
            var shbOptions: [(UInt16, [UInt8])] = []
            if let sectionComment { shbOptions.append((1, Array(sectionComment.utf8))) }
            shbOptions.append((4, Array(application.utf8)))  // shb_userappl
            shb += options(shbOptions)
            var out = block(0x0a0d_0d0a, shb)
            for linkType in linkTypes {
                var idb: [UInt8] = []
                idb.u16(UInt16(truncatingIfNeeded: linkType.rawValue))
                idb.u16(0)
                idb.u32(262_144)
                if let interfaceName { idb += options([(2, Array(interfaceName.utf8))]) }
                out += block(1, idb)
            }
            return out
        }

        /// An interface statistics block for the first interface: the frames the capture
        /// received, and those the kernel dropped (`isb_osdrop`: no room in its buffer) and
        /// the interface dropped (`isb_ifdrop`), as `capinfos` and Wireshark's statistics read them.
        public func statistics(
            received: UInt64, dropped: UInt64, interfaceDropped: UInt64, at time: Date,
            comment: String? = nil
        ) -> [UInt8] {
            let micros = UInt64(max(0, (time.timeIntervalSince1970 * 1e6).rounded()))
            var isb: [UInt8] = []
            isb.u32(0)
            isb.u32(UInt32(truncatingIfNeeded: micros >> 32))
            isb.u32(UInt32(truncatingIfNeeded: micros))
            func u64(_ value: UInt64) -> [UInt8] {
                var bytes: [UInt8] = []
                bytes.u64(value)
                return bytes
            }
            var list: [(UInt16, [UInt8])] = []
            if let comment { list.append((1, Array(Self.optionText(comment).utf8))) }
            isb += options(list + [(4, u64(received)), (5, u64(interfaceDropped)), (7, u64(dropped))])
            return block(5, isb)
        }

        /// One enhanced packet block (its link type must be one of `linkTypes`).
        public func packet(_ record: Record) -> [UInt8] {
            let frame = record.frame
            let micros = UInt64(max(0, (frame.time.timeIntervalSince1970 * 1e6).rounded()))
            var epb: [UInt8] = []
            epb.u32(UInt32(linkTypes.firstIndex(of: frame.linkType) ?? 0))
            epb.u32(UInt32(truncatingIfNeeded: micros >> 32))
            epb.u32(UInt32(truncatingIfNeeded: micros))
            epb.u32(UInt32(frame.bytes.count))
            epb.u32(UInt32(frame.length))
            epb += frame.bytes
            epb += [UInt8](repeating: 0, count: (4 - frame.bytes.count % 4) % 4)
            if let comment = record.comment { epb += options([(1, Array(Self.optionText(comment).utf8))]) }
            return block(6, epb)
        }

        /// An option's text cut to what its 16-bit length can say (on a character boundary).
        static func optionText(_ text: String) -> String {
            guard text.utf8.count > 65_000 else { return text }
            var cut = String(text.utf8.prefix(64_900)) ?? String(text.prefix(16_000))
            while cut.utf8.count > 64_900 { cut.removeLast() }
            return cut + "\n... (cut: \(text.utf8.count) bytes in all)"
        }
    }

    private static func options(_ list: [(UInt16, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (code, value) in list {
            out.u16(code)
            out.u16(UInt16(value.count))
            out += value
            out += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
        }
        out.u32(0)  // opt_endofopt
        return out
    }

    private static func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let length = UInt32(12 + body.count)
        out.u32(type)
        out.u32(length)
        out += body
        out.u32(length)
        return out
    }
}

extension [UInt8] {
    mutating func u16(_ value: UInt16) {
        append(UInt8(value & 0xff))
        append(UInt8(value >> 8))
    }
    mutating func u32(_ value: UInt32) {
        u16(UInt16(value & 0xffff))
        u16(UInt16(value >> 16))
    }
    mutating func u64(_ value: UInt64) {
        u32(UInt32(value & 0xffff_ffff))
        u32(UInt32(value >> 32))
    }
}
