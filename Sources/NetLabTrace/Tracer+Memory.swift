import CNetLabTrace
import Foundation
import Glibc
import NetLabCore

/// What a stopped call's pointers point at, read from the program's memory: the pieces a call
/// needs are read together, in one `process_vm_readv` (about 2.5 us each in this VM).
extension Tracer {
    /// What a call hands the kernel, read as it enters: the bytes it sends, the address it names.
    func fetchOnEntry(_ fetches: [TracedCall.Fetch], pid: pid_t, into call: inout TracedCall) {
        let arguments = call.arguments
        var data: Int?
        var address: Int?
        var pieces: [(address: UInt64, count: Int)] = []
        for fetch in fetches {
            switch fetch {
            case .sent(let pointer, let length):
                data = pieces.count
                pieces.append((arguments[pointer], min(Int(arguments[length]), TracedCall.keptBytes)))
            case .addressIn(let pointer, let length) where arguments[pointer] != 0:
                address = pieces.count
                pieces.append((arguments[pointer], min(Int(arguments[length]), 128)))
            case .message(let pointer, sent: true):
                (call.data, call.address) = readMessage(pid, arguments[pointer], limit: TracedCall.keptBytes)
            default:
                break
            }
        }
        let got = read(pid, pieces)
        if let data { call.data = got[data] }
        if let address { call.address = SocketAddressBytes.endpoint(got[address]) }
    }

    /// What a call got back from the kernel, read as it returns: its bytes, and the peer's
    /// address (its length first, read with the bytes; then the address itself).
    func fetchOnReturn(_ fetches: [TracedCall.Fetch], pid: pid_t, into call: inout TracedCall) {
        let arguments = call.arguments
        var data: Int?
        var addressOut: (pointer: UInt64, length: Int)?
        var pieces: [(address: UInt64, count: Int)] = []
        for fetch in fetches {
            switch fetch {
            case .received(let pointer) where call.result > 0:
                data = pieces.count
                pieces.append((arguments[pointer], min(Int(call.result), TracedCall.keptBytes)))
            case .addressOut(let pointer, let lengthPointer) where arguments[pointer] != 0 && arguments[lengthPointer] != 0:
                addressOut = (arguments[pointer], pieces.count)
                pieces.append((arguments[lengthPointer], 4))
            case .message(let pointer, sent: false) where call.result > 0:
                (call.data, call.address) = readMessage(pid, arguments[pointer], limit: min(Int(call.result), TracedCall.keptBytes))
            default:
                break
            }
        }
        let got = read(pid, pieces)
        if let data { call.data = got[data] }
        if let addressOut, got[addressOut.length].count == 4 {
            let bytes = got[addressOut.length]
            let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            call.address = SocketAddressBytes.endpoint(read(pid, [(addressOut.pointer, min(length, 128))])[0])
        }
    }

    /// A `struct msghdr`'s bytes (its iovecs, up to `limit`) and address, from the program.
    func readMessage(_ pid: pid_t, _ address: UInt64, limit: Int) -> ([UInt8], Endpoint?) {
        guard let header = TracedCall.MessageHeader(read(pid, [(address, TracedCall.MessageHeader.size)])[0]) else { return ([], nil) }
        let name =
            header.name != 0 && header.nameLength > 0
            ? SocketAddressBytes.endpoint(read(pid, [(header.name, min(header.nameLength, 128))])[0]) : nil
        var data: [UInt8] = []
        for vector in TracedCall.MessageHeader.vectors(read(pid, [(header.vectors, header.vectorCount * 16)])[0]) where data.count < limit {
            data += read(pid, [(vector.base, min(vector.length, limit - data.count))])[0]
        }
        return (data, name)
    }

    /// Pieces of the program's memory (empty for a null pointer or no bytes), in one system
    /// call when every piece can be read; otherwise each on its own, as far as it goes.
    func read(_ pid: pid_t, _ pieces: [(address: UInt64, count: Int)]) -> [[UInt8]] {
        let wanted = pieces.filter { $0.address != 0 && $0.count > 0 }
        guard !wanted.isEmpty else { return pieces.map { _ in [] } }
        let total = wanted.reduce(0) { $0 + $1.count }
        var bytes = [UInt8](repeating: 0, count: total)
        let addresses = wanted.map { UInt($0.address) }
        let lengths = wanted.map { $0.count }
        let got = bytes.withUnsafeMutableBytes { buffer in
            netlab_trace_read_pieces(pid, addresses, lengths, Int32(wanted.count), buffer.baseAddress)
        }
        var results: [[UInt8]] = []
        var offset = 0
        for piece in pieces {
            guard piece.address != 0, piece.count > 0 else {
                results.append([])
                continue
            }
            if got == total || wanted.count == 1 {
                let end = min(offset + piece.count, max(0, got))
                results.append(end > offset ? Array(bytes[offset..<end]) : [])
            } else {
                results.append(read(pid, [piece])[0])  // a piece that failed: each alone
            }
            offset += piece.count
        }
        return results
    }
}
