import LogLabCore

/// Decimal numbers (the `integer` transform): `varint x` in the tagged form of
/// `TaggedVarint` (x even: the format and, for a long number, the head of the column's
/// previous value; x odd: a tag stating the format, then the residual and, for a long
/// number, `varint headLength` + head digits). The residual is taken from the learned
/// relation's prediction when its sources are in the record, else from the column's previous
/// value (delta) or from its learned reference value.
enum IntegerCoding: ValueCoding {
    static let kind = ValueKind.number
    static let transform: TransformKind? = .integer

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? {
        spec.textInColumns ? "integer(rows only)" : "integer"
    }

    // MARK: learning

    static func residual(_ p: UnsafePointer<UInt8>, _ n: Int) -> Residual? {
        DecimalText.parse(p, n).map { Residual(v: $0.mantissa, fmt: $0.format, unit: 1) }
    }

    static func choose(_ sample: CodingSample) -> CodingChoice? {
        var lastHead: [UInt8] = []
        let parsed: [Residual?] = (0..<sample.count).map { i in
            let (p, n) = sample.token(i)
            guard let x = DecimalText.parse(p, n) else { return nil }
            if x.headCount > 0 { lastHead = Array(UnsafeBufferPointer(start: p + x.headStart, count: x.headCount)) }
            return Residual(v: x.mantissa, fmt: x.format, unit: 1)
        }
        guard var choice = TaggedVarint.choose(kind, parsed, textCosts: sample.textCosts) else { return nil }
        choice.head = lastHead
        return choice
    }

    /// Random digits compress better as text than as varints: such a column is coded as
    /// text in the `columns` layout (the compact `rows` layout still codes numbers).
    static func settle(_ spec: inout ColumnSpec, _ sample: CodingSample) {
        let limit = 20_000
        spec.textInColumns = entropyBits(sample, limit: limit, delta: spec.delta, scaled: spec.scaled, initFormat: spec.initFormat,
                                         reference: spec.initValue)
            > TextCoding.entropyBits(sample, limit: limit)
    }

