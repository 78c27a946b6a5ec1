// The workbook's layout: which sheets in which order, the journal's links to an entry's first
// line, the trial balance's check formula, the Daily sheet the charts draw, and a suggested action
// for every status that needs a person.
import CountinghouseCore
import Testing

@testable import CountinghouseReport

@Suite struct WorkbookSheetsTests {
    static let day = CivilDate(year: 2026, month: 11, day: 2)!

    func entry(_ id: String, lines: [(String, Int64, Int64)]) -> JournalEntry {
        JournalEntry(
            id: id, date: Self.day, memo: id, sourceType: "pos", sourceReference: "S01",
            lines: lines.map { JournalLine(account: Account(code: $0.0, name: "A \($0.0)"), amount: $0.1 - $0.2, location: "S01") })
    }

    func empty(_ name: String) -> ReportTable { ReportTable(name: name, columns: [ReportColumn("x", .text)]) }

    func content(journal: ReportTable, trialBalance: ReportTable, daily: ReportTable) -> WorkbookContent {
        WorkbookContent(
            about: [("company", .text("Co"))], figures: [WorkbookFigure("net sales", .money(100, exponent: 2), sheet: "Daily")],
            openItems: empty("open_items"), checks: [WorkbookCheck("entries balance", problems: []), WorkbookCheck("x", problems: ["bad"])],
            journal: journal, trialBalance: trialBalance, cogs: empty("cogs"), valuation: empty("valuation"), stockTrail: empty("stock_trail"),
            pendingCosts: empty("pending_costs"), adjustments: empty("prior_period_adjustments"), reorder: empty("reorder"),
            reconciliation: empty("reconciliation"), exceptions: empty("exceptions"), payouts: empty("payouts"), run: [("program", .text("p"))],
            configuration: empty("configuration"), inputs: empty("inputs"), daily: daily,
            ageing: ReportTable(
                name: "reconciliation_ageing", columns: [ReportColumn("age_bucket", .text), ReportColumn("items", .number), ReportColumn("amount", .money)],
                rows: [[.text("0–7 days"), .integer(1), .money(5, exponent: 2)]]))
    }

    /// journal.csv's rows, made from the entries as they are read, against the obvious version
    /// (every line as cells, in order): entries without lines between and at the ends, a line
    /// memo joined to its entry's, the totals of the debits and credits.
    @Test func theJournalsRowsAreEveryLineInOrder() {
        var memoed = entry("E3", lines: [("1200", 0, 7), ("5000", 7, 0)])
        memoed.lines[1].memo = "shrinkage"
        let entries = [
            entry("E0", lines: []), entry("E1", lines: [("1000", 500, 0), ("4000", 0, 500)]), entry("E2", lines: []), memoed,
            entry("E4", lines: [("1100", 1, 0), ("4000", 0, 1)]), entry("E5", lines: []),
        ]
        let obvious: [[ReportCell]] = entries.flatMap { entry in
            entry.lines.map { line -> [ReportCell] in
                [
                    .text(entry.id), .date(entry.date), .text(line.account.code), .text(line.account.name), .money(line.debit, exponent: 2),
                    .money(line.credit, exponent: 2), .inputText(line.location), .inputText(line.memo.isEmpty ? entry.memo : "\(entry.memo): \(line.memo)"),
                    .text(entry.sourceType), .inputText(entry.sourceReference), .inputText(line.processor), .text(""),
                ]
            }
        }
        let journal = JournalTables.journal(entries, exponent: 2)
        #expect(journal.rows.count == 6)
        #expect(Array(journal.rows) == obvious)
        #expect(journal.rows[3][7] == .inputText("E3: shrinkage"))
        #expect(journal.totals?[4] == .formula("SUM(E2:E7)", value: .money(508, exponent: 2)))
        #expect(journal.totals?[5] == .formula("SUM(F2:F7)", value: .money(508, exponent: 2)))
        #expect(JournalTables.journal([], exponent: 2).rows.isEmpty)
    }

