#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one reader of record times. Splits, experiment specs, the container's time index and
/// partitions all date records through it, so the same record gets the same day and hour
/// everywhere. Times are milliseconds since 1970-01-01T00:00:00Z; days and hours are UTC.
///
/// Accepted values:
/// - ISO-8601 strings in their common layouts: `2021-12-26`, `2021-12-26T15:11`,
///   `2021-12-26T15:11:04`, with a fraction (`.884`, `,884`, any number of digits), with `T`,
///   `t` or a space between date and time, and with `Z`, `±HH:MM`, `±HHMM` or `±HH` (no zone
///   means UTC). Impossible dates and times (`2021-02-30`, `25:00`) are rejected.
/// - Epoch numbers (JSON numbers, or strings holding one) in seconds, milliseconds,
///   microseconds or nanoseconds, told apart by magnitude (|v| < 10¹¹ seconds, < 10¹⁴ ms,
///   < 10¹⁷ µs, else ns); fractions and exponents (`1.5e9`) are allowed.
public enum Timestamps {
    public static let msPerHour: Int64 = 3_600_000
    public static let msPerDay: Int64 = 86_400_000

    // MARK: calendar

    public static func isLeapYear(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (UTC) of the instant `ms`.
    @inlinable public static func day(_ ms: Int64) -> Int64 { CivilDate.floorDiv(ms, 86_400_000) }

    /// Hour of the day (0…23, UTC) of the instant `ms`.
    @inlinable public static func hour(_ ms: Int64) -> Int {
        Int((ms - CivilDate.floorDiv(ms, 86_400_000) * 86_400_000) / 3_600_000)
    }

    /// (year, month, day, hour) in UTC of `ms`.
    public static func civil(_ ms: Int64) -> (year: Int, month: Int, day: Int, hour: Int) {
        let c = CivilDate.civil(fromDays: day(ms))
        return (Int(c.year), Int(c.month), Int(c.day), hour(ms))
    }

    /// `YYYY-MM-DD` → days since 1970-01-01, nil unless it is a real date.
    public static func parseDate(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 10, let ms = b.withUnsafeBytes({ parseISO8601($0) }) else { return nil }
        return day(ms)
    }

    /// `YYYY-MM-DD` of a day number.
    public static func dateString(days: Int64) -> String {
        let c = CivilDate.civil(fromDays: days)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    /// `2021-12-26T15:11:04.123Z`.
    public static func format(_ ms: Int64) -> String {
        let d = day(ms)
        let inDay = ms - d * msPerDay
        return dateString(days: d) + "T" + pad(inDay / msPerHour, 2) + ":" + pad((inDay / 60_000) % 60, 2) + ":"
            + pad((inDay / 1000) % 60, 2) + "." + pad(inDay % 1000, 3) + "Z"
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // MARK: parsing

    /// An ISO-8601 timestamp or an epoch number, as a person types it (`--from`, `--to`).
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        return b.withUnsafeBytes { parseISO8601($0) ?? parseEpoch($0) }
    }

    public static func parseISO8601(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        return b.withUnsafeBytes { parseISO8601($0) }
    }

    /// ISO-8601 (see the type's comment) → ms since the epoch, or nil.
    public static func parseISO8601(_ t: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        let n = t.count
        @inline(__always) func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = t[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += count
            return v
        }
        @inline(__always) func expect(_ c: UInt8) -> Bool {
            guard i < n, t[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let dayOfMonth = digits(2),
              (1...12).contains(month), dayOfMonth >= 1, dayOfMonth <= daysInMonth(year: year, month: month) else { return nil }
        var ms = CivilDate.days(year: year, month: month, day: dayOfMonth) * msPerDay
        if i == n { return ms }
        guard t[i] == 0x54 || t[i] == 0x74 || t[i] == 0x20 else { return nil }   // T, t, space
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        ms += (hour * 3600 + minute * 60) * 1000
        if expect(0x3A) {
            guard let second = digits(2), second <= 60 else { return nil }   // 60: a leap second
            ms += second * 1000
            if i < n, t[i] == 0x2E || t[i] == 0x2C {
                i += 1
                var scale: Int64 = 100
                let start = i
                while i < n, t[i] >= 0x30, t[i] <= 0x39 {
                    ms += Int64(t[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        if i == n { return ms }
        if t[i] == 0x5A || t[i] == 0x7A { return i + 1 == n ? ms : nil }   // Z, z
        guard t[i] == 0x2B || t[i] == 0x2D else { return nil }
        let sign: Int64 = t[i] == 0x2B ? 1 : -1
        i += 1
        guard let oh = digits(2), oh < 24 else { return nil }
        var om: Int64 = 0
        if i < n {
            _ = expect(0x3A)
            guard let m = digits(2), m < 60 else { return nil }
            om = m
        }
        guard i == n else { return nil }
        return ms - sign * (oh * 60 + om) * 60_000
    }

    /// An epoch number (`1640531464`, `1640531464000`, `1640531464.5`, `1.6405e9`, `-12`) →
    /// ms since the epoch, its unit told by magnitude; nil for anything else.
    public static func parseEpoch(_ t: UnsafeRawBufferPointer) -> Int64? {
        let n = t.count
        var i = 0
        var negative = false
        if i < n, t[i] == 0x2D || t[i] == 0x2B { negative = t[i] == 0x2D; i += 1 }
        var whole: Int64 = 0
        var digits = 0
        while i < n, t[i] >= 0x30, t[i] <= 0x39 {
            if digits < 19 { whole = whole &* 10 &+ Int64(t[i] - 0x30) }
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        if i == n, digits <= 18 {   // a plain integer: exact
            return scaleToMs(negative ? -whole : whole)
        }
        // A fraction or an exponent: the value as a Double (ms precision survives up to µs inputs).
        var fracStart = i
        if i < n, t[i] == 0x2E {
            i += 1
            fracStart = i
            while i < n, t[i] >= 0x30, t[i] <= 0x39 { i += 1 }
            guard i > fracStart else { return nil }
        }
        if i < n, t[i] == 0x65 || t[i] == 0x45 {   // e, E
            i += 1
            if i < n, t[i] == 0x2B || t[i] == 0x2D { i += 1 }
            let expStart = i
            while i < n, t[i] >= 0x30, t[i] <= 0x39 { i += 1 }
            guard i > expStart, i - expStart <= 3 else { return nil }
        }
        guard i == n, n < 64 else { return nil }
        var buf = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { buf[k] = CChar(bitPattern: t[k]) }
        let v = strtod(buf, nil)
        guard v.isFinite, abs(v) < 9.2e18 else { return nil }
        let a = abs(v)
        let ms: Double
        switch a {
        case ..<1e11: ms = v * 1000
        case ..<1e14: ms = v
        case ..<1e17: ms = v / 1000
        default: ms = v / 1_000_000
        }
        return Int64(ms.rounded(.down))
    }

    @inline(__always) static func scaleToMs(_ v: Int64) -> Int64 {
        let a = v.magnitude
        switch a {
        case ..<100_000_000_000: return v * 1000
        case ..<100_000_000_000_000: return v
        case ..<100_000_000_000_000_000: return CivilDate.floorDiv(v, 1000)
        default: return CivilDate.floorDiv(v, 1_000_000)
        }
    }

    /// A JSON value's text → ms: a string holding ISO-8601 or an epoch number, a number, or
    /// an array whose first element is one of those (Elasticsearch's `fields`).
    static func value(_ r: UnsafeRawBufferPointer, from start: Int) -> Int64? {
        var start = start
        let n = r.count
        if start < n, r[start] == 0x5B {   // [
            start += 1
            while start < n, isSpace(r[start]) { start += 1 }
        }
        guard start < n else { return nil }
        if r[start] == 0x22 {
            var end = start + 1
            while end < n, r[end] != 0x22, end - start < 64 { end += 1 }
            guard end < n, r[end] == 0x22 else { return nil }
            let text = UnsafeRawBufferPointer(rebasing: r[(start + 1)..<end])
            return parseISO8601(text) ?? parseEpoch(text)
        }
        var end = start
        while end < n, isNumberByte(r[end]) { end += 1 }
        guard end > start else { return nil }
        return parseEpoch(UnsafeRawBufferPointer(rebasing: r[start..<end]))
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    @inline(__always) static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
    }
}

/// The earliest and latest of some record times (nil: none seen).
public struct TimeSpan: Sendable, Equatable {
    public private(set) var min: Int64?
    public private(set) var max: Int64?

    public init() {}

    @inline(__always)
    public mutating func add(_ t: Int64?) {
        guard let t else { return }
        if min == nil || t < min! { min = t }
        if max == nil || t > max! { max = t }
    }

    /// The span of `records`' times by `field`, each record searched.
    public static func of(_ records: RecordBatch, _ field: TimeField) -> TimeSpan {
        var span = TimeSpan()
        for i in 0..<records.count { span.add(records.withRecord(i) { field.time(in: $0) }) }
        return span
    }
}

/// The field that dates a record, as a dotted path (`timestamp`, `ts`, `@timestamp`,
/// `_source.timestamp`, `fields.timestamp`), found on the record's bytes without parsing the
/// whole JSON: the first component is the first key of that name in document order, at any
/// depth; each further component is a key of the object that is the previous one's value.
/// A path whose components cannot be followed is also tried as one literal key (zeek writes
/// keys such as `id.orig_h`). An array value yields its first element.
public struct TimeField: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    /// `"component"` for each component, as the bytes searched for.
    let needles: [[UInt8]]
    let literal: [UInt8]

    public init(_ path: String) {
        self.path = path
        needles = path.split(separator: ".", omittingEmptySubsequences: false).map { [0x22] + Array($0.utf8) + [0x22] }
        literal = [0x22] + Array(path.utf8) + [0x22]
    }

    public var description: String { path }

    /// The record's time in ms since the epoch, or nil when the field is absent or not a time.
    public func time(in record: UnsafeRawBufferPointer) -> Int64? {
        if let at = valueStart(in: record) { return Timestamps.value(record, from: at) }
        return nil
    }

    public func time<C: Collection>(in record: C) -> Int64? where C.Element == UInt8 {
        if let t = record.withContiguousStorageIfAvailable({ time(in: UnsafeRawBufferPointer($0)) }) { return t }
        return Array(record).withUnsafeBytes { time(in: $0) }
    }

    /// The time of the value starting at `start` in `record`, read as `time(in:)` reads the
    /// value it finds.
    public func time(in record: UnsafeRawBufferPointer, valueAt start: Int) -> Int64? {
        Timestamps.value(record, from: start)
    }

    /// Whether the field is found in every record that the field transforms' JSON tokenizer
    /// accepts at the place it is found in the record's shape (the record with each scalar
    /// value replaced by a placeholder): then a coder that tokenizes records anyway looks the
    /// field up once per shape instead of searching each record.
    ///
    /// Why: each component is found as `"name"` followed by spaces and `:`. With every name
    /// non-empty, free of `"`, `\` and control bytes, and not starting with `:`, `,`, `}`, `]`
    /// or a space, such a match lies inside a key: the quote after the name is not escaped,
    /// so it closes a string, and only a key is followed by `:`; the opening quote is that
    /// string's own or an escaped one inside it (a closing quote is never followed by the
    /// name's first byte). Keys, spaces and punctuation are shape bytes, and the members
    /// walked on the way are skipped to the same ends whatever their values are, so the
    /// search takes the same steps in the shape (values read as `0`) and in the record.
    public var isFoundByShape: Bool {
        guard !path.isEmpty else { return false }
        return path.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { name in
            guard let first = name.utf8.first, first != 0x3A, first != 0x2C, first != 0x7D, first != 0x5D, first != 0x20 else { return false }
            return !name.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
        }
    }

    /// Index of the first byte of the field's value in `record`, or nil.
    public func valueStart(in record: UnsafeRawBufferPointer) -> Int? {
        guard !path.isEmpty else { return nil }
        if let at = follow(record) { return at }
        if needles.count > 1 { return TimeField.keyValue(literal, in: record, from: 0, end: record.count) }
        return nil
    }

    private func follow(_ record: UnsafeRawBufferPointer) -> Int? {
        guard var at = TimeField.keyValue(needles[0], in: record, from: 0, end: record.count) else { return nil }
        for needle in needles.dropFirst() {
            guard at < record.count, record[at] == 0x7B else { return nil }   // {
            guard let next = TimeField.memberValue(needle, inObjectAt: at, of: record) else { return nil }
            at = next
        }
        return at
    }

    /// The value start after the first `"key"` followed by `:` in `r[from..<end]`. In valid
    /// JSON a quoted name followed by a colon is always a key (quotes inside strings are
    /// escaped), so this needs no parse.
    static func keyValue(_ needle: [UInt8], in r: UnsafeRawBufferPointer, from: Int, end n: Int) -> Int? {
        guard let base = r.baseAddress else { return nil }
        let m = needle.count
        return needle.withUnsafeBytes { nd -> Int? in
            guard let nb = nd.baseAddress else { return nil }
            var i = from
            while i + m <= n {
                guard let hit = memchr(base + i, 0x22, n - i - m + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, nb, m) == 0 {
                    var j = at + m
                    while j < n, Timestamps.isSpace(r[j]) { j += 1 }
                    if j < n, r[j] == 0x3A {
                        j += 1
                        while j < n, Timestamps.isSpace(r[j]) { j += 1 }
                        return j
                    }
                }
                i = at + 1
            }
            return nil
        }
    }

    /// The value start of member `"key"` of the object starting at `open` (its own members only).
    static func memberValue(_ needle: [UInt8], inObjectAt open: Int, of r: UnsafeRawBufferPointer) -> Int? {
        let n = r.count
        var i = open + 1
        while true {
            while i < n, Timestamps.isSpace(r[i]) || r[i] == 0x2C { i += 1 }
            guard i < n, r[i] == 0x22, let keyEnd = stringEnd(r, i) else { return nil }
            var j = keyEnd
            while j < n, Timestamps.isSpace(r[j]) { j += 1 }
            guard j < n, r[j] == 0x3A else { return nil }
            j += 1
            while j < n, Timestamps.isSpace(r[j]) { j += 1 }
            if keyEnd - i == needle.count, needle.withUnsafeBytes({ memcmp(r.baseAddress! + i, $0.baseAddress!, needle.count) == 0 }) {
                return j
            }
            guard let after = skipValue(r, j) else { return nil }
            i = after
        }
    }

    /// Index just past the string starting at the quote `i`.
    static func stringEnd(_ r: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        guard let base = r.baseAddress else { return nil }
        var k = i + 1
        while k < r.count {
            // memchr to the next quote; it ends the string unless an odd run of backslashes precedes it.
            guard let hit = memchr(base + k, 0x22, r.count - k) else { return nil }
            let q = base.distance(to: UnsafeRawPointer(hit))
            var slashes = 0
            while q - 1 - slashes > i, r[q - 1 - slashes] == 0x5C { slashes += 1 }
            if slashes % 2 == 0 { return q + 1 }
            k = q + 1
        }
        return nil
    }

    /// Index just past the JSON value starting at `i` (brackets balanced, strings skipped).
    static func skipValue(_ r: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        let n = r.count
        guard i < n else { return nil }
        switch r[i] {
        case 0x22: return stringEnd(r, i)
        case 0x7B, 0x5B:
            var depth = 0
            var k = i
            while k < n {
                switch r[k] {
                case 0x22:
                    guard let e = stringEnd(r, k) else { return nil }
                    k = e
                    continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 { return k + 1 }
                default: break
                }
                k += 1
            }
            return nil
        default:
            var k = i
            while k < n, r[k] != 0x2C, r[k] != 0x7D, r[k] != 0x5D, !Timestamps.isSpace(r[k]) { k += 1 }
            return k
        }
    }
}

extension Timestamps {
    /// A field that dates records, found in a sample: leaves (to depth 3) whose values read as
    /// times between 1990 and 2100 in most records.
    public struct Candidate: Sendable, Equatable {
        public var path: String
        /// Share of the sampled records in which the field holds a time.
        public var coverage: Double
    }

    /// Candidate time fields of `records` (JSON objects), best first: by coverage, then names
    /// that say time (`timestamp`, `@timestamp`, `ts`, `time`, …), then document order.
    public static func candidates(in records: [UnsafeRawBufferPointer]) -> [Candidate] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for r in records {
            var seen = Set<String>()
            collect(r, at: 0, prefix: "", depth: 0) { path, start in
                guard !seen.contains(path), let t = value(r, from: start), t >= 631_152_000_000, t < 4_102_444_800_000 else { return }
                seen.insert(path)
                if counts[path] == nil { order.append(path) }
                counts[path, default: 0] += 1
            }
        }
        let total = max(records.count, 1)
        func nameScore(_ p: String) -> Int {
            let last = (p.split(separator: ".").last.map(String.init) ?? p).lowercased()
            if ["timestamp", "@timestamp", "ts", "time", "datetime", "date", "eventtime", "event_time"].contains(last) { return 2 }
            return last.contains("time") || last.hasSuffix("_at") || last.hasSuffix("ts") ? 1 : 0
        }
        let ranked = order.enumerated().map { (idx, p) in (p, Double(counts[p]!) / Double(total), nameScore(p), idx) }
            .sorted { a, b in
                // Coverage first (in 5 % steps: a few records lacking the field do not outvote a name).
                let ca = Int(a.1 * 20), cb = Int(b.1 * 20)
                if ca != cb { return ca > cb }
                if a.2 != b.2 { return a.2 > b.2 }
                return a.3 < b.3
            }
        return ranked.map { Candidate(path: $0.0, coverage: $0.1) }
    }

    /// Calls `visit(path, valueStart)` for each string or number member of the object at `i`.
    static func collect(_ r: UnsafeRawBufferPointer, at start: Int, prefix: String, depth: Int,
                        _ visit: (String, Int) -> Void) {
        var i = start
        while i < r.count, isSpace(r[i]) { i += 1 }
        guard i < r.count, r[i] == 0x7B, depth < 3 else { return }
        i += 1
        let n = r.count
        while true {
            while i < n, isSpace(r[i]) || r[i] == 0x2C { i += 1 }
            guard i < n, r[i] == 0x22, let keyEnd = TimeField.stringEnd(r, i) else { return }
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: r[(i + 1)..<(keyEnd - 1)]), as: UTF8.self)
            var j = keyEnd
            while j < n, isSpace(r[j]) { j += 1 }
            guard j < n, r[j] == 0x3A else { return }
            j += 1
            while j < n, isSpace(r[j]) { j += 1 }
            guard j < n else { return }
            let path = prefix.isEmpty ? key : prefix + "." + key
            if r[j] == 0x7B {
                collect(r, at: j, prefix: path, depth: depth + 1, visit)
            } else if r[j] == 0x22 || isNumberByte(r[j]) {
                visit(path, j)
            }
            guard let after = TimeField.skipValue(r, j) else { return }
            i = after
        }
    }
}