    /// Order-0 entropy, in bits, of the first `limit` values' bytes in this coding.
    static func entropyBits(_ sample: CodingSample, limit: Int, delta: Bool, scaled: Bool = false, initFormat: Int, reference: Int64) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 { counts[Int(v & 0x7F) | 0x80] += 1; v >>= 7 }
            counts[Int(v)] += 1
        }
        var prevFmt = initFormat
        var prev = reference
        for i in 0..<min(sample.count, limit) {
            let (p, n) = sample.token(i)
            guard let x = DecimalText.parse(p, n) else {
                varint(TaggedVarint.escape); for i in 0..<n { counts[Int(p[i])] += 1 }
                continue
            }
            var base = delta ? prev : reference
            if scaled { base = DecimalText.rescale(base, from: delta ? prevFmt : initFormat, to: x.format) }
            let z = zigzag(x.mantissa &- base)
            if TaggedVarint.isShort(z, sameFormat: x.format == prevFmt) { varint(z << 1) } else { varint(UInt64(x.format + 1) << 1 | 1); varint(z) }
            prevFmt = x.format
            prev = x.mantissa
        }
        return TextCoding.entropyBits(counts)
    }

    // MARK: model

    static func validate(_ spec: ColumnSpec) throws {
        guard DecimalText.isValidFormat(spec.initFormat) else { throw TransformError.corruptModel("bad number format") }
        try requireNoTextCodings(spec, lookup: false)
    }

    // MARK: values

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        guard let x = DecimalText.parse(p, n) else {
            out.varint(TaggedVarint.escape); TextCoding.write(p, n, into: out); return true
        }
        var base = Self.base(col, format: x.format)
        if col.pointee.hasRelation, x.format < DecimalText.longFlag, let pred = st.prediction(col.pointee.relation, gen: gen) { base = pred }
        let z = zigzag(x.mantissa &- base)
        let head = st.heads + c * DecimalText.maxHead
        let sameHead = x.headCount == 0 || (x.headCount == col.pointee.headCount && memcmpEqual(head, p + x.headStart, x.headCount))
        let same = x.format == col.pointee.prevFormat && sameHead
        TaggedVarint.write(z, format: x.format, sameFormat: same, into: out)
        if !TaggedVarint.isShort(z, sameFormat: same) && x.format & DecimalText.longFlag != 0 {
            out.varint(x.headCount); out.put(p + x.headStart, x.headCount)
            head.update(from: p + x.headStart, count: x.headCount)
            col.pointee.headCount = x.headCount
        }
        col.pointee.prevValue = x.mantissa; col.pointee.prevFormat = x.format
        if x.format < DecimalText.longFlag { col.pointee.numGen = gen; col.pointee.numVal = x.mantissa }
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        var f = col.pointee.prevFormat
        guard let (d, stated) = try TaggedVarint.read(&inp, format: &f, maxTag: 256, accepts: DecimalText.isValidFormat,
                                                      bad: { TransformError.corruptFrame("bad number format \($0 - 1)") }) else {
            try TextCoding.read(&inp, into: target)
            return false
        }
        if stated && f & DecimalText.longFlag != 0 {
            let hn = try inp.count(limit: DecimalText.maxHead)
            let hp = try inp.take(hn)
            for k in 0..<hn where hp[k] < 0x30 || hp[k] > 0x39 { throw TransformError.corruptFrame("bad digits in a long number") }
            (st.heads + c * DecimalText.maxHead).update(from: hp, count: hn)
            col.pointee.headCount = hn
        }
        var base = Self.base(col, format: f)
        if col.pointee.hasRelation, f < DecimalText.longFlag, let pred = st.prediction(col.pointee.relation, gen: gen) { base = pred }
        let m = d &+ base
        if f & DecimalText.longFlag != 0 {
            guard m >= 0, m < 1_000_000_000_000_000_000, col.pointee.headCount > 0 else { throw TransformError.corruptFrame("bad long number") }
        }
        col.pointee.prevValue = m; col.pointee.prevFormat = f
        if f < DecimalText.longFlag { col.pointee.numGen = gen; col.pointee.numVal = m }
        value.isTime = false; value.value = m; value.format = f
        guard render else { return true }
        Self.render(st, c, value, into: target)
        return false
    }

    /// What a value of `format` is coded from, relations aside: the previous value (delta) or
    /// the reference, rescaled to `format` when the column has scaled bases.
    @inline(__always)
    static func base(_ col: UnsafeMutablePointer<ColumnRT>, format: Int) -> Int64 {
        let (b, from) = col.pointee.delta ? (col.pointee.prevValue, col.pointee.prevFormat) : (col.pointee.initValue, col.pointee.initFormat)
        return col.pointee.scaled ? DecimalText.rescale(b, from: from, to: format) : b
    }

    /// The token of column `c`'s number `v` (just decoded: a long number's head digits are
    /// the column's current ones).
    @inline(__always) static func render(_ st: FieldCoderState, _ c: Int, _ v: FieldCoderState.CodedValue, into target: OutStream) {
        DecimalText.render(v.value, format: v.format, head: st.heads + c * DecimalText.maxHead, headCount: st.cols[c].headCount, into: target)
    }
}

// MARK: - the text form

/// A decimal number spelt `-?(0|[1-9][0-9]*)(\.[0-9]{1,19})?`, optionally inside quotes,
/// as a mantissa and a format: `fractionDigits + 32·quoted + 64·long + 128·negativeLong`.
/// A mantissa that does not fit Int64 is *long*: its leading digits (the head, at most 64)
/// travel as text and its last 18 digits are the mantissa, so 56-digit sequence numbers
/// still delta-code. Exponents, `-0` and leading zeros stay text: no number goes through
/// `Double`, so `0.0012521743774414063` and `-9223372036854775808` keep their spelling.
enum DecimalText {
    static let quotedFlag = 32
    static let longFlag = 64
    static let negativeLongFlag = 128
    static let tailDigits = 18
    static let maxHead = 64