    @Test func theSheetsInTheirOrderWithLinksChecksAndCharts() throws {
        let entries = [entry("SALES:2026-11-02:S01", lines: [("1000", 500, 0), ("4000", 0, 450), ("2100", 0, 50)]), entry("COGS:2026-11-02:S01", lines: [("5000", 200, 0), ("1200", 0, 200)])]
        let journal = JournalTables.journal(entries, exponent: 2)
        let trialBalance = JournalTables.trialBalance(
            [
                TrialBalanceRow(account: Account(code: "1000", name: "Cash"), opening: 0, debit: 500, credit: 0, balance: 500),
                TrialBalanceRow(account: Account(code: "4000", name: "Sales"), opening: 0, debit: 0, credit: 500, balance: -500),
            ], exponent: 2)
        let daily = WorkbookSheets.dailyByLocation(
            [
                DailyRow(date: Self.day, location: "S02", netSales: 300, cogs: 100, grossMargin: 200),
                DailyRow(date: Self.day, location: "S01", netSales: 450, cogs: 200, grossMargin: 250),
                // A location only card money names: no series of its own.
                DailyRow(date: Self.day, location: "", netSales: 0, cogs: 0, grossMargin: 0),
            ], span: ReportSpan(firstDay: CivilDate(year: 2026, month: 11, day: 1)!, lastDay: CivilDate(year: 2026, month: 11, day: 3)!)!,
            exponent: 2)
        let sheets = WorkbookSheets.sheets(content(journal: journal, trialBalance: trialBalance, daily: daily))
        #expect(sheets.map(\.title) == [
            "Summary", "Journal", "Trial Balance", "Cost of Goods", "Valuation", "Stock Trail", "Pending Costs", "Prior-Period Adjustments",
            "Reorder", "Reconciliation", "Exceptions", "Payouts", "Run", "Daily",
        ])
        for sheet in sheets { #expect(sheet.title.count <= 31) }

        // The journal: a later line of an entry links to its first line (sheet row 1 for the first
        // entry, row 4 for the second); first lines keep their id as text.
        let lines = sheets[1].tables[0].rows
        #expect(lines[0][0] == .text("SALES:2026-11-02:S01"))
        #expect(lines[1][0] == .link(sheet: "Journal", row: 1, column: 0, label: .text("SALES:2026-11-02:S01")))
        #expect(lines[2][0] == .link(sheet: "Journal", row: 1, column: 0, label: .text("SALES:2026-11-02:S01")))
        #expect(lines[3][0] == .text("COGS:2026-11-02:S01"))
        #expect(lines[4][0] == .link(sheet: "Journal", row: 4, column: 0, label: .text("COGS:2026-11-02:S01")))

        // The trial balance's check: its total row is sheet row 4 (header, two rows, total).
        let check = sheets[2].tables[1]
        #expect(check.rows == [[
            .text("debits − credits = 0"), .formula("ROUND(D4-E4,2)", value: .money(0, exponent: 2)),
            .formula("IF(ROUND(D4-E4,2)=0,\"ok\",\"FAILED\")", value: .text("ok")),
        ]])

        // The Summary: a figure links to its sheet; a check with problems says FAILED.
        let summary = sheets[0]
        #expect(summary.tables[1].rows[0][2] == .link(sheet: "Daily", row: 0, column: 0, label: .text("Daily")))
        #expect(summary.tables[3].rows.map { $0[1] } == [.text("ok"), .text("FAILED")])
        #expect(summary.tables[3].rows[1][2] == .text("bad"))

        // Daily: every day of the span, the selling locations in order, net sales then margin.
        #expect(daily.columnNames == ["date", "S01 net sales", "S02 net sales", "S01 gross margin", "S02 gross margin"])
        #expect(daily.rows.map { $0[0] } == [1, 2, 3].map { ReportCell.date(CivilDate(year: 2026, month: 11, day: $0)!) })
        #expect(daily.rows[1].dropFirst().map(\.self) == [450, 300, 250, 200].map { ReportCell.money($0, exponent: 2) })
        #expect(daily.rows[0].dropFirst().allSatisfy { $0 == .money(0, exponent: 2) })

        // Charts: net sales and margin per location (a series per selling location), and ageing.
        let charts = summary.charts
        #expect(charts.map(\.title) == ["Net sales per day", "Gross margin per day", "Open exceptions by age"])
        #expect(charts[0].series.map(\.name) == ["S01", "S02"])
        #expect(charts[1].series.map(\.values.column) == [3, 4])
        #expect(charts[2].series.map(\.values) == [ReportChart.Range(sheet: "Daily", table: 1, column: 2)])
    }

    @Test func aSpanWhereNothingSoldHasOnlyTheAgeingChart() {
        let daily = WorkbookSheets.dailyByLocation(
            [], span: ReportSpan(firstDay: Self.day, lastDay: Self.day)!, exponent: 2)
        let sheets = WorkbookSheets.sheets(
            content(journal: JournalTables.journal([], exponent: 2), trialBalance: JournalTables.trialBalance([], exponent: 2), daily: daily))
        #expect(sheets[0].charts.map(\.title) == ["Open exceptions by age"])
    }

    @Test func everyExceptionHasASuggestedActionAndNothingElseDoes() {
        for status in ReconciliationStatus.allCases {
            #expect(WorkbookSheets.suggestedAction(status).isEmpty == !status.isException, "\(status)")
        }
    }
}
