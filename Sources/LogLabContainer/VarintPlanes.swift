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
        return piece.withUnsafeBufferPointer { buf -> (planes: [UInt8], count: Int)? in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * maxVarintBytes) { tmp -> (planes: [UInt8], count: Int)? in
                let src = buf.baseAddress!, len = buf.count
                // One counting pass (varints per length, eight one-byte values at a time), then
                // one pass putting each byte at its plane's cursor: no per-value tables.
                let byLength = tmp.baseAddress!, at = byLength + maxVarintBytes
                byLength.initialize(repeating: 0, count: 2 * maxVarintBytes)
                var i = 0
                while i < len {
                    if i &+ 8 <= len, UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                        byLength[0] &+= 8; i &+= 8
                        continue
                    }
                    var k = 0
                    while src[i &+ k] & 0x80 != 0 {
                        k &+= 1
                        guard k < maxVarintBytes, i &+ k < len else { return nil }
                    }
                    byLength[k] &+= 1
                    i &+= k &+ 1
                }
                // Plane k holds one byte per varint longer than k; plane 0 one per varint.
                var longer = 0
                for k in stride(from: maxVarintBytes - 1, through: 0, by: -1) { longer &+= byLength[k]; at[k] = longer }
                let n = at[0]
                guard n < len, Double(len - n) >= minLongShare * Double(len) else { return nil }
                var start = 0
                for k in 0..<maxVarintBytes { let size = at[k]; at[k] = start; start &+= size }
                let planes = [UInt8](unsafeUninitializedCapacity: len) { out, written in
                    let dst = out.baseAddress!
                    var first = 0
                    i = 0
                    while i < len {
                        if i &+ 8 <= len {
                            let word = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                            if word & 0x8080_8080_8080_8080 == 0 {
                                UnsafeMutableRawPointer(dst + first).storeBytes(of: word, as: UInt64.self)
                                first &+= 8; i &+= 8
                                continue
                            }
                        }
                        var b = src[i]
                        dst[first] = b; first &+= 1; i &+= 1
                        var k = 1
                        while b & 0x80 != 0 {
                            b = src[i]; i &+= 1
                            dst[at[k]] = b; at[k] &+= 1
                            k &+= 1
                        }
                    }
                    written = len
                }
                return (planes, n)
            }
        }
    }

    /// Undoes `split`: `count` varints from `planes` into `out` (exactly `planes.count`
    /// bytes). Throws when the planes do not hold exactly that many varints of at most 10 bytes.
    ///
    /// Plane k+1 holds one byte per continuation bit of plane k, so the planes' bounds are
    /// counts of those bits; then one pass in value order takes each varint's bytes from the
    /// planes' cursors (no per-value tables).
    static func join(_ planes: UnsafeBufferPointer<UInt8>, count n: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        let len = planes.count
        guard out.count == len, n >= 1, n <= len, let src = planes.baseAddress, let dst = out.baseAddress else { throw PlanesError() }
        // Plane starts: cursor[k] is where plane k's next byte is.
        var cursor = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var planeCount = 1
        try withUnsafeMutableBytes(of: &cursor) { raw in
            let at = raw.bindMemory(to: Int.self)
            var lo = 0, size = n
            at[0] = 0
            while true {
                let hi = lo + size
                guard hi <= len else { throw PlanesError() }
                let next = continuations(src + lo, size)
                at[planeCount] = hi
                if next == 0 { guard hi == len else { throw PlanesError() }; break }
                guard planeCount < maxVarintBytes else { throw PlanesError() }
                planeCount += 1
                lo = hi; size = next
            }
        }
        guard planeCount > 1 else { _ = out.initialize(from: planes); return }
        try withUnsafeMutableBytes(of: &cursor) { raw in
            let at = raw.bindMemory(to: Int.self).baseAddress!
            var o = 0, v = 0, second = at[1]
            while v < n {
                // Eight one-byte varints at once (no continuation bit among them).
                if v &+ 8 <= n {
                    let word = UnsafeRawPointer(src + v).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        UnsafeMutableRawPointer(dst + o).storeBytes(of: word, as: UInt64.self)
                        v &+= 8; o &+= 8
                        continue
                    }
                }
                var b = src[v]
                v &+= 1
                dst[o] = b; o &+= 1
                guard b & 0x80 != 0 else { continue }
                // Second bytes (most long varints end there) from a cursor held in a register.
                b = src[second]; second &+= 1
                dst[o] = b; o &+= 1
                var k = 2
                while b & 0x80 != 0 {
                    // The counts above bound every plane's cursor: a byte past plane k's end
                    // would need one continuation bit more than plane k-1 has.
                    guard k < planeCount else { throw PlanesError() }
                    b = src[at[k]]; at[k] &+= 1
                    dst[o] = b; o &+= 1
                    k &+= 1
                }
            }
        }
    }

    /// Bytes with the continuation bit set among `n` bytes at `p`.
    @inline(__always) private static func continuations(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var count = 0, i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            count &+= (raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080).nonzeroBitCount
            i &+= 8
        }
        while i < n { count &+= Int(p[i] >> 7); i &+= 1 }
        return count
    }

    struct PlanesError: Error {}
}
