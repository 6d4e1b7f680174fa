import Foundation

/// Renders diagnostics as text (`file:line:col: error: message`, source line, caret, hint) or JSON lines.
public enum DiagnosticRenderer {
    /// The human form used by the shell and scripts.
    public static func text(_ d: Diagnostic) -> String {
        var out = ""
        let file = TerminalText.escaped(shortened(d.file ?? "<input>"))
        let message = TerminalText.escaped(shortened(d.message))
        if d.line > 0 {
            out += "\(file):\(d.line):\(d.column): \(d.severity.rawValue): \(message)"
        } else if d.file != nil {
            out += "\(file): \(d.severity.rawValue): \(message)"
        } else {
            out += "\(d.severity.rawValue): \(message)"
        }
        if let source = d.sourceLine, d.line > 0, d.column > 0 {
            out += "\n" + sourceWithCaret(source, column: d.column, length: d.length)
        }
        if let hint = d.hint { out += "\nhint: \(TerminalText.escaped(shortened(hint)))" }
        return out
    }

    /// The longest message, hint or file name shown, in characters: a message that quotes a 12 MB name (an
    /// unknown column pasted by mistake) prints a screenful, not the name.
    static let textLimit = 1_000

    /// `text` cut to `textLimit` characters, saying how much was left out.
    static func shortened(_ text: String) -> String {
        guard text.utf8.count > textLimit else { return text }
        var end = text.startIndex
        var kept = 0
        while kept < textLimit, end < text.endIndex {
            end = text.index(after: end)
            kept += 1
        }
        guard end < text.endIndex else { return text }
        let left = text[end...].count
        return text[..<end] + "… (\(left) more characters)"
    }

    /// The source line (escaped, tabs as spaces, cut to a window around the span with `…`) and a caret under the
    /// span, both indented by two. The caret is placed by the terminal width of the escaped text before the span.
    static func sourceWithCaret(_ source: String, column: Int, length: Int) -> String {
        let excerpt = SourceExcerpt(line: source, column: column, length: length)
        return "  " + excerpt.text + "\n  " + String(repeating: " ", count: excerpt.caretColumn)
            + String(repeating: "^", count: excerpt.caretWidth)
    }

    /// One JSON object per diagnostic: file, line, column, code, severity, message, hint.
    public static func json(_ d: Diagnostic) -> String {
        var fields: [String] = []
        fields.append("\"file\":" + (d.file.map { jsonString(shortened($0)) } ?? "null"))
        fields.append("\"line\":\(d.line)")
        fields.append("\"column\":\(d.column)")
        fields.append("\"code\":" + jsonString(d.code))
        fields.append("\"severity\":" + jsonString(d.severity.rawValue))
        fields.append("\"message\":" + jsonString(shortened(d.message)))
        fields.append("\"hint\":" + (d.hint.map { jsonString(shortened($0)) } ?? "null"))
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal with the required escapes.
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // Only C0 must be escaped; DEL, C1 and bidi controls are too, so JSON on a terminal is safe.
                if scalar.value < 0x20 || TerminalText.escape(scalar) != nil {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
