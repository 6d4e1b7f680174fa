import ChurnQLStore

/// A strftime-style date pattern given with `with (date_format: "%d/%m/%Y")`: %Y %m %d %H %M %S and literals.
struct DatePattern: Sendable {
    enum Piece: Sendable, Equatable {
        case year, month, day, hour, minute, second
        case literal(UInt8)
    }

    let pieces: [Piece]
    let text: String
    var hasTime: Bool { pieces.contains { $0 == .hour } }

    /// nil when the pattern has no %Y, %m and %d or uses an unknown directive.
    init?(_ text: String) {
        var pieces: [Piece] = []
        var bytes = Array(text.utf8).makeIterator()
        while let c = bytes.next() {
            if c == UInt8(ascii: "%") {
                switch bytes.next() {
                case UInt8(ascii: "Y"): pieces.append(.year)
                case UInt8(ascii: "m"): pieces.append(.month)
                case UInt8(ascii: "d"): pieces.append(.day)
                case UInt8(ascii: "H"): pieces.append(.hour)
                case UInt8(ascii: "M"): pieces.append(.minute)
                case UInt8(ascii: "S"): pieces.append(.second)
                case UInt8(ascii: "%"): pieces.append(.literal(UInt8(ascii: "%")))
                default: return nil
                }
            } else {
                pieces.append(.literal(c))
            }
        }
        guard pieces.contains(.year), pieces.contains(.month), pieces.contains(.day) else { return nil }
        self.pieces = pieces
        self.text = text
    }

    /// Seconds since the epoch, or nil when the field does not match.
    func parse(_ f: Field) -> Int64? {
        var i = 0
        var y = 0, m = 0, d = 0, hh = 0, mm = 0, ss = 0
        for piece in pieces {
            switch piece {
            case .literal(let c):
                guard i < f.count, f[i] == c else { return nil }
                i += 1
            default:
                let width = piece == .year ? 4 : 2
                var value = 0
                var n = 0
                while i < f.count, n < width, FieldParsers.isDigit(f[i]) {
                    value = value * 10 + Int(f[i] - 48)
                    i += 1
                    n += 1
                }
                guard n > 0, piece != .year || n == 4 else { return nil }
                switch piece {
                case .year: y = value
                case .month: m = value
                case .day: d = value
                case .hour: hh = value
                case .minute: mm = value
                default: ss = value
                }
            }
        }
        guard i == f.count, Dates.isValid(year: y, month: m, day: d), hh < 24, mm < 60, ss < 60 else { return nil }
        return Int64(Dates.dayNumber(year: y, month: m, day: d)) * 86400 + Int64(hh * 3600 + mm * 60 + ss)
    }
}
