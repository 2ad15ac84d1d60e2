import LogLabCore

/// ISO-8601 timestamps (the `timestamp` transform): `varint x` in the tagged form of
/// `TaggedVarint`, the format a timestamp format's code, the residual the instant in the
/// format's units minus the base: the learned relation's prediction when its sources are in
/// the record, else the column's previous instant (delta) or its learned reference.
enum TimestampCoding: ValueCoding {
    static let kind = ValueKind.timestamp
    static let transform: TransformKind? = .timestamp

    static func transformName(_ spec: ColumnSpec, alone: Bool) -> String? { "timestamp" }

    // MARK: learning

    static func residual(_ p: UnsafePointer<UInt8>, _ n: Int) -> Residual? {
        ISOTimestamp.parse(p, n).map { Residual(v: $0.value, fmt: $0.format.code, unit: ISOTimestamp.pow10[9 - $0.format.fraction]) }
    }

    static func choose(_ sample: CodingSample) -> CodingChoice? {
        let parsed: [Residual?] = (0..<sample.count).map { i in
            let (p, n) = sample.token(i)
            return residual(p, n)
        }
        return TaggedVarint.choose(kind, parsed, textCosts: sample.textCosts)
    }

    // MARK: model

    /// Whether `ns` and `format` can start a column's (or its embedded timestamps') coding.
    static func validReference(_ ns: Int64, format: Int) -> Bool {
        guard let f = ISOTimestamp.Format(code: format) else { return false }
        return ISOTimestamp.inRange(CivilDate.floorDiv(ns, ISOTimestamp.pow10[9 - f.fraction]), f)
    }

    static func validate(_ spec: ColumnSpec) throws {
        guard validReference(spec.initValue, format: spec.initFormat) else { throw TransformError.corruptModel("bad timestamp reference or format") }
        try requireNoTextCodings(spec, lookup: false)
    }

    // MARK: values

    @_transparent
    static func encode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>,
                       _ p: UnsafePointer<UInt8>, _ n: Int, into out: OutStream, gen: UInt32) -> Bool {
        guard let (v, fmt) = ISOTimestamp.parse(p, n, cache: st.dateCache + c) else {
            out.varint(TaggedVarint.escape); TextCoding.write(p, n, into: out); return true
        }
        var baseNs: Int64 = col.pointee.delta ? col.pointee.prevValue : col.pointee.initValue
        if col.pointee.hasRelation, let pred = st.prediction(col.pointee.relation, gen: gen) { baseNs = pred }
        let code = fmt.code
        let z = zigzag(v &- ISOTimestamp.floorDivPow10(baseNs, 9 - fmt.fraction))
        TaggedVarint.write(z, format: code, sameFormat: code == col.pointee.prevFormat, into: out)
        let ns = v &* ISOTimestamp.pow10[9 - fmt.fraction]
        col.pointee.prevValue = ns; col.pointee.prevFormat = code
        col.pointee.tsGen = gen; col.pointee.tsVal = ns
        return false
    }

    @_transparent
    static func decode(_ st: FieldCoderState, _ c: Int, _ col: UnsafeMutablePointer<ColumnRT>, _ inp: inout Cursor,
                       into target: OutStream, gen: UInt32, render: Bool, _ value: inout FieldCoderState.CodedValue) throws -> Bool {
        var code = col.pointee.prevFormat
        guard let (d, _) = try TaggedVarint.read(&inp, format: &code, maxTag: 1 << 20, accepts: { _ in true },
                                                 bad: { _ in TransformError.corruptFrame("bad timestamp format") }) else {
            try TextCoding.read(&inp, into: target)
            return false
        }
        let cache = st.dateCache + c
        guard let fmt = cache.pointee.format(code: code) else { throw TransformError.corruptFrame("bad timestamp format \(code)") }
        var baseNs: Int64 = col.pointee.delta ? col.pointee.prevValue : col.pointee.initValue
        if col.pointee.hasRelation, let pred = st.prediction(col.pointee.relation, gen: gen) { baseNs = pred }
        let v = d &+ ISOTimestamp.floorDivPow10(baseNs, 9 - fmt.fraction)
        guard ISOTimestamp.inRange(v, fmt) else { throw TransformError.corruptFrame("timestamp out of range") }
        let ns = v &* ISOTimestamp.pow10[9 - fmt.fraction]
        col.pointee.prevValue = ns; col.pointee.prevFormat = code
        col.pointee.tsGen = gen; col.pointee.tsVal = ns
        value.isTime = true; value.value = v; value.format = code; value.time = fmt
        guard render else { return true }
        Self.render(st, c, value, into: target)
        return false
    }

    /// The token of column `c`'s timestamp `v`.
    @inline(__always) static func render(_ st: FieldCoderState, _ c: Int, _ v: FieldCoderState.CodedValue, into target: OutStream) {
        ISOTimestamp.renderContent(v.value, v.time, into: target, cache: st.dateCache + c, code: v.format, quoted: true)
    }
}

