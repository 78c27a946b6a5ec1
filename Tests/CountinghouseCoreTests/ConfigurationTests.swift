import Testing
@testable import CountinghouseCore

@Suite struct ConfigurationTests {
    @Test func readsEverySetting() throws {
        let configuration = try Configuration.parse(
            """
            # the chain
            database = "postgres://ledger@db/countinghouse"  # a comment
            currency = "eur"
            timezone = "Europe/Berlin"

            [[locations]]
            code = "WH1"
            name = "Warehouse # one"
            kind = "warehouse"

            [[locations]]
            code = "S01"
            """, fileName: "countinghouse.toml")
        #expect(configuration.database == "postgres://ledger@db/countinghouse")
        #expect(configuration.currency == "EUR")
        #expect(configuration.timeZone == "Europe/Berlin")
        #expect(configuration.locations == [
            LocationConfiguration(code: "WH1", name: "Warehouse # one", kind: "warehouse"),
            LocationConfiguration(code: "S01"),
        ])
    }

    @Test func defaultsWhenEmpty() throws {
        let configuration = try Configuration.parse("", fileName: "c.toml")
        #expect(configuration == Configuration())
        #expect(configuration.database == "countinghouse.sqlite")
        #expect(configuration.currency == "USD")
        #expect(configuration.timeZone == "UTC")
    }

    @Test(arguments: [
        ("databse = \"x\"", "c.toml:1: unknown key databse (expected database, currency, timezone or [[locations]])"),
        ("currency = \"XYZ\"", "c.toml:1: currency XYZ is not an ISO 4217 code"),
        ("database = x.sqlite", "c.toml:1: cannot read value x.sqlite (strings need double quotes)"),
        ("database = \"a\"\ndatabase = \"b\"", "c.toml:2: database is set twice"),
        ("\n[[locations]]\nname = \"x\"", "c.toml:2: a location needs code = \"…\""),
        ("[[locations]]\ncode = \"IN_TRANSIT\"", "c.toml:1: the location code IN_TRANSIT is reserved"),
        ("[store]", "c.toml:1: tables other than [[locations]] and [[accounts]] are not used; put settings at the top of the file"),
        ("database \"x\"", "c.toml:1: expected key = value"),
        ("database = \"x", "c.toml:1: unterminated string"),
    ])
    func errorsSayWhereAndWhatToFix(text: String, message: String) {
        #expect(throws: ConfigurationError.self) { try Configuration.parse(text, fileName: "c.toml") }
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
        } catch {
            #expect(error.description == message)
        }
    }
}
