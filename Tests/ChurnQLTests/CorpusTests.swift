import Foundation
import Testing

/// Every case of Tests/corpus (see its README) through the real binary: exit status and message.
struct CorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var status: Int32
        var message: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "empty.csv", status: 2, message: "the file is empty"),
        Case(file: "header_only.csv", status: 1, message: "unknown table 'orders'"),
        Case(
            file: "unterminated_quote.csv", status: 2,
            message: "unterminated_quote.csv:3:14: error: unterminated quoted field (the quote opens at line 3)"),
        Case(file: "quote_in_unquoted_field.csv", status: 0, message: "loaded quote_in_unquoted_field: 2 rows"),
        Case(file: "ragged_rows.csv", status: 2, message: "ragged_rows.csv:3:1: error: row has 2 fields, expected 3"),
        Case(file: "duplicate_and_empty_names.csv", status: 0, message: "'amount' → 'amount_2'"),
        Case(
            file: "invalid_date.csv", status: 2,
            message: "invalid_date.csv:3:3: error: column 'order_date' holds dates, but '2024-13-45' is not one"),
        Case(
            file: "mixed_date_formats.csv", status: 2,
            message: "mixed_date_formats.csv:3:3: error: column 'order_date' mixes date formats"),
        Case(file: "currency_amounts.csv", status: 0, message: "read amounts like $1,234.50 as numbers"),
        Case(file: "european_amounts.csv", status: 0, message: "read amounts like 1.234,50 as numbers"),
        Case(file: "negative_amounts.csv", status: 0, message: "loaded negative_amounts: 3 rows"),
        Case(file: "orders_after_asof.csv", status: 0, message: "orders left out: 1 after asof"),
        Case(file: "missing_customer_ids.csv", status: 0, message: "orders left out: 1 without a customer"),
        Case(
            file: "rejected_statement.sql", status: 2,
            message: "rejected_statement.sql:4:1: error: SQLite rejected a statement"),
        Case(file: "not_sqlite.db", status: 2, message: "file is not a database"),
        Case(
            file: "nan_amount.csv", status: 2,
            message: "nan_amount.csv:3:15: error: column 'amount' holds numbers, but 'NaN' is not one"),
        Case(
            file: "malformed_amount.csv", status: 2,
            message: "malformed_amount.csv:4:15: error: column 'amount' holds numbers, but '1.2.3' is not one"),
        Case(
            file: "amount_mostly_text.csv", status: 0,
            message: "warning: column 'amount' is named like the amount, but 3 of 4 values are not numbers"),
        Case(file: "colliding_keys.csv", status: 0, message: "loaded colliding_keys: 7 rows"),
        Case(file: "far_dated_orders.csv", status: 0, message: "orders left out: 1 after asof"),
        // A .cqs name promises a snapshot: a CSV file under it is refused, never read as CSV.
        Case(
            file: "csv_named_snapshot.cqs", status: 2,
            message:
                "csv_named_snapshot.cqs: error: not a churnql snapshot (it does not start with the snapshot marker)"),
        Case(
            file: "attach_in_dump.sql", status: 2,
            message: "attach_in_dump.sql:3:1: error: SQLite rejected a statement: not authorized"),
    ]

    static let directory = GoldenTests.root.appendingPathComponent("Tests/corpus")

    @Test(arguments: cases)
    func corpusCase(_ c: Case) throws {
        let r = try ChurnQLBinary.run(
            [c.file, "--asof", "2024-06-30", "--format", "csv", "-c", "from orders | count"], in: Self.directory)
        #expect(r.status == c.status, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(c.message), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Backtracing"))
        // Loading never creates files (a dump's ATTACH is refused).
        #expect(
            !FileManager.default.fileExists(atPath: Self.directory.appendingPathComponent("attached-by-dump.db").path))
    }

    struct WrittenCase: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    static let utf16: [UInt8] =
        [0xFF, 0xFE]
        + Array("customer_id,order_date,amount\nA,2024-01-01,10\n".utf16).flatMap {
            [UInt8($0 & 0xFF), UInt8($0 >> 8)]
        }

    /// The binary cases, written here so that no binary file is checked in.
    static let written: [WrittenCase] = [
        WrittenCase(
            name: "nul.csv", bytes: Array("customer_id,order_date,amount\nA,2024-01-01,1\u{0}0\n".utf8), status: 2,
            message: "the file contains a NUL byte"),
        WrittenCase(name: "utf16.csv", bytes: utf16, status: 0, message: "converted from UTF-16"),
        WrittenCase(
            name: "latin1.csv",
            bytes: Array("customer_id,order_date,amount,city\nA,2024-01-01,10,M".utf8) + [0xFC] + Array("nchen\n".utf8),
            status: 0, message: "loaded latin1: 1 row"),
        WrittenCase(
            name: "corrupt.sqlite", bytes: Array("SQLite format 3\u{0}".utf8) + [UInt8](repeating: 0xAB, count: 4000),
            status: 2, message: "cannot read the database"),
        // A 10 MB quoted field loads like any other text.
        WrittenCase(
            name: "big_field.csv",
            bytes: Array("customer_id,order_date,amount,note\nA,2024-01-01,10,\"".utf8)
                + [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000) + Array("\"\nB,2024-01-02,5,short\n".utf8),
            status: 0, message: "loaded big_field: 2 rows"),
        // A row of a million fields is a ragged row, reported with its line (and the quoted line cut short).
        WrittenCase(
            name: "million_fields.csv",
            bytes: Array("customer_id,order_date,amount\nA,2024-01-01,".utf8)
                + Array([String](repeating: "1", count: 1_000_000).joined(separator: ",").utf8) + [10],
            status: 2, message: "million_fields.csv:2:1: error: row has 1000002 fields, expected 3"),
    ]

    @Test(arguments: written)
    func writtenCase(_ c: WrittenCase) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(c.bytes).write(to: dir.appendingPathComponent(c.name))
        let r = try ChurnQLBinary.run(
            [c.name, "--asof", "2024-06-30", "--format", "csv", "-c", "from orders | count"], in: dir)
        #expect(r.status == c.status, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(c.message), "stderr: \(r.stderr)")
    }

    @Test func directoryAndMissingPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("data.csv"), withIntermediateDirectories: true)
        let asDirectory = try ChurnQLBinary.run(["data.csv", "-c", "from orders | count"], in: dir)
        #expect(asDirectory.status == 2)
        #expect(asDirectory.stderr.contains("is a directory"))
        let missing = try ChurnQLBinary.run(["nope.csv", "-c", "from orders | count"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
    }
}
