import Testing
@testable import CountinghouseCore

@Suite struct ConfigurationTests {
    @Test func readsEverySetting() throws {
        let configuration = try Configuration.parse(
            """
            # the chain
            database = "postgres://ledger@db/countinghouse"  # a comment
            company = "Hansa Handel GmbH"
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
        #expect(configuration.company == "Hansa Handel GmbH")
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

    @Test func theReconciliationTableAndItsFeeSchedule() throws {
        let configuration = try Configuration.parse(
            """
            [reconciliation]
            tolerance = "0.05"
            window_minutes = 30
            lag_days = 5

            [[reconciliation.fees]]
            processor = "Stripe"
            percent = "2.9"
            fixed = "0.30"

            [[reconciliation.fees]]
            processor = "adyen"
            payment_method = "AMEX"
            percent = "3.5"
            """, fileName: "c.toml")
        let settings = configuration.reconciliation
        #expect(settings.tolerance == 5)
        #expect(settings.windowMinutes == 30)
        #expect(settings.lagDays == 5)
        #expect(settings.fees == [
            FeeScheduleEntry(processor: "stripe", percentNumerator: 29, percentScale: 1, fixed: 30),
            FeeScheduleEntry(processor: "adyen", paymentMethod: "amex", percentNumerator: 35, percentScale: 1, fixed: 0),
        ])
        #expect(settings.fees[0].expectedFee(gross: 1999) == 88)  // 0.57971 → 0.58, + 0.30
        #expect(settings.fees[0].expectedFee(gross: -1000) == 1)  // −0.29 + 0.30
        #expect(Configuration().reconciliation == ReconciliationSettings(tolerance: 0, windowMinutes: 15, lagDays: 3))
    }

    @Test(arguments: [
        ("[reconciliation]\ntolerance = \"0.005\"", "c.toml:2: tolerance in [reconciliation] must be money like \"0.05\" (at most 2 decimals, not negative)"),
        ("[reconciliation]\ntolerance = 0.05", "c.toml:2: tolerance in [reconciliation] must be a quoted string, not a number with a fraction"),
        ("[reconciliation]\nwindow_minutes = -1", "c.toml:2: window_minutes in [reconciliation] must be 0 to 10080 (a week)"),
        ("[reconciliation]\nlag_days = 400", "c.toml:2: lag_days in [reconciliation] must be 0 to 366"),
        ("[reconciliation]\nlag = 4", "c.toml:2: unknown key lag in [reconciliation] (expected tolerance, window_minutes, lag_days, [[reconciliation.fees]])"),
        ("[[reconciliation.fees]]\npercent = \"2\"", "c.toml:1: a fee needs processor = \"…\" (as the settlements name it, e.g. \"stripe\")"),
        ("[[reconciliation.fees]]\nprocessor = \"stripe\"\npercent = \"2,9\"", "c.toml:3: percent must be a decimal from 0 to 100 like \"2.9\" (at most 6 decimals)"),
        ("[[reconciliation.fees]]\nprocessor = \"stripe\"\nfixed = \"0.305\"", "c.toml:3: fixed must be money like \"0.30\" (at most 2 decimals)"),
        ("[[reconciliation.fees]]\nprocessor = \"stripe\"\nfixed = \"0.30\"\n[[reconciliation.fees]]\nprocessor = \"Stripe\"\npercent = \"3\"", "c.toml:4: the fee schedule has stripe twice"),
        ("[[reconciliation.fees]]\nprocessor = \"stripe\"", "c.toml:1: a fee needs percent = \"…\" and/or fixed = \"…\""),
        ("[[reconciliation.fees]]\nprocessor = \"stripe\"\npayment_method = \"\"\npercent = \"3\"", "c.toml:3: payment_method must name a method (e.g. \"visa\"), or be left out for the processor's entry"),
    ])
    func reconciliationErrorsNameTheLineAndTheKey(text: String, message: String) {
        #expect(throws: ConfigurationError.self) { try Configuration.parse(text, fileName: "c.toml") }
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
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
        ("databse = \"x\"", "c.toml:1: unknown key databse (expected database, company, currency, timezone, busy_timeout_seconds, [[locations]], [[accounts]], [stripe], [adyen], [square], [reconciliation], [run])"),
        ("currency = \"XYZ\"", "c.toml:1: currency XYZ is not an ISO 4217 code"),
        ("database = x.sqlite", "c.toml:1: cannot read value x.sqlite (strings need double quotes)"),
        ("database = \"a\"\ndatabase = \"b\"", "c.toml:2: database is set twice"),
        ("\n[[locations]]\nname = \"x\"", "c.toml:2: a location needs code = \"…\""),
        ("[[locations]]\ncode = \"IN_TRANSIT\"", "c.toml:1: the location code IN_TRANSIT is reserved"),
        ("[store]", "c.toml:1: tables other than [[locations]], [[accounts]], [stripe], [adyen], [square], [reconciliation] and [run] are not used; put settings at the top of the file"),
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

    // MARK: - Read by a real TOML library (TOMLKit)

    /// TOML the hand-written subset could not read: literal strings, comments after a header and
    /// inside arrays, arrays of tables written inline over several lines, quoted keys, multi-line
    /// strings, unicode escapes, CRLF line ends.
    @Test func validTOMLTheSubsetCouldNotRead() throws {
        let text = """
            database = 'C:\\ledgers\\chain.sqlite'   # a literal string: no escapes
            "currency" = "USD"
            timezone = \"\"\"
            Europe/Berlin\"\"\"

            locations = [  # written inline, over several lines
                { code = "WH1", name = 'Central "main" warehouse', kind = "warehouse" },
                # a comment between the tables
                { code = "S01", name = "Caf\\u00e9 one" },
            ]

            [[accounts]]  # a comment after the header
            role = "inventory"
            code = '1300'
            """
        let configuration = try Configuration.parse(text.replacingOccurrences(of: "\n", with: "\r\n"), fileName: "c.toml")
        #expect(configuration.database == #"C:\ledgers\chain.sqlite"#)
        #expect(configuration.currency == "USD")
        #expect(configuration.timeZone == "Europe/Berlin")
        #expect(configuration.locations == [
            LocationConfiguration(code: "WH1", name: #"Central "main" warehouse"#, kind: "warehouse"),
            LocationConfiguration(code: "S01", name: "Café one"),
        ])
        #expect(configuration.chart[.inventory].code == "1300")
    }

    @Test(arguments: [
        // A syntax error: toml++'s description, at its line.
        ("currency = \"USD\"\n\n[[locations]\ncode = \"WH1\"", "c.toml:3: Error while parsing table header: expected ']', saw '\\n'"),
        // An unknown top-level table, after a multi-line string holding a line that looks like one.
        ("database = '''\n[foo]\nx.sqlite'''\n\n[foo]\nbar = 1", "c.toml:5: tables other than [[locations]], [[accounts]], [stripe], [adyen], [square], [reconciliation] and [run] are not used; put settings at the top of the file"),
        ("[[foo]]\nbar = 1", "c.toml:1: unknown table [[foo]] (expected [[locations]], [[accounts]], [stripe], [adyen], [square], [reconciliation] or [run])"),
        // Our words for the usual mistakes, wherever they are.
        ("currency = 'EUR'\r\ndatabase = \"x.sqlite\r\ntimezone = \"UTC\"", "c.toml:2: unterminated string"),
        ("name = 'Café'\ndatabase = x.sqlite # a comment", "c.toml:2: cannot read value x.sqlite (strings need double quotes)"),
        ("[[locations]]\ncode = \"WH1\"\n[locations]", "c.toml:3: locations is set twice"),
        // An unknown key in the second of two [[locations]], after a multi-line string holding lines
        // that look like a third one.
        ("currency = 'EUR'\n[[locations]]\ncode = \"WH1\"\nname = \"\"\"\n[[locations]]\ncolour = 1\n\"\"\"\n[[locations]]\ncode = \"S01\"\ncolour = \"red\"", "c.toml:10: unknown key colour in [[locations]] (expected code, name, kind)"),
        ("locations = [{ code = \"WH1\" },\n  { code = \"S01\", colour = \"red\" }]", "c.toml:2: unknown key colour in [[locations]] (expected code, name, kind)"),
        ("currency = 'EUR'\ndotted.key = 1", "c.toml:2: unknown key dotted (expected database, company, currency, timezone, busy_timeout_seconds, [[locations]], [[accounts]], [stripe], [adyen], [square], [reconciliation], [run])"),
        // Values of the wrong type, named with their key.
        ("database = \"x\"\ncurrency = 840", "c.toml:2: currency must be a quoted string, not a whole number"),
        ("[[accounts]]\nrole = \"inventory\"\ncode = 1300", "c.toml:3: code in [[accounts]] must be a quoted string, not a whole number"),
        ("timezone = ['UTC']", "c.toml:1: timezone must be a quoted string, not an array"),
        ("[locations]\ncode = \"WH1\"", "c.toml:1: locations must be tables written [[locations]], not a table"),
        ("database = 'a'\n\"x\" = \"a\u{0}b\"", "c.toml:2: the file holds a NUL byte"),
    ])
    func tomlErrorsNameTheLineAndTheKey(text: String, message: String) {
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == message)
        }
    }

    /// A table the next issues add is a schema entry: `[reconciliation]` with a key and
    /// `[[reconciliation.fees]]` under it are read and checked with no parser work.
    @Test func aNewTableIsDeclaredNotParsed() throws {
        let schema = ConfigurationSchema(
            keys: [.init("database", .string)],
            tables: [
                "reconciliation": ConfigurationSchema(
                    keys: [.init("tolerance_days", .integer), .init("strict", .boolean)],
                    arrays: ["fees": ConfigurationSchema(keys: [.init("processor", .string), .init("percent_basis_points", .integer)])],
                    order: ["fees"]),
            ],
            order: ["reconciliation"])
        let text = """
            database = "x"

            [reconciliation]
            tolerance_days = 3
            strict = true

            [[reconciliation.fees]]
            processor = "stripe"
            percent_basis_points = 290
            """
        let document = try ConfigurationDocument(text, fileName: "c.toml", schema: schema)
        let reconciliation = try #require(document.root.tables["reconciliation"])
        #expect(reconciliation.integer("tolerance_days") == 3 && reconciliation.boolean("strict") == true)
        #expect(reconciliation.arrays["fees"]?.map { $0.string("processor") } == ["stripe"])
        #expect(reconciliation.arrays["fees"]?.first?.integer("percent_basis_points") == 290)
        let errors = [
            (text + "\nfixed = 30", "c.toml:10: unknown key fixed in [[reconciliation.fees]] (expected processor, percent_basis_points)"),
            (text.replacingOccurrences(of: "strict = true", with: "strict = 1"), "c.toml:5: strict in [reconciliation] must be true or false, not a whole number"),
            (text.replacingOccurrences(of: "strict = true", with: "window = 1"), "c.toml:5: unknown key window in [reconciliation] (expected tolerance_days, strict, [[reconciliation.fees]])"),
            (text + "\n[reconciliation.rules]", "c.toml:10: unknown table [reconciliation.rules] (expected [[reconciliation.fees]])"),
        ]
        for (text, message) in errors {
            do {
                _ = try ConfigurationDocument(text, fileName: "c.toml", schema: schema)
                Issue.record("no error for \(text)")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}

@Test func theBusyTimeoutIsAWholeNumberOfSeconds() throws {
    #expect(try Configuration.parse("busy_timeout_seconds = 30\n", fileName: "c.toml").busyTimeoutSeconds == 30)
    #expect(Configuration().busyTimeoutSeconds == 10)
    #expect(throws: ConfigurationError(file: "c.toml", line: 2, message: "busy_timeout_seconds -1 is not a whole number of seconds from 0 to 86400")) {
        try Configuration.parse("currency = \"USD\"\nbusy_timeout_seconds = -1\n", fileName: "c.toml")
    }
}

/// `[run]`: the nightly run's folders, retries and lock wait; bad values name the key.
@Suite struct RunConfigurationTests {
    @Test func readsTheRunTable() throws {
        let configuration = try Configuration.parse(
            """
            [run]
            inbox = "/srv/inbox"
            outbox = "/srv/outbox"
            retries = 2
            retry_wait_seconds = 3
            retry_max_wait_seconds = 10
            lock_wait_seconds = 30
            """, fileName: "c.toml")
        let run = configuration.run
        #expect(run.inbox == "/srv/inbox" && run.outbox == "/srv/outbox")
        #expect(run.retries == 2 && run.lockWaitSeconds == 30)
        // Waits double up to the cap.
        #expect([1, 2, 3, 4].map { run.wait(beforeRetry: $0) } == [3, 6, 10, 10])
        #expect(try Configuration.parse("", fileName: "c.toml").run == RunSettings())
    }

    @Test(arguments: [
        ("[run]\nretries = -1", "c.toml:2: retries in [run] must be 0 to 100"),
        ("[run]\nretry_wait_seconds = 9\nretry_max_wait_seconds = 5", "c.toml:3: retry_max_wait_seconds in [run] must not be less than retry_wait_seconds"),
        ("[run]\ninbx = \"x\"", "c.toml:2: unknown key inbx in [run] (expected inbox, outbox, retries, retry_wait_seconds, retry_max_wait_seconds, lock_wait_seconds)"),
    ])
    func badValuesNameTheKey(text: String, message: String) {
        #expect(throws: ConfigurationError.self) { try Configuration.parse(text, fileName: "c.toml") }
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
        } catch {
            #expect(error.description == message)
        }
    }
}
