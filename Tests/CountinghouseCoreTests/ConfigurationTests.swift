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

    @Test func theChartOfAccountsCanBeRenamed() throws {
        let configuration = try Configuration.parse(
            """
            [[accounts]]
            role = "inventory"
            code = "1300"
            name = "Merchandise"

            [[accounts]]
            role = "bank"
            name = "Operating account"

            [[accounts]]
            role = "retained_earnings"
            code = "3100"
            name = "Earlier results"
            """, fileName: "c.toml")
        #expect(configuration.chart[.inventory] == Account(code: "1300", name: "Merchandise"))
        #expect(configuration.chart[.bank] == Account(code: "1010", name: "Operating account"))
        #expect(configuration.chart[.sales] == Account(code: "4000", name: "Sales"))
        #expect(configuration.chart[.retainedEarnings] == Account(code: "3100", name: "Earlier results"))
        #expect(Configuration().chart[.retainedEarnings] == Account(code: "3900", name: "Retained earnings"))
        #expect(Configuration().chart.all.count == AccountRole.allCases.count)
        // Two codes swapped: each is taken by the other until both are set.
        let swapped = try Configuration.parse(
            "[[accounts]]\nrole = \"cash_on_hand\"\ncode = \"1010\"\n[[accounts]]\nrole = \"bank\"\ncode = \"1000\"", fileName: "c.toml")
        #expect(swapped.chart[.cashOnHand].code == "1010")
        #expect(swapped.chart[.bank].code == "1000")
    }

    @Test(arguments: [
        ("[[accounts]]\ncode = \"1\"", "c.toml:1: an account needs role = \"…\" (one of cash_on_hand, bank, card_clearing, processor_balance, other_tenders_receivable, inventory, inventory_in_transit, goods_received_not_invoiced, sales_tax_payable, gift_card_liability, retained_earnings, sales, sales_returns, sales_discounts, cost_of_goods_sold, inventory_shrinkage, complimentary_goods, payment_processing_fees, chargebacks, reconciliation_write_offs, pos_over_short)"),
        ("[[accounts]]\nrole = \"stock\"", "c.toml:2: unknown account role (expected one of cash_on_hand, bank, card_clearing, processor_balance, other_tenders_receivable, inventory, inventory_in_transit, goods_received_not_invoiced, sales_tax_payable, gift_card_liability, retained_earnings, sales, sales_returns, sales_discounts, cost_of_goods_sold, inventory_shrinkage, complimentary_goods, payment_processing_fees, chargebacks, reconciliation_write_offs, pos_over_short)"),
        ("[[accounts]]\nrole = \"bank\"\ncode = \"1000\"", "c.toml:1: account code 1000 is both cash_on_hand's and bank's: each role needs its own code"),
        ("[[accounts]]\nrole = \"bank\"\ncode = \"10 10\"", "c.toml:3: account code \"10 10\": use letters, digits, - or . (e.g. \"1200\")"),
        ("[[accounts]]\nrole = \"bank\"\ncolour = \"red\"", "c.toml:3: unknown key colour in [[accounts]] (expected role, code, name)"),
        ("[[accounts]]\nrole = \"retained_earnings\"\ncode = \"4900\"", "c.toml:3: account code 4900 for retained_earnings: it is equity, so its code starts with 3 (e.g. \"3900\")"),
    ])
    func chartErrorsSayWhatToFix(text: String, message: String) {
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == message)
        }
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
