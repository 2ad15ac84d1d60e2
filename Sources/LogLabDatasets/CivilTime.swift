/// Calendar arithmetic on integers (proleptic Gregorian, H. Hinnant's algorithms) and
/// fixed-format timestamp rendering into byte buffers: no Foundation date formatting, so
/// output is identical everywhere and cheap enough for the generator's hot path.
public enum CivilTime {
    public static let msPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 → (year, month, day).
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, Int(m), Int(d))
    }

    /// (year, month, day) → days since 1970-01-01.
    public static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int64, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD` into days since 1970-01-01.
    public static func parseDate(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D,
              let y = digits(b[...], 0, 4), let m = digits(b[...], 5, 2), let d = digits(b[...], 8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(Int64(y), m) else { return nil }
        return days(year: Int64(y), month: m, day: d)
    }

    /// `YYYY-MM-DD` for days since 1970-01-01.
    public static func dateString(days: Int64) -> String {
        var out = [UInt8](repeating: 0, count: 10)
        out.withUnsafeMutableBufferPointer { p in writeDate(days: days, to: p.baseAddress!) }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func digits(_ b: ArraySlice<UInt8>, _ at: Int, _ n: Int) -> Int? {
        var v = 0
        let s = b.startIndex + at
        guard s >= b.startIndex, s + n <= b.endIndex else { return nil }
        for i in s..<(s + n) {
            let c = b[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Parses an ISO-8601 timestamp as found in logs into epoch milliseconds:
    /// `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff…]]` (or a space for `T`), optionally `Z` or
    /// `±HH:MM` / `±HHMM`. Without a zone the time is taken as labelled (UTC). Returns nil
    /// for anything else.
    public static func parseTimestamp(_ b: ArraySlice<UInt8>) -> Int64? {
        guard b.count >= 10, let y = digits(b, 0, 4), b[b.startIndex + 4] == 0x2D,
              let mo = digits(b, 5, 2), b[b.startIndex + 7] == 0x2D, let d = digits(b, 8, 2),
              (1...12).contains(mo), d >= 1, d <= daysInMonth(Int64(y), mo) else { return nil }
        var ms = days(year: Int64(y), month: mo, day: d) * msPerDay
        var i = b.startIndex + 10
        if i < b.endIndex, b[i] == 0x54 || b[i] == 0x20 {
            guard let h = digits(b, i + 1 - b.startIndex, 2), i + 3 < b.endIndex, b[i + 3] == 0x3A,
                  let mi = digits(b, i + 4 - b.startIndex, 2), h < 24, mi < 60 else { return nil }
            ms += Int64(h) * 3_600_000 + Int64(mi) * 60_000
            i += 6
            if i < b.endIndex, b[i] == 0x3A {
                guard let s = digits(b, i + 1 - b.startIndex, 2), s < 61 else { return nil }
                ms += Int64(s) * 1000
                i += 3
                if i < b.endIndex, b[i] == 0x2E || b[i] == 0x2C {
                    i += 1
                    var scale: Int64 = 100
                    var any = false
                    while i < b.endIndex, b[i] >= 0x30, b[i] <= 0x39 {
                        ms += Int64(b[i] - 0x30) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    if !any { return nil }
                }
            }
            if i < b.endIndex {
                if b[i] == 0x5A || b[i] == 0x7A {
                    i += 1
                } else if b[i] == 0x2B || b[i] == 0x2D {
                    let sign: Int64 = b[i] == 0x2B ? 1 : -1
                    guard let oh = digits(b, i + 1 - b.startIndex, 2) else { return nil }
                    var j = i + 3
                    if j < b.endIndex, b[j] == 0x3A { j += 1 }
                    guard let om = digits(b, j - b.startIndex, 2) else { return nil }
                    ms -= sign * (Int64(oh) * 3_600_000 + Int64(om) * 60_000)
                    i = j + 2
                }
            }
        }
        return i == b.endIndex ? ms : nil
    }

    // MARK: rendering (raw pointers: the caller guarantees room)

    @inline(__always)
    static func write2(_ v: Int, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: 0x30 + v / 10)
        p[1] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
    }

    @inline(__always)
    static func write3(_ v: Int, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: 0x30 + v / 100)
        p[1] = UInt8(truncatingIfNeeded: 0x30 + (v / 10) % 10)
        p[2] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
    }

    /// Writes `YYYY-MM-DD` (10 bytes; years 0…9999).
    @inline(__always)
    static func writeDate(days: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let c = civil(fromDays: days)
        let y = Int(max(0, min(9999, c.year)))
        write2(y / 100, to: p)
        write2(y % 100, to: p + 2)
        p[4] = 0x2D
        write2(c.month, to: p + 5)
        p[7] = 0x2D
        write2(c.day, to: p + 8)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` (19 bytes) for a wall-clock millisecond count.
    @inline(__always)
    static func writeDateTime(wallMs: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let day = floorDiv(wallMs, msPerDay)
        let inDay = Int(wallMs - day * msPerDay)
        writeDate(days: day, to: p)
        p[10] = 0x54
        let s = inDay / 1000
        write2(s / 3600, to: p + 11)
        p[13] = 0x3A
        write2((s / 60) % 60, to: p + 14)
        p[16] = 0x3A
        write2(s % 60, to: p + 17)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm` (23 bytes).
    @inline(__always)
    static func writeDateTimeMs(wallMs: Int64, to p: UnsafeMutablePointer<UInt8>) {
        writeDateTime(wallMs: wallMs, to: p)
        p[19] = 0x2E
        write3(Int(wallMs - floorDiv(wallMs, 1000) * 1000), to: p + 20)
    }
}
