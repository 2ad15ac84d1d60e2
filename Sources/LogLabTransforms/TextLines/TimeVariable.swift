import LogLabCore

/// How a timestamp inside a text line is spelt. Three bytes in the template, after the
/// `time` placeholder: `base`, `variant`, `fraction` (separator index << 4 | digit count).
///
/// | base | spelling | variant |
/// | ---: | --- | --- |
/// | 0 | `YYYY-MM-DD?hh:mm:ss` | the `?` byte: `T`, space or `_` |
/// | 1 | `YYYY-MM-DD` (date alone) | 0 |
/// | 2 | `YYYY/MM/DD hh:mm:ss` | 0 |
/// | 3 | `DD/Mon/YYYY:hh:mm:ss` (common log format) | 0 |
/// | 4 | `Mon DD hh:mm:ss` (syslog; no year: coded in 2000) | day style |
/// | 5 | `Www Mon DD hh:mm:ss YYYY` (ctime) | day style |
/// | 6 | `YYMMDD hhmmss` (years 2000–2099) | 0 |
///
/// Day style: 0 two digits (`04`), 1 space-padded (` 4`), 2 unpadded (`4`); a day ≥ 10 is
/// always coded with style 0 (it reads the same in every style). Fraction separators:
/// 0 none, 1 `.`, 2 `,`; 1…9 digits. Names are English, capitalised (`Dec`, `Sun`).
struct TimeLayout: Hashable {
    static let byteCount = 3
    var base: UInt8
    var variant: UInt8 = 0
    var fraction: UInt8 = 0

    var fractionDigits: Int { Int(fraction & 0x0F) }
    var fractionSeparator: UInt8 { fraction >> 4 == 2 ? 0x2C : 0x2E }
    var hasYear: Bool { base != 4 }

    /// Validates the template bytes of a layout.
    init?(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) {
        base = b0; variant = b1; fraction = b2
        let sep = b2 >> 4, digits = b2 & 0x0F
        guard sep <= 2, (sep == 0) == (digits == 0), digits <= 9 else { return nil }
        switch b0 {
        case 0: guard b1 == 0x54 || b1 == 0x20 || b1 == 0x5F else { return nil }
        case 1, 5: guard b2 == 0 else { return nil }; fallthrough
        case 4: guard b0 == 1 ? b1 == 0 : b1 <= 2 else { return nil }
        case 2, 3, 6: guard b1 == 0 else { return nil }
        default: return nil
        }
    }

    init(base: UInt8, variant: UInt8, fraction: UInt8) { self.base = base; self.variant = variant; self.fraction = fraction }
}

/// Timestamps inside text lines. The value is the instant as a count of the layout's units
/// (seconds · 10^digits) since 1970-01-01, the clock read as UTC; instants outside the range
/// of 64-bit nanoseconds (years 1678–2261) are not recognised.
///
/// Column coding (one column per frame, in line order across templates, so consecutive
/// lines' stamps are near each other): `svarint (units − previous instant in these units)`,
/// the previous instant starting at 0 in each frame.
enum TimeVariable {
    /// Month and weekday names, three bytes each packed little-endian (`J` | `a` << 8 |
    /// `n` << 16): matched and written whole.
    static let months = packed("JanFebMarAprMayJunJulAugSepOctNovDec")
    static let weekdays = packed("SunMonTueWedThuFriSat")

    static func packed(_ names: String) -> [UInt32] {
        let b = Array(names.utf8)
        return stride(from: 0, to: b.count, by: 3).map { UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8 | UInt32(b[$0 + 2]) << 16 }
    }
    static let pow10: [Int64] = (0...9).map { k in (0..<k).reduce(Int64(1)) { r, _ in r * 10 } }

    struct Reader {
        let p: UnsafePointer<UInt8>
        let n: Int
        var j: Int

