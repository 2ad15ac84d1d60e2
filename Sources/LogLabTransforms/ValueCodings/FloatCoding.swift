import LogLabCore

/// Floats (the `integer` transform's float coding): `varint t`; t = 0: escape, text
/// follows; else m = unzigzag(t − 1), then `svarint e` (see `FloatText`).
enum FloatCoding: ValueCoding {
    static let kind = ValueKind.float
    static let transform: TransformKind? = .integer

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? { "integer(float)" }

    /// What a value costs in this coding, `nil` when it does not parse.
    static func cost(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        guard let (m, e) = FloatText.parse(p, n) else { return nil }
        return varintSize(zigzag(m) &+ 1) + varintSize(zigzag(Int64(e)))
    }

    static func choose(_ sample: CodingSample) -> CodingChoice? {
        var parsedCount = 0
        let costs: [Int] = (0..<sample.count).map { i in
            let (p, n) = sample.token(i)
            if let c = cost(p, n) { parsedCount += 1; return c }
            return 1 + sample.textCosts[i]
        }
        return parsedCount * 2 >= sample.count ? CodingChoice(kind, costs: costs) : nil
    }

    static func validate(_ spec: ColumnSpec) throws {
        try requireNoTextCodings(spec, lookup: false)
    }

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        guard let (m, e) = FloatText.parse(p, n) else {
            out.put(0); TextCoding.write(p, n, into: out); return true
        }
        out.varint(zigzag(m) &+ 1)
        out.svarint(Int64(e))
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        let t = try inp.varint()
        if t == 0 { try TextCoding.read(&inp, into: target); return false }
        let m = unzigzag(t &- 1)
        let e = try inp.svarint()
        guard e > -1100, e < 1100, let d = FloatText.join(m, Int(e)) else { throw TransformError.corruptFrame("bad float") }
        FloatText.render(d) { target.put($0, $1) }
        return false
    }
}

/// Binary floating-point numbers spelt as their shortest round-trip decimal, positional
/// (`0.0007450580596923828`, `38.0`, `-2.5`): coded as the double's odd significand m and
/// binary exponent e (value = m · 2^e), which is short when the value came from a binary
/// clock or a float32 (`0.00074505805969…` = 3125 · 2^-22). Text whose digits are not the
/// shortest rendering of its double (`0.10`, `1.0000000000000001`, `1e-05`, `-0.0`) does
/// not parse and stays text (or another coding), so every byte is kept.
enum FloatText {
    static let maxLength = 40

    /// (m, e) of `p[0..<n]` if it is the positional shortest rendering of a normal double (or `0.0`).
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> (m: Int64, e: Int)? {
        guard n >= 3, n <= maxLength else { return nil }
        var dot = false
        for i in 0..<n {
            let b = p[i]
            if b == 0x2E { if dot { return nil }; dot = true; continue }
            if b == 0x2D && i == 0 { continue }
            guard isDigit(b) else { return nil }
        }
        guard dot, let d = Double(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)) else { return nil }
        guard let (m, e) = split(d) else { return nil }
        var same = true
        render(d) { q, k in same = k == n && memcmpEqual(q, p, n) }
        return same ? (m, e) : nil
    }

    static func split(_ d: Double) -> (m: Int64, e: Int)? {
        if d == 0 { return d.sign == .minus ? nil : (0, 0) }
        guard d.isNormal else { return nil }
        var m = Int64(d.significandBitPattern | (1 << 52))
        var e = Int(d.exponent) - 52
        let tz = m.trailingZeroBitCount
        m >>= tz; e += tz
        return (d.sign == .minus ? -m : m, e)
    }

    static func join(_ m: Int64, _ e: Int) -> Double? {
        if m == 0 { return e == 0 ? 0 : nil }
        guard m & 1 == 1, m.magnitude < 1 << 53, e > -1100, e < 1100 else { return nil }
        let d = Double(sign: m < 0 ? .minus : .plus, exponent: e, significand: Double(m.magnitude))
        guard d.isNormal, split(d).map({ $0.m == m && $0.e == e }) == true else { return nil }
        return d
    }

    /// The positional shortest round-trip rendering of `d`.
    static func render(_ d: Double, _ body: (UnsafePointer<UInt8>, Int) -> Void) {
        let s = Array(d.description.utf8)   // "38.0", "0.000745", "7.4e-05", "1.2e+20"
        var neg = false, digits: [UInt8] = [], point = 0, exp = 0, seenDot = false, i = 0
        if i < s.count && s[i] == 0x2D { neg = true; i += 1 }
        while i < s.count && s[i] != 0x65 {
            if s[i] == 0x2E { seenDot = true } else { digits.append(s[i]); if !seenDot { point += 1 } }
            i += 1
        }
        if i < s.count { exp = Int(String(decoding: s[(i + 1)...], as: UTF8.self)) ?? 0 }
        point += exp
        while digits.count > 1 && digits.first == 0x30 { digits.removeFirst(); point -= 1 }
        while digits.count > 1 && digits.last == 0x30 { digits.removeLast() }
        if digits == [0x30] { point = 1 }
        var out: [UInt8] = neg ? [0x2D] : []
        if point <= 0 {
            out += [0x30, 0x2E] + [UInt8](repeating: 0x30, count: -point) + digits
        } else if point >= digits.count {
            out += digits + [UInt8](repeating: 0x30, count: point - digits.count) + [0x2E, 0x30]
        } else {
            out += digits[..<point] + [0x2E] + digits[point...]
        }
        out.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }

}
