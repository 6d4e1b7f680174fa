import Foundation

/// Facts about the terminal on stdout, read without any query that could stall.
enum Terminal {
    /// The width in columns, or nil when stdout is not a terminal: the window size, else $COLUMNS, else 80.
    static func columns() -> Int? {
        guard isatty(1) != 0 else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return fallbackColumns(ProcessInfo.processInfo.environment["COLUMNS"])
    }

    /// $COLUMNS when it is a sensible positive width, else 80.
    static func fallbackColumns(_ columns: String?) -> Int {
        guard let text = columns, let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0, n <= 100_000 else {
            return 80
        }
        return n
    }
}
