import ChurnQLStore
import Testing

@Suite("Dates: calendar arithmetic on day numbers")
struct DatesTests {
    @Test func epochIsDayZero() {
        #expect(Dates.dayNumber(year: 1970, month: 1, day: 1) == 0)
        let (y, m, d) = Dates.civil(0)
        #expect(y == 1970 && m == 1 && d == 1)
        #expect(Dates.format(0) == "1970-01-01")
        #expect(Dates.format(-1) == "1969-12-31")
    }

    /// Hand-computed day numbers.
    @Test(
        "known day numbers",
        arguments: [
            // 1970 has 365 days.
            (1971, 1, 1, 365),
            // 1972 is a leap year: Jan (31) + Feb (29) = 60 days into it; 1970–71 = 730 days.
            (1972, 3, 1, 730 + 60),
            // 30 years 1970–1999, 7 leap days (72..96): 30 × 365 + 7 = 10957.
            (2000, 1, 1, 10957),
            // + 31 (Jan) + 28 → Feb 29 is day 59 of 2000.
            (2000, 2, 29, 10957 + 59),
            // 54 years, 13 leap days (72..2020): 54 × 365 + 13 = 19723.
            (2024, 1, 1, 19723),
            (2024, 12, 31, 19723 + 365),
            // 1969-12-31 is the day before the epoch; 1900-01-01 is 70 years (17 leap days) before it.
            (1969, 12, 31, -1),
            (1900, 1, 1, -(70 * 365 + 17)),
        ])
    func knownDayNumbers(_ y: Int, _ m: Int, _ d: Int, _ expected: Int) {
        #expect(Dates.dayNumber(year: y, month: m, day: d) == Int32(expected))
        let back = Dates.civil(Int32(expected))
        #expect(back.year == y && back.month == m && back.day == d)
    }

    @Test func everyDayFrom1599To2401RoundTripsAndIsConsecutive() {
        // Walk the calendar month by month with isValid/daysInMonth; each date must be the previous + 1.
        var expected = Dates.dayNumber(year: 1599, month: 1, day: 1)
        var mismatches = 0
        var checked = 0
        for year in 1599...2401 {
            for month in 1...12 {
                let length = Dates.daysInMonth(year: year, month: month)
                for day in 1...length {
                    let n = Dates.dayNumber(year: year, month: month, day: day)
                    let c = Dates.civil(n)
                    if n != expected || c.year != year || c.month != month || c.day != day { mismatches += 1 }
                    expected += 1
                    checked += 1
                }
            }
        }
        #expect(mismatches == 0)
        // 803 years; the 400-year cycle has 146097 days; 1599-01-01 to 2399-01-01 is two cycles,
        // then 2399 (365) + 2400 (leap, 366) + 2401 (365).
        #expect(checked == 2 * 146097 + 365 + 366 + 365)
    }

