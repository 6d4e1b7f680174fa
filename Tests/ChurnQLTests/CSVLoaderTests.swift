import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

// MARK: - Helpers

/// Parses CSV text in memory; records an issue and returns nil when parsing throws.
private func parseCSV(
    _ text: String, options: LoadOptions = LoadOptions(), sourceLocation: SourceLocation = #_sourceLocation
) -> LoadedTable? {
    do throws(Diagnostic) {
        return try CSVLoader.parse(text: text, path: "test.csv", name: "t", options: options)
    } catch {
        Issue.record("unexpected diagnostic \(error.code): \(error.message)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The diagnostic a throwing load produces, or nil when it succeeds.
private func csvFailure(_ body: () throws(Diagnostic) -> LoadedTable) -> Diagnostic? {
    do throws(Diagnostic) {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Every cell of a column as a scalar value.
private func values(_ table: Table, _ column: String) -> [Value] {
    guard let c = table.column(column) else { return [] }
    return (0..<c.count).map { c.value(at: $0) }
}

/// A fresh temporary directory for one test.
private func makeTempDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func writeTemp(_ data: Data, name: String) throws -> (file: String, directory: URL) {
    let directory = try makeTempDirectory()
    let url = directory.appendingPathComponent(name)
    try data.write(to: url)
    return (url.path, directory)
}

private func day(_ y: Int, _ m: Int, _ d: Int) -> Value { .date(Dates.dayNumber(year: y, month: m, day: d)) }

// MARK: - Quoting and line endings

@Suite("CSV loader: quoting, line endings, BOM")
struct CSVQuotingTests {
    @Test func quotedFieldsHoldDelimitersEscapedQuotesAndNewlines() throws {
        let text = "id,note\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"line1\nline2\"\n4,plain\n"
        let loaded = try #require(parseCSV(text))
        #expect(loaded.table.columnNames == ["id", "note"])
        #expect(loaded.table.rowCount == 4)
        #expect(values(loaded.table, "id") == [.integer(1), .integer(2), .integer(3), .integer(4)])
        #expect(
            values(loaded.table, "note") == [.text("a,b"), .text("say \"hi\""), .text("line1\nline2"), .text("plain")])
    }

    @Test func crlfLineEndingsDoNotLeakIntoValues() throws {
        let text = "id,name\r\n1,alice\r\n2,bob\r\n"
        let loaded = try #require(parseCSV(text))
        #expect(loaded.table.columnNames == ["id", "name"])
        #expect(values(loaded.table, "name") == [.text("alice"), .text("bob")])
        #expect(values(loaded.table, "id") == [.integer(1), .integer(2)])
    }

    @Test func crlfInsideQuotedFieldIsKept() throws {
        let text = "id,note\r\n1,\"x\r\ny\"\r\n"
        let loaded = try #require(parseCSV(text))
        #expect(values(loaded.table, "note") == [.text("x\r\ny")])
    }

    @Test func utf8ByteOrderMarkIsSkippedWhenLoadingAFile() throws {
        var data = Data([0xEF, 0xBB, 0xBF])
        data.append(Data("id,amount\n1,2.5\n2,4\n".utf8))
        let (path, directory) = try writeTemp(data, name: "bom.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let loaded = try CSVLoader.load(path: path, name: "bom")
        // Without BOM handling the first name would be "\u{FEFF}id".
        #expect(loaded.table.columnNames == ["id", "amount"])
        #expect(values(loaded.table, "amount") == [.decimal(2.5), .decimal(4)])
        #expect(loaded.notes.isEmpty)
    }

    @Test("in-memory text with a leading BOM names the first column without it")
    func utf8ByteOrderMarkInMemory() throws {
        let loaded = try #require(parseCSV("\u{FEFF}id,amount\n1,2\n"))
        #expect(loaded.table.columnNames == ["id", "amount"])

    }
}

// MARK: - Dialect and header

@Suite("CSV loader: delimiter sniffing and header detection")
struct CSVDialectTests {
    @Test("delimiter is sniffed", arguments: [",", ";", "\t", "|"])
    func sniffsDelimiter(_ d: String) throws {
        // The note column holds characters that are delimiters in the other dialects (except the real one).
        let others = [",", ";", "|"].filter { $0 != d }.joined()
        let text = "id\(d)name\(d)amount\n1\(d)al\(others)ice\(d)2.5\n2\(d)bob\(d)3\n3\(d)cy\(d)4.75\n"
        let loaded = try #require(parseCSV(text))
        #expect(loaded.table.columnNames == ["id", "name", "amount"])
        #expect(loaded.table.rowCount == 3)
        #expect(values(loaded.table, "name") == [.text("al\(others)ice"), .text("bob"), .text("cy")])
        #expect(values(loaded.table, "amount") == [.decimal(2.5), .decimal(3), .decimal(4.75)])
    }

    @Test func headerIsDetectedWhenFirstRowDoesNotFitColumnTypes() throws {
        let loaded = try #require(parseCSV("customer_id,signup,spend\n1,2024-01-05,10.5\n2,2024-02-01,3\n"))
        #expect(loaded.table.columnNames == ["customer_id", "signup", "spend"])
        #expect(loaded.table.rowCount == 2)
        #expect(loaded.table.column("signup")?.type == .date)
    }

    @Test func fileWithoutHeaderGetsGeneratedNames() throws {
        // Every value of the first row fits its column's type, so it is data.
        let loaded = try #require(parseCSV("1,2024-01-05,10.5\n2,2024-02-01,3.25\n"))
        #expect(loaded.table.columnNames == ["column1", "column2", "column3"])
        #expect(loaded.table.rowCount == 2)
        #expect(values(loaded.table, "column1") == [.integer(1), .integer(2)])
        #expect(values(loaded.table, "column2") == [day(2024, 1, 5), day(2024, 2, 1)])
        #expect(values(loaded.table, "column3") == [.decimal(10.5), .decimal(3.25)])
    }

    @Test func headerlessFileWhoseFirstRowIsDecimalOverIntegerRows() throws {
        // Row 1 has 10.5 where the later rows hold whole numbers: 10.5 is still a number, not a column name,
        // so the first row is data and the column is decimal.
        let loaded = try #require(parseCSV("1,2024-01-05,10.5\n2,2024-02-01,3\n3,2024-03-01,4\n"))
        #expect(loaded.table.columnNames == ["column1", "column2", "column3"])
        #expect(loaded.table.rowCount == 3)

    }

    @Test func headerFalseOverrideKeepsAnAllTextFirstRowAsData() throws {
        let text = "alice,paris\nbob,rome\n"
        // Default: an all-text first row reads as a header.
        let guessed = try #require(parseCSV(text))
        #expect(guessed.table.columnNames == ["alice", "paris"])
        #expect(guessed.table.rowCount == 1)

        var options = LoadOptions()
        options.header = false
        let loaded = try #require(parseCSV(text, options: options))
        #expect(loaded.table.columnNames == ["column1", "column2"])
        #expect(loaded.table.rowCount == 2)
        #expect(values(loaded.table, "column1") == [.text("alice"), .text("bob")])
    }

    @Test func headerFalseOnNumericFileTypesTheFirstRowToo() throws {
        var options = LoadOptions()
        options.header = false
        let loaded = try #require(parseCSV("10,20\n30,40\n", options: options))
        #expect(values(loaded.table, "column1") == [.integer(10), .integer(30)])
        #expect(values(loaded.table, "column2") == [.integer(20), .integer(40)])
    }

    @Test func delimiterOverrideWins() throws {
        // Sniffing would pick ',' (3 fields per line); the override says ';' (2 fields per line).
        var options = LoadOptions()
        options.delimiter = UInt8(ascii: ";")
        let loaded = try #require(parseCSV("a,b;c\n1,2;3\n4,5;6\n", options: options))
        #expect(loaded.table.columnNames == ["a,b", "c"])
        // With ';' as the delimiter, "1,2" is a European decimal comma: read as 1.2 (and reported as money).
        #expect(values(loaded.table, "a,b") == [.decimal(1.2), .decimal(4.5)])
        #expect(values(loaded.table, "c") == [.integer(3), .integer(6)])
    }

    @Test func duplicateAndEmptyHeaderNamesAreRenamedWithWarnings() throws {
        let loaded = try #require(parseCSV("id,name,name,,NAME\n1,a,b,c,d\n2,e,f,g,h\n"))
        // Duplicates compare case-insensitively: name, name_2, then NAME → NAME_3; the empty name is column4.
        #expect(loaded.table.columnNames == ["id", "name", "name_2", "column4", "NAME_3"])
        let codes = loaded.notes.map(\.code)
        // One warning lists every renamed column.
        #expect(codes.filter { $0 == "duplicate-column-name" }.count == 1)
        #expect(codes.filter { $0 == "empty-column-name" }.count == 1)
        #expect(loaded.notes.allSatisfy { $0.severity == .warning })
        #expect(values(loaded.table, "name_2") == [.text("b"), .text("f")])
    }
}

// MARK: - Type inference

@Suite("CSV loader: type inference")
struct CSVTypeInferenceTests {
    @Test func inferredTypesPerColumn() throws {
        let text = """
            i,dec,flag,iso,compact,dmy,mdy,ts,code
            1,1.5,true,2024-01-15,20240115,13/02/2024,02/13/2024,2024-01-15 10:30:00,00042
            -7,2,no,2024-02-29,19991231,01/12/2023,12/01/2023,2024-02-29T23:59:59Z,00100
            300,-0.25,YES,1999-12-31,20000101,31/01/2022,01/31/2022,1999-12-31 00:00,7

            """
        let loaded = try #require(parseCSV(text))
        let t = loaded.table
        #expect(t.columnNames == ["i", "dec", "flag", "iso", "compact", "dmy", "mdy", "ts", "code"])
        #expect(t.rowCount == 3)
        #expect(t.column("i")?.type == .integer)
        #expect(t.column("dec")?.type == .decimal)
        #expect(t.column("flag")?.type == .boolean)
        #expect(t.column("iso")?.type == .date)
        #expect(t.column("compact")?.type == .date)
        #expect(t.column("dmy")?.type == .date)
        #expect(t.column("mdy")?.type == .date)
        #expect(t.column("ts")?.type == .timestamp)
        #expect(t.column("code")?.type == .text)

        #expect(values(t, "i") == [.integer(1), .integer(-7), .integer(300)])
        #expect(values(t, "dec") == [.decimal(1.5), .decimal(2), .decimal(-0.25)])
        #expect(values(t, "flag") == [.boolean(true), .boolean(false), .boolean(true)])
        #expect(values(t, "iso") == [day(2024, 1, 15), day(2024, 2, 29), day(1999, 12, 31)])
        #expect(values(t, "compact") == [day(2024, 1, 15), day(1999, 12, 31), day(2000, 1, 1)])
        // 13/02/2024 cannot be month 13, so the column is dd/MM/yyyy.
        #expect(values(t, "dmy") == [day(2024, 2, 13), day(2023, 12, 1), day(2022, 1, 31)])
        // 02/13/2024 cannot be day-first (month 13), so the column is MM/dd/yyyy.
        #expect(values(t, "mdy") == [day(2024, 2, 13), day(2023, 12, 1), day(2022, 1, 31)])
        // 2024-01-15 is day 19737 (2024-01-01 = 19723); 10:30 = 37800 s.
        #expect(Dates.dayNumber(year: 2024, month: 1, day: 15) == 19737)
        let leapDay: Int64 = Int64(Dates.dayNumber(year: 2024, month: 2, day: 29)) * 86400
        let lastDay1999: Int64 = Int64(Dates.dayNumber(year: 1999, month: 12, day: 31)) * 86400
        let expectedTimestamps: [Value] = [
            .timestamp(Int64(19737) * 86400 + 37800), .timestamp(leapDay + 86399), .timestamp(lastDay1999),
        ]
        #expect(values(t, "ts") == expectedTimestamps)
        // Leading zeros mark identifiers: they stay text, exactly as written.
        #expect(values(t, "code") == [.text("00042"), .text("00100"), .text("7")])
        // Nothing was ambiguous.
        #expect(!loaded.notes.contains { $0.code == "ambiguous-date" })
    }

    @Test("leading-zero ids stay text", arguments: ["00042", "007", "01.5", "0042.0"])
    func leadingZeroIDsStayText(_ id: String) throws {
        let loaded = try #require(parseCSV("id,n\n\(id),1\n00001,2\n"))
        #expect(loaded.table.column("id")?.type == .text)
        #expect(values(loaded.table, "id") == [.text(id), .text("00001")])
    }

    @Test func nineteenDigitIDsStayDistinct() throws {
        // Int64 holds 19 digits. These two ids differ by 1; as Doubles both round to 1234567890123456768,
        // so reading them as decimals would merge two customers.
        let loaded = try #require(parseCSV("id,n\n1234567890123456789,1\n1234567890123456788,2\n"))
        let ids = values(loaded.table, "id")
        #expect(ids.count == 2)
        #expect(ids[0] != ids[1])
        #expect(loaded.table.column("id")?.type != .decimal)

    }

    @Test func eighteenDigitIDsAreIntegers() throws {
        let loaded = try #require(parseCSV("id,n\n123456789012345678,1\n-999999999999999999,2\n"))
        #expect(values(loaded.table, "id") == [.integer(123_456_789_012_345_678), .integer(-999_999_999_999_999_999)])
    }

    @Test func zeroAndZeroPointFiveAreNumbers() throws {
        let loaded = try #require(parseCSV("a,b\n0,0.5\n10,1\n"))
        #expect(values(loaded.table, "a") == [.integer(0), .integer(10)])
        #expect(values(loaded.table, "b") == [.decimal(0.5), .decimal(1)])
    }

    @Test func ambiguousSlashDatesAreReadDayFirstWithAWarning() throws {
        // 01/02/2024 and 03/04/2024 fit both readings (every part ≤ 12).
        let loaded = try #require(parseCSV("signup\n01/02/2024\n03/04/2024\n"))
        #expect(loaded.table.column("signup")?.type == .date)
        #expect(values(loaded.table, "signup") == [day(2024, 2, 1), day(2024, 4, 3)])
        let note = try #require(loaded.notes.first { $0.code == "ambiguous-date" })
        #expect(note.severity == .warning)
        #expect(note.message.contains("signup"))
        #expect(note.hint?.contains("date_format") == true)
    }

    @Test func oneValueAboveTwelveSettlesTheSlashOrder() throws {
        // Only the last value decides: 12/25/2023 must be month-first, so 01/02/2024 is January 2nd.
        let loaded = try #require(parseCSV("d\n01/02/2024\n05/06/2024\n12/25/2023\n"))
        #expect(values(loaded.table, "d") == [day(2024, 1, 2), day(2024, 5, 6), day(2023, 12, 25)])
        #expect(!loaded.notes.contains { $0.code == "ambiguous-date" })
    }

    @Test func slashDatesWithTimesAreTimestamps() throws {
        let loaded = try #require(parseCSV("at\n25/12/2023 08:15\n01/01/2024 23:00:30\n"))
        #expect(loaded.table.column("at")?.type == .timestamp)
        let christmas = Int64(Dates.dayNumber(year: 2023, month: 12, day: 25)) * 86400
        let newYear = Int64(Dates.dayNumber(year: 2024, month: 1, day: 1)) * 86400
        // 08:15 = 29700 s; 23:00:30 = 82830 s.
        let expected: [Value] = [.timestamp(christmas + 29700), .timestamp(newYear + 82830)]
        #expect(values(loaded.table, "at") == expected)
    }

    @Test func invalidCalendarDateKeepsColumnText() throws {
        // 2023-02-29 does not exist, so the column cannot be a date column.
        let loaded = try #require(parseCSV("d\n2023-02-28\n2023-02-29\n"))
        #expect(loaded.table.column("d")?.type == .text)
    }

    @Test func isoDateThenTimestampIsATimestampColumn() throws {
        let loaded = try #require(parseCSV("at\n2024-01-15\n2024-01-16 10:00\n"))
        #expect(loaded.table.column("at")?.type == .timestamp)
        // 2024-01-15 is day 19737; 10:00 = 36000 s.
        let expected: [Value] = [.timestamp(Int64(19737) * 86400), .timestamp(Int64(19738) * 86400 + 36000)]
        #expect(values(loaded.table, "at") == expected)
    }

    @Test func timestampThenIsoDateIsATimestampColumnToo() throws {
        // Same values as above in the other order: inference should not depend on row order.
        let loaded = try #require(parseCSV("at\n2024-01-16 10:00\n2024-01-15\n"))
        #expect(loaded.table.column("at")?.type == .timestamp)

    }

    @Test func nullTokensAreNullAndDoNotSpoilTheType() throws {
        var options = LoadOptions()
        options.nullTokens = ["missing"]
        let text = "id,amount\n1,1.5\n2,\n3,NA\n4,NULL\n5,missing\n6,n/a\n7,2\n"
        let loaded = try #require(parseCSV(text, options: options))
        #expect(loaded.table.column("amount")?.type == .decimal)
        #expect(
            values(loaded.table, "amount") == [
                .decimal(1.5), .null, .null, .null, .null, .null, .decimal(2),
            ])
    }

    /// Numbers and ISO dates are parsed before the null check; the built-in null tokens must still be nulls.
    @Test func builtInNullTokensInNumberAndDateColumns() throws {
        let text = "id,amount,day\n1,1.5,2024-01-01\n,,NA\n3,NA,\n4,null,N/A\n5,2,2024-01-02\n"
        let loaded = try #require(parseCSV(text))
        #expect(loaded.table.column("id")?.type == .integer)
        #expect(loaded.table.column("amount")?.type == .decimal)
        #expect(loaded.table.column("day")?.type == .date)
        #expect(values(loaded.table, "id") == [.integer(1), .null, .integer(3), .integer(4), .integer(5)])
        #expect(values(loaded.table, "amount") == [.decimal(1.5), .null, .null, .null, .decimal(2)])
        #expect(values(loaded.table, "day").filter { $0 == .null }.count == 3)
    }

    /// A null token of the user's that looks like a number is a null, not the number.
    @Test func userNullTokenThatParsesAsANumber() throws {
        var options = LoadOptions()
        options.nullTokens = ["-1"]
        let loaded = try #require(parseCSV("id,amount\n1,-1\n2,3.5\n3,-1\n", options: options))
        #expect(values(loaded.table, "amount") == [.null, .decimal(3.5), .null])
    }

    /// An amount column must hold numbers: a word in it is an error that suggests the null option (it used to
    /// make the column text, and the orders lost their amounts).
    @Test func userNullTokenIsAnErrorWithoutTheOption() throws {
        do {
            _ = try CSVLoader.parse(text: "id,amount\n1,1.5\n2,missing\n", path: "t.csv", name: "t")
            Issue.record("a word in the amount column loaded")
        } catch {
            #expect(error.code == "not-a-number")
            #expect(error.hint?.contains("null: \"missing\"") == true)
        }
    }

    @Test func nullInTextColumnIsNullNotEmptyString() throws {
        let loaded = try #require(parseCSV("id,name\n1,ann\n2,\n3,NA\n"))
        #expect(values(loaded.table, "name") == [.text("ann"), .null, .null])
    }

    @Test func allNullColumnIsText() throws {
        let loaded = try #require(parseCSV("id,x\n1,\n2,NA\n"))
        #expect(loaded.table.column("x")?.type == .text)
        #expect(values(loaded.table, "x") == [.null, .null])
    }

    @Test func dateFormatOverride() throws {
        let text = "id,signup\n1,15.01.2024\n2,29.02.2024\n3,1.3.2024\n"
        // Without the option, dotted dates are not recognised.
        let plain = try #require(parseCSV(text))
        #expect(plain.table.column("signup")?.type == .text)

        var options = LoadOptions()
        options.dateFormat = "%d.%m.%Y"
        let loaded = try #require(parseCSV(text, options: options))
        #expect(loaded.table.column("signup")?.type == .date)
        #expect(values(loaded.table, "signup") == [day(2024, 1, 15), day(2024, 2, 29), day(2024, 3, 1)])
        // Other columns are not claimed by the pattern.
        #expect(values(loaded.table, "id") == [.integer(1), .integer(2), .integer(3)])
    }

    @Test func dateFormatWithTimeGivesTimestamps() throws {
        var options = LoadOptions()
        options.dateFormat = "%d.%m.%Y %H:%M"
        let loaded = try #require(parseCSV("at\n02.01.1970 01:01\n", options: options))
        #expect(loaded.table.column("at")?.type == .timestamp)
        // Day 1 plus 3660 s.
        let expected: [Value] = [.timestamp(Int64(86400 + 3660))]
        #expect(values(loaded.table, "at") == expected)
    }
}

// MARK: - Errors

@Suite("CSV loader: errors")
struct CSVErrorTests {
    @Test func raggedRowThrowsWithItsLine() throws {
        let failure = csvFailure { () throws(Diagnostic) in
            try CSVLoader.parse(text: "a,b\n1,2\n3\n4,5\n", path: "r.csv", name: "r")
        }
        let d = try #require(failure)
        #expect(d.code == "ragged-row")
        #expect(d.line == 3)
        #expect(d.file == "r.csv")
        #expect(d.message.contains("1 field"))
        #expect(d.message.contains("expected 2"))
        #expect(d.sourceLine == "3")
    }

    @Test func raggedRowLineCountsNewlinesInsideQuotes() throws {
        // Record 2 spans lines 2–3; the short record starts on line 4.
        let failure = csvFailure { () throws(Diagnostic) in
            try CSVLoader.parse(text: "a,b\n1,\"x\ny\"\n2\n", path: "r.csv", name: "r")
        }
        let d = try #require(failure)
        #expect(d.code == "ragged-row")
        #expect(d.line == 4)
    }

    @Test func raggedRowLineWithCRLF() throws {
        let failure = csvFailure { () throws(Diagnostic) in
            try CSVLoader.parse(text: "a,b\r\n1,2\r\n3,4\r\n5,6,7\r\n", path: "r.csv", name: "r")
        }
        let d = try #require(failure)
        #expect(d.code == "ragged-row")
        #expect(d.line == 4)
        #expect(d.message.contains("3 fields"))
    }

    @Test func skipBadRowsDropsThemWithANote() throws {
        var options = LoadOptions()
        options.skipBadRows = true
        let text = "a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n"
        let loaded = try #require(parseCSV(text, options: options))
        #expect(loaded.table.rowCount == 3)
        #expect(values(loaded.table, "a") == [.integer(1), .integer(4), .integer(9)])
        #expect(values(loaded.table, "b") == [.integer(2), .integer(5), .integer(10)])
        let note = try #require(loaded.notes.first { $0.code == "skipped-rows" })
        #expect(note.severity == .warning)
        #expect(note.message.contains("skipped 2 rows"))
        #expect(note.message.contains("line 3"))
    }

    /// Bad rows in every chunk of a large file: all are counted and the first is named by its line in the file.
    /// (Each skipped row used to count the lines before its chunk: 200,000 rows took 53 s.)
    @Test func skipBadRowsInEveryChunk() throws {
        var options = LoadOptions()
        options.skipBadRows = true
        var text = "a,b\n"
        for i in 0..<300_000 { text += i % 3 == 2 ? "\(i),\(i),\(i)\n" : "\(i),\(i % 7)\n" }
        let loaded = try #require(parseCSV(text, options: options))
        #expect(loaded.table.rowCount == 200_000)
        let note = try #require(loaded.notes.first { $0.code == "skipped-rows" })
        #expect(note.message.contains("skipped 100000 rows"), "\(note.message)")
        #expect(note.message.contains("first at line 4)"), "\(note.message)")
    }

    @Test func unterminatedQuoteNamesTheLineWhereItOpened() throws {
        let failure = csvFailure { () throws(Diagnostic) in
            try CSVLoader.parse(text: "a,b\n1,2\n3,\"open\n4,5\n6,7\n", path: "q.csv", name: "q")
        }
        let d = try #require(failure)
        #expect(d.code == "unterminated-quote")
        #expect(d.line == 3)
        #expect(d.column == 3)
        #expect(d.message.contains("line 3"))
    }

    @Test("empty input throws empty-file", arguments: ["", "\n", "\n\r\n  \n"])
    func emptyFile(_ text: String) throws {
        let failure = csvFailure { () throws(Diagnostic) in
            try CSVLoader.parse(text: text, path: "e.csv", name: "e")
        }
        #expect(failure?.code == "empty-file")
    }

    /// A header wider than the column limit is refused at once (a wrong delimiter, or not a table), and the
    /// widest allowed one loads.
    @Test(arguments: [CSVLoader.maxColumns, CSVLoader.maxColumns + 1])
    func columnLimit(width: Int) throws {
        let header = (0..<width).map { "c\($0)" }.joined(separator: ",")
        let row = [String](repeating: "1", count: width).joined(separator: ",")
        let text = header + "\n" + row + "\n"
        if width > CSVLoader.maxColumns {
            let failure = csvFailure { () throws(Diagnostic) in
                try CSVLoader.parse(text: text, path: "w.csv", name: "w")
            }
            #expect(failure?.code == "too-many-columns")
            #expect(failure?.line == 1)
        } else {
            let table = try CSVLoader.parse(text: text, path: "w.csv", name: "w").table
            #expect(table.columns.count == width && table.rowCount == 1)
        }
    }

    @Test func emptyFileOnDisk() throws {
        let (path, directory) = try writeTemp(Data(), name: "empty.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = csvFailure { () throws(Diagnostic) in try CSVLoader.load(path: path, name: "e") }
        #expect(failure?.code == "empty-file")
    }

    /// Past the head, chunks look for NUL bytes in parallel; a NUL still outranks an earlier chunk's ragged row.
    @Test(arguments: [false, true])
    func nulByteFarIntoTheFileMeansBinary(withRaggedRowBefore: Bool) throws {
        var text = "a,b\n"
        for i in 0..<200_000 { text += i == 10 && withRaggedRowBefore ? "1,2,3\n" : "\(i),\(i % 7)\n" }
        text += "5,\u{0}6\n7,8\n"
        let (path, directory) = try writeTemp(Data(text.utf8), name: "late-nul.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = csvFailure { () throws(Diagnostic) in try CSVLoader.load(path: path, name: "late") }
        let d = try #require(failure)
        #expect(d.code == "binary-file")
        #expect(d.line == 200_002)
    }

    @Test func nulByteMeansBinary() throws {
        let (path, directory) = try writeTemp(Data("a,b\n1,2\n3,\u{0}4\n".utf8), name: "bin.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = csvFailure { () throws(Diagnostic) in try CSVLoader.load(path: path, name: "bin") }
        let d = try #require(failure)
        #expect(d.code == "binary-file")
        #expect(d.line == 3)
    }

    @Test func utf16LittleEndianWithBOMIsConverted() throws {
        var data = Data([0xFF, 0xFE])
        data.append(try #require("id,city\n1,Zürich\n2,Köln\n".data(using: .utf16LittleEndian)))
        #expect(data[2] == UInt8(ascii: "i") && data[3] == 0)  // really little-endian, no second BOM
        let (path, directory) = try writeTemp(data, name: "utf16.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let loaded = try CSVLoader.load(path: path, name: "utf16")
        #expect(loaded.table.columnNames == ["id", "city"])
        #expect(values(loaded.table, "id") == [.integer(1), .integer(2)])
        #expect(values(loaded.table, "city") == [.text("Zürich"), .text("Köln")])
        #expect(loaded.notes.first?.code == "converted-encoding")
    }

    @Test func missingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).csv")
            .path
        let failure = csvFailure { () throws(Diagnostic) in try CSVLoader.load(path: path, name: "x") }
        #expect(failure?.code == "file-not-found")
        #expect(failure?.file == path)
    }

    @Test func directoryIsNotAFile() throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = csvFailure { () throws(Diagnostic) in try CSVLoader.load(path: directory.path, name: "x") }
        #expect(failure?.code == "file-is-directory")
    }

    @Test func loadFromDiskMatchesInMemoryParse() throws {
        let text = "customer_id,order_date,amount\n1,2024-01-05,10.5\n2,2024-02-01,3\n1,2024-03-01,NA\n"
        let (path, directory) = try writeTemp(Data(text.utf8), name: "orders.csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fromDisk = try CSVLoader.load(path: path, name: "orders")
        let inMemory = try #require(parseCSV(text))
        #expect(fromDisk.table.name == "orders")
        #expect(fromDisk.table.columnNames == inMemory.table.columnNames)
        for name in fromDisk.table.columnNames {
            #expect(values(fromDisk.table, name) == values(inMemory.table, name))
        }
        #expect(values(fromDisk.table, "amount") == [.decimal(10.5), .decimal(3), .null])
    }
}
