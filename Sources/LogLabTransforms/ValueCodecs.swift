import LogLabCore

/// Exact text ⇄ binary conversions used by the `integer`, `timestamp` and `uuid` transforms.
/// Each parser accepts only spellings its renderer reproduces byte for byte; anything else
/// is escaped by the caller and kept as text.

// MARK: - Numbers (`integer`)

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
        var mag: UInt64 = 0
        var overflow = false
        var digits = 0
        var frac = 0
        var seenDot = false
        var dotAt = -1
        while i < end {
            let c = p[i]
            if c >= 0x30 && c <= 0x39 {
                if !overflow {
                    let (m1, o1) = mag.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(c - 0x30))
                    if o1 || o2 { overflow = true } else { mag = m2 }
                }
                digits += 1
                if seenDot { frac += 1 }
            } else if c == 0x2E && !seenDot {
                seenDot = true
                dotAt = i
                guard i + 1 < end else { return nil }
            } else {
                return nil
            }
            i += 1
        }
        guard frac <= 19 else { return nil }
        let q = quoted ? quotedFlag : 0
        if !overflow {
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
            if c != 0x2E { tail = tail * 10 + Int64(c - 0x30) }
            j += 1
        }
        if p[digitsStart] == 0x30 { return nil }
        return Parsed(mantissa: tail, format: frac + q + longFlag + (neg ? negativeLongFlag : 0), headStart: digitsStart, headCount: headCount)
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
        // Written in place, right to left: `digits` digits (at least frac + 1), a dot before
        // the last `frac`. At most 2 quotes + sign + 20 digits + dot.
        out.reserve(24)
        let b = out.base + out.count
        var k = 0
        if quoted { b[k] = 0x22; k += 1 }
        if m < 0 { b[k] = 0x2D; k += 1 }
        var mag = m.magnitude
        var digits = 1
        var t = mag
        while t >= 10 { t /= 10; digits += 1 }
        if digits < frac + 1 { digits = frac + 1 }
        let end = k + digits + (frac > 0 ? 1 : 0)
        var j = end - 1
        for w in 0..<digits {
            if w == frac && frac > 0 { b[j] = 0x2E; j -= 1 }
            b[j] = UInt8(truncatingIfNeeded: mag % 10) + 0x30
            mag /= 10
            j -= 1
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
        var j = k + tailLength - 1
        var mag = m.magnitude
        var index = total - 1
        while index >= headCount {
            b[j] = UInt8(truncatingIfNeeded: mag % 10) + 0x30; mag /= 10; j -= 1
            if index == dotAt { b[j] = 0x2E; j -= 1 }
            index -= 1
        }
        k += tailLength
        if quoted { b[k] = 0x22; k += 1 }
        out.h.pointee.count += k
    }
}

// MARK: - Timestamps (`timestamp`)

/// ISO-8601 date-times `YYYY-MM-DD[T t ␠]HH:MM:SS[.f{1,9}][Z z ±HH:MM ±HHMM]` inside a JSON
/// string, as an instant and a format id. The value is the instant in the format's own
/// precision (`fraction digits`), so deltas of millisecond stamps stay small.
enum ISOTimestamp {
    static let pow10: [Int64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
    /// Years outside this range are kept as text (nanoseconds must fit Int64).
    static let minSeconds: Int64 = -8_520_336_000   // 1700-01-01
    static let maxSeconds: Int64 = 7_258_118_400    // 2200-01-01

    struct Format: Equatable {
        var fraction: Int   // 0...9
        var separator: Int  // 0 'T', 1 ' ', 2 't'
        var zone: Int       // 0 none, 1 'Z', 2 'z', 3 ±HH:MM, 4 ±HHMM
        var negative: Int   // offset sign spelt '-'
        var offsetMinutes: Int  // 0 ..< 1440

        var code: Int { (((offsetMinutes * 2 + negative) * 5 + zone) * 3 + separator) * 10 + fraction }

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
    /// widths are all checked here).
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> (value: Int64, format: Format)? {
        guard n >= 21, p[0] == 0x22, p[n - 1] == 0x22 else { return nil }
        guard let r = parseContent(p + 1, n - 2, exact: true) else { return nil }
        return (r.value, r.format)
    }

    /// Parses a date-time at the start of `c[0..<len]`; with `exact`, it must span all of it,
    /// otherwise the longest valid date-time is taken and its length returned.
    @inline(__always)
    static func parseContent(_ c: UnsafePointer<UInt8>, _ len: Int, exact: Bool) -> (value: Int64, format: Format, length: Int)? {
        @inline(__always) func dg(_ i: Int) -> Int64? {
            let x = c[i] &- 0x30
            return x < 10 ? Int64(x) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = dg(i), let b = dg(i + 1) else { return nil }
            return a * 10 + b
        }
        guard len >= 19, let y1 = two(0), let y2 = two(2), c[4] == 0x2D, let mo = two(5), c[7] == 0x2D,
              let d = two(8), let h = two(11), c[13] == 0x3A, let mi = two(14), c[16] == 0x3A, let s = two(17)
        else { return nil }
        let sep: Int
        switch c[10] { case 0x54: sep = 0; case 0x20: sep = 1; case 0x74: sep = 2; default: return nil }
        guard mo >= 1, mo <= 12, d >= 1, d <= 31, h <= 23, mi <= 59, s <= 59 else { return nil }
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
        let year = y1 * 100 + y2
        if d > 28 {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let dim: Int64 = mo == 2 ? (leap ? 29 : 28) : (mo == 4 || mo == 6 || mo == 9 || mo == 11) ? 30 : 31
            guard d <= dim else { return nil }
        }
        let fmt = Format(fraction: fd, separator: sep, zone: zone, negative: neg, offsetMinutes: off)
        let days = CivilDate.days(year: year, month: mo, day: d)
        let local = days * 86_400 + h * 3600 + mi * 60 + s
        let instant = local - fmt.signedOffsetSeconds
        guard instant >= minSeconds, instant <= maxSeconds else { return nil }
        return (instant * pow10[fd] + frac, fmt, i)
    }

    /// "00" … "99", for rendering two digits at once.
    static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

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
        default: return CivilDate.floorDiv(a, pow10[k])
        }
    }

