import ChurnQLPostgres
import Testing

/// Connection strings are shown without their passwords, whatever form they take.
struct PostgresURITests {
    @Test(
        "a URI is shown without its password",
        arguments: [
            ("postgresql://ann:s3cr%3Bet@db.example.com:5433/shop", "postgresql://ann@db.example.com:5433/shop"),
            ("postgres://ann:hunter2@localhost/shop?sslmode=disable", "postgresql://ann@localhost/shop"),
            ("postgresql://ann@127.0.0.1/shop?password=hunter2", "postgresql://ann@127.0.0.1/shop"),
            ("postgresql:///shop?host=/tmp&user=bob", "postgresql://bob@/tmp/shop"),
        ])
    func redacted(uri: String, shown: String) {
        let text = PostgresURI.redacted(uri)
        #expect(text == shown)
        #expect(!text.contains("hunter2") && !text.contains("s3cr"))
    }

    @Test("text libpq cannot read is reported without echoing it")
    func parseError() throws {
        let problem = try #require(PostgresURI.parseError("postgresql://ann:hunter2@host:notaport:/x?%zz"))
        #expect(!problem.contains("hunter2"))
        #expect(PostgresURI.parseError("postgresql://ann@localhost/shop") == nil)
        #expect(PostgresURI.redacted("postgresql://ann:hunter2@host:notaport:/x?%zz") == "the server")
    }

    @Test("only postgresql:// and postgres:// name servers")
    func isURI() {
        #expect(PostgresURI.isURI("postgresql://x/y"))
        #expect(PostgresURI.isURI("POSTGRES://x/y"))
        #expect(!PostgresURI.isURI("orders.csv"))
        #expect(!PostgresURI.isURI("postgresql:/x"))
    }

    @Test("a URI's own libpq options are read, so churnql adds to them instead of replacing them")
    func ownOptions() {
        #expect(
            PostgresURI.option("options", in: "postgresql://a@h/db?options=-c%20work_mem%3D256MB")
                == "-c work_mem=256MB")
        #expect(PostgresURI.option("options", in: "postgresql://a@h/db") == nil)
        #expect(PostgresURI.option("options", in: "postgresql://a@h:notaport:/x?%zz") == nil)
    }
}
