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

    @inline(__always) static func naturalDigits(_ v: Int64) -> Int {
        var m = v.magnitude, d = 1
        while m >= 10 { m /= 10; d += 1 }
        return d
    }

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
        var counts = [Int](repeating: 0, count: maxDigits + 1)
        for v in vars { counts[v.aux] += 1 }
        let common = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        var natural = 0, padded = 0
        for v in vars {
            let d = naturalDigits(v.value)
            if v.aux != d { natural += 1 }
            if v.aux != max(d, common) { padded += 1 }
        }
        return padded < natural ? common : 0
    }

    static func encode(_ vars: ArraySlice<TextVariable>, into out: OutStream) {
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

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        guard count > 0 else { return }
        let header = try inp.count(limit: maxDigits << 2 | 3)
        let delta = header & 1 == 1, hasExceptions = header & 2 != 0, w = header >> 2
        var values = [Int64](repeating: 0, count: count)
        var prev: Int64 = 0
        for k in 0..<count {
            let v = unzigzag(try inp.varint()) &+ (delta ? prev : 0)
            guard v != Int64.min else { throw TransformError.corruptFrame("integer out of range") }
            values[k] = v
            prev = v
        }
        var widths = values.map { max(naturalDigits($0), w) }
        let exceptions = hasExceptions ? try inp.count(limit: count) : 0
        if hasExceptions && exceptions == 0 { throw TransformError.corruptFrame("empty integer exception list") }
        var at = 0
        for e in 0..<exceptions {
            let gap = try inp.count(limit: count - 1 - at)
            guard e == 0 || gap > 0 else { throw TransformError.corruptFrame("bad integer exception index") }
            at += gap
            let d = try inp.count(limit: maxDigits)
            guard d >= naturalDigits(values[at]), d != widths[at] else { throw TransformError.corruptFrame("bad integer width") }
            widths[at] = d
        }
        var digits = [UInt8](repeating: 0, count: 20)
        for k in 0..<count {
            let v = values[k], width = widths[k]
            if v < 0 { col.bytes.put(0x2D) }
            var m = v.magnitude
            for t in stride(from: width - 1, through: 0, by: -1) { digits[t] = UInt8(m % 10) + 0x30; m /= 10 }
            digits.withUnsafeBufferPointer { col.bytes.put($0.baseAddress!, width) }
            col.close()
        }
    }
}