    /// Per column: the last rendered day's `YYYY-MM-DD`, so stamps of one day skip the
    /// calendar maths, the last rendered minute's `YYYY-MM-DDTHH:MM` (a column's stamps
    /// mostly share it with the one before), and the last format code decoded
    /// (`Format(code:)` divides four times).
    struct DateCache {
        var days: Int64 = .min
        var text: (UInt64, UInt64) = (0, 0)
        /// Local minute × 4 + separator of `minuteText`.
        var minute: Int64 = .min
        var minuteText: (UInt64, UInt64) = (0, 0)
        var code: Int = -1
        var format = Format(fraction: 0, separator: 0, zone: 0, negative: 0, offsetMinutes: 0)

        /// The format of `code`, nil when no format has it.
        @inline(__always) mutating func format(code c: Int) -> Format? {
            if c == code { return format }
            guard let f = Format(code: c) else { return nil }
            code = c; format = f
            return f
        }
    }

    /// Renders without quotes.
    static func renderContent(_ value: Int64, _ fmt: Format, into out: OutStream, cache: UnsafeMutablePointer<DateCache>? = nil) {
        let instant = floorDivPow10(value, fmt.fraction)
        let frac = value - instant * pow10[fmt.fraction]
        let local = instant + fmt.signedOffsetSeconds
        out.reserve(40)
        let b = out.base + out.count
        var k = 0
        let pairs = digitPairs.utf8Start
        @inline(__always) func put(_ x: UInt8) { b[k] = x; k &+= 1 }
        // Two digits of 0...99 from the pair table (one load and store, no divisions).
        @inline(__always) func put2(_ v: Int) {
            UnsafeMutableRawPointer(b + k).storeBytes(of: UnsafeRawPointer(pairs + 2 &* v).loadUnaligned(as: UInt16.self), as: UInt16.self)
            k &+= 2
        }
        let minute = CivilDate.floorDiv(local, 60)
        let minuteKey = minute &* 4 &+ Int64(fmt.separator)
        if let cache, cache.pointee.minute == minuteKey {
            UnsafeMutableRawPointer(b).storeBytes(of: cache.pointee.minuteText, as: (UInt64, UInt64).self)
            k = 16
            put(0x3A); put2(Int(truncatingIfNeeded: local &- minute &* 60))
            renderTail(frac, fmt, b, &k, pairs)
            out.h.pointee.count += k
            return
        }
        let days = CivilDate.floorDiv(local, 86_400)
        let sod = local - days * 86_400
        if let cache, cache.pointee.days == days {
            // 16 bytes stored, 10 kept: the rest is overwritten below (40 are reserved).
            UnsafeMutableRawPointer(b).storeBytes(of: cache.pointee.text, as: (UInt64, UInt64).self)
            k = 10
        } else {
            let (y, m, d) = CivilDate.civil(fromDays: days)
            put2(Int(y / 100)); put2(Int(y % 100)); put(0x2D); put2(Int(m)); put(0x2D); put2(Int(d))
            if let cache {
                cache.pointee.days = days
                withUnsafeMutableBytes(of: &cache.pointee.text) { t in
                    for j in 0..<10 { t[j] = b[j] }
                }
            }
        }
        put(fmt.separator == 0 ? 0x54 : fmt.separator == 1 ? 0x20 : 0x74)
        let t = Int(truncatingIfNeeded: sod)   // 0 ..< 86 400
        put2(t / 3600); put(0x3A); put2(t / 60 % 60); put(0x3A); put2(t % 60)
        if let cache {
            cache.pointee.minute = minuteKey
            cache.pointee.minuteText = UnsafeRawPointer(b).loadUnaligned(as: (UInt64, UInt64).self)
        }
        renderTail(frac, fmt, b, &k, pairs)
        out.h.pointee.count += k
    }

