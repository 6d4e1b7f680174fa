import Foundation

/// Renders diagnostics as text (`file:line:col: error: message`, source line, caret, hint) or JSON lines.
public enum DiagnosticRenderer {
    /// The human form used by the shell and scripts.
    public static func text(_ d: Diagnostic) -> String {
        var out = ""
        let file = d.file ?? "<input>"
        if d.line > 0 {
            out += "\(file):\(d.line):\(d.column): \(d.severity.rawValue): \(d.message)"
        } else if d.file != nil {
            out += "\(file): \(d.severity.rawValue): \(d.message)"
        } else {
            out += "\(d.severity.rawValue): \(d.message)"
        }
        if let source = d.sourceLine, d.line > 0, d.column > 0 {
            let shown = source.replacingOccurrences(of: "\t", with: " ")
            out += "\n  \(shown)\n  "
            let pad = Swift.min(d.column - 1, shown.count)
            out += String(repeating: " ", count: pad)
            let room = Swift.max(1, shown.count - pad)
            out += String(repeating: "^", count: Swift.max(1, Swift.min(d.length, room)))
        }
        if let hint = d.hint { out += "\nhint: \(hint)" }
        return out
    }

    /// One JSON object per diagnostic: file, line, column, code, severity, message, hint.
    public static func json(_ d: Diagnostic) -> String {
        var fields: [String] = []
        fields.append("\"file\":" + (d.file.map(jsonString) ?? "null"))
        fields.append("\"line\":\(d.line)")
        fields.append("\"column\":\(d.column)")
        fields.append("\"code\":" + jsonString(d.code))
        fields.append("\"severity\":" + jsonString(d.severity.rawValue))
        fields.append("\"message\":" + jsonString(d.message))
        fields.append("\"hint\":" + (d.hint.map(jsonString) ?? "null"))
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
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
