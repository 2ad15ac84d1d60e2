#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a record's time without parsing the JSON: the value of the first occurrence of
/// `"<field>"` used as a key (followed by `:`), at any depth, in document order. Values:
/// ISO-8601 strings (`2021-12-26T15:11:04Z`, `…T15:10:59.884+09:00`, `2021-12-26`) or
/// numbers (epoch seconds, milliseconds, microseconds or nanoseconds, by magnitude).
/// Times are milliseconds since 1970-01-01T00:00:00Z.
public enum TimestampExtractor {
    /// `"field"` as bytes, the needle `time(in:field:)` takes.
    public static func needle(for field: String) -> [UInt8] {
        [0x22] + Array(field.utf8) + [0x22]
    }

    public static func time(in record: UnsafeRawBufferPointer, field needle: [UInt8]) -> Int64? {
        guard let base = record.baseAddress, needle.count >= 2 else { return nil }
        let n = record.count
        let m = needle.count
        return needle.withUnsafeBytes { nd -> Int64? in
            guard let nb = nd.baseAddress else { return nil }
            var i = 0
            while i + m <= n {
                guard let hit = memchr(base + i, 0x22, n - i - m + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, nb, m) == 0 {
                    var j = at + m
                    while j < n, isSpace(record[j]) { j += 1 }
                    if j < n, record[j] == 0x3A {   // ':'
                        j += 1
                        while j < n, isSpace(record[j]) { j += 1 }
                        return value(record, from: j)
                    }
                }
                i = at + 1
            }
            return nil
        }
    }

    public static func time<C: Collection>(in record: C, field: String) -> Int64? where C.Element == UInt8 {
        let bytes = Array(record)
        return bytes.withUnsafeBytes { time(in: $0, field: needle(for: field)) }
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func value(_ r: UnsafeRawBufferPointer, from start: Int) -> Int64? {
        guard start < r.count else { return nil }
        if r[start] == 0x22 {
            var end = start + 1
            while end < r.count, r[end] != 0x22, end - start < 64 { end += 1 }
            guard end < r.count, r[end] == 0x22 else { return nil }
            return parseISO8601(UnsafeRawBufferPointer(rebasing: r[(start + 1)..<end]))
        }
        var end = start
        while end < r.count, (r[end] >= 0x30 && r[end] <= 0x39) || r[end] == 0x2D || r[end] == 0x2E { end += 1 }
        guard end > start else { return nil }
        return parseEpoch(UnsafeRawBufferPointer(rebasing: r[start..<end]))
    }

    /// Epoch number in seconds, ms, µs or ns (by magnitude) → ms.
    static func parseEpoch(_ t: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if i < t.count, t[i] == 0x2D { negative = true; i += 1 }
        var whole: Int64 = 0
        var digits = 0
        while i < t.count, t[i] >= 0x30, t[i] <= 0x39 {
            guard digits < 18 else { return nil }
            whole = whole * 10 + Int64(t[i] - 0x30)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        var fracMs: Int64 = 0
        if i < t.count, t[i] == 0x2E {
            i += 1
            var scale: Int64 = 100
            while i < t.count, t[i] >= 0x30, t[i] <= 0x39 {
                fracMs += Int64(t[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        guard i == t.count else { return nil }
        let ms: Int64
        switch whole {
        case ..<100_000_000_000: ms = whole * 1000 + fracMs
        case ..<100_000_000_000_000: ms = whole
        case ..<100_000_000_000_000_000: ms = whole / 1000
        default: ms = whole / 1_000_000
        }
        return negative ? -ms : ms
    }

    /// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH:MM|±HHMM]` → ms since the epoch (UTC; no
    /// zone means UTC).
    public static func parseISO8601(_ t: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= t.count else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = t[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < t.count, t[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var ms = daysFromCivil(year, month, day) * 86_400_000
        if i == t.count { return ms }
        guard t[i] == 0x54 || t[i] == 0x20 || t[i] == 0x74 else { return nil }   // T, space, t
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        ms += (hour * 3600 + minute * 60) * 1000
        if expect(0x3A) {
            guard let second = digits(2), second <= 60 else { return nil }
            ms += second * 1000
            if i < t.count, t[i] == 0x2E || t[i] == 0x2C {
                i += 1
                var scale: Int64 = 100
                var any = false
                while i < t.count, t[i] >= 0x30, t[i] <= 0x39 {
                    ms += Int64(t[i] - 0x30) * scale
                    scale /= 10
                    any = true
                    i += 1
                }
                guard any else { return nil }
            }
        }
        if i == t.count { return ms }
        if t[i] == 0x5A || t[i] == 0x7A { return i + 1 == t.count ? ms : nil }   // Z
        guard t[i] == 0x2B || t[i] == 0x2D else { return nil }
        let sign: Int64 = t[i] == 0x2B ? 1 : -1
        i += 1
        guard let oh = digits(2) else { return nil }
        _ = expect(0x3A)
        guard let om = digits(2), i == t.count else { return nil }
        return ms - sign * (oh * 60 + om) * 60_000
    }

    public static func parseISO8601(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { parseISO8601($0) }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month, day, hour) in UTC of `ms` since the epoch.
    public static func civil(_ ms: Int64) -> (year: Int, month: Int, day: Int, hour: Int) {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let hour = Int((ms - days * 86_400_000) / 3_600_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), hour)
    }

    /// `2021-12-26T15:11:04.000Z`.
    public static func format(_ ms: Int64) -> String {
        let c = civil(ms)
        let dayStart = daysFromCivil(Int64(c.year), Int64(c.month), Int64(c.day)) * 86_400_000
        let inDay = ms - dayStart
        let minute = (inDay / 60_000) % 60, second = (inDay / 1000) % 60, milli = inDay % 1000
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(Int64(c.year), 4))-\(pad(Int64(c.month), 2))-\(pad(Int64(c.day), 2))T\(pad(Int64(c.hour), 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"
    }
}
