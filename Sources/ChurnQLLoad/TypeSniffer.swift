import ChurnQLStore

/// How a column's text is read, decided from every value of the column.
enum ColumnKind: Equatable, Sendable {
    case integer, decimal, boolean, text
    /// Order ids written as plain integers (no sign, no leading zero): stored as integers, whose text is exactly
    /// what was written, since a text dictionary of millions of distinct ids would take far more time and memory.
    case integerID
    /// Amounts written with currency symbols or thousands separators.
    case money(commaThousands: Bool)
    case date(DateKind)
    case timestamp(DateKind)
}

/// The date layouts churnql recognises.
enum DateKind: Equatable, Sendable {
    case iso, compact, dayFirst, monthFirst
    case pattern
}

/// Tracks which types every non-null value of one column fits, so inference sees the whole column.
struct TypeSniffer {
    var integer = true
    /// Every value an integer written the one way it prints (see `FieldParsers.canonicalInteger`).
    var canonicalInteger = true
    var decimal = true
    var boolean = true
    var isoDate = true
    var compactDate = true
    var slash = true
    var isoTimestamp = true
    var pattern: DatePattern?
    var patternFits = true
    var dayFirstFits = true
    var monthFirstFits = true
    var slashHasTime = false
    var nonNull = 0
    /// Fits as money ($1,234.50 / 1.234,50 €); `sawMoneyOnly` is set once a value needed the money reading.
    var moneyComma = true
    var moneyDot = true
    var sawMoneyOnly = false

    init(pattern: DatePattern?) {
        self.pattern = pattern
        patternFits = pattern != nil
    }

    var anyCandidate: Bool {
        integer || decimal || boolean || isoDate || compactDate || slash || isoTimestamp || patternFits || moneyComma
            || moneyDot
    }

    mutating func observe(_ f: Field) {
        nonNull += 1
        guard anyCandidate else { return }
        if integer && FieldParsers.integer(f) == nil { integer = false }
        if canonicalInteger && (!integer || FieldParsers.canonicalInteger(f) == nil) { canonicalInteger = false }
        if decimal && !integer && FieldParsers.decimal(f) == nil { decimal = false }
        if boolean && FieldParsers.boolean(f) == nil { boolean = false }
        if isoDate && FieldParsers.isoDate(f) == nil { isoDate = false }
        if compactDate && FieldParsers.compactDate(f) == nil { compactDate = false }
        if isoTimestamp && !isoDate && FieldParsers.isoTimestamp(f) == nil && FieldParsers.isoDate(f) == nil {
            isoTimestamp = false
        }
        if slash {
            if let parts = FieldParsers.slashParts(f) {
                if dayFirstFits && !Dates.isValid(year: parts.year, month: parts.b, day: parts.a) {
                    dayFirstFits = false
                }
                if monthFirstFits && !Dates.isValid(year: parts.year, month: parts.a, day: parts.b) {
                    monthFirstFits = false
                }
                if parts.seconds != nil { slashHasTime = true }
                if !dayFirstFits && !monthFirstFits { slash = false }
            } else {
                slash = false
            }
        }
        if patternFits, let pattern, pattern.parse(f) == nil { patternFits = false }
        if moneyComma || moneyDot {
            // `decimal` still holding means every value so far, this one included, was a plain number.
            let plain = decimal || FieldParsers.decimal(f) != nil
            if plain {
                // "12.50" rules out dot-thousands money.
                if moneyDot && f.containsByte(UInt8(ascii: ".")) { moneyDot = false }
            } else {
                sawMoneyOnly = true
                if moneyComma && FieldParsers.money(f, style: .commaThousands) == nil { moneyComma = false }
                if moneyDot && FieldParsers.money(f, style: .dotThousands) == nil { moneyDot = false }
            }
        }
    }

    /// A note when the decision had to pick between readings (dd/MM vs MM/dd).
    struct Decision {
        var kind: ColumnKind
        var ambiguity: String?
        /// A note when a text-looking column was read as money.
        var money: String?
    }

