/// A piece's bytes read as LEB128 varints (at most 10 bytes each), regrouped by byte
/// position: plane 0 holds the first byte of every varint, plane k the (k+1)-th byte of every
/// varint longer than k, each plane in value order. The bytes of one kind (low digits, high
/// digits, continuation bits) then sit together, which the codec's statistics and matches
/// exploit better than interleaved values (the idea of Parquet's BYTE_STREAM_SPLIT, kept
/// varint-shaped so any varint sequence comes back byte for byte, non-canonical ones too).
/// One-byte values (ASCII text, small codes) stay where they are in plane 0.
enum VarintPlanes {
    static let maxVarintBytes = 10

    /// The planes of `piece` and its number of varints, or nil when it is not a whole
    /// sequence of varints of at most 10 bytes or fewer than `minLongShare` of its bytes
    /// follow a first byte (nothing worth regrouping).
    static func split(_ piece: ArraySlice<UInt8>, minLongShare: Double = 0) -> (planes: [UInt8], count: Int)? {
        guard !piece.isEmpty else { return nil }
        return piece.withUnsafeBufferPointer { src -> (planes: [UInt8], count: Int)? in
            let len = src.count
            // Starts of the varints longer than one byte, and their lengths.
            var longStart: [Int32] = [], longLen: [UInt8] = []
            var n = 0, i = 0, maxLen = 1
            while i < len {
                var k = 0
                while src[i + k] & 0x80 != 0 {
                    k += 1
                    guard k < maxVarintBytes, i + k < len else { return nil }
                }
                if k > 0 { longStart.append(Int32(i)); longLen.append(UInt8(k + 1)); maxLen = max(maxLen, k + 1) }
                n += 1
                i += k + 1
            }
            guard n < len, Double(len - n) >= minLongShare * Double(len) else { return nil }
            let planes = [UInt8](unsafeUninitializedCapacity: len) { out, written in
                var o = 0
                i = 0
                while i < len {   // plane 0: first bytes
                    out[o] = src[i]; o += 1
                    var j = i
                    while src[j] & 0x80 != 0 { j += 1 }
                    i = j + 1
                }
                var active = longStart.indices.map { $0 }
                for k in 1..<maxLen {
                    var next: [Int] = []
                    next.reserveCapacity(active.count)
                    for v in active {
                        out[o] = src[Int(longStart[v]) + k]; o += 1
                        if Int(longLen[v]) > k + 1 { next.append(v) }
                    }
                    active = next
                }
                written = o
            }
            return (planes, n)
        }
    }

    /// Undoes `split`: `count` varints from `planes` into `out` (exactly `planes.count`
    /// bytes). Throws when the planes do not hold exactly that many varints of at most 10 bytes.
    static func join(_ planes: UnsafeBufferPointer<UInt8>, count n: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        let len = planes.count
        guard out.count == len, n >= 1, n <= len else { throw PlanesError() }
        // Each varint's length, plane by plane (`active`: varints continuing into the plane).
        var lens = [UInt8](repeating: 1, count: n)
        var active: [Int32] = []
        for v in 0..<n where planes[v] & 0x80 != 0 { active.append(Int32(v)) }
        var p = n, k = 1
        while !active.isEmpty {
            guard k < maxVarintBytes, active.count <= len - p else { throw PlanesError() }
            var next: [Int32] = []
            for v in active {
                lens[Int(v)] += 1
                if planes[p] & 0x80 != 0 { next.append(v) }
                p += 1
            }
            active = next
            k += 1
        }
        guard p == len else { throw PlanesError() }
        // Each varint's start in `out`, then every plane byte in its place.
        var start = [Int](repeating: 0, count: n)
        var o = 0
        for v in 0..<n { start[v] = o; out[o] = planes[v]; o += Int(lens[v]) }
        p = n
        k = 1
        var from = [Int32](), into = [Int32]()
        for v in 0..<n where lens[v] > 1 { from.append(Int32(v)) }
        while !from.isEmpty {
            into.removeAll(keepingCapacity: true)
            for v in from {
                out[start[Int(v)] + k] = planes[p]; p += 1
                if Int(lens[Int(v)]) > k + 1 { into.append(v) }
            }
            swap(&from, &into)
            k += 1
        }
    }

    struct PlanesError: Error {}
}
