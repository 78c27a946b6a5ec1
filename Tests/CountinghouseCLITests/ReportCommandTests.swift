import Foundation
import Testing

/// The books end to end from real files: the story finance lives through (close October, a late
/// October receipt arrives in November), closing rules, hledger's agreement, and verify.
@Suite struct ReportCommandTests {
    static let items = """
        sku,name,standard_cost
        A,Widget,4.00
        B,Gadget,2.00

        """
    static let octoberPurchases = """
        document_id,line_no,occurred_at,location,sku,type,quantity,total_cost
        GR-B,1,2026-10-02T09:00:00Z,S01,B,RECEIVE,10,20.00

        """
    // Three October sales of A at S01 (3, 3 and 2 units) and one of B.
    static let octoberLines = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        O-1,1,2026-10-15T10:00:00Z,S01,A,SALE,3,10.00
        O-2,1,2026-10-20T10:00:00Z,S01,A,SALE,3,10.00
        O-3,1,2026-10-25T10:00:00Z,S01,A,SALE,2,10.00
        O-4,1,2026-10-25T11:00:00Z,S01,B,SALE,1,5.00

        """
    static let octoberTenders = """
        order_id,tender_no,occurred_at,location,tender,type,amount
        O-1,1,2026-10-15T10:00:00Z,S01,CASH,PAYMENT,30.00
        O-2,1,2026-10-20T10:00:00Z,S01,CASH,PAYMENT,30.00
        O-3,1,2026-10-25T10:00:00Z,S01,CASH,PAYMENT,20.00
        O-4,1,2026-10-25T11:00:00Z,S01,CASH,PAYMENT,5.00

        """
    // The goods receipt of October 12: 10 units of A for 60.00, delivered on November 5.
    static let lateReceipt = """
        document_id,line_no,occurred_at,location,sku,type,quantity,total_cost
        GR-A,1,2026-10-12T09:00:00Z,S01,A,RECEIVE,10,60.00

        """
    static let novemberLines = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        O-5,1,2026-11-10T10:00:00Z,S01,A,SALE,1,10.00

        """
    static let novemberTenders = """
        order_id,tender_no,occurred_at,location,tender,type,amount
        O-5,1,2026-11-10T10:00:00Z,S01,CASH,PAYMENT,10.00

        """

    /// Ingests the story's files into a ledger: October's on October 31, the late receipt on
    /// November 5, November's on November 11.
    static func ingest(_ cli: CLI, late: Bool = true) throws {
        let october = try [
            cli.write("oct/items.csv", items), cli.write("oct/purchases.csv", octoberPurchases),
            cli.write("oct/pos_lines.csv", octoberLines), cli.write("oct/pos_tenders.csv", octoberTenders),
        ]
        let result = try cli.run(["ingest", "--recorded-at", "2026-10-31T20:00:00Z"] + october)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        guard late else { return }
        try lateFiles(cli)
    }

    static func lateFiles(_ cli: CLI) throws {
        #expect(try cli.run(["ingest", "--recorded-at", "2026-11-05T06:00:00Z", cli.write("nov05/purchases.csv", lateReceipt)]).status == 0)
        let november = try [cli.write("nov11/pos_lines.csv", novemberLines), cli.write("nov11/pos_tenders.csv", novemberTenders)]
        #expect(try cli.run(["ingest", "--recorded-at", "2026-11-11T06:00:00Z"] + november).status == 0)
    }

    static func read(_ cli: CLI, _ path: String) throws -> String {
        try String(contentsOf: cli.directory.appendingPathComponent(path), encoding: .utf8)
    }

    static func expectVerified(_ cli: CLI, now: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verify = try cli.run(["verify"], now: now)
        #expect(verify.status == 0, "\(verify.output)", sourceLocation: sourceLocation)
    }

