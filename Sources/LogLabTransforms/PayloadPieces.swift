import LogLabCore

/// Where a transformed payload is cut into pieces that the container compresses one by one,
/// so that a columnar read decompresses only the streams it reads. A `columns` payload is cut
/// at stream boundaries: its streams differ in their statistics (varints, codes, text), and
/// measured on generated and real logs the pieces with the profile's dictionary came out
/// 1–8 % smaller than the payload compressed whole, frame headers included.
public enum PayloadPieces {
    /// A piece ends at a stream boundary once it holds this many bytes: tiny streams share a
    /// piece (each piece costs the codec's frame header), most streams stay alone.
    static let minPieceBytes = 256

    /// End offsets of the pieces `payload` is cut into (increasing, the last `payload.count`),
    /// or nil for one piece (not a `columns` payload, or nothing to cut).
    public static func cuts(_ payload: [UInt8]) -> [Int]? {
        guard let first = payload.first, let kind = FrameKind(rawValue: first), kind.isColumns else { return nil }
        return payload.withUnsafeBufferPointer { buf -> [Int]? in
            guard let (dirEnd, lengths) = try? ColumnStreams.directory(buf), dirEnd + lengths.reduce(0, +) == buf.count else { return nil }
            var cuts: [Int] = []
            var pos = dirEnd, start = 0
            for n in lengths {
                pos += n
                if pos - start >= minPieceBytes { cuts.append(pos); start = pos }
            }
            // Small streams at the end join the last piece.
            if cuts.isEmpty { return nil }
            cuts[cuts.count - 1] = buf.count
            return cuts.count > 1 ? cuts : nil
        }
    }
}

/// A payload whose bytes become valid range by range (pieces decompressed on demand) in the
/// buffer its reader was given.
public protocol PayloadLoader: AnyObject {
    /// Makes bytes `range` of the payload valid (at least; whole pieces are loaded).
    func load(_ range: Range<Int>) throws
}
