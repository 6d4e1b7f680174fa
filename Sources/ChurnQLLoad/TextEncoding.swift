import ChurnQLDiagnostics
import Foundation

/// Detects byte-order marks and non-UTF-8 encodings before scanning.
enum TextEncoding {
    /// UTF-8 bytes to scan and the offset where content starts; UTF-16 input is converted, with a note.
    static func normalize(_ data: Data, path: String) throws(Diagnostic) -> (Data, Int, Diagnostic?) {
        let head = [UInt8](data.prefix(4))
        if let offset = utf8Offset(head) { return (data, offset, nil) }
        let hasBOM = head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
        let encoding: String.Encoding = head.starts(with: [0xFE, 0xFF]) ? .utf16BigEndian : .utf16LittleEndian
        guard let text = String(data: Data(hasBOM ? data.dropFirst(2) : data[...]), encoding: encoding) else {
            throw Diagnostic(
                code: "bad-encoding", message: "the file looks like UTF-16 but does not decode", file: path,
                hint: "convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8")
        }
        let note = Diagnostic(
            code: "converted-encoding", message: "converted from UTF-16 to UTF-8", severity: .warning, file: path)
        return (Data(text.utf8), 0, note)
    }

    /// Where UTF-8 content starts (after a BOM), or nil when the first bytes say UTF-16.
    static func utf8Offset(_ head: [UInt8]) -> Int? {
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return 3 }
        let utf16BOM = head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
        let looksUTF16NoBOM = head.count >= 4 && (head[1] == 0 && head[3] == 0 && head[0] != 0)
        return utf16BOM || looksUTF16NoBOM ? nil : 0
    }
}