    /// The fraction and the zone after the seconds, at `b + k`.
    @inline(__always)
    private static func renderTail(_ frac: Int64, _ fmt: Format, _ b: UnsafeMutablePointer<UInt8>, _ k: inout Int,
                                   _ pairs: UnsafePointer<UInt8>) {
        @inline(__always) func put(_ x: UInt8) { b[k] = x; k &+= 1 }
        @inline(__always) func put2(_ v: Int) {
            UnsafeMutableRawPointer(b + k).storeBytes(of: UnsafeRawPointer(pairs + 2 &* v).loadUnaligned(as: UInt16.self), as: UInt16.self)
            k &+= 2
        }
        if fmt.fraction > 0 {
            put(0x2E)
            // Right to left: dividing by the constant 10 is a multiply, by a variable an idiv.
            var f = frac, j = k + fmt.fraction - 1
            while j >= k { b[j] = UInt8(truncatingIfNeeded: f % 10) + 0x30; f /= 10; j -= 1 }
            k += fmt.fraction
        }
        switch fmt.zone {
        case 1: put(0x5A)
        case 2: put(0x7A)
        case 3, 4:
            put(fmt.negative == 1 ? 0x2D : 0x2B)
            put2(fmt.offsetMinutes / 60)
            if fmt.zone == 3 { put(0x3A) }
            put2(fmt.offsetMinutes % 60)
        default: break
        }
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
        out.put(0x22)
        renderContent(value, fmt, into: out)
        out.put(0x22)
    }
}

// MARK: - UUIDs (`uuid`)

/// A string token holding a UUID (`8-4-4-4-12` hex, or 32 hex digits) followed by any
/// suffix, as 16 bytes, the suffix, and a layout: `1 + upper + 2·undashed + 4·suffixLength`
/// (0 is the caller's escape). Mixed-case UUIDs stay text.
enum UUIDText {
    @inline(__always) static func hexValue(_ c: UInt8) -> (UInt8, Int)? {  // value, case (0 digit, 1 lower, 2 upper)
        switch c {
        case 0x30...0x39: return (c - 0x30, 0)
        case 0x61...0x66: return (c - 0x61 + 10, 1)
        case 0x41...0x46: return (c - 0x41 + 10, 2)
        default: return nil
        }
    }

    /// Returns the layout and writes the 16 bytes to `bytes`; suffix is `token[suffixStart ..< n-1]`.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int, bytes: UnsafeMutablePointer<UInt8>) -> (layout: UInt64, suffixStart: Int)? {
        guard n >= 34, p[0] == 0x22, p[n - 1] == 0x22 else { return nil }
        let len = n - 2
        let c = p + 1
        let dashed = len >= 36 && c[8] == 0x2D && c[13] == 0x2D && c[18] == 0x2D && c[23] == 0x2D
        var seen = 0
        var i = 0
        var k = 0
        while k < 32 {
            if dashed && (i == 8 || i == 13 || i == 18 || i == 23) { i += 1 }
            guard i + 1 < len, let (a, ca) = hexValue(c[i]), let (b, cb) = hexValue(c[i + 1]) else { return nil }
            seen |= (1 << ca) | (1 << cb)
            bytes[k / 2] = a << 4 | b
            i += 2; k += 2
        }
        if seen & 6 == 6 { return nil }
        let upper: UInt64 = seen & 4 != 0 ? 1 : 0
        let suffixLen = len - i
        return (1 + upper + (dashed ? 0 : 2) + 4 * UInt64(suffixLen), i + 1)
    }

    static func render(layout: UInt64, bytes: UnsafePointer<UInt8>, suffix: UnsafePointer<UInt8>, suffixCount: Int, into out: OutStream) {
        let l = layout - 1
        let upper = l & 1 != 0
        let dashed = l & 2 == 0
        let digits: StaticString = upper ? "0123456789ABCDEF" : "0123456789abcdef"
        out.reserve(40 + suffixCount)
        out.put(0x22)
        digits.withUTF8Buffer { d in
            for j in 0..<16 {
                if dashed && (j == 4 || j == 6 || j == 8 || j == 10) { out.put(0x2D) }
                out.put(d[Int(bytes[j] >> 4)]); out.put(d[Int(bytes[j] & 15)])
            }
        }
        out.put(suffix, suffixCount)
        out.put(0x22)
    }
}
