/// Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian), without Foundation.
public enum Dates {
    /// The day number of a civil date; the caller validates month and day ranges.
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int32 {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(truncatingIfNeeded: era * 146097 + doe - 719468)
    }

    /// The civil date of a day number.
    public static func civil(_ dayNumber: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(dayNumber) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Whether a civil date exists (e.g. rejects 2023-02-29).
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1, year >= 1, year <= 9999 else { return false }
        return day <= daysInMonth(year: year, month: month)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// ISO 8601 weekday, Monday = 1 … Sunday = 7.
    public static func weekday(_ dayNumber: Int32) -> Int {
        // 1970-01-01 was a Thursday (4).
        let w = (Int(dayNumber) % 7 + 7 + 3) % 7
        return w + 1
    }

    /// Adds calendar months, clamping the day to the end of the target month (Jan 31 + 1mo = Feb 28/29).
    /// The caller keeps the result within the calendar (see `adding(months:to:)`).
    public static func addMonths(_ dayNumber: Int32, _ months: Int) -> Int32 {
        adding(months: months, to: dayNumber) ?? (months < 0 ? firstDay : lastDay)
    }

    /// The first and last day that dates may take: 0001-01-01 and 9999-12-31.
    public static let firstDay: Int32 = -719_162
    public static let lastDay: Int32 = 2_932_896

    /// A day number from a wider integer, nil outside 0001-01-01 … 9999-12-31: the one checked conversion that
    /// date arithmetic goes through, so a sum never wraps to another date.
    public static func checkedDay(_ dayNumber: Int64) -> Int32? {
        dayNumber >= Int64(firstDay) && dayNumber <= Int64(lastDay) ? Int32(dayNumber) : nil
    }

    /// `day + days`, nil beyond the calendar.
    public static func adding(days: Int64, to day: Int32) -> Int32? {
        let (sum, overflow) = Int64(day).addingReportingOverflow(days)
        return overflow ? nil : checkedDay(sum)
    }

    /// `day + months` with the day clamped to the target month's end, nil beyond the calendar.
    public static func adding(months: Int, to day: Int32) -> Int32? {
        let (y, m, d) = civil(day)
        let (total, overflow) = (y * 12 + (m - 1)).addingReportingOverflow(months)
        guard !overflow else { return nil }
        let ny = total >= 0 ? total / 12 : (total - 11) / 12
        guard (1...9999).contains(ny) else { return nil }
        let nm = total - ny * 12 + 1
        return Self.dayNumber(year: ny, month: nm, day: Swift.min(d, daysInMonth(year: ny, month: nm)))
    }

    /// `yyyy-MM-dd`.
    public static func format(_ dayNumber: Int32) -> String {
        let (y, m, d) = civil(dayNumber)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `yyyy-MM-dd HH:mm:ss` for seconds since the epoch.
    public static func formatTimestamp(_ seconds: Int64) -> String {
        let day = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rest = Int(seconds - day * 86400)
        return format(Int32(truncatingIfNeeded: day)) + " " + pad(rest / 3600, 2) + ":" + pad(rest / 60 % 60, 2)
            + ":" + pad(rest % 60, 2)
    }

    /// The day number of a timestamp in seconds.
    public static func day(ofTimestamp seconds: Int64) -> Int32 {
        Int32(truncatingIfNeeded: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
    }

    /// Parses `yyyy-MM-dd` exactly; nil otherwise.
    public static func parseISO(_ text: String) -> Int32? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        guard let y = digits(bytes, 0, 4), let m = digits(bytes, 5, 2), let d = digits(bytes, 8, 2),
            isValid(year: y, month: m, day: d)
        else { return nil }
        return dayNumber(year: y, month: m, day: d)
    }

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for i in start..<(start + count) {
            let c = bytes[i]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
