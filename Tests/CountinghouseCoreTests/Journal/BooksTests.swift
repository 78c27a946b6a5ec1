import Testing

@testable import CountinghouseCore

@Suite struct BooksTests {
    static let chart = ChartOfAccounts()
    static let october = ReportSpan.period("2026-10")!
    static let november = ReportSpan.period("2026-11")!

    static func entry(_ id: String, _ date: String, _ lines: [(AccountRole, Int64, String)]) -> JournalEntry {
        JournalEntry(
            id: id, date: CivilDate(text: date)!, memo: id, sourceType: "test", sourceReference: id,
            lines: lines.map { JournalLine(account: chart[$0.0], amount: $0.1, location: $0.2) })
    }

    // Closed October posted a sale costing 20.00 (provisional). As known now the sale costs 26.00
    // and a receipt of 30.00 is dated October 12. November has its own sale costing 6.00.
    // The adjustment for October, dated November 1: COGS +6.00, inventory +30.00 − 6.00 = +24.00,
    // GRNI −30.00 (balanced: 6 + 24 − 30 = 0).
    @Test func lateKnowledgeAboutAClosedPeriodLandsInTheFirstOpenPeriod() throws {
        let posted = [Self.entry("COGS:2026-10-15:S01", "2026-10-15", [(.costOfGoodsSold, 2_000, "S01"), (.inventory, -2_000, "S01")])]
        let closed = [ClosedPeriod(period: Period("2026-10")!, closedAt: Instant(nanosecondsSinceEpoch: 1), entries: posted, programVersion: "test")]
        let now = [
            Self.entry("GOODS:2026-10-12:GR", "2026-10-12", [(.inventory, 3_000, "S01"), (.goodsReceivedNotInvoiced, -3_000, "S01")]),
            Self.entry("COGS:2026-10-15:S01", "2026-10-15", [(.costOfGoodsSold, 2_600, "S01"), (.inventory, -2_600, "S01")]),
            Self.entry("COGS:2026-11-03:S01", "2026-11-03", [(.costOfGoodsSold, 600, "S01"), (.inventory, -600, "S01")]),
        ]
        let books = try Books.assemble(closed: closed, computed: now, lateRows: [Period("2026-10")!: ["purchases.csv:2"]])
        #expect(books.map(\.id) == ["COGS:2026-10-15:S01", "ADJUST:2026-11-01:2026-10", "COGS:2026-11-03:S01"])
        let adjustment = books[1]
        #expect(adjustment.date == CivilDate(text: "2026-11-01"))
        #expect(adjustment.aboutPeriod == Period("2026-10"))
        #expect(adjustment.memo == "prior-period adjustment for 2026-10: late rows purchases.csv:2")
        #expect(adjustment.lines.map { "\($0.account.code)@\($0.location) \($0.amount)" } == ["1200@S01 2400", "2000@S01 -3000", "5000@S01 600"])
        // Books as a whole = the journal as known now.
        #expect(Self.sums(books) == Self.sums(now))
        // Once November closes with the adjustment, nothing more is due for October.
        let novemberPosted = JournalOutputs.entries(books, in: Self.november)
        let both = closed + [ClosedPeriod(period: Period("2026-11")!, closedAt: Instant(nanosecondsSinceEpoch: 2), entries: novemberPosted, programVersion: "test")]
        #expect(try Books.adjustments(closed: both, computed: now, lateRows: [:]).isEmpty)
        #expect(Self.sums(both.flatMap(\.entries)) == Self.sums(now))
        // October's drift: posted 20.00 of COGS, adjusted later by 6.00, now 26.00.
        let drift = try Books.drift(of: both[0], closed: both, computed: now)
        let cogs = drift.first { $0.account.code == "5000" }!
        #expect((cogs.posted, cogs.adjustedLater, cogs.asKnownNow, cogs.pendingAdjustment) == (2_000, 600, 2_600, 0))
    }

    @Test func withoutClosesTheBooksAreTheComputedJournal() throws {
        let now = [Self.entry("X", "2026-10-01", [(.cashOnHand, 100, "S01"), (.sales, -100, "S01")])]
        #expect(try Books.assemble(closed: [], computed: now, lateRows: [:]) == now)
    }

