/// Proleptic Gregorian calendar arithmetic on integers (Neri and Schneider's forms; Howard
/// Hinnant's `days_from_civil` and `civil_from_days` for extreme values). The generator, the
/// timestamp transform and the container's time index all need it on hot paths, identically
/// on every machine: no Foundation calendars.
public enum CivilDate {
    /// Floor division (rounds toward −∞), so instants before the epoch fall on the right day.
    /// For b > 0 (every time unit) one truncating division, of a or of ¬a = −1 − a ≥ 0 below
    /// zero (whose quotient q gives ¬q), with no remainder test: exact for every a, and a
    /// multiply when b is a constant.
    @inlinable @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        if b > 0 { return a >= 0 ? a / b : ~(~a / b) }
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    // Neri and Schneider's Euclidean affine forms ("Euclidean affine functions and their
    // application to calendar algorithms", 2022): the same results in 32-bit unsigned
    // arithmetic, divisions by constants only, on dates shifted by 82 400-year cycles to be
    // non-negative. Outside the ranges they hold for (years −32 799 … 2 000 000, days
    // −12 699 422 … 10⁹), Hinnant's signed 64-bit forms (`daysWide`, `civilWide`) answer.
    /// 82 cycles: 719 468 + 146 097 × 82 days (1970-01-01 from 0000-03-01, then the
    /// cycles), 400 × 82 years. Constants, not stored properties: no lazy initialisation.
    @inlinable static var shiftDays: UInt32 { 12_699_422 }
    @inlinable static var shiftYears: UInt32 { 32_800 }

    /// Days since 1970-01-01 of (year, month 1…12, day 1…31).
    @inlinable
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        guard year >= -32_799, year <= 2_000_000, month >= 1, month <= 12, day >= 1, day <= 31 else {
            return daysWide(year: year, month: month, day: day)
        }
        let j: UInt32 = month <= 2 ? 1 : 0
        let y = UInt32(truncatingIfNeeded: year &+ Int64(shiftYears)) &- j
        let m = UInt32(truncatingIfNeeded: month) &+ 12 &* j
        let c = y / 100
        let yearDays = 1461 &* y / 4 &- c &+ c / 4
        let monthDays = (979 &* m &- 2919) / 32
        let n = yearDays &+ monthDays &+ UInt32(truncatingIfNeeded: day) &- 1
        return Int64(n) &- Int64(shiftDays)
    }

    /// `days` for any year (Howard Hinnant's `days_from_civil`).
    @usableFromInline
    static func daysWide(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month 1…12, day 1…31) of a count of days since 1970-01-01.
    @inlinable
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        guard z0 >= -Int64(shiftDays), z0 <= 1_000_000_000 else { return civilWide(fromDays: z0) }
        let n = UInt32(truncatingIfNeeded: z0 &+ Int64(shiftDays))
        let n1 = 4 &* n &+ 3
        let century = n1 / 146_097
        let dayOfCentury = n1 % 146_097 / 4
        let p2 = UInt64(2_939_745) &* UInt64(4 &* dayOfCentury &+ 3)
        let yearOfCentury = UInt32(truncatingIfNeeded: p2 >> 32)
        let dayOfYear = UInt32(truncatingIfNeeded: p2) / 2_939_745 / 4   // from March 1st
        let n3 = 2141 &* dayOfYear &+ 197_913
        let j: UInt32 = dayOfYear >= 306 ? 1 : 0   // January or February: the next year
        let year = Int64(100 &* century &+ yearOfCentury) &- Int64(shiftYears) &+ Int64(j)
        return (year, Int64(n3 >> 16 &- 12 &* j), Int64((n3 & 0xFFFF) / 2141 &+ 1))
    }

    /// `civil(fromDays:)` for any day (Howard Hinnant's `civil_from_days`).
    @usableFromInline
    static func civilWide(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