    func decide() -> Decision {
        guard nonNull > 0 else { return Decision(kind: .text) }
        if patternFits, let pattern { return Decision(kind: pattern.hasTime ? .timestamp(.pattern) : .date(.pattern)) }
        if boolean { return Decision(kind: .boolean) }
        if compactDate && integer { return Decision(kind: .date(.compact)) }
        if integer { return Decision(kind: .integer) }
        if decimal { return Decision(kind: .decimal) }
        if sawMoneyOnly && moneyComma {
            return Decision(
                kind: .money(commaThousands: true), ambiguity: nil, money: "read amounts like $1,234.50 as numbers")
        }
        if sawMoneyOnly && moneyDot {
            return Decision(
                kind: .money(commaThousands: false), ambiguity: nil, money: "read amounts like 1.234,50 as numbers")
        }
        if isoDate { return Decision(kind: .date(.iso)) }
        if isoTimestamp { return Decision(kind: .timestamp(.iso)) }
        if slash {
            let wrap: (DateKind) -> ColumnKind = { slashHasTime ? .timestamp($0) : .date($0) }
            if !monthFirstFits { return Decision(kind: wrap(.dayFirst)) }
            if !dayFirstFits { return Decision(kind: wrap(.monthFirst)) }
            return Decision(
                kind: wrap(.dayFirst),
                ambiguity: "every value fits both dd/MM/yyyy and MM/dd/yyyy; read as dd/MM/yyyy")
        }
        return Decision(kind: .text)
    }
}

extension ColumnKind {
    /// Whether a single value fits this kind (used to tell a header row from data).
    func fits(_ f: Field, pattern: DatePattern?) -> Bool {
        switch self {
        case .text: return true
        case .money(let comma):
            return FieldParsers.decimal(f) != nil
                || FieldParsers.money(f, style: comma ? .commaThousands : .dotThousands) != nil
        case .integer: return FieldParsers.integer(f) != nil
        case .integerID: return FieldParsers.canonicalInteger(f) != nil
        case .decimal: return FieldParsers.decimal(f) != nil
        case .boolean: return FieldParsers.boolean(f) != nil
        case .date(.iso): return FieldParsers.isoDate(f) != nil
        case .date(.compact): return FieldParsers.compactDate(f) != nil
        case .timestamp(.iso): return FieldParsers.isoTimestamp(f) != nil || FieldParsers.isoDate(f) != nil
        case .date(.pattern), .timestamp(.pattern): return pattern?.parse(f) != nil
        case .date, .timestamp: return FieldParsers.slashParts(f) != nil
        }
    }

    var dataType: DataType {
        switch self {
        case .integer, .integerID: return .integer
        case .decimal, .money: return .decimal
        case .boolean: return .boolean
        case .text: return .text
        case .date: return .date
        case .timestamp: return .timestamp
        }
    }
}

extension TypeSniffer {
    /// Combines what two chunks of the same column saw.
    mutating func merge(_ other: TypeSniffer) {
        integer = integer && other.integer
        canonicalInteger = canonicalInteger && other.canonicalInteger
        decimal = decimal && other.decimal
        boolean = boolean && other.boolean
        isoDate = isoDate && other.isoDate
        compactDate = compactDate && other.compactDate
        slash = slash && other.slash
        isoTimestamp = isoTimestamp && other.isoTimestamp
        patternFits = patternFits && other.patternFits
        dayFirstFits = dayFirstFits && other.dayFirstFits
        monthFirstFits = monthFirstFits && other.monthFirstFits
        slashHasTime = slashHasTime || other.slashHasTime
        moneyComma = moneyComma && other.moneyComma
        moneyDot = moneyDot && other.moneyDot
        sawMoneyOnly = sawMoneyOnly || other.sawMoneyOnly
        nonNull += other.nonNull
    }
}
