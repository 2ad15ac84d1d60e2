/// Decimal integers inside text: an optional `-` (only at a word start, and never for zero),
/// then 1…19 digits whose value fits in 64 bits; leading zeros kept as a width.
///
/// Column coding: `u8 mode` (0 plain, 1 delta from the previous value of the column), then
/// per value `varint (zigzag(value − base) << 1 | w)`; w = 1 when the digit count is not the
/// value's natural one, then `varint digitCount` follows.
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
            let z = zigzag(v.value &- (delta ? prev : 0))
            total += varintSize(z << 1 | 1)
            if v.aux != naturalDigits(v.value) { total += 1 }
            prev = v.value
        }
        return total
    }

    static func encode(_ vars: ArraySlice<TextVariable>, into out: OutStream) {
        let delta = cost(vars, delta: true) < cost(vars, delta: false)
        out.put(delta ? 1 : 0)
        var prev: Int64 = 0
        for v in vars {
            let z = zigzag(v.value &- (delta ? prev : 0))
            let wide = v.aux != naturalDigits(v.value)
            out.varint(z << 1 | (wide ? 1 : 0))
            if wide { out.varint(v.aux) }
            prev = v.value
        }
    }

    static func decode(count: Int, _ inp: inout Cursor, into col: inout RenderedColumn) throws {
        guard count > 0 else { return }
        let mode = try inp.u8()
        guard mode <= 1 else { throw TransformError.corruptFrame("bad integer column mode \(mode)") }
        var prev: Int64 = 0
        var digits = [UInt8](repeating: 0, count: 20)
        for _ in 0..<count {
            let x = try inp.varint()
            let v = unzigzag(x >> 1) &+ (mode == 1 ? prev : 0)
            var width = naturalDigits(v)
            if x & 1 == 1 {
                let w = try inp.count(limit: maxDigits)
                guard w > width else { throw TransformError.corruptFrame("bad integer width") }
                width = w
            }
            if v < 0 {
                guard v != Int64.min else { throw TransformError.corruptFrame("integer out of range") }
                col.bytes.put(0x2D)
            }
            var m = v.magnitude
            for k in stride(from: width - 1, through: 0, by: -1) { digits[k] = UInt8(m % 10) + 0x30; m /= 10 }
            digits.withUnsafeBufferPointer { col.bytes.put($0.baseAddress!, width) }
            col.close()
            prev = v
        }
    }
}
