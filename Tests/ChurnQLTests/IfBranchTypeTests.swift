import ChurnQLStore
import Testing

@testable import ChurnQLEngine

/// `if` with an integer branch and a decimal one is a decimal whichever branch is taken (Spark's differential
/// found `if(false, 1, 2.5)` answering null), and SQLite's CASE agrees.
struct IfBranchTypeTests {
    @Test("an integer and a decimal branch make a decimal")
    func mixedBranches() throws {
        let engine = try RewriteTests.engine(seed: 1)
        let database = try SQLiteDialectTests.Database(engine)
        let text = "from customers | derive x = if(is_new, 1, 2.5), y = if(not is_new, 1, 2.5) | select customer_id, x, y"
        let rows = try #require(SQLiteDialectTests.engineRows(engine, text))
        #expect(rows.count > 5)
        for row in rows where row[1] != .null {
            let pair = [row[1], row[2]]
            #expect(pair == [.number(1), .number(2.5)] || pair == [.number(2.5), .number(1)], "\(row)")
        }
        let sql = try #require(try SQLiteDialectTests.compiled(engine, text))
        #expect(SQLiteDialectTests.sameRows(rows, try database.rows(sql), ordered: true))
    }
}
