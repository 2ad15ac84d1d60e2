import LogLabCore

/// A learned substring reference (`derived`): occurrences of another field's text (or the
/// `YYYY-MM-DD` date of a timestamp field) inside this field are replaced by a marker byte
/// (0x01 + the reference's index) before the text is coded. Tokens never hold bytes below
/// 0x20, so markers are unambiguous.
struct SubRef: Sendable, Equatable {
    var column: Int32
    var dateOnly: Bool
}

/// The substitution rule, written once for the learner and the encoder.
enum Substitution {
    /// Copies `p[0..<n]` to `out`, each occurrence of a text of `texts` (tried in order at
    /// each position) replaced by its marker.
    @_transparent
    static func replace(_ p: UnsafePointer<UInt8>, _ n: Int, _ texts: UnsafeBufferPointer<(UnsafePointer<UInt8>, Int, UInt8)>,
                        into out: OutStream) {
        if texts.isEmpty { out.put(p, n); return }
        out.reserve(n)   // never more than `n` bytes: a marker stands for 3 or more
        // The bytes some text starts with: the others go over in runs.
        var starts = SIMD4<UInt64>()
        for (tp, _, _) in texts { starts[Int(tp[0] >> 6)] |= 1 << UInt64(tp[0] & 63) }
        let d = out.base + out.count
        var k = 0, i = 0, run = 0
        outer: while i < n {
            let b = p[i]
            if starts[Int(b >> 6)] >> UInt64(b & 63) & 1 == 0 { i += 1; continue }
            for (tp, tn, marker) in texts where tp[0] == b && tn <= n - i && memcmpEqual(p + i, tp, tn) {
                copyBytes(d + k, p + run, i - run)
                k += i - run
                d[k] = marker; k += 1
                i += tn
                run = i
                continue outer
            }
            i += 1
        }
        copyBytes(d + k, p + run, n - run)
        k += n - run
        out.setCount(out.count + k)
    }

    /// Index of the first marker (a byte below 0x20) in `p[from..<n]`, else `n`: eight bytes
    /// at a time while eight remain.
    @inline(__always)
    static func nextMarker(_ p: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int {
        var i = from
        while i &+ 8 <= n {
            let x = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            // A high bit per byte below 0x20 (exact for the first such byte: borrows only
            // run upward from it).
            let below = (x &- 0x2020_2020_2020_2020) & ~x & 0x8080_8080_8080_8080
            if below != 0 { return i &+ (below.trailingZeroBitCount >> 3) }
            i &+= 8
        }
        while i < n && p[i] >= 0x20 { i &+= 1 }
        return i
    }

    /// The part of a referenced token a reference stands for (a string's contents; with
    /// `dateOnly`, their first 10 bytes), `nil` under 3 bytes.
    @inline(__always)
    static func text(_ ref: SubRef, token p: UnsafePointer<UInt8>, _ n: Int) -> (UnsafePointer<UInt8>, Int)? {
        var p = p, n = n
        if n >= 2 && p[0] == 0x22 && p[n - 1] == 0x22 { p += 1; n -= 2 }
        if ref.dateOnly {
            guard n >= 10 else { return nil }
            n = 10
        }
        return n >= 3 ? (p, n) : nil
    }
}

extension FieldCoderState {
    /// Text a reference stands for, if available in the current record.
    @inline(__always) func refText(_ ref: SubRef, base: UnsafePointer<UInt8>, gen: UInt32) -> (UnsafePointer<UInt8>, Int)? {
        let c = cols + Int(ref.column)
        guard c.pointee.viewGen == gen else { return nil }
        return Substitution.text(ref, token: base + c.pointee.viewStart, c.pointee.viewLen)
    }

    /// Replaces every occurrence of each available reference text with its marker byte.
    /// Column `c`'s references (its texts gathered in `refTexts`: no array per value).
    func substitute(_ c: Int, _ p: UnsafePointer<UInt8>, _ n: Int, recordBase: UnsafePointer<UInt8>, into out: OutStream, gen: UInt32) {
        out.reset()
        let refs = UnsafeBufferPointer(start: refFlat + refStart[c], count: refStart[c + 1] - refStart[c])
        var count = 0
        for (i, r) in refs.enumerated() {
            if let (tp, tn) = refText(r, base: recordBase, gen: gen) { refTexts[count] = (tp, tn, UInt8(i + 1)); count += 1 }
        }
        Substitution.replace(p, n, UnsafeBufferPointer(start: refTexts, count: count), into: out)
    }

    /// Undoes `substitute`: markers back to the referenced texts (which live in `tokens`).
    func expand(_ c: Int, _ src: OutStream, into tokens: OutStream, gen: UInt32) throws {
        let refs = UnsafeBufferPointer(start: refFlat + refStart[c], count: refStart[c + 1] - refStart[c])
        let sp = src.base, sn = src.count
        let first = Substitution.nextMarker(sp, from: 0, sn)
        if first == sn { tokens.put(sp, sn); return }
        let lens = refLens, offs = refOffs
        lens.update(repeating: -1, count: refs.count)
        var total = sn
        var i = first
        while i < sn {
            let m = Int(sp[i]) - 1
            guard m >= 0, m < refs.count else { throw TransformError.corruptFrame("bad reference marker \(sp[i])") }
            if lens[m] < 0 {
                guard let (tp, tn) = refText(refs[m], base: UnsafePointer(tokens.base), gen: gen) else {
                    throw TransformError.corruptFrame("reference to a field absent from the record")
                }
                lens[m] = tn; offs[m] = tp - UnsafePointer(tokens.base)
            }
            total += lens[m] - 1
            i = Substitution.nextMarker(sp, from: i + 1, sn)
        }
        tokens.reserve(total)   // reference texts live in `tokens`: it must not move now
        let tb = UnsafePointer(tokens.base)
        // Plain bytes between markers go over in runs, not byte by byte.
        var d = tokens.base + tokens.count
        var run = 0
        i = first
        while i < sn {
            copyBytes(d, sp + run, i - run)
            d += i - run
            let m = Int(sp[i]) - 1
            copyBytes(d, tb + offs[m], lens[m])
            d += lens[m]
            run = i + 1
            i = Substitution.nextMarker(sp, from: run, sn)
        }
        copyBytes(d, sp + run, sn - run)
        d += sn - run
        tokens.setCount(tokens.base.distance(to: d))
    }
}
