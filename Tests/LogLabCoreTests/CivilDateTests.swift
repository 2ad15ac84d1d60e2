import Testing
import LogLabCore

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
}