// MARK: - the text form

/// ISO-8601 date-times `YYYY-MM-DD[T t ␠]HH:MM:SS[.f{1,9}][Z z ±HH:MM ±HHMM]` inside a JSON
/// string, as an instant and a format id. The value is the instant in the format's own
/// precision (`fraction digits`), so deltas of millisecond stamps stay small.
enum ISOTimestamp {
    /// 10⁰ … 10⁹ by index, from `DecimalDigits.power` (no array behind it).
    struct Powers {
        @inline(__always) subscript(_ k: Int) -> Int64 {
            precondition(k <= 9, "power of ten out of range")
            return Int64(bitPattern: DecimalDigits.power(k))
        }
    }
    static var pow10: Powers { Powers() }
    /// Years outside this range are kept as text (nanoseconds must fit Int64).
    static let minSeconds: Int64 = -8_520_336_000   // 1700-01-01
    static let maxSeconds: Int64 = 7_258_118_400    // 2200-01-01

    struct Format: Equatable {
        var fraction: Int   // 0...9
        var separator: Int  // 0 'T', 1 ' ', 2 't'
        var zone: Int       // 0 none, 1 'Z', 2 'z', 3 ±HH:MM, 4 ±HHMM
        var negative: Int   // offset sign spelt '-'
        var offsetMinutes: Int  // 0 ..< 1440

        @inline(__always) var code: Int { (((offsetMinutes * 2 + negative) * 5 + zone) * 3 + separator) * 10 + fraction }

        init(fraction: Int, separator: Int, zone: Int, negative: Int, offsetMinutes: Int) {
            self.fraction = fraction; self.separator = separator; self.zone = zone
            self.negative = negative; self.offsetMinutes = offsetMinutes
        }

        init?(code: Int) {
            guard code >= 0, code < 1440 * 2 * 5 * 3 * 10 else { return nil }
            var c = code
            fraction = c % 10; c /= 10
            separator = c % 3; c /= 3
            zone = c % 5; c /= 5
            negative = c % 2; c /= 2
            offsetMinutes = c
            if zone < 3 && (negative != 0 || offsetMinutes != 0) { return nil }
        }

        var signedOffsetSeconds: Int64 { Int64(offsetMinutes * 60) * (negative == 1 ? -1 : 1) }
    }

