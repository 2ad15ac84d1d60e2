import LogLabCore
import LogLabTransforms

/// A frame's stored bytes in pieces (flag `pieces`): the payload cut where
/// `PayloadPieces.cuts` says, each piece compressed alone, so a columnar read decompresses
/// only the pieces holding the streams it reads. Stored layout:
///
///     varint pieceCount                        ≥ 2
///     per piece: varint payloadLength          ≥ 1
///                without flag `pieceLayouts`: varint storedLength << 1 | c
///                                             c = 1: the codec's output, 0: the piece as is
///                with it: varint storedLength << 2 | layout (`Layout`)
///                         [varint valueCount]  layout 2 only
///     the pieces' stored bytes, in order
///
/// The payload is the pieces undone and joined; its size is the sum of their lengths.
struct FramePieces {
    /// How a piece is stored.
    enum Layout: UInt8 {
        /// The piece as is.
        case asIs = 0
        /// The codec's output.
        case codec = 1
        /// The codec's output of the piece's `VarintPlanes` (directory: its varint count).
        case planes = 2
    }
    /// Per piece: its payload bytes, its stored bytes (indices of the stored slice), layout,
    /// and its number of varints (layout `planes`, else 0).
    var payload: [Range<Int>] = []
    var stored: [Range<Int>] = []
    var layout: [Layout] = []
    var valueCount: [Int] = []
    var payloadSize: Int { payload.last?.upperBound ?? 0 }
    typealias Decompress = (ArraySlice<UInt8>, Int) throws -> [UInt8]

    /// Pieces of at least this many bytes, with at least `planesLongShare` of their bytes
    /// in varints' later bytes, are also compressed as varint planes, kept when smaller.
    static let planesMinBytes = 1024
    static let planesLongShare = 0.125

    /// Compresses `payload` cut at `cuts` (from `PayloadPieces.cuts`) into stored bytes;
    /// `layouts`: some piece is in planes (the frame needs flag `pieceLayouts`; without any,
    /// the directory is the one readers before layouts read).
    static func compress(_ payload: [UInt8], cuts: [Int], coder: any FrameCoder, planes: Bool = true) throws
        -> (stored: [UInt8], layouts: Bool) {
        var chosen: [(layout: Layout, bytes: [UInt8], count: Int)] = []
        chosen.reserveCapacity(cuts.count)
        var start = 0
        for end in cuts {
            let piece = payload[start..<end]
            let z = try coder.compress(Array(piece))
            var best: (layout: Layout, bytes: [UInt8], count: Int) = z.count < piece.count ? (.codec, z, 0) : (.asIs, Array(piece), 0)
            if planes, piece.count >= planesMinBytes, let (p, n) = VarintPlanes.split(piece, minLongShare: planesLongShare) {
                let zp = try coder.compress(p)
                if zp.count < best.bytes.count { best = (.planes, zp, n) }
            }
            chosen.append(best)
            start = end
        }
        let layouts = chosen.contains { $0.layout == .planes }
        var dir = ByteWriter(capacity: 8 + 12 * cuts.count)
        dir.varint(cuts.count)
        start = 0
        for (end, c) in zip(cuts, chosen) {
            dir.varint(end - start)
            if layouts {
                dir.varint(UInt64(c.bytes.count) << 2 | UInt64(c.layout.rawValue))
                if c.layout == .planes { dir.varint(c.count) }
            } else {
                dir.varint(UInt64(c.bytes.count) << 1 | (c.layout == .codec ? 1 : 0))
            }
            start = end
        }
        var out = dir.bytes
        out.reserveCapacity(out.count + chosen.reduce(0) { $0 + $1.bytes.count })
        for c in chosen { out += c.bytes }
        return (out, layouts)
    }

    /// Parses and checks the directory of `stored` (`layouts`: the frame has flag
    /// `pieceLayouts`); a payload above `limit` bytes is refused.
    init(parsing stored: ArraySlice<UInt8>, limit: Int, layouts: Bool = false, frame: Int) throws {
        func bad(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt container: frame \(frame) pieces: \(what)") }
        var r = ByteReader(stored)
        do {
            let n = try r.count(limit: stored.count)
            guard n >= 2 else { throw bad("\(n) pieces") }
            payload.reserveCapacity(n); self.stored.reserveCapacity(n); layout.reserveCapacity(n); valueCount.reserveCapacity(n)
            var p = 0, s = 0
            for k in 0..<n {
                let len = try r.count(limit: limit)
                let x = try r.varint()
                let shift: UInt64 = layouts ? 2 : 1
                let sl = Int(clamping: x >> shift)
                guard let l = Layout(rawValue: UInt8(x & (1 << shift - 1))) else { throw bad("piece \(k) has unknown layout \(x & 3)") }
                let count = l == .planes ? try r.count(limit: len) : 0
                guard len >= 1, len <= limit - p, sl <= stored.count else { throw bad("impossible sizes") }
                guard l != .asIs || sl == len else { throw bad("a piece stored as is has the wrong length") }
                guard l != .planes || count >= 1 else { throw bad("piece \(k) holds no varints") }
                payload.append(p..<(p + len)); p += len
                self.stored.append(s..<(s + sl)); s += sl
                layout.append(l)
                valueCount.append(count)
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
        if layout[k] == .asIs {
            _ = out.initialize(from: src)
            return
        }
        let bytes = try FrameCoding.decompressing(frame: frame, piece: k) { try decompress(src, len) }
        guard bytes.count == len else {
            throw ContainerError.corrupt("corrupt container: frame \(frame) piece \(k) is \(bytes.count) bytes, expected \(len)")
        }
        if layout[k] == .planes {
            do {
                try bytes.withUnsafeBufferPointer { try VarintPlanes.join($0, count: valueCount[k], into: out) }
            } catch {
                throw ContainerError.corrupt("corrupt container: frame \(frame) piece \(k): its planes are not \(valueCount[k]) varints")
            }
            return
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
            return try FramePieces(parsing: all, limit: Int(header.payloadSize), layouts: header.flags.contains(.pieceLayouts), frame: 0).payload(all, decompress: decompress, frame: 0)
        }
        return header.flags.contains(.compressed) ? try decompress(all, Int(header.payloadSize)) : stored
    }
}
