import ChurnQLDiagnostics
import Testing

/// A failing `attach`/`load` statement is quoted in its diagnostic: the URI's password is masked there, character
/// for character, and nothing else changes.
struct PasswordMaskTests {
    @Test(
        arguments: [
            ("attach \"postgresql://u:s3cr;t@h:5432/db\" as x", "s3cr;t"),
            ("load 'POSTGRES://u:pw@h/db?sslmode=require&password=abc' table t", "pw"),
            ("attach \"postgresql://u@h/db?password=abc&sslmode=disable\"", "abc"),
        ])
    func masked(line: String, secret: String) {
        let masked = PasswordMask.masking(line)
        #expect(!masked.contains(secret))
        #expect(masked.count == line.count)
        // Only password characters changed, each to `*`.
        let changed = zip(line, masked).filter { $0 != $1 }
        #expect(!changed.isEmpty && changed.allSatisfy { $0.1 == "*" })
    }

    @Test func linesWithoutPasswordsStay() {
        for line in [
            "attach \"postgresql://u@h:5432/db\" with (orders: \"a:b@c\")", "from orders | where x == \"a:b@c\"",
            "load \"orders.csv\"",
        ] {
            #expect(PasswordMask.masking(line) == line)
        }
    }
}
