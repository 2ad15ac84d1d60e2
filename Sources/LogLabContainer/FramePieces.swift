import LogLabCore
import LogLabTransforms

/// A frame's stored bytes in pieces (flag `pieces`): the payload cut where
/// `PayloadPieces.cuts` says, each piece compressed alone, so a columnar read decompresses
/// only the pieces holding the streams it reads. Stored layout:
///
///     varint pieceCount                        ≥ 2
///     per piece: varint payloadLength          ≥ 1
///                varint storedLength << 1 | c  c = 1: the codec's output, 0: the piece as is
///     the pieces' stored bytes, in order
///
/// The payload is the pieces undone and joined; its size is the sum of their lengths.
struct FramePieces {
    /// Per piece: its payload bytes, its stored bytes (indices of the stored slice), compressed.
    var payload: [Range<Int>] = []
    var stored: [Range<Int>] = []
    var compressed: [Bool] = []
    var payloadSize: Int { payload.last?.upperBound ?? 0 }
    typealias Decompress = (ArraySlice<UInt8>, Int) throws -> [UInt8]

    /// Compresses `payload` cut at `cuts` (from `PayloadPieces.cuts`) into stored bytes.
    static func compress(_ payload: [UInt8], cuts: [Int], coder: any FrameCoder) throws -> [UInt8] {
        var dir = ByteWriter(capacity: 8 + 8 * cuts.count)
        var body: [UInt8] = []
        body.reserveCapacity(payload.count / 3)
        dir.varint(cuts.count)
        var start = 0
        for end in cuts {
            let piece = payload[start..<end]
            let z = try coder.compress(Array(piece))
            let useZ = z.count < piece.count
            dir.varint(piece.count)
            dir.varint(UInt64(useZ ? z.count : piece.count) << 1 | (useZ ? 1 : 0))
            if useZ { body += z } else { body += piece }
            start = end
        }
        return dir.bytes + body
    }

    /// Parses and checks the directory of `stored`; a payload above `limit` bytes is refused.
    init(parsing stored: ArraySlice<UInt8>, limit: Int, frame: Int) throws {
        func bad(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt container: frame \(frame) pieces: \(what)") }
        var r = ByteReader(stored)
        do {
            let n = try r.count(limit: stored.count)
            guard n >= 2 else { throw bad("\(n) pieces") }
            payload.reserveCapacity(n); self.stored.reserveCapacity(n); compressed.reserveCapacity(n)
            var p = 0, s = 0
            for _ in 0..<n {
                let len = try r.count(limit: limit)
                let x = try r.varint()
                let sl = Int(clamping: x >> 1)
                guard len >= 1, len <= limit - p, sl <= stored.count else { throw bad("impossible sizes") }
                guard x & 1 == 1 || sl == len else { throw bad("a piece stored as is has the wrong length") }
                payload.append(p..<(p + len)); p += len
                self.stored.append(s..<(s + sl)); s += sl
                compressed.append(x & 1 == 1)
            }
            let body = r.position
            guard s == stored.endIndex - body else { throw bad("stored lengths add up to \(s) bytes, \(stored.endIndex - body) follow") }
            for k in 0..<n { self.stored[k] = (self.stored[k].lowerBound + body)..<(self.stored[k].upperBound + body) }
        } catch let e as ContainerError {
            throw e
        } catch {
            throw bad("directory cut short")
        }
    }

    /// Undoes piece `k` of `stored` into `out` (room for exactly its payload bytes).
    /// `decompress(bytes, size)` is the codec's (`FrameCoder.decompress`).
    func undo(_ k: Int, _ stored: ArraySlice<UInt8>, decompress: Decompress, into out: UnsafeMutableBufferPointer<UInt8>,
              frame: Int) throws {
        let len = payload[k].count
        guard out.count == len else { throw ContainerError.corrupt("corrupt container: frame \(frame) piece \(k) has no room") }
        let src = stored[self.stored[k]]
        if !compressed[k] {
            _ = out.initialize(from: src)
            return
        }
        let bytes = try FrameCoding.decompressing(frame: frame, piece: k) { try decompress(src, len) }
        guard bytes.count == len else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) piece \(k) is \(bytes.count) bytes, expected \(len)")
        }
        _ = out.initialize(from: bytes)
    }

    /// The whole payload.
    func payload(_ stored: ArraySlice<UInt8>, decompress: Decompress, frame: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: payloadSize) { out, n in
            n = 0
            for k in payload.indices {
                try undo(k, stored, decompress: decompress, into: UnsafeMutableBufferPointer(rebasing: out[payload[k]]), frame: frame)
                n = payload[k].upperBound
            }
        }
    }
}

/// A transformed frame's payload whose pieces are decompressed as a columnar read asks for
/// them (`PayloadLoader`); a frame not in pieces is decompressed whole when made.
public final class LazyPayload: PayloadLoader {
    /// The payload's bytes: only the loaded ones are valid.
    public let buffer: UnsafeMutableBufferPointer<UInt8>
    public let recordCount: Int
    public let transformed: Bool
    private let pieces: FramePieces?
    private let stored: ArraySlice<UInt8>
    private let coder: any FrameCoder
    private let frame: Int
    private var loaded: [Bool]

    init(payload: [UInt8], transformed: Bool, recordCount: Int, coder: any FrameCoder, frame: Int) {
        buffer = .allocate(capacity: payload.count)
        _ = buffer.initialize(from: payload)
        pieces = nil; stored = []; loaded = []
        self.transformed = transformed; self.recordCount = recordCount; self.coder = coder; self.frame = frame
    }

    init(pieces: FramePieces, stored: ArraySlice<UInt8>, transformed: Bool, recordCount: Int, coder: any FrameCoder, frame: Int) {
        // Left unset: a reader loads every range before it reads it (zeroing cost as much
        // as decompressing a small piece).
        buffer = .allocate(capacity: pieces.payloadSize)
        self.pieces = pieces; self.stored = stored; loaded = [Bool](repeating: false, count: pieces.payload.count)
        self.transformed = transformed; self.recordCount = recordCount; self.coder = coder; self.frame = frame
    }

    deinit { buffer.deallocate() }

    public func load(_ range: Range<Int>) throws {
        guard let pieces, !range.isEmpty else { return }
        // The first piece ending after the range's start, then on while pieces start inside it.
        var lo = 0, hi = pieces.payload.count
        while lo < hi { let m = (lo + hi) / 2; if pieces.payload[m].upperBound <= range.lowerBound { lo = m + 1 } else { hi = m } }
        var k = lo
        while k < pieces.payload.count, pieces.payload[k].lowerBound < range.upperBound {
            if !loaded[k] {
                try pieces.undo(k, stored, decompress: { try self.coder.decompress($0, payloadSize: $1) }, into: UnsafeMutableBufferPointer(rebasing: buffer[pieces.payload[k]]), frame: frame)
                loaded[k] = true
            }
            k += 1
        }
    }
}

extension EncodedFrame {
    /// The payload back from the stored bytes, `decompress(bytes, size)` being the codec (a
    /// frame in pieces undoes each piece), for measuring the codec alone.
    public func payload(decompress: (ArraySlice<UInt8>, Int) throws -> [UInt8]) throws -> [UInt8] {
        let all = stored[...]
        if header.flags.contains(.pieces) {
            return try FramePieces(parsing: all, limit: Int(header.payloadSize), frame: 0).payload(all, decompress: decompress, frame: 0)
        }
        return header.flags.contains(.compressed) ? try decompress(all, Int(header.payloadSize)) : stored
    }
}