    // Opening is everything before the span; debit and credit the span's; balance the sum.
    @Test func trialBalanceOpensWithEverythingBefore() throws {
        let entries = [
            Self.entry("A", "2026-10-05", [(.cashOnHand, 1_000, "S01"), (.sales, -1_000, "S01")]),
            Self.entry("B", "2026-11-05", [(.cashOnHand, 250, "S01"), (.sales, -250, "S01")]),
            Self.entry("C", "2026-11-06", [(.cashOnHand, -50, "S01"), (.salesReturns, 50, "S01")]),
            Self.entry("D", "2026-12-01", [(.cashOnHand, 7, "S01"), (.sales, -7, "S01")]),
        ]
        let rows = try JournalOutputs.trialBalance(entries, span: Self.november, chart: Self.chart)
        #expect(rows.count == AccountRole.allCases.count)
        let cash = rows.first { $0.account.code == "1000" }!
        #expect((cash.opening, cash.debit, cash.credit, cash.balance) == (1_000, 250, 50, 1_200))
        #expect(rows.reduce(0) { $0 + $1.balance } == 0)
    }
    @Test func checksFindWhatIsWrong() throws {
        let unbalanced = Self.entry("BAD", "2026-10-05", [(.cashOnHand, 1_000, "S01"), (.sales, -999, "S01")])
        #expect(BooksChecks.balance([unbalanced], exponent: 2) == [
            "entry BAD of 2026-10-05 does not balance: debits − credits = 0.01",
            "the trial balance does not sum to zero: 0.01",
        ])
        let receipt = Self.entry("G", "2026-10-05", [(.inventory, 1_000, "S01"), (.goodsReceivedNotInvoiced, -1_000, "S01")])
        let positions = [StockPosition(sku: "A", location: "S01", quantityOnHand: 1, value: 900, pendingQuantity: 0)]
        #expect(BooksChecks.inventoryEqualsValuation([receipt], positions: positions, chart: Self.chart, exponent: 2) == [
            "inventory (1200) at S01: the books say 10.00, the valuation 9.00",
        ])
        let posted = [receipt]
        #expect(BooksChecks.postedEqualsRecomputed(period: Period("2026-10")!, posted: posted, recomputed: []) == [
            "2026-10: entry 2026-10-05 G was posted but is not in a recomputation as known at the close",
        ])
    }

    static func sums(_ entries: [JournalEntry]) -> [String: Int64] {
        var sums: [String: Int64] = [:]
        for entry in entries {
            for line in entry.lines { sums["\(line.account.code)@\(line.location)/\(line.processor)", default: 0] += line.amount }
        }
        return sums.filter { $0.value != 0 }
    }
}

/// Sums over the books beyond 64 bits are errors naming what overflowed, never traps.
@Suite struct BooksSumsTests {
    static func entry(_ id: String, _ amount: Int64) -> JournalEntry {
        let chart = ChartOfAccounts()
        return JournalEntry(
            id: id, date: CivilDate(year: 2026, month: 10, day: 5)!, memo: "", sourceType: "pos", sourceReference: "",
            lines: [
                JournalLine(account: chart[.cashOnHand], amount: amount, location: "S01"),
                JournalLine(account: chart[.sales], amount: -amount, location: "S01"),
            ])
    }

    @Test func aTrialBalanceBeyondSixtyFourBitsIsAnError() throws {
        let entries = [Self.entry("A", Int64.max), Self.entry("B", Int64.max)]
        #expect(throws: OutOfRange.self) {
            try JournalOutputs.trialBalance(entries, span: ReportSpan.period("2026-10")!, chart: ChartOfAccounts())
        }
        let fits = try JournalOutputs.trialBalance([Self.entry("A", Int64.max)], span: ReportSpan.period("2026-10")!, chart: ChartOfAccounts())
        #expect(fits.first { $0.account.code == "1000" }?.balance == Int64.max)
    }

    @Test func aPositionBeyondSixtyFourBitsIsAnError() {
        let deltas = (1...2).map { index in
            CostDelta(sku: "A", location: "S01", occurredAt: Instant(nanosecondsSinceEpoch: Int64(index)), sequence: Int64(index), units: 1, value: Int64.max, pending: 0)
        }
        #expect(throws: OutOfRange(what: "the stock of A at S01", total: Int128(Int64.max) * 2)) { try CostDelta.positions(deltas) }
    }
}

/// The inventory accounts and the valuation agree after every step of generated histories (late
/// rows, returns, transfers, counts), and every entry balances.
@Suite struct JournalPropertyTests {
    @Test func inventoryEqualsValuationAfterEveryStep() throws {
        var failures: [String] = []
        for seed in UInt64(1)...400 {
            let history = RandomHistory(seed: seed)
            for known in history.knowledgeTimes {
                let events = history.story.events.filter { $0.source.recordedAt <= known }
                let run = FIFOEngine.run(sku: history.story.sku, events: events, standardCost: history.story.standardCost)
                let entries = try JournalRules.entries(
                    JournalInput(posLines: [], posTenders: [], settlements: [], stock: run.stockPostings, chart: ChartOfAccounts(), offset: { _ in 0 }))
                let positions = try run.positions(through: Instant(nanosecondsSinceEpoch: .max))
                let problems = BooksChecks.balance(entries, exponent: 2)
                    + BooksChecks.inventoryEqualsValuation(entries, positions: positions, chart: ChartOfAccounts(), exponent: 2)
                if !problems.isEmpty { failures.append("seed \(seed) known at \(known): \(problems)") }
                // At the end of every day too: the books up to that day equal the valuation then.
                for date in Set(events.map { $0.occurredAt.civilDate() }).sorted() {
                    let end = Instant(nanosecondsSinceEpoch: Instant(date: date.adding(days: 1)).nanosecondsSinceEpoch - 1)
                    let problems = BooksChecks.inventoryEqualsValuation(
                        entries.filter { $0.date <= date }, positions: try run.positions(through: end), chart: ChartOfAccounts(), exponent: 2)
                    if !problems.isEmpty { failures.append("seed \(seed) known at \(known), end of \(date): \(problems)") }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }
}
