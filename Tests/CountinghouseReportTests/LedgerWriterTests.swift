// journal.ledger as the writer renders a span's journal: balance-sheet accounts brought forward,
// the earlier result in retained earnings, declarations for hledger's strict check, one account
// per code.
import CountinghouseCore
import Testing

@testable import CountinghouseReport

@Suite struct LedgerWriterTests {
    static let chart = ChartOfAccounts()
    static let november = ReportSpan.period("2026-11")!

    static func entry(_ id: String, _ date: String, _ lines: [(AccountRole, Int64, String)]) -> JournalEntry {
        JournalEntry(
            id: id, date: CivilDate(text: date)!, memo: id, sourceType: "test", sourceReference: id,
            lines: lines.map { JournalLine(account: chart[$0.0], amount: $0.1, location: $0.2) })
    }


    /// Balance-sheet accounts come forward per account, location and processor; the earlier
    /// result of income and expenses (here sales 10.00 and 0.75 of fees, a result of −9.25 as a
    /// credit) is one retained-earnings line per location and processor, so hledger's income
    /// statement shows November alone.
    @Test func ledgerTextBringsBalanceSheetAccountsForwardAndTheEarlierResultAsRetainedEarnings() throws {
        let entries = [
            Self.entry("A", "2026-10-05", [(.cashOnHand, 1_000, "S01"), (.sales, -1_000, "S01")]),
            JournalEntry(
                id: "F", date: CivilDate(text: "2026-10-06")!, memo: "fee", sourceType: "settlements", sourceReference: "F",
                lines: [
                    JournalLine(account: Self.chart[.processingFees], amount: 75, processor: "stripe"),
                    JournalLine(account: Self.chart[.processorBalance], amount: -75, processor: "stripe"),
                ]),
            Self.entry("B;|(x)", "2026-11-05", [(.cashOnHand, 250, "S01"), (.sales, -250, "S01")]),
        ]
        let text = LedgerWriter.render(try JournalOutputs.spanJournal(entries, span: Self.november, chart: Self.chart), currency: "USD", exponent: 2, header: ["h"])
        let accounts = Self.chart.all.map { "account \($0.ledgerName)\n" }.joined()
        #expect(text == """
            ; h

            commodity 1000.00 USD

            \(accounts)
            payee opening
            payee test

            2026-11-01 * opening | Balances brought forward, the result before 2026-11-01 in retained earnings
                ; source:opening
                Assets:1000 Cash on hand  10.00 USD  ; location:S01
                Assets:1110 Processor balance  -0.75 USD  ; processor:stripe
                Equity:3900 Retained earnings  0.75 USD  ; processor:stripe
                Equity:3900 Retained earnings  -10.00 USD  ; location:S01

            2026-11-05 * (B  [x]) test | B  [x]
                ; source:test B;|(x)
                Assets:1000 Cash on hand  2.50 USD  ; location:S01
                Income:4000 Sales  -2.50 USD  ; location:S01

            """)
        #expect(accounts.contains("account Equity:3900 Retained earnings\n"))
        // The retained-earnings account is the chart's, whatever it is called there.
        var renamed = ChartOfAccounts()
        try renamed.set(.retainedEarnings, to: Account(code: "3100", name: "Earlier results"))
        let renamedText = LedgerWriter.render(try JournalOutputs.spanJournal(entries, span: Self.november, chart: renamed), currency: "USD", exponent: 2, header: [])
        #expect(renamedText.contains("    Equity:3100 Earlier results  -10.00 USD  ; location:S01\n"))
        #expect(!renamedText.contains("3900"))
    }

    /// Posted under the old name, shown under the chart's: one hledger account per code.
    @Test func aRenamedAccountIsOneLedgerAccount() throws {
        var renamed = ChartOfAccounts()
        try renamed.set(.cashOnHand, to: Account(code: "1000", name: "Tills"))
        let entries = [
            Self.entry("A", "2026-10-05", [(.cashOnHand, 1_000, "S01"), (.sales, -1_000, "S01")]),
            Self.entry("B", "2026-11-05", [(.cashOnHand, 250, "S01"), (.sales, -250, "S01")]),
        ]
        let text = LedgerWriter.render(try JournalOutputs.spanJournal(entries, span: Self.november, chart: renamed), currency: "USD", exponent: 2, header: [])
        #expect(text.contains("Assets:1000 Tills  10.00 USD"))
        #expect(text.contains("Assets:1000 Tills  2.50 USD"))
        #expect(!text.contains("Cash on hand"))
        #expect(Account(code: "1000", name: "Two\nlines").ledgerName == "Assets:1000 Two lines")
    }

    /// Line breaks and separators are replaced per code point: CRLF, or a `;` or `:` carrying a
    /// combining mark, is one Swift character but still bytes hledger reads as a break or a
    /// separator.
    @Test func crlfAndMarkedSeparatorsCannotSplitALine() {
        #expect(Array(LedgerWriter.tagValue("S01\r\nx,y").utf8) == Array("S01  x y".utf8))
        #expect(Array(LedgerWriter.descriptionText("pos\r\n;\u{301}|(a)").utf8) == Array("pos   \u{301} [a]".utf8))
        #expect(Array(Account(code: "1000", name: "Two\r\nlines").ledgerName.utf8) == Array("Assets:1000 Two lines".utf8))
        #expect(Array(Account(code: "1000", name: "a:\u{301}b").ledgerName.utf8) == Array("Assets:1000 a-\u{301}b".utf8))
    }

}
