import Foundation

/// Facts about the terminal on stdout, read without any query that could stall.
enum Terminal {
    /// The width in columns, or nil when stdout is not a terminal.
    static func columns() -> Int? {
        var size = winsize()
        guard isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
