import ChurnQLStore

/// The CDNOW sample (examples/cdnow/orders.csv) compiled into the program, so that `verify` needs no file: it
/// works from any directory, with the binary installed anywhere, whatever the session has loaded. A test checks
/// that `csv` is the example file byte for byte.
enum CDNOWSample {
    static let header = "customer_id,order_date,cds,amount"
    /// The day `encoded` counts from.
    static let firstDay = Dates.dayNumber(year: 1997, month: 1, day: 1)
    /// Where the sample's calibration period ends and its data ends (Fader, Hardie & Lee 2005).
    static let calibrationEnd = Dates.dayNumber(year: 1997, month: 9, day: 30)
    static let asof = Dates.dayNumber(year: 1998, month: 6, day: 30)

    /// The sample as CSV text (customer_id, order_date, cds, amount).
    static var csv: String { decode(encoded) }

    /// Rebuilds CSV lines from `customer day,cds,amount …` tokens; a token without a comma starts a customer.
    static func decode(_ text: String) -> String {
        var lines = [header]
        var customer = Substring()
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let fields = token.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 3, let offset = Int32(fields[0]) else {
                customer = token
                continue
            }
            let (day, overflow) = firstDay.addingReportingOverflow(offset)
            guard !overflow else { continue }
            lines.append("\(customer),\(Dates.format(day)),\(fields[1]),\(fields[2])")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The inverse of `decode`, for regenerating `encoded` from the example file: nil when a line is not
    /// `customer,yyyy-mm-dd,cds,amount` or its customer's lines are not together.
    static func encode(_ csv: String) -> [String]? {
        var lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == header, lines.last == "" else { return nil }
        lines = Array(lines.dropFirst().dropLast())
        var tokens: [String] = []
        var seen: Set<Substring> = []
        var current: Substring?
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 4, let day = Dates.parseISO(String(fields[1])), !fields[0].isEmpty,
                !fields[0].contains(" ")
            else {
                return nil
            }
            if fields[0] != current {
                guard seen.insert(fields[0]).inserted else { return nil }
                current = fields[0]
                tokens.append(String(fields[0]))
            }
            tokens.append("\(Int64(day) - Int64(firstDay)),\(fields[2]),\(fields[3])")
        }
        return tokens
    }
}