    /// Parses a string token (with quotes). Returns the value in format units and the format;
    /// `render` of the result gives back exactly the same bytes (calendar, ranges and field
    /// widths are all checked here). With a column's `cache`, a stamp of the minute parsed
    /// before reads only its seconds on.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int, cache: UnsafeMutablePointer<DateCache>? = nil) -> (value: Int64, format: Format)? {
        guard n >= 21, p[0] == 0x22, p[n - 1] == 0x22 else { return nil }
        guard let r = parseContent(p + 1, n - 2, exact: true, cache: cache) else { return nil }
        return (r.value, r.format)
    }

    /// Parses a date-time at the start of `c[0..<len]`; with `exact`, it must span all of it,
    /// otherwise the longest valid date-time is taken and its length returned.
    @inline(__always)
    static func parseContent(_ c: UnsafePointer<UInt8>, _ len: Int, exact: Bool, cache: UnsafeMutablePointer<DateCache>? = nil)
        -> (value: Int64, format: Format, length: Int)? {
        @inline(__always) func dg(_ i: Int) -> Int64? {
            let x = c[i] &- 0x30
            return x < 10 ? Int64(x) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = dg(i), let b = dg(i + 1) else { return nil }
            return a * 10 + b
        }
        guard len >= 19, c[16] == 0x3A, let s = two(17), s <= 59 else { return nil }
        // `YYYY-MM-DD?HH:MM`: the local minute in seconds and the separator.
        let head = UnsafeRawPointer(c).loadUnaligned(as: (UInt64, UInt64).self)
        let minute: Int64, sep: Int
        if let cache, cache.pointee.parsedMinute != .min, cache.pointee.parsedHead == head {
            minute = cache.pointee.parsedMinute; sep = cache.pointee.parsedSeparator
        } else {
            guard let y1 = two(0), let y2 = two(2), c[4] == 0x2D, let mo = two(5), c[7] == 0x2D,
                  let d = two(8), let h = two(11), c[13] == 0x3A, let mi = two(14) else { return nil }
            switch c[10] { case 0x54: sep = 0; case 0x20: sep = 1; case 0x74: sep = 2; default: return nil }
            guard mo >= 1, mo <= 12, d >= 1, d <= 31, h <= 23, mi <= 59 else { return nil }
            let year = y1 * 100 + y2
            if d > 28 {
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
                let dim: Int64 = mo == 2 ? (leap ? 29 : 28) : (mo == 4 || mo == 6 || mo == 9 || mo == 11) ? 30 : 31
                guard d <= dim else { return nil }
            }
            minute = CivilDate.days(year: year, month: mo, day: d) * 86_400 + h * 3600 + mi * 60
            if let cache { cache.pointee.parsedHead = head; cache.pointee.parsedMinute = minute; cache.pointee.parsedSeparator = sep }
        }
        var i = 19
        var frac: Int64 = 0
        var fd = 0
        if i + 1 < len, c[i] == 0x2E, dg(i + 1) != nil {
            i += 1
            while i < len, let x = dg(i) {
                guard fd < 9 else { return nil }
                frac = frac * 10 + x; fd += 1; i += 1
            }
        } else if exact && i < len && c[i] == 0x2E {
            return nil
        }
        var zone = 0, neg = 0, off = 0
        if i < len {
            switch c[i] {
            case 0x5A: zone = 1; i += 1
            case 0x7A: zone = 2; i += 1
            case 0x2B, 0x2D:
                if i + 5 <= len, let oh = two(i + 1), oh <= 23 {
                    if c[i + 3] == 0x3A {
                        if i + 6 <= len, let om = two(i + 4), om <= 59 {
                            neg = c[i] == 0x2D ? 1 : 0; zone = 3; off = Int(oh * 60 + om); i += 6
                        }
                    } else if let om = two(i + 3), om <= 59 {
                        neg = c[i] == 0x2D ? 1 : 0; zone = 4; off = Int(oh * 60 + om); i += 5
                    }
                }
            default: break
            }
        }
        if exact && i != len { return nil }
        let fmt = Format(fraction: fd, separator: sep, zone: zone, negative: neg, offsetMinutes: off)
        let instant = minute + s - fmt.signedOffsetSeconds
        guard instant >= minSeconds, instant <= maxSeconds else { return nil }
        return (instant * pow10[fd] + frac, fmt, i)
    }

    /// Floor division by 10^k (k in 0...9) with a constant divisor per case: a multiply,
    /// not the `idiv` a divisor read from a table costs.
    @inline(__always)
    static func floorDivPow10(_ a: Int64, _ k: Int) -> Int64 {
        switch k {
        case 0: return a
        case 1: return CivilDate.floorDiv(a, 10)
        case 2: return CivilDate.floorDiv(a, 100)
        case 3: return CivilDate.floorDiv(a, 1_000)
        case 4: return CivilDate.floorDiv(a, 10_000)
        case 5: return CivilDate.floorDiv(a, 100_000)
        case 6: return CivilDate.floorDiv(a, 1_000_000)
        case 7: return CivilDate.floorDiv(a, 10_000_000)
        case 8: return CivilDate.floorDiv(a, 100_000_000)
        case 9: return CivilDate.floorDiv(a, 1_000_000_000)
        default: return CivilDate.floorDiv(a, pow10[k])
        }
    }

    /// Per column: the last rendered day's `YYYY-MM-DD`, so stamps of one day skip the
    /// calendar maths; the last rendered minute (a column's stamps mostly share it with the
    /// one before), so such a stamp is the minute's text, its seconds and fraction, and the
    /// zone's text, with no division by a variable; the last format code decoded
    /// (`Format(code:)` divides four times); and, encoding, the last minute parsed.
    struct DateCache {
        var days: Int64 = .min
        var text: (UInt64, UInt64) = (0, 0)
        /// The minute: the format's code (-1: none), the minute's first instant in the
        /// format's units, its length in those units, its `YYYY-MM-DDTHH:MM` and the text
        /// after the fraction (`tailCount` bytes of `tail`: the zone).
        var minuteCode: Int = -1
        var minuteValue: Int64 = 0
        var minuteSpan: UInt64 = 0
        var minuteText: (UInt64, UInt64) = (0, 0)
        var tail: UInt64 = 0
        var tailCount = 0
        var code: Int = -1
        var format = Format(fraction: 0, separator: 0, zone: 0, negative: 0, offsetMinutes: 0)
        /// The encoder's side: the first 16 bytes of the last stamp parsed (a valid
        /// `YYYY-MM-DD?HH:MM`), its local minute in seconds (`.min`: none yet) and separator.
        var parsedHead: (UInt64, UInt64) = (0, 0)
        var parsedMinute: Int64 = .min
        var parsedSeparator = 0

        /// The format of `code`, nil when no format has it.
        @inline(__always) mutating func format(code c: Int) -> Format? {
            if c == code { return format }
            guard let f = Format(code: c) else { return nil }
            code = c; format = f
            return f
        }
    }

    /// Renders without quotes (`quoted`: inside them); with a cache, `code` is `fmt`'s code.
    /// A stamp of the cached minute is written here, inlined in the caller; others by
    /// `renderNewMinute`.
    @inline(__always)
    static func renderContent(_ value: Int64, _ fmt: Format, into out: OutStream, cache: UnsafeMutablePointer<DateCache>? = nil,
                              code: Int = -1, quoted: Bool = false) {
        // The longest: 19 + 10 (fraction) + 6 (zone) + 2 quotes; the 8-byte tail store fits too.
        out.reserve(42)
        let q = quoted ? 1 : 0
        out.base[out.count] = 0x22   // overwritten when not quoted
        let b = out.base + out.count + q
        let f = fmt.fraction
        if let cache, code == cache.pointee.minuteCode {
            let d = UInt64(bitPattern: value &- cache.pointee.minuteValue)
            if d < cache.pointee.minuteSpan {
                UnsafeMutableRawPointer(b).storeBytes(of: cache.pointee.minuteText, as: (UInt64, UInt64).self)
                b[16] = 0x3A
                var k = 19
                var sec = d
                if f > 0 {
                    b[19] = 0x2E
                    sec = DecimalDigits.write(d, count: f, endingAt: b + 20 + f)
                    k = 20 + f
                }
                DecimalDigits.write2(Int(truncatingIfNeeded: sec), at: b + 17)
                UnsafeMutableRawPointer(b + k).storeBytes(of: cache.pointee.tail, as: UInt64.self)
                k += cache.pointee.tailCount
                b[k] = 0x22   // the closing quote, or a byte past the end
                out.h.pointee.count += k + 2 * q
                return
            }
        }
        renderNewMinute(value, fmt, into: out, cache: cache, code: code, quoted: quoted)
    }

    /// `renderContent` of a stamp whose minute is not the cached one (the room is reserved).
    @inline(never)
    static func renderNewMinute(_ value: Int64, _ fmt: Format, into out: OutStream, cache: UnsafeMutablePointer<DateCache>?,
                                code: Int, quoted: Bool) {
        let q = quoted ? 1 : 0
        let b = out.base + out.count + q
        let f = fmt.fraction
        let instant = floorDivPow10(value, f)
        let frac = value &- instant &* pow10[f]
        let local = instant &+ fmt.signedOffsetSeconds
        let days = CivilDate.floorDiv(local, 86_400)
        let t = Int(truncatingIfNeeded: local &- days &* 86_400)   // 0 ..< 86 400
        if let cache, cache.pointee.days == days {
            // 16 bytes stored, 10 kept: the rest is overwritten below (40 are reserved).
            UnsafeMutableRawPointer(b).storeBytes(of: cache.pointee.text, as: (UInt64, UInt64).self)
        } else {
            let (y, m, d) = CivilDate.civil(fromDays: days)
            DecimalDigits.write2(Int(y / 100), at: b); DecimalDigits.write2(Int(y % 100), at: b + 2); b[4] = 0x2D
            DecimalDigits.write2(Int(m), at: b + 5); b[7] = 0x2D; DecimalDigits.write2(Int(d), at: b + 8)
            if let cache {
                cache.pointee.days = days
                withUnsafeMutableBytes(of: &cache.pointee.text) { t in
                    for j in 0..<10 { t[j] = b[j] }
                }
            }
        }
        b[10] = fmt.separator == 0 ? 0x54 : fmt.separator == 1 ? 0x20 : 0x74
        DecimalDigits.write2(t / 3600, at: b + 11); b[13] = 0x3A
        DecimalDigits.write2(t / 60 % 60, at: b + 14); b[16] = 0x3A
        DecimalDigits.write2(t % 60, at: b + 17)
        var k = 19
        if f > 0 {
            b[19] = 0x2E
            DecimalDigits.write(UInt64(frac), count: f, endingAt: b + 20 + f)
            k = 20 + f
        }
        let tailStart = k
        switch fmt.zone {
        case 1: b[k] = 0x5A; k += 1
        case 2: b[k] = 0x7A; k += 1
        case 3, 4:
            b[k] = fmt.negative == 1 ? 0x2D : 0x2B
            DecimalDigits.write2(fmt.offsetMinutes / 60, at: b + k + 1)
            k += 3
            if fmt.zone == 3 { b[k] = 0x3A; k += 1 }
            DecimalDigits.write2(fmt.offsetMinutes % 60, at: b + k)
            k += 2
        default: break
        }
        if let cache, code >= 0 {
            cache.pointee.minuteCode = code
            cache.pointee.minuteValue = (instant &- Int64(t % 60)) &* pow10[f]
            cache.pointee.minuteSpan = UInt64(60 &* pow10[f])
            cache.pointee.minuteText = UnsafeRawPointer(b).loadUnaligned(as: (UInt64, UInt64).self)
            cache.pointee.tail = UnsafeRawPointer(b + tailStart).loadUnaligned(as: UInt64.self)
            cache.pointee.tailCount = k - tailStart
        }
        b[k] = 0x22   // the closing quote, or a byte past the end
        out.h.pointee.count += k + 2 * q
    }

    @inline(__always) static func nanos(_ value: Int64, _ fmt: Format) -> Int64 {
        value &* pow10[9 - fmt.fraction]
    }

    static func inRange(_ value: Int64, _ fmt: Format) -> Bool {
        let p = pow10[fmt.fraction]
        return value >= minSeconds * p && value <= maxSeconds * p
    }

    /// Renders the string token (with quotes). `value` must be `inRange`.
    static func render(_ value: Int64, _ fmt: Format, into out: OutStream) {
        renderContent(value, fmt, into: out, quoted: true)
    }
}