    @Test func civilRoundTripsOverALargeRange() {
        var failures = 0
        for n in stride(from: Int32(-800_000), through: 2_900_000, by: 997) {
            let c = Dates.civil(n)
            if Dates.dayNumber(year: c.year, month: c.month, day: c.day) != n { failures += 1 }
            if !(1...12).contains(c.month) || c.day < 1 || c.day > 31 { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test(
        "leap years",
        arguments: [(2000, true), (1900, false), (2100, false), (2024, true), (2023, false), (1600, true), (4, true)])
    func leapYears(_ year: Int, _ leap: Bool) {
        #expect(Dates.isLeap(year) == leap)
        #expect(Dates.daysInMonth(year: year, month: 2) == (leap ? 29 : 28))
        #expect(Dates.isValid(year: year, month: 2, day: 29) == leap)
    }

    @Test(
        "validity",
        arguments: [
            (2000, 2, 29, true), (1900, 2, 29, false), (2023, 2, 29, false), (2024, 4, 30, true),
            (2024, 4, 31, false), (2024, 12, 31, true), (2024, 13, 1, false), (2024, 0, 10, false),
            (2024, 1, 0, false), (0, 1, 1, false), (9999, 12, 31, true), (10000, 1, 1, false),
        ])
    func validity(_ y: Int, _ m: Int, _ d: Int, _ valid: Bool) {
        #expect(Dates.isValid(year: y, month: m, day: d) == valid)
    }

    @Test(
        "addMonths clamps to the end of the month",
        arguments: [
            ("2024-01-31", 1, "2024-02-29"),  // leap February
            ("2023-01-31", 1, "2023-02-28"),
            ("2024-01-31", 3, "2024-04-30"),
            ("2024-03-31", -1, "2024-02-29"),
            ("2024-01-15", -1, "2023-12-15"),  // crosses the year backwards
            ("2024-11-30", 2, "2025-01-30"),  // crosses the year forwards
            ("2024-02-29", 12, "2025-02-28"),
            ("2024-02-29", 48, "2028-02-29"),
            ("2000-05-10", -24, "1998-05-10"),
            ("1970-01-01", -1, "1969-12-01"),
            ("2024-06-15", 0, "2024-06-15"),
        ])
    func addMonths(_ start: String, _ months: Int, _ expected: String) throws {
        let day = try #require(Dates.parseISO(start))
        #expect(Dates.format(Dates.addMonths(day, months)) == expected)
    }

    @Test(
        "ISO weekday",
        arguments: [
            ("1970-01-01", 4),  // Thursday
            ("1969-12-31", 3),  // Wednesday
            ("1969-12-25", 4),  // a week before the epoch
            ("2000-01-01", 6),  // Saturday
            ("2024-02-29", 4),  // Thursday
            ("2024-03-03", 7),  // Sunday
            ("2024-03-04", 1),  // Monday
            ("1900-01-01", 1),  // Monday
        ])
    func weekday(_ date: String, _ expected: Int) throws {
        let day = try #require(Dates.parseISO(date))
        #expect(Dates.weekday(day) == expected)
    }

    @Test func weekdayCyclesThroughSevenDays() {
        for n in Int32(-30)...30 {
            let w = Dates.weekday(n)
            #expect((1...7).contains(w))
            #expect(Dates.weekday(n + 1) == w % 7 + 1)
        }
    }

    @Test func formatPadsFields() {
        #expect(Dates.format(Dates.dayNumber(year: 2024, month: 2, day: 9)) == "2024-02-09")
        #expect(Dates.format(Dates.dayNumber(year: 987, month: 6, day: 5)) == "0987-06-05")
        #expect(Dates.format(Dates.dayNumber(year: 2000, month: 2, day: 29)) == "2000-02-29")
    }

    @Test func formatTimestamp() {
        #expect(Dates.formatTimestamp(0) == "1970-01-01 00:00:00")
        #expect(Dates.formatTimestamp(-1) == "1969-12-31 23:59:59")
        // 2024-01-15 is day 19737; 10:30:05 = 37805 s.
        #expect(Dates.formatTimestamp(19737 * 86400 + 37805) == "2024-01-15 10:30:05")
        #expect(Dates.day(ofTimestamp: -1) == -1)
        #expect(Dates.day(ofTimestamp: -86400) == -1)
        #expect(Dates.day(ofTimestamp: -86401) == -2)
        #expect(Dates.day(ofTimestamp: 86399) == 0)
    }

    @Test(
        "parseISO accepts exactly yyyy-MM-dd",
        arguments: [
            ("2024-02-29", true), ("2023-02-29", false), ("1900-02-29", false), ("2024-1-05", false),
            ("2024/01/05", false), ("2024-01-05 ", false), ("20240105", false), ("abcd-ef-gh", false),
        ])
    func parseISO(_ text: String, _ ok: Bool) {
        let parsed = Dates.parseISO(text)
        #expect((parsed != nil) == ok)
        if let parsed { #expect(Dates.format(parsed) == text) }
    }
}