        mutating func number(_ k: Int) -> Int64? {
            guard j + k <= n else { return nil }
            var v: Int64 = 0
            for t in 0..<k {
                guard isDigit(p[j + t]) else { return nil }
                v = v * 10 + Int64(p[j + t] - 0x30)
            }
            j += k
            return v
        }
        mutating func byte(_ b: UInt8) -> Bool {
            guard j < n, p[j] == b else { return false }
            j += 1
            return true
        }
        mutating func name(_ names: [UInt32]) -> Int? {
            guard j + 3 <= n else { return nil }
            let code = UInt32(p[j]) | UInt32(p[j + 1]) << 8 | UInt32(p[j + 2]) << 16
            guard let k = names.firstIndex(of: code) else { return nil }
            j += 3
            return k
        }
        /// A day of month in any style; returns (day, style) with days ≥ 10 as style 0.
        mutating func day() -> (Int64, UInt8)? {
            guard j < n else { return nil }
            if p[j] == 0x20 {
                guard j + 1 < n, isDigit(p[j + 1]), p[j + 1] != 0x30 else { return nil }
                j += 2
                return (Int64(p[j - 1] - 0x30), 1)
            }
            guard isDigit(p[j]) else { return nil }
            if j + 1 < n, isDigit(p[j + 1]) {
                let d = Int64(p[j] - 0x30) * 10 + Int64(p[j + 1] - 0x30)
                j += 2
                return (d, 0)
            }
            guard p[j] != 0x30 else { return nil }
            j += 1
            return (Int64(p[j - 1] - 0x30), 2)
        }
        mutating func clock(_ colons: Bool) -> Int64? {
            guard let h = number(2), !colons || byte(0x3A), let m = number(2), !colons || byte(0x3A), let s = number(2),
                  h < 24, m < 60, s < 60 else { return nil }
            return h * 3600 + m * 60 + s
        }
    }

