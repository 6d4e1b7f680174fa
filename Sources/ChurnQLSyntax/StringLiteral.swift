extension Lexer {
    /// `text` as a string literal that lexes back to exactly `text`: the inverse of the lexer's string rules, for
    /// statements built from outside input (file names in the session journal, `--set` values, generated queries).
    /// Line ends are escaped, so the literal stays on one line and no part of it can start a meta command.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
