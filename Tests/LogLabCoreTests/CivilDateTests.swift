import Testing
@testable import LogLabCore

@Suite struct CivilDateTests {
    @Test func knownDatesMapToTheirDayNumbers() {
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 2021, month: 12, day: 26) == 18_987)
        #expect(CivilDate.days(year: 2000, month: 3, day: 1) == 11_017)   // after a 400-year leap day
        #expect(CivilDate.days(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilDate.civil(fromDays: 18_987) == (2021, 12, 26))
        #expect(CivilDate.civil(fromDays: -1) == (1969, 12, 31))
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        let start = CivilDate.days(year: 1900, month: 1, day: 1)
        let end = CivilDate.days(year: 2300, month: 1, day: 1)
        var previous = CivilDate.civil(fromDays: start - 1)
        for d in start..<end {
            let c = CivilDate.civil(fromDays: d)
            if CivilDate.days(year: c.year, month: c.month, day: c.day) != d {
                Issue.record("day \(d) -> \(c) does not map back"); return
            }
            // Consecutive days advance the day, or roll the month/year over to day 1.
            let next = c.day == previous.day + 1 || (c.day == 1 && (c.month != previous.month))
            if !next { Issue.record("day \(d) does not follow the previous one: \(previous) -> \(c)"); return }
            previous = c
        }
        #expect(CivilDate.floorDiv(-1, 86_400_000) == -1)
        #expect(CivilDate.floorDiv(86_400_000, 86_400_000) == 1)
    }

    /// The fast forms agree with the wide ones (every date's day number, and back) across
    /// their ranges and at their edges; outside them the wide ones answer.
    @Test func fastFormsAgreeWithTheWideOnes() {
        var rng = SystemRandomNumberGenerator()
        var days: [Int64] = [-12_699_422, -12_699_421, -12_699_423, 1_000_000_000, 1_000_000_001, -1, 0, Int64.min / 2, Int64.max / 2]
        days += (0..<200_000).map { _ in Int64.random(in: -12_700_000...1_000_100_000, using: &rng) }
        days += (-800_000..<800_000).map { Int64($0) }
        for d in days where CivilDate.civil(fromDays: d) != CivilDate.civilWide(fromDays: d) {
            Issue.record("day \(d): \(CivilDate.civil(fromDays: d)) vs \(CivilDate.civilWide(fromDays: d))"); return
        }
        var dates: [(Int64, Int64, Int64)] = [(-32_799, 1, 1), (-32_800, 3, 1), (-32_799, 2, 31), (2_000_000, 12, 31), (2_000_001, 1, 1),
                                              (2021, 0, 1), (2021, 13, 1), (2021, 2, 0), (2021, 2, 32), (-5_000_000, 6, 15)]
        dates += (0..<200_000).map { _ in (Int64.random(in: -33_000...2_000_100, using: &rng), Int64.random(in: 1...12, using: &rng),
                                           Int64.random(in: 1...31, using: &rng)) }
        for (y, m, d) in dates where CivilDate.days(year: y, month: m, day: d) != CivilDate.daysWide(year: y, month: m, day: d) {
            Issue.record("\(y)-\(m)-\(d): \(CivilDate.days(year: y, month: m, day: d)) vs \(CivilDate.daysWide(year: y, month: m, day: d))")
            return
        }
    }
}
