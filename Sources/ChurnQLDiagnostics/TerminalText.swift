/// Text made safe to print on a terminal: data, names and scripts must not be able to send escape sequences (OSC
/// titles or clipboard writes, cursor moves, colours) or reorder what is shown.
///
/// NUL shows as `\0`, other C0 controls, DEL and C1 controls as `\xNN` (ESC as `\x1b`), bidi embeddings,
/// overrides and isolates as `\u{202e}`. A text with any of these also doubles its backslashes, so that an
/// escape is never mistaken for data; a text without them is returned unchanged, backslashes and all.
public enum TerminalText {
    public static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        guard needsEscape(text, keepingNewlines: keepingNewlines) else { return text }
        return escapeAll(text, keepingNewlines: keepingNewlines)
    }

    /// Parts of one text escaped alike (backslashes doubled in every part when any part of the whole needs it),
    /// so that the widths of the parts add up to the width of the escaped whole.
    public static func escaped(parts: [String]) -> [String] {
        guard parts.contains(where: { needsEscape($0, keepingNewlines: false) }) else { return parts }
        return parts.map { escapeAll($0, keepingNewlines: false) }
    }

    private static func escapeAll(_ text: String, keepingNewlines: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if keepingNewlines && scalar == "\n" {
                out.unicodeScalars.append(scalar)
            } else if let escape = escape(scalar) {
                out += escape
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `escaped` would change the text (a byte scan: only ASCII controls, DEL and the lead bytes of C1
    /// and bidi characters need a closer look).
    static func needsEscape(_ text: String, keepingNewlines: Bool) -> Bool {
        var suspect = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2 {
            if byte == 0x0A && keepingNewlines { continue }
            suspect = true
            break
        }
        guard suspect else { return false }
        return text.unicodeScalars.contains { !(keepingNewlines && $0 == "\n") && escape($0) != nil }
    }

    /// The escape for one scalar, or nil when it prints as itself.
    static func escape(_ scalar: Unicode.Scalar) -> String? {
        let value = scalar.value
        switch value {
        case 0: return "\\0"
        case 0x01..<0x20, 0x7F, 0x80...0x9F:
            let hex = String(value, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" : "") + hex
        case 0x202A...0x202E, 0x2066...0x2069: return "\\u{" + String(value, radix: 16) + "}"
        default: return nil
        }
    }

    /// Terminal columns a string occupies: East Asian wide characters and emoji count two, combining marks and
    /// zero-width characters none.
    public static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            if v < 0x300 { return total + 1 }
            if (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) || (0xFE00...0xFE0F).contains(v) {
                return total
            }
            if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
                || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            {
                return total + 2
            }
            return total + 1
        }
    }
}
