// Closed periods in both stores: a close posts its entries and files whole, reads back exactly,
// lands once, and the posted tables refuse UPDATE and DELETE like the ledger.
import CountinghouseCore
import Testing

import CountinghouseStore

@Suite struct PostedPeriodTests {
    static let october = ReportSpan.period("2026-10")!

    static func closedOctober() -> ClosedPeriod {
        let chart = ChartOfAccounts()
        let entries = [
            JournalEntry(
                id: "SALES:2026-10-05:S01", date: CivilDate(text: "2026-10-05")!, memo: "POS sales, with a comma\tand a tab",
                sourceType: "pos", sourceReference: "S01 2026-10-05",
                lines: [
                    JournalLine(account: chart[.cashOnHand], amount: 1_050, location: "S01", memo: "cash"),
                    JournalLine(account: chart[.sales], amount: -1_050, location: "S01", memo: "gross sales"),
                ]),
            JournalEntry(
                id: "ADJUST:2026-10-01:2026-09", date: CivilDate(text: "2026-10-01")!, memo: "late rows a.csv:2",
                sourceType: "prior_period_adjustment", sourceReference: "2026-09",
                lines: [
                    JournalLine(account: chart[.processorBalance], amount: 5, processor: "stripe"),
                    JournalLine(account: chart[.processingFees], amount: -5, processor: "stripe"),
                ], aboutPeriod: Period("2026-09")),
        ]
        return ClosedPeriod(period: Period("2026-10")!, closedAt: Instant(nanosecondsSinceEpoch: 42), entries: entries, programVersion: "test")
    }

    @Test(arguments: StoreFlavor.all)
    func aCloseIsPostedWholeAndReadBackExactly(flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try store.migrate()
            #expect(try store.closedPeriods().isEmpty)
            let closed = Self.closedOctober()
            let journal = PostedFile(name: "journal.csv", content: "entry_id,date\nA,2026-10-05\n\"quoted, with\nline\",x\n")
            try store.postClose(closed, files: [journal], filesKnown: 0)
            #expect(try store.closedPeriods() == [closed])
            #expect(try store.postedFile(period: Period("2026-10")!, name: "journal.csv") == journal)
            #expect(try store.postedFile(period: Period("2026-10")!, name: "valuation.csv") == nil)
            #expect(throws: PostedPeriodError.alreadyClosed(Period("2026-10")!)) {
                try store.postClose(closed, files: [], filesKnown: 0)
            }
            var november = closed
            november.period = Period("2026-11")!
            #expect(throws: PostedPeriodError.ledgerChanged(period: Period("2026-11")!)) {
                try store.postClose(november, files: [], filesKnown: 1)
            }
            #expect(try store.closedPeriods() == [closed])
            for sql in [
                "UPDATE posted_journal_lines SET amount = amount + 1", "DELETE FROM posted_journal_lines",
                "UPDATE closed_periods SET closed_at = 0", "DELETE FROM posted_files",
            ] {
                #expect(throws: (any Error).self, "\(sql)") { try execute(store, sql) }
            }
            #expect(try store.closedPeriods() == [closed])
        }
    }
}
