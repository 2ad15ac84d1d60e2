import Foundation   // log2 (learning only, not a hot path)

/// Whether a model entry pays for itself: it is kept only when what it is expected to save
/// in compressed frames, judged on held-out training records, exceeds what it costs in the
/// stored (zstd-compressed) model. Both sides are estimates of what the codec makes of the
/// bytes, not raw byte counts: a value the model leaves out still travels in the frame,
/// where the codec stores its first occurrence as a literal and later ones as matches; the
/// entry itself is stored compressed in the model, where shared prefixes are cheap too.
/// Vocabularies use it (`FieldLearner.learnVocabularies`); a learner supplies what an
/// entry costs stored and what one use saves.
struct ModelCost {
    /// Records per frame the estimate assumes: the default framing, block:1024.
    static let recordsPerFrame = 1024
    /// What the codec spends on a repeat of a value within a frame (a match: offset and
    /// lengths, entropy-coded). zstd's sequences take two to four bytes each.
    static let matchBytes = 3.0
    /// The stored model is compressed once at zstd's highest level, whose optimal parse does
    /// better than the greedy estimate: measured on the vocabularies of real JSON logs (web
    /// access, DNS), 0.5 to 0.9 of it.
    static let modelShare = 0.7

    /// Compressed bytes per raw byte of a literal (order-0 entropy of the bytes, which is what
    /// the codec's literal coder achieves), the same in a frame as in the stored model.
    let bytesPerByte: Double
    /// How many held-out-sized stretches the data a profile meets spans: it is taken to be as
    /// large as the whole training sample, of which the held-out records are the second half.
    let periods: Double

    init(bytesPerByte: Double, heldOutRecords: Int, sampleRecords: Int) {
        self.bytesPerByte = min(max(bytesPerByte, 0.05), 1)
        let frames = { (n: Int) in Double(max(1, (n + Self.recordsPerFrame - 1) / Self.recordsPerFrame)) }
        periods = max(1, frames(sampleRecords) / frames(heldOutRecords))
    }

    /// Order-0 compressed bytes per byte of `counts` (a byte histogram).
    static func bytesPerByte(_ counts: [Int]) -> Double {
        let n = counts.reduce(0, +)
        guard n > 0 else { return 1 }
        var bits = 0.0
        for c in counts where c > 0 { bits += Double(c) * log2(Double(n) / Double(c)) }
        return bits / 8 / Double(n)
    }

    /// What an LZ77 codec such as zstd spends on each of `items` given the items before it in
    /// the same `window` (a frame of values, or the model's entries): a greedy parse where a
    /// repeat of four bytes or more costs a match (`matchBytes`) and any other byte a literal
    /// (`bytesPerByte`), plus `prefix` bytes each (a length). Shared prefixes and paths make
    /// entries far cheaper than their order-0 entropy, in a frame as in the model.
    func lzCosts(_ items: [[UInt8]], window: [Int]? = nil, prefix: Double = 1) -> [Double] {
        var buf: [UInt8] = []
        buf.reserveCapacity(items.reduce(0) { $0 + $1.count })
        var last = [Int](repeating: -1, count: 1 << 16)
        var start = 0
        var out = [Double](repeating: 0, count: items.count)
        func hash(_ i: Int) -> Int {
            let v = UInt32(buf[i]) | UInt32(buf[i + 1]) << 8 | UInt32(buf[i + 2]) << 16 | UInt32(buf[i + 3]) << 24
            return Int((v &* 2_654_435_761) >> 16)
        }
        for (k, item) in items.enumerated() {
            if let w = window, k > 0, w[k] != w[k - 1] { start = buf.count }
            let lo = buf.count
            buf.append(contentsOf: item)
            let hi = buf.count
            var cost = prefix
            var i = lo
            while i < hi {
                guard i + 4 <= hi else { cost += Double(hi - i) * bytesPerByte; break }
                let h = hash(i)
                let c = last[h]
                last[h] = i
                var n = 0
                if c >= start { while i + n < hi && buf[c + n] == buf[i + n] { n += 1 } }
                if n >= 4 {
                    cost += Self.matchBytes
                    for j in stride(from: i + 1, to: min(i + n, hi - 3), by: 1) { last[hash(j)] = j }
                    i += n
                } else {
                    cost += bytesPerByte
                    i += 1
                }
            }
            out[k] = min(cost, prefix + Double(item.count) * bytesPerByte)
        }
        return out
    }

    /// Entropy-coded bytes of a code used `uses` times in a stream of `total` bytes (a code
    /// shares its column's stream with the literals of the values it misses).
    static func codeBytes(uses: Int, of total: Int) -> Double {
        guard uses > 0, total > uses else { return uses > 0 ? 0.05 : 0 }
        return max(0.05, log2(Double(total) / Double(uses)) / 8)
    }

    /// The entries (ids) that pay, and their net saving (expected savings minus `stored`
    /// costs). How often an entry will be used is estimated from held-out data by count
    /// class, not entry by entry (a rare value absent from the second half may well come
    /// back, a value frequent in the first may vanish): entries that the first half used
    /// about j times were used `back(j)`·j times in the second, on average. An entry with
    /// `counts` over the whole sample (two halves) is expected to be used about `back(j)`·j
    /// times per half-sized stretch, j = counts / 2, and the data a profile meets spans
    /// `periods` such stretches. `firstHalf` nil: no held-out half (tiny samples), counts are
    /// taken at face value. `perUse` is what one use saves (its cost without the entry, as
    /// the codec would store it in a frame, less its code).
    func chooseEntries(counts: [Int], firstHalf: [Int]?, stored: (Int) -> Double,
                       perUse: (Int) -> Double) -> (kept: [Int], net: Double) {
        func bucket(_ j: Double) -> Int { min(24, Int(log2(max(j, 1)))) }
        var back = [Double](repeating: 1, count: 25)
        let perHalf = firstHalf == nil ? 1.0 : 0.5
        if let a = firstHalf {
            var from = [Int](repeating: 0, count: 25), to = [Int](repeating: 0, count: 25)
            for id in a.indices where a[id] > 0 { from[bucket(Double(a[id]))] += a[id]; to[bucket(Double(a[id]))] += counts[id] - a[id] }
            // A class with no entries borrows from the nearest one that has some.
            let known = (0..<25).filter { from[$0] > 0 }
            for k in 0..<25 {
                guard let n = known.min(by: { abs($0 - k) != abs($1 - k) ? abs($0 - k) < abs($1 - k) : $0 < $1 }) else { back[k] = 0; continue }
                back[k] = min(1, Double(to[n]) / Double(from[n]))
            }
        }
        var kept: [Int] = []
        var net = 0.0
        for id in counts.indices where counts[id] >= 2 {
            let j = Double(counts[id]) * perHalf
            let s = periods * back[bucket(j)] * j * perUse(id)
            let cost = stored(id) * Self.modelShare
            // The rule: an entry stays when its expected saving exceeds its stored cost.
            guard s > cost else { continue }
            kept.append(id)
            net += s - cost
        }
        return (kept, net)
    }

    /// Byte histogram of `keys`, for `bytesPerByte`.
    static func histogram<S: Sequence>(_ keys: S) -> [Int] where S.Element: Sequence<UInt8> {
        var h = [Int](repeating: 0, count: 256)
        for k in keys { for b in k { h[Int(b)] += 1 } }
        return h
    }
}
