/// Decimal integers inside text: an optional `-` (only at a word start, and never for zero),
/// then 1…19 digits whose value fits in 64 bits; leading zeros kept as a width.
///
/// Column coding: `varint (width << 2 | exceptions << 1 | delta)` — delta: values coded from
/// the column's previous value, else from 0; width 0: each value at its natural digit count,
/// else zero-padded to at least this many digits; exceptions: some values break that rule —
/// then per value `varint zigzag(value − base)`, and, with exceptions, `varint count` and
/// per exception `varint (index − previous index)` (the first from 0, then ≥ 1) and
/// `varint digitCount`. One byte of column header, so a frame of one line stays small.
enum IntegerVariable {
    static let maxDigits = 19

    /// Recognises an integer at `p[i]` (a digit, or `-` then a digit); returns its length.
    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, signAllowed: Bool) -> (value: Int64, digits: Int, length: Int)? {
        var j = i
        var negative = false
        if p[j] == 0x2D {
            guard signAllowed, j + 1 < n, isDigit(p[j + 1]) else { return nil }
            negative = true
            j += 1
        }
        let ds = j
        var v: UInt64 = 0
        while j < n, isDigit(p[j]) {
            guard j - ds < maxDigits else { return nil }
            v = v &* 10 &+ UInt64(p[j] &- 0x30)
            j += 1
        }
        let digits = j - ds
        guard digits > 0, v <= UInt64(Int64.max) else { return nil }
        if negative && v == 0 { return nil }
        return (negative ? -Int64(v) : Int64(v), digits, j - i)
    }

    @inline(__always) static func naturalDigits(_ v: Int64) -> Int { DecimalDigits.count(v.magnitude) }

    static func cost(_ vars: ArraySlice<TextVariable>, delta: Bool) -> Int {
        var prev: Int64 = 0, total = 0
        for v in vars {
            total += varintSize(zigzag(v.value &- (delta ? prev : 0)))
            prev = v.value
        }
        return total
    }

    /// The padding width leaving the fewest exceptions: 0 (natural) or the commonest width.
    static func width(_ vars: ArraySlice<TextVariable>) -> Int {
        // The commonest width; the first of equals (as `max` over the counts finds it).
        let common = withUnsafeTemporaryAllocation(of: Int.self, capacity: maxDigits + 1) { counts -> Int in
            counts.initialize(repeating: 0)
            for v in vars { counts[v.aux] += 1 }
            var best = 0
            for d in 1...maxDigits where counts[d] > counts[best] { best = d }
            return best
        }
        var natural = 0, padded = 0
        for v in vars {
            let d = naturalDigits(v.value)
            if v.aux != d { natural += 1 }
            if v.aux != max(d, common) { padded += 1 }
        }
        return padded < natural ? common : 0
    }

    static func encode(_ vars: ArraySlice<TextVariable>, into out: OutStream) {
        // A column of one value (a template used once in the frame, common in logs of varied
        // words): what the scans below choose for it, without them: from 0, padded to its
        // own width when that is not its natural one, no exceptions.
        if vars.count == 1, let v = vars.first {
            out.varint(naturalDigits(v.value) == v.aux ? 0 : v.aux << 2)
            out.varint(zigzag(v.value))
            return
        }
        let delta = cost(vars, delta: true) < cost(vars, delta: false)
        let w = width(vars)
        var exceptions: [(Int, Int)] = []
        for (k, v) in vars.enumerated() where v.aux != max(naturalDigits(v.value), w) { exceptions.append((k, v.aux)) }
        out.varint(w << 2 | (exceptions.isEmpty ? 0 : 2) | (delta ? 1 : 0))
        var prev: Int64 = 0
        for v in vars {
            out.varint(zigzag(v.value &- (delta ? prev : 0)))
            prev = v.value
        }
        guard !exceptions.isEmpty else { return }
        out.varint(exceptions.count)
        var last = 0
        for (k, d) in exceptions { out.varint(k - last); out.varint(d); last = k }
    }

    /// The values precede the exceptions to their widths: with exceptions (rare) the values
    /// are skipped once to read them first; then one pass decodes and renders, allocating
    /// nothing (a frame of short lines has many small columns).
    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        guard count > 0 else { return }
        let header = try inp.count(limit: maxDigits << 2 | 3)
        let delta = header & 1 == 1, hasExceptions = header & 2 != 0, w = header >> 2
        // Without exceptions (nearly every column): one loop, nothing allocated or released.
        if !hasExceptions {
            var prev: Int64 = 0
            col.bytes.reserve(min(count, inp.remaining) * (maxDigits + 1))   // a value takes a byte at least
            for _ in 0..<count {
                let v = unzigzag(try inp.varint()) &+ (delta ? prev : 0)
                guard v != Int64.min else { throw TransformError.corruptFrame("integer out of range") }
                prev = v
                let width = max(naturalDigits(v), w)
                var q = col.bytes.base + col.bytes.count
                if v < 0 { q.pointee = 0x2D; q += 1 }
                DecimalDigits.write(v.magnitude, count: width, endingAt: q + width)
                col.bytes.setCount(q + width - col.bytes.base)
                col.close()
            }
            return
        }
        var exceptions: [(index: Int, digits: Int)] = []
        var end = 0
        if hasExceptions {
            let valuesStart = inp.pos
            for _ in 0..<count { _ = try inp.varint() }
            let n = try inp.count(limit: count)
            if n == 0 { throw TransformError.corruptFrame("empty integer exception list") }
            exceptions.reserveCapacity(n)
            var at = 0
            for e in 0..<n {
                let gap = try inp.count(limit: count - 1 - at)
                guard e == 0 || gap > 0 else { throw TransformError.corruptFrame("bad integer exception index") }
                at += gap
                exceptions.append((at, try inp.count(limit: maxDigits)))
            }
            end = inp.pos
            inp.pos = valuesStart
        }
        var prev: Int64 = 0, next = 0
        for k in 0..<count {
            let v = unzigzag(try inp.varint()) &+ (delta ? prev : 0)
            guard v != Int64.min else { throw TransformError.corruptFrame("integer out of range") }
            prev = v
            let natural = naturalDigits(v)
            var width = max(natural, w)
            if next < exceptions.count && exceptions[next].index == k {
                let d = exceptions[next].digits
                guard d >= natural, d != width else { throw TransformError.corruptFrame("bad integer width") }
                width = d
                next += 1
            }
            col.bytes.reserve(maxDigits + 1)
            var q = col.bytes.base + col.bytes.count
            if v < 0 { q.pointee = 0x2D; q += 1 }
            DecimalDigits.write(v.magnitude, count: width, endingAt: q + width)
            col.bytes.setCount(q + width - col.bytes.base)
            col.close()
        }
        if hasExceptions { inp.pos = end }
    }
}