    struct Parsed {
        var mantissa: Int64
        var format: Int
        /// Head digits (long numbers only): `token[headStart ..< headStart + headCount]`.
        var headStart: Int
        var headCount: Int
    }

    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Parsed? {
        var i = 0
        var end = n
        var quoted = false
        if n >= 2 && p[0] == 0x22 {
            guard p[n - 1] == 0x22 else { return nil }
            quoted = true; i = 1; end = n - 1
        }
        guard i < end else { return nil }
        var neg = false
        if p[i] == 0x2D { neg = true; i += 1 }
        guard i < end else { return nil }
        let digitsStart = i
        let first = p[i]
        guard first >= 0x30 && first <= 0x39 else { return nil }
        if first == 0x30, i + 1 < end, p[i + 1] >= 0x30 && p[i + 1] <= 0x39 { return nil }
        // First the spelling (digits and at most one dot, not last), then the value: the
        // spelling loop does no arithmetic.
        var dotAt = -1
        while i < end {
            let c = p[i]
            if c &- 0x30 < 10 { i += 1; continue }
            guard c == 0x2E, dotAt < 0, i + 1 < end else { return nil }
            dotAt = i
            i += 1
        }
        let frac = dotAt < 0 ? 0 : end - dotAt - 1
        let digits = end - digitsStart - (dotAt < 0 ? 0 : 1)
        guard frac <= 19 else { return nil }
        let q = quoted ? quotedFlag : 0
        // Up to 19 significant digits fit UInt64 (leading zeros: `0.` and a fraction); more
        // exceed Int64 too, so the number is long.
        var lead = digitsStart
        while lead < end && (p[lead] == 0x30 || p[lead] == 0x2E) { lead += 1 }
        if end - lead - (dotAt >= lead ? 1 : 0) <= 19 {
            var mag: UInt64 = 0
            for j in digitsStart..<(dotAt < 0 ? end : dotAt) { mag = mag &* 10 &+ UInt64(p[j] &- 0x30) }
            if dotAt >= 0 { for j in (dotAt + 1)..<end { mag = mag &* 10 &+ UInt64(p[j] &- 0x30) } }
            if neg {
                if mag != 0 && mag <= UInt64(Int64.max) + 1 {
                    return Parsed(mantissa: Int64(truncatingIfNeeded: 0 &- mag), format: frac + q, headStart: 0, headCount: 0)
                }
                if mag == 0 { return nil }
            } else if mag <= UInt64(Int64.max) {
                return Parsed(mantissa: Int64(mag), format: frac + q, headStart: 0, headCount: 0)
            }
        }
        // Long: head digits + the last 18 digits.
        let headCount = digits - tailDigits
        guard headCount >= 1, headCount <= maxHead, dotAt < 0 || dotAt >= digitsStart + headCount else { return nil }
        var tail: Int64 = 0
        var j = digitsStart + headCount
        while j < end {
            let c = p[j]
            if c != 0x2E { tail = tail &* 10 &+ Int64(c &- 0x30) }
            j += 1
        }
        if p[digitsStart] == 0x30 { return nil }
        return Parsed(mantissa: tail, format: frac + q + longFlag + (neg ? negativeLongFlag : 0), headStart: digitsStart, headCount: headCount)
    }

    /// `m`, a mantissa of format `from`, at the scale of format `to` (short formats only;
    /// others keep `m`): the base a column with scaled bases codes the next value from, so
    /// a number whose spelling dropped trailing zeros (`…99845` after `…988048`, as
    /// shortest-decimal writers do) still codes as a small step. Any deterministic result
    /// is exact (the decoder computes the same); division truncates, multiplication wraps.
    @inline(__always)
    static func rescale(_ m: Int64, from: Int, to: Int) -> Int64 {
        guard from != to, (from | to) & (longFlag | negativeLongFlag) == 0 else { return m }
        let a = from & 31, b = to & 31
        if a == b { return m }
        if b < a { return a - b >= 19 ? 0 : m / Int64(bitPattern: DecimalDigits.powers[a - b]) }
        return m &* Int64(truncatingIfNeeded: DecimalDigits.powers[b - a])
    }

