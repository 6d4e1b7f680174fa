/// How the keys of a customers table are matched to the orders' customer keys (the `key_match` load option).
/// Keys are text as written, so `0042`, `"42 "` and `42` are three keys unless a looser rule is asked for.
public enum KeyMatch: String, Sendable, CaseIterable {
    /// Byte for byte, as written (the default).
    case exact
    /// After removing spaces and tabs around the key.
    case trim
    /// After trimming, with the leading zeros of a key made only of digits dropped (`0042` matches `42`).
    case digits

    /// The form of `key` that this rule compares.
    public func normalized(_ key: String) -> String {
        guard self != .exact else { return key }
        let trimmed = Self.trimmed(key)
        guard self == .digits, !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return trimmed
        }
        let significant = trimmed.drop { $0 == "0" }
        return significant.isEmpty ? "0" : String(significant)
    }

    /// What the rule does, for messages: "trimming spaces".
    var action: String {
        switch self {
        case .exact: return "comparing them as written"
        case .trim: return "trimming spaces"
        case .digits: return "trimming spaces and dropping leading zeros"
        }
    }

    private static func trimmed(_ key: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard key.first.map(isSpace) == true || key.last.map(isSpace) == true else { return key }
        return String(key.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
