import ChurnQLStore

/// How a column's text is read, decided from every value of the column.
enum ColumnKind: Equatable, Sendable {
    case integer, decimal, boolean, text
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

    init(pattern: DatePattern?) {
        self.pattern = pattern
        patternFits = pattern != nil
    }

    var anyCandidate: Bool {
        integer || decimal || boolean || isoDate || compactDate || slash || isoTimestamp || patternFits
    }

    mutating func observe(_ f: Field) {
        nonNull += 1
        guard anyCandidate else { return }
        if integer && FieldParsers.integer(f) == nil { integer = false }
        if decimal && !integer && FieldParsers.decimal(f) == nil { decimal = false }
        if boolean && FieldParsers.boolean(f) == nil { boolean = false }
        if isoDate && FieldParsers.isoDate(f) == nil { isoDate = false }
        if compactDate && FieldParsers.compactDate(f) == nil { compactDate = false }
        if isoTimestamp && !isoDate && FieldParsers.isoTimestamp(f) == nil { isoTimestamp = false }
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
    }

    /// A note when the decision had to pick between readings (dd/MM vs MM/dd).
    struct Decision {
        var kind: ColumnKind
        var ambiguity: String?
    }

    func decide() -> Decision {
        guard nonNull > 0 else { return Decision(kind: .text) }
        if patternFits, let pattern { return Decision(kind: pattern.hasTime ? .timestamp(.pattern) : .date(.pattern)) }
        if boolean { return Decision(kind: .boolean) }
        if compactDate && integer { return Decision(kind: .date(.compact)) }
        if integer { return Decision(kind: .integer) }
        if decimal { return Decision(kind: .decimal) }
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
        case .integer: return FieldParsers.integer(f) != nil
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
        case .integer: return .integer
        case .decimal: return .decimal
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
        nonNull += other.nonNull
    }
}