    // At October's close nothing of A has been received: the three sales (8 units) are pending at
    // the standard cost 4.00 — 12.00 + 12.00 + 8.00 = 32.00 — and B's sale costs 2.00. The late
    // receipt (10 × 6.00) makes them 18.00 + 18.00 + 12.00 = 48.00: cost of goods sold +16.00.
    // Inventory at S01 was −32.00 (A) + 18.00 (B); now 60.00 − 48.00 = 12.00 (A) + 18.00 (B): +44.00.
    // Goods received not invoiced −60.00. The adjustment: Dr 1200 44.00, Dr 5000 16.00, Cr 2000 60.00.
    @Test(arguments: storeKinds)
    func theStoryFinanceLivesThrough(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        try Self.ingest(cli, late: false)
        let closeOctober = try cli.run(["close", "--period", "2026-10"], now: "2026-11-01T12:00:00Z")
        #expect(closeOctober.status == 0, "\(closeOctober.error)")
        #expect(closeOctober.output.hasPrefix("closed 2026-10 as known at 2026-11-01T12:00:00+00:00: "))
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "oct-at-close"], now: "2026-11-01T12:00:00Z").status == 0)
        let octoberCogs = try Self.read(cli, "oct-at-close/cogs.csv")
        #expect(octoberCogs.contains("SALE:O-3:1,SALE,2026-10-25T10:00:00+00:00,S01,A,O-3,1,2,0,0.00,2,8.00,0,FALLBACK_STANDARD_COST"))
        try Self.expectVerified(cli, now: "2026-11-01T12:00:00Z")

        try Self.lateFiles(cli)
        let now = "2026-12-01T12:00:00Z"
        // October's report is what was posted, byte for byte; the drift shows what changed.
        let october = try cli.run(["report", "--period", "2026-10", "--out", "oct-now"], now: now)
        #expect(october.status == 0, "\(october.error)")
        #expect(october.output.contains("2026-10 is closed"))
        for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "journal.ledger", "cogs.csv"] {
            #expect(try Self.read(cli, "oct-now/\(name)") == Self.read(cli, "oct-at-close/\(name)"), "\(name)")
        }
        let drift = try Self.read(cli, "oct-now/drift.csv")
        #expect(drift.contains("5000,Cost of goods sold,S01,,34.00,0.00,50.00,16.00\n"))

        // A span ending inside closed October: the posted journal up to there, and the valuation as
        // known at October's close (A −8 units at the standard 4.00, B 9 units at 2.00): they agree.
        let part = try cli.run(["report", "--from", "2026-10-02", "--to", "2026-10-25", "--out", "oct-part"], now: now)
        #expect(part.output.contains("it ends in 2026-10, which is closed: valuation and cost lines as known at its close"))
        #expect(try Self.read(cli, "oct-part/trial_balance.csv").contains("\n1200,Inventory,0.00,20.00,34.00,-14.00\n"))
        #expect(try Self.read(cli, "oct-part/valuation.csv") == "sku,location,quantity_on_hand,value,pending_quantity\nA,S01,-8,-32.00,8\nB,S01,9,18.00,0\n")

        // November carries the adjustment, dated November 1.
        #expect(try cli.run(["report", "--period", "2026-11", "--out", "nov"], now: now).status == 0)
        let journal = try Self.read(cli, "nov/journal.csv")
        let adjustment = journal.split(separator: "\n").filter { $0.hasPrefix("ADJUST:2026-11-01:2026-10,") }
        #expect(adjustment.count == 3)
        #expect(adjustment.map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(7).joined(separator: ",") } == [
            "ADJUST:2026-11-01:2026-10,2026-11-01,1200,Inventory,44.00,0.00,S01",
            "ADJUST:2026-11-01:2026-10,2026-11-01,2000,Goods received not invoiced,0.00,60.00,S01",
            "ADJUST:2026-11-01:2026-10,2026-11-01,5000,Cost of goods sold,16.00,0.00,S01",
        ])
        #expect(adjustment.allSatisfy { $0.contains("prior-period adjustment for 2026-10: late rows ") && $0.contains("nov05/purchases.csv:2") })
        // The drill-down: the adjustment's late row, and October 15's cost of sales as known now.
        let drill = try cli.run(["entry", "ADJUST:2026-11-01:2026-10", "--format", "csv"], now: now)
        #expect(drill.status == 0, "\(drill.error)")
        #expect(drill.output.hasPrefix("source,kind,document,line,type,sku,quantity,amount\n"))
        #expect(drill.output.contains("nov05/purchases.csv:2,purchases,GR-A 1,,RECEIVE,A,10,\n"))
        let cogsDrill = try cli.run(["entry", "COGS:2026-10-15:S01", "--format", "csv"], now: now)
        #expect(cogsDrill.output.hasSuffix("oct/pos_lines.csv:2,sale,O-1,,,A,3,-18.00\n"))
        let missing = try cli.run(["entry", "SALES:2026-10-16:S01"], now: now)
        #expect(missing.status == 1)
        #expect(missing.error == "error: no journal entry SALES:2026-10-16:S01 as known at 2026-12-01T12:00:00+00:00 (entry ids are journal.csv's entry_id)\n")
        // The inventory account at November's end = the valuation: A 1 unit at 6.00, B 9 at 2.00.
        let trialBalance = try Self.read(cli, "nov/trial_balance.csv")
        #expect(trialBalance.contains("\n1200,Inventory,-14.00,44.00,6.00,24.00\n"))
        #expect(try Self.read(cli, "nov/valuation.csv") == "sku,location,quantity_on_hand,value,pending_quantity\nA,S01,1,6.00,0\nB,S01,9,18.00,0\n")
        try Self.expectVerified(cli, now: now)

        // Close November; the posted journals of October and November sum to the journal of
        // everything known, computed in a second ledger that never closed anything.
        #expect(try cli.run(["close", "--period", "2026-11"], now: now).status == 0)
        #expect(try cli.run(["report", "--period", "2026-11", "--out", "nov-closed"], now: now).status == 0)
        #expect(try Self.read(cli, "nov-closed/journal.csv") == journal)
        // The posted adjustment still drills down to the late row behind it.
        let postedDrill = try cli.run(["entry", "ADJUST:2026-11-01:2026-10", "--format", "csv"], now: now)
        #expect(postedDrill.output.contains("nov05/purchases.csv:2,purchases,GR-A 1,,RECEIVE,A,10,\n"))
        let fresh = try CLI(postgres: postgres)
        try Self.ingest(fresh)
        #expect(try fresh.run(["report", "--from", "2026-10-01", "--to", "2026-11-30", "--out", "all"], now: now).status == 0)
        func balances(_ text: String) -> [String] {
            text.split(separator: "\n").dropFirst().map { row in
                let cells = row.split(separator: ",", omittingEmptySubsequences: false)
                return "\(cells[0])=\(cells[5])"
            }
        }
        #expect(balances(try Self.read(cli, "nov-closed/trial_balance.csv")) == balances(try Self.read(fresh, "all/trial_balance.csv")))
        try Self.expectVerified(cli, now: now)

        // The same knowledge time gives the same bytes, every time.
        #expect(try cli.run(["report", "--period", "2026-11", "--as-known-at", "2026-11-20", "--out", "a"], now: now).status == 0)
        #expect(try cli.run(["report", "--period", "2026-11", "--as-known-at", "2026-11-20", "--out", "b"], now: now).status == 0)
        for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "journal.ledger", "cogs.csv", "run.json"] {
            #expect(try Self.read(cli, "a/\(name)") == Self.read(cli, "b/\(name)"), "\(name)")
        }

        // As known now the costs come from the cost cache; as known at an earlier time from the
        // engine. A December settlement (no bearing on November) recorded after November's close
        // makes 12:30 an earlier knowledge time with the same closes: both ways give the same files.
        let december = """
            processor,record_id,type,occurred_at,currency,gross,fee,net
            stripe,txn_dec,FEE,2026-12-01T10:00:00Z,USD,0.00,1.00,-1.00

            """
        for early in ["2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z"] {
            let beforeClose = try cli.run(["ingest", "--recorded-at", early, cli.write("dec/settlements.csv", december)])
            #expect(beforeClose.status == 1)
            #expect(beforeClose.error.hasSuffix("would not be after the close of 2026-11 (2026-12-01T12:00:00+00:00): knowledge never goes backwards\n"))
        }
        #expect(try cli.run(["ingest", "--recorded-at", "2026-12-01T13:00:00Z", cli.write("dec/settlements.csv", december)]).status == 0)
        // The span is not exactly the closed November, so both are computed from the books.
        #expect(try cli.run(["report", "--from", "2026-11-02", "--to", "2026-11-30", "--out", "cached"], now: "2026-12-02T12:00:00Z").status == 0)
        #expect(try cli.run(["report", "--from", "2026-11-02", "--to", "2026-11-30", "--as-known-at", "2026-12-01T12:30:00Z", "--out", "computed"], now: "2026-12-02T12:00:00Z").status == 0)
        for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "cogs.csv"] {
            #expect(try Self.read(cli, "cached/\(name)") == Self.read(cli, "computed/\(name)"), "\(name)")
        }
    }

    // October: 2 units of C received at 3.00 each; a sale of 3 takes them (6.00) and leaves 1 unit
    // pending at the provisional 3.00 (the last purchase price here): 9.00, inventory −3.00.
    // October closes. A receipt dated November 3 (5 × 4.00) fills the pending unit: the sale's
    // final cost is 6.00 + 4.00 = 10.00. The true-up of 1.00 lands in November: Dr 5000 1.00,
    // Cr 1200 1.00. November's inventory: opens at −3.00 (as posted), + 20.00 − 1.00 = 16.00 = 4 × 4.00.
    @Test(arguments: storeKinds)
    func aProvisionalCostMadeFinalAfterTheCloseIsTrueUpInTheOpenPeriod(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let october = try [
            cli.write("oct/purchases.csv", "document_id,line_no,occurred_at,location,sku,type,quantity,total_cost\nGR-0,1,2026-10-01T09:00:00Z,S01,C,RECEIVE,2,6.00\n"),
            cli.write("oct/pos_lines.csv", "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price\nO-9,1,2026-10-20T10:00:00Z,S01,C,SALE,3,8.00\n"),
            cli.write("oct/pos_tenders.csv", "order_id,tender_no,occurred_at,location,tender,type,amount\nO-9,1,2026-10-20T10:00:00Z,S01,CASH,PAYMENT,24.00\n"),
        ]
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-31T20:00:00Z"] + october).status == 0)
        #expect(try cli.run(["close", "--period", "2026-10"], now: "2026-11-01T12:00:00Z").status == 0)
        let receipt = "document_id,line_no,occurred_at,location,sku,type,quantity,total_cost\nGR-1,1,2026-11-03T09:00:00Z,S01,C,RECEIVE,5,20.00\n"
        #expect(try cli.run(["ingest", "--recorded-at", "2026-11-04T06:00:00Z", cli.write("nov/purchases.csv", receipt)]).status == 0)
        let now = "2026-12-01T12:00:00Z"
        #expect(try cli.run(["report", "--period", "2026-11", "--out", "nov-report"], now: now).status == 0)
        let adjustment = try Self.read(cli, "nov-report/journal.csv").split(separator: "\n").filter { $0.hasPrefix("ADJUST:") }
        #expect(adjustment.map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(7).joined(separator: ",") } == [
            "ADJUST:2026-11-01:2026-10,2026-11-01,1200,Inventory,0.00,1.00,S01",
            "ADJUST:2026-11-01:2026-10,2026-11-01,5000,Cost of goods sold,1.00,0.00,S01",
        ])
        #expect(adjustment.allSatisfy { $0.contains("no late row is dated in 2026-10 (later rows made provisional costs final") })
        #expect(try Self.read(cli, "nov-report/trial_balance.csv").contains("\n1200,Inventory,-3.00,20.00,1.00,16.00\n"))
        try Self.expectVerified(cli, now: now)
    }

    @Test func periodsCloseInOrderOnceAfterTheyEnd() throws {
        let cli = try CLI()
        try Self.ingest(cli)
        let early = try cli.run(["close", "--period", "2026-11"], now: "2026-11-20T12:00:00Z")
        #expect(early.status == 1)
        #expect(early.error == "error: 2026-11 has not ended (it ends at 2026-12-01T00:00:00+00:00; now is 2026-11-20T12:00:00+00:00)\n")
        let outOfOrder = try cli.run(["close", "--period", "2026-11"], now: "2026-12-02T12:00:00Z")
        #expect(outOfOrder.error == "error: 2026-10 is open (the ledger's first rows are dated 2026-10-02): close it before 2026-11 (periods close in order)\n")
        #expect(try cli.run(["close", "--period", "2026-10"], now: "2026-12-02T12:00:00Z").status == 0)
        let twice = try cli.run(["close", "--period", "2026-10"], now: "2026-12-02T13:00:00Z")
        #expect(twice.error == "error: 2026-10 is already closed; what is learnt about it now goes into the first open period\n")
        let skipping = try cli.run(["close", "--period", "2026-12"], now: "2027-01-02T13:00:00Z")
        #expect(skipping.error == "error: 2026-11 is open: close it before 2026-12 (periods close in order)\n")
        let backwards = try cli.run(["close", "--period", "2026-11"], now: "2026-12-02T11:00:00Z")
        #expect(backwards.error.contains("knowledge never goes backwards"))
        #expect(try cli.run(["close", "--period", "2026-13"]).status == 2)
    }

    /// hledger accepts the exported journal in strict mode, and reads it as the trial balance says:
    /// its income statement for November is November's activity of the income and expense
    /// accounts (October's result is brought forward in retained earnings, not in them), its
    /// balance sheet the closing balances of the balance-sheet accounts with retained earnings
    /// holding the result before November, and its balances of everything the trial balance's
    /// closing balances wherever those are the file's (balance-sheet accounts).
    @Test func hledgerAgreesWithTheTrialBalance() throws {
        let cli = try CLI()
        try Self.ingest(cli)
        #expect(try cli.run(["close", "--period", "2026-10"], now: "2026-11-01T12:00:00Z").status == 0)
        #expect(try cli.run(["report", "--period", "2026-11", "--out", "nov"], now: "2026-12-01T12:00:00Z").status == 0)
        let ledger = cli.directory.appendingPathComponent("nov/journal.ledger").path
        let check = try Self.hledger(["-f", ledger, "check", "-s"])
        #expect(check.status == 0, "\(check.output)")
        // Payees are declared too (a check strict mode leaves out).
        let payees = try Self.hledger(["-f", ledger, "check", "payees"])
        #expect(payees.status == 0, "\(payees.output)")

        // trial_balance.csv: account, account_name, opening, debit, credit, balance.
        var trialBalance: [String: (opening: Int64, activity: Int64, balance: Int64)] = [:]
        for row in try Self.read(cli, "nov/trial_balance.csv").split(separator: "\n").dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (opening, debit, credit, balance) = (Self.cents(cells[2]), Self.cents(cells[3]), Self.cents(cells[4]), Self.cents(cells[5]))
            trialBalance[cells[0]] = (opening, debit - credit, balance)
        }
        #expect(trialBalance["3900"].map { $0 == (0, 0, 0) } == true, "3900 is a row like every chart account, and no entry posts to it")
        func isBalanceSheet(_ code: String) -> Bool { ["1", "2", "3"].contains(code.first) }
        let earlierResult = trialBalance.filter { !isBalanceSheet($0.key) }.values.reduce(Int64(0)) { $0 + $1.opening }
        #expect(earlierResult != 0, "October had a result to bring forward")
        func nonZero(_ sums: [String: Int64]) -> [String: Int64] { sums.filter { $0.value != 0 } }

        let incomeStatement = try Self.hledgerReport(["-f", ledger, "is", "-p", "2026-11", "--flat", "-O", "csv"])
        #expect(incomeStatement == nonZero(trialBalance.filter { !isBalanceSheet($0.key) }.mapValues(\.activity)))
        #expect(!incomeStatement.isEmpty)

        var balanceSheet = nonZero(trialBalance.filter { isBalanceSheet($0.key) }.mapValues(\.balance))
        balanceSheet["3900", default: 0] += earlierResult
        // hledger's bs leaves equity out; bse is the same balance sheet with it.
        let withEquity = try Self.hledgerReport(["-f", ledger, "bse", "--flat", "-O", "csv"])
        #expect(withEquity == balanceSheet)
        #expect(withEquity["3900"] == earlierResult)
        let withoutEquity = try Self.hledgerReport(["-f", ledger, "bs", "--flat", "-O", "csv"])
        #expect(withoutEquity == balanceSheet.filter { !$0.key.hasPrefix("3") })

        // Everything: balance-sheet accounts as the trial balance closes them, income and expenses
        // November's activity, retained earnings the result before it.
        let everything = try Self.hledgerReport(["-f", ledger, "bal", "--flat", "--no-total", "-O", "csv"])
        #expect(everything.filter { isBalanceSheet($0.key) } == balanceSheet)
        #expect(everything.filter { isBalanceSheet($0.key) && $0.key != "3900" }
            == nonZero(trialBalance.filter { isBalanceSheet($0.key) && $0.key != "3900" }.mapValues(\.balance)))
        #expect(everything.filter { !isBalanceSheet($0.key) } == incomeStatement)
    }

    /// Minor units of a decimal with two places, as the CSV files and hledger write them.
    static func cents(_ text: String) -> Int64 {
        let trimmed = text.replacingOccurrences(of: " USD", with: "")
        let negative = trimmed.hasPrefix("-")
        let digits = trimmed.filter(\.isNumber)
        let value = Int64(digits) ?? Int64.min
        return negative ? -value : value
    }

    /// An hledger report as CSV (`bal`, `is`, `bs`, `bse` with `--flat -O csv`): account code →
    /// amount in minor units, signed debit positive. `is`, `bs` and `bse` show revenues,
    /// liabilities and equity with their sign flipped (as positive numbers when normal): flipped
    /// back here.
    static func hledgerReport(_ arguments: [String]) throws -> [String: Int64] {
        let result = try hledger(arguments)
        #expect(result.status == 0, "\(result.output)")
        var sums: [String: Int64] = [:]
        var flipped = false
        for row in result.output.split(separator: "\n") {
            let cells = row.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard cells.count == 2 else { continue }
            if cells[1].isEmpty {
                flipped = ["Revenues", "Liabilities", "Equity"].contains(cells[0])
                continue
            }
            let name = cells[0].split(separator: ":")
            guard name.count == 2, let code = name[1].split(separator: " ").first else { continue }
            let amount = cents(cells[1])
            sums[String(code)] = flipped ? -amount : amount
        }
        return sums
    }

    static func hledger(_ arguments: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["hledger"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self), error: "")
    }

    /// verify finds an unbalanced entry planted among the posted lines, and a deleted cache.
    @Test func verifyFindsAPlantedEntryAndADeletedCache() throws {
        let cli = try CLI()
        try Self.ingest(cli)
        let now = "2026-12-01T12:00:00Z"
        #expect(try cli.run(["close", "--period", "2026-10"], now: now).status == 0)
        try Self.expectVerified(cli, now: now)
        let database = cli.environment["COUNTINGHOUSE_DATABASE"]!
        try Self.sqlite(database, "UPDATE cost_cache_postings SET value = value + 1 WHERE rowid = (SELECT min(rowid) FROM cost_cache_postings)")
        let tamperedPosting = try cli.run(["verify"], now: now)
        #expect(tamperedPosting.status == 1)
        #expect(tamperedPosting.output.contains("FAILED cost cache = rebuild (1)"))
        #expect(tamperedPosting.output.contains("cost cache = rebuild: stock posting 0 of A ("))
        // Amounts in decimals, as a person reads them: one minor unit apart.
        let postingLine = tamperedPosting.output.split(separator: "\n").first { $0.contains("stock posting 0 of A") } ?? ""
        #expect(postingLine.hasSuffix("): cached value 60.01, rebuilt value 60.00"), "\(postingLine)")
        try Self.sqlite(database, "DELETE FROM cost_cache_outflows")
        let afterDelete = try cli.run(["verify"], now: now)
        #expect(afterDelete.status == 1)
        #expect(afterDelete.output.contains("FAILED cost cache = rebuild"))
        #expect(afterDelete.output.contains("is missing from the cache"))
        let rebuilt = try cli.run(["verify", "--rebuild-cache"], now: now)
        #expect(rebuilt.status == 0, "\(rebuilt.output)")
        #expect(rebuilt.output.hasPrefix("cost cache rebuilt from the ledger\nok     ledger hash chains\nok     cost cache = rebuild\nok     cost checkpoints = rebuild\n"))
        try Self.sqlite(
            database,
            "INSERT INTO posted_journal_lines VALUES ('2026-10', 999, 'PLANTED', '2026-10-31', 'planted', 'test', 'x', '', '1000', 'Cash on hand', 100, 'S01', '', '')")
        let planted = try cli.run(["verify"], now: now)
        #expect(planted.status == 1)
        #expect(planted.output.contains("FAILED journal entries balance (2)"))
        #expect(planted.output.contains("entry PLANTED of 2026-10-31 does not balance: debits − credits = 1.00"))
        #expect(planted.output.contains("2026-10: entry 2026-10-31 PLANTED was posted but is not in a recomputation as known at the close"))
        // Before the entries, what else than tampering makes them differ.
        #expect(planted.output.contains(
            "2026-10: 1 posted entry differs from a recomputation as known at the close (a change of the chart of accounts, time zone,"
                + " currency or [reconciliation] since then also shows here: verify with the configuration the close ran with)\n"
                + "  closed periods = recomputed at their close: 2026-10: entry 2026-10-31 PLANTED was posted"))
        // A posted file altered behind the program's back (its owner dropped the trigger).
        try Self.sqlite(
            database,
            "DROP TRIGGER posted_files_no_update; UPDATE posted_files SET content = content || 'x' WHERE name = 'valuation.csv'")
        let altered = try cli.run(["verify"], now: now)
        #expect(altered.output.contains("2026-10: the posted valuation.csv differs from a recomputation as known at the close"))
        // And nothing unbalanced is posted on top of it.
        let close = try cli.run(["close", "--period", "2026-11"], now: now)
        #expect(close.status == 1)
        #expect(close.error.contains("ADJUST:2026-11-01:2026-10 does not balance (debits − credits = -1.00)"))
    }

    static func sqlite(_ database: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", database, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