    /// Whether the short numbers among `parsed` use more than one count of fraction digits
    /// (only then can scaled bases differ from plain ones).
    static func mixesScales(_ parsed: [Residual?]) -> Bool {
        var seen = -1
        for case let p? in parsed where p.fmt & (longFlag | negativeLongFlag) == 0 {
            if seen < 0 { seen = p.fmt & 31 } else if p.fmt & 31 != seen { return true }
        }
        return false
    }

    static func isValidFormat(_ f: Int) -> Bool {
        guard f >= 0, f < 256, f & 31 <= 19 else { return false }
        if f & negativeLongFlag != 0 && f & longFlag == 0 { return false }
        return true
    }

    /// Renders a number; `head` is used only with the long flag.
    @inline(__always)
    static func render(_ m: Int64, format: Int, head: UnsafePointer<UInt8>, headCount: Int, into out: OutStream) {
        let quoted = format & quotedFlag != 0
        let frac = format & 31
        if format & longFlag != 0 {
            renderLong(m, format: format, head: head, headCount: headCount, into: out)
            return
        }
        // Written in place, right to left: the fraction's `frac` digits, a dot, then the
        // integer part (at least one digit). At most 2 quotes + sign + 20 digits + dot.
        out.reserve(24)
        let b = out.base + out.count
        var k = 0
        if quoted { b[k] = 0x22; k += 1 }
        if m < 0 { b[k] = 0x2D; k += 1 }
        let mag = m.magnitude
        let intDigits = Swift.max(DecimalDigits.count(mag) - frac, 1)
        var end = k + intDigits
        if frac > 0 {
            end += 1 + frac
            let rest = DecimalDigits.write(mag, count: frac, endingAt: b + end)
            b[k + intDigits] = 0x2E
            DecimalDigits.write(rest, count: intDigits, endingAt: b + k + intDigits)
        } else {
            DecimalDigits.write(mag, count: intDigits, endingAt: b + end)
        }
        k = end
        if quoted { b[k] = 0x22; k += 1 }
        out.h.pointee.count += k
    }

    /// Long numbers: the head digits, then the 18 tail digits of `m`; with a fraction, the
    /// dot sits before digit `headCount + 18 - frac`. Written in place.
    static func renderLong(_ m: Int64, format: Int, head: UnsafePointer<UInt8>, headCount: Int, into out: OutStream) {
        let quoted = format & quotedFlag != 0
        let frac = format & 31
        out.reserve(24 + headCount)
        let b = out.base + out.count
        var k = 0
        if quoted { b[k] = 0x22; k += 1 }
        if format & negativeLongFlag != 0 { b[k] = 0x2D; k += 1 }
        let total = headCount + tailDigits
        let dotAt = frac > 0 ? total - frac : -1
        if dotAt < 0 || dotAt >= headCount {
            copyBytes(b + k, head, headCount)
            k += headCount
        } else {
            for h in 0..<headCount {
                if h == dotAt { b[k] = 0x2E; k += 1 }
                b[k] = head[h]; k += 1
            }
        }
        let tailLength = tailDigits + (dotAt >= headCount ? 1 : 0)
        if dotAt >= headCount {
            // The dot inside the tail: its last `frac` digits after it.
            let rest = DecimalDigits.write(m.magnitude, count: frac, endingAt: b + k + tailLength)
            b[k + tailLength - frac - 1] = 0x2E
            DecimalDigits.write(rest, count: tailDigits - frac, endingAt: b + k + tailLength - frac - 1)
        } else {
            DecimalDigits.write(m.magnitude, count: tailDigits, endingAt: b + k + tailLength)
        }
        k += tailLength
        if quoted { b[k] = 0x22; k += 1 }
        out.h.pointee.count += k
    }
}