    static func validDate(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64? {
        guard m >= 1, m <= 12, d >= 1, d <= 31 else { return nil }
        let days = CivilDate.days(year: y, month: m, day: d)
        let c = CivilDate.civil(fromDays: days)
        return c.month == m && c.day == d ? days : nil
    }

    /// Recognises a timestamp at `p[i]` (i at a word start); returns value, layout, length.
    /// Most word starts are no timestamp: each layout has a fixed byte at a fixed offset
    /// (`yyyy-`/`yyyy/`, `dd/Mon/`, `yymmdd `; a name is followed by a space), checked where
    /// the tokenizer calls `match`, before any number or name is read.
    @inline(__always) static func mayStart(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        if isDigit(p[i]) {
            return (i + 4 < n && (p[i + 4] == 0x2D || p[i + 4] == 0x2F)) || (i + 2 < n && p[i + 2] == 0x2F)
                || (i + 6 < n && p[i + 6] == 0x20)
        }
        return i + 3 < n && p[i + 3] == 0x20
    }

    static func match(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (value: Int64, layout: TimeLayout, length: Int)? {
        let b = p[i]
        guard mayStart(p, i, n) else { return nil }
        var r = Reader(p: p, n: n, j: i)
        var days: Int64 = 0, secs: Int64 = 0
        var layout = TimeLayout(base: 0, variant: 0, fraction: 0)
        var fractionAllowed = true
        if isDigit(b) {
            if let y = r.number(4), r.byte(0x2D) || r.byte(0x2F) {
                let slash = p[r.j - 1] == 0x2F
                guard let m = r.number(2), r.byte(slash ? 0x2F : 0x2D), let d = r.number(2), let dd = validDate(y, m, d) else { return nil }
                days = dd
                let sepAt = r.j
                if r.j < n, slash ? p[r.j] == 0x20 : (p[r.j] == 0x54 || p[r.j] == 0x20 || p[r.j] == 0x5F) {
                    r.j += 1
                    if let c = r.clock(true) {
                        secs = c
                        layout = TimeLayout(base: slash ? 2 : 0, variant: slash ? 0 : p[sepAt], fraction: 0)
                    } else {
                        r.j = sepAt
                    }
                }
                if r.j == sepAt {
                    guard !slash else { return nil }
                    layout = TimeLayout(base: 1, variant: 0, fraction: 0)
                    fractionAllowed = false
                }
            } else {
                r.j = i
                if let d = r.number(2), r.byte(0x2F), let m = r.name(months), r.byte(0x2F), let y = r.number(4), r.byte(0x3A),
                   let dd = validDate(y, Int64(m + 1), d), let c = r.clock(true) {
                    days = dd; secs = c
                    layout = TimeLayout(base: 3, variant: 0, fraction: 0)
                } else {
                    r.j = i
                    guard let y = r.number(2), let m = r.number(2), let d = r.number(2), r.byte(0x20),
                          let dd = validDate(2000 + y, m, d), let c = r.clock(false) else { return nil }
                    days = dd; secs = c
                    layout = TimeLayout(base: 6, variant: 0, fraction: 0)
                }
            }
        } else {
            if let w = r.name(weekdays), r.byte(0x20) {
                guard let m = r.name(months), r.byte(0x20), let (d, style) = r.day(), r.byte(0x20), let c = r.clock(true),
                      r.byte(0x20), let y = r.number(4), let dd = validDate(y, Int64(m + 1), d),
                      (dd + 4) % 7 == Int64(w) || (dd + 4) % 7 + 7 == Int64(w) else { return nil }
                days = dd; secs = c
                layout = TimeLayout(base: 5, variant: style, fraction: 0)
                fractionAllowed = false
            } else {
                r.j = i
                guard let m = r.name(months), r.byte(0x20), let (d, style) = r.day(), r.byte(0x20), let c = r.clock(true),
                      let dd = validDate(2000, Int64(m + 1), d) else { return nil }
                days = dd; secs = c
                layout = TimeLayout(base: 4, variant: style, fraction: 0)
            }
        }
        var value = days * 86_400 + secs
        // Instants must fit in 64-bit nanoseconds (years 1678–2261): the column codes them so.
        guard !value.multipliedReportingOverflow(by: 1_000_000_000).overflow, value * 1_000_000_000 + 999_999_999 < Int64.max else { return nil }
        if fractionAllowed, r.j + 1 < n, p[r.j] == 0x2E || p[r.j] == 0x2C, isDigit(p[r.j + 1]) {
            let sep: UInt8 = p[r.j] == 0x2E ? 1 : 2
            var k = r.j + 1
            var f: Int64 = 0
            while k < n, isDigit(p[k]), k - r.j <= 9 { f = f * 10 + Int64(p[k] - 0x30); k += 1 }
            let digits = k - r.j - 1
            if digits <= 9 && !(k < n && isDigit(p[k])) {
                value = value * pow10[digits] + f
                layout.fraction = sep << 4 | UInt8(digits)
                r.j = k
            }
        }
        if r.j < n && isDigit(p[r.j]) { return nil }
        return (value, layout, r.j - i)
    }

    /// `aux` of each variable holds its layout's fraction digits.
    static func encode(_ vars: [TextVariable], into out: OutStream) {
        var prevNs: Int64 = 0
        for v in vars {
            let unit = pow10[9 - v.aux]
            out.svarint(v.value &- CivilDate.floorDiv(prevNs, unit))
            prevNs = v.value &* unit
        }
    }

    /// The last day rendered and its civil date: consecutive stamps mostly share a day.
    struct DayCache {
        var days = Int64.min
        var date: (year: Int64, month: Int64, day: Int64) = (0, 0, 0)

        mutating func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
            if days != self.days { self.days = days; date = CivilDate.civil(fromDays: days) }
            return date
        }
    }

    /// Writes digits and names straight into reserved output.
    private struct Writer {
        var q: UnsafeMutablePointer<UInt8>

        @inline(__always) mutating func byte(_ b: UInt8) { q.pointee = b; q += 1 }
        @inline(__always) mutating func num(_ x: Int64, _ k: Int) {
            var x = x
            for t in stride(from: k - 1, through: 0, by: -1) { q[t] = UInt8(truncatingIfNeeded: x % 10) &+ 0x30; x /= 10 }
            q += k
        }
        @inline(__always) mutating func name(_ code: UInt32) {
            q[0] = UInt8(truncatingIfNeeded: code); q[1] = UInt8(truncatingIfNeeded: code >> 8); q[2] = UInt8(truncatingIfNeeded: code >> 16)
            q += 3
        }
    }
    /// Longest rendering: ctime (24 bytes) + separator + 9 fraction digits.
    static let maxRenderedBytes = 34

    /// Decodes one value of `layout` and renders it; `prevNs` carries the column's state.
    static func decode(_ layout: TimeLayout, prevNs: inout Int64, day cache: inout DayCache, _ inp: inout Cursor, into out: OutStream) throws {
        let unit = pow10[9 - layout.fractionDigits]
        let v = try inp.svarint() &+ CivilDate.floorDiv(prevNs, unit)
        let (ns, o) = v.multipliedReportingOverflow(by: unit)
        guard !o else { throw TransformError.corruptFrame("timestamp out of range") }
        let perSecond = pow10[layout.fractionDigits]
        prevNs = ns
        let secs = CivilDate.floorDiv(v, perSecond)
        let frac = v - secs * perSecond
        let days = CivilDate.floorDiv(secs, 86_400)
        let tod = secs - days * 86_400
        let (y, m, d) = cache.civil(days)
        switch layout.base {
        case 4: guard y == 2000 else { throw TransformError.corruptFrame("year-less timestamp outside its year") }
        case 6: guard y >= 2000, y <= 2099 else { throw TransformError.corruptFrame("two-digit year out of range") }
        default: guard y >= 0, y <= 9999 else { throw TransformError.corruptFrame("timestamp out of range") }
        }
        if layout.base == 1 && tod != 0 { throw TransformError.corruptFrame("date-only stamp with a time of day") }
        out.reserve(maxRenderedBytes)
        var w = Writer(q: out.base + out.count)
        func day(_ style: UInt8) {
            if d >= 10 || style == 0 { w.num(d, 2) } else { if style == 1 { w.byte(0x20) }; w.num(d, 1) }
        }
        func clock(_ colons: Bool) {
            w.num(tod / 3600, 2); if colons { w.byte(0x3A) }
            w.num(tod / 60 % 60, 2); if colons { w.byte(0x3A) }
            w.num(tod % 60, 2)
        }
        switch layout.base {
        case 0: w.num(y, 4); w.byte(0x2D); w.num(m, 2); w.byte(0x2D); w.num(d, 2); w.byte(layout.variant); clock(true)
        case 1: w.num(y, 4); w.byte(0x2D); w.num(m, 2); w.byte(0x2D); w.num(d, 2)
        case 2: w.num(y, 4); w.byte(0x2F); w.num(m, 2); w.byte(0x2F); w.num(d, 2); w.byte(0x20); clock(true)
        case 3: w.num(d, 2); w.byte(0x2F); w.name(months[Int(m - 1)]); w.byte(0x2F); w.num(y, 4); w.byte(0x3A); clock(true)
        case 4: w.name(months[Int(m - 1)]); w.byte(0x20); day(layout.variant); w.byte(0x20); clock(true)
        case 5:
            w.name(weekdays[Int(((days + 4) % 7 + 7) % 7)]); w.byte(0x20); w.name(months[Int(m - 1)]); w.byte(0x20)
            day(layout.variant); w.byte(0x20); clock(true); w.byte(0x20); w.num(y, 4)
        default: w.num(y % 100, 2); w.num(m, 2); w.num(d, 2); w.byte(0x20); clock(false)
        }
        if layout.fractionDigits > 0 {
            w.byte(layout.fractionSeparator)
            w.num(frac, layout.fractionDigits)
        }
        out.setCount(w.q - out.base)
    }
}
