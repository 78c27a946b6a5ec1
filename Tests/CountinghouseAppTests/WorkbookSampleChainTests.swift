// The workbook's sheets on the sample chain, each against a figure computed another way: the stock
// trail against `trail` for every item and against valuation.csv at the span's end; the pending
// costs, stock trail, reorder rows and cost lines the same from the cost cache as from the engine; the daily
// figures against the trial balance; the ageing against the reconciliation's rows, and those rows,
// made as they are read, against the rows of their items made directly; the
// prior-period adjustments' late rows against the ledger, before and after the period posting them
// is closed. One ledger is built for all (the chain takes a while), and the close comes last.
import CountinghouseReport
import CountinghouseSample
import CountinghouseStore
import Foundation
import Testing

@testable import CountinghouseApp
@testable import CountinghouseCore

@Suite struct WorkbookSampleChainTests {
    static let october = ReportSpan.period("2026-10")!
    static let november = ReportSpan.period("2026-11")!

    @Test func sampleChainSheets() throws {
        let chain = try SampleChainLedger("workbook")
        defer { chain.remove() }
        let books = try BooksAsKnown(chain.session, knownAt: chain.context.knownNow)
        for span in [Self.october, Self.november, ReportSpan(firstDay: CivilDate(text: "2026-11-10")!, lastDay: CivilDate(text: "2026-11-16")!)!] {
            try stockTrailAgreesWithTrailAndValuation(chain, books, span)
            try aLongStockTrailMadeAgainAsWrittenIsTheSame(chain, books, span)
            try costLinesMadeAgainAreTheHeldOnes(chain, books, span)
            try sheetsAreTheSameFromTheCacheAndFromTheEngine(chain, books, span)
            try pendingCostsAreOldestFirstAndPriced(chain, books, span)
            try dailyFiguresAddUpToTheTrialBalance(chain, books, span)
            try ageingAddsUpTheOpenExceptions(books, span)
            try reconciliationRowsMadeOnReadAreTheRowsInTheirOrder(books, span)
        }
        // As known on October 22, before the seasonal candle's late receipt at S02: costs from the
        // engine, and outflows still pending.
        let early = try BooksAsKnown(chain.session, knownAt: .at(Instant(date: CivilDate(text: "2026-10-23")!, secondOfDay: 3 * 3600)))
        guard case .computed = early.costs else {
            Issue.record("the books as known on October 22 should compute their costs")
            return
        }
        try stockTrailAgreesWithTrailAndValuation(chain, early, Self.october)
        try pendingCostsAreOldestFirstAndPriced(chain, early, Self.october, expectingSome: true)
        try aLongStockTrailMadeAgainAsWrittenIsTheSame(chain, early, Self.october)
        try costLinesMadeAgainAreTheHeldOnes(chain, early, Self.october)
        try aReportWhoseLongTablesAreMadeAgainHasTheSameBytes(chain, span: Self.november)
        try aReportWhoseLongTablesAreMadeAgainHasTheSameBytes(
            chain, span: try #require(ReportSpan(firstDay: Self.october.firstDay, lastDay: Self.november.lastDay)))
        try reorderRowsFollowTheRuleOnTheSampleCatalogue(chain, books, Self.november)
        try priorPeriodAdjustmentsCarryEveryLateRow(chain, books)
        // Last: it ingests a file.
        try aReportWhoseCostCacheChangesBeforeItIsWrittenIsRefused(chain)
    }

    // MARK: Stock trail

    /// Every item's rows are `trail`'s movements through the span's end (the OPENING row its
    /// figures before the span); the last row of each item is its valuation.csv row.
    func stockTrailAgreesWithTrailAndValuation(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let context = chain.context
        let rows = try WorkbookData.stockTrail(books, span: span, context: context)
        #expect(!rows.isEmpty)
        let start = context.startOfDay(span.firstDay)
        let end = context.startOfDay(span.endDay)
        let lastInstant = Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)
        let valuation = try CostJobs.costFiles(chain.session, span: span, knownAt: books.knowledge).valuation
        var valuationRows: [SKULocation: [ReportCell]] = [:]
        for row in valuation.rows {
            guard case .inputText(let sku) = row[0], case .inputText(let location) = row[1] else { continue }
            valuationRows[SKULocation(sku: sku, location: location)] = row
        }
        var items: [SKULocation] = []
        var rowsOfItem: [SKULocation: [StockTrailRow]] = [:]
        for row in rows {
            let key = SKULocation(sku: row.sku, location: row.location)
            if rowsOfItem[key] == nil { items.append(key) }
            rowsOfItem[key, default: []].append(row)
        }
        #expect(items == items.sorted(), "by SKU, then location")
        for item in items {
            let itemRows = rowsOfItem[item]!
            let trail = try CostJobs.trail(chain.session, sku: item.sku, location: item.location, asOf: lastInstant, knownAt: books.knowledge)
            // The trail's movement lines (not the layer lines under them) as running figures.
            let movements = trail.rows.filter { row in
                if case .text(let event) = row[1] { return !event.hasPrefix(" ") }
                return false
            }
            func instant(_ cell: ReportCell) -> Instant? {
                if case .dateTime(let instant, _) = cell { return instant }
                return nil
            }
            let before = movements.filter { instant($0[0])! < start }
            let during = movements.filter { instant($0[0])! >= start }
            #expect(itemRows.first?.event == "OPENING")
            #expect(itemRows.first?.occurredAt == start)
            let opening = before.last.map { [$0[7], $0[8], $0[9]] }
                ?? [.integer(0), .money(0, exponent: 2), .integer(0)]
            #expect(
                [ReportCell.integer(itemRows[0].quantityOnHand), .money(itemRows[0].valueOnHand, exponent: 2), .integer(itemRows[0].pendingOnHand)]
                    == opening, "\(item.sku) at \(item.location): opening")
            #expect(!during.isEmpty, "\(item.sku) at \(item.location) moved in \(span)")
            #expect(itemRows.count == during.count + 1, "\(item.sku) at \(item.location)")
            for (row, line) in zip(itemRows.dropFirst(), during) {
                let mine: [ReportCell] = [
                    .dateTime(row.occurredAt, offsetSeconds: context.offset(row.occurredAt)), .text(row.event),
                    row.documentID.map(ReportCell.inputText) ?? .empty, row.lineNumber.map(ReportCell.integer) ?? .empty,
                    row.quantity.map(ReportCell.integer) ?? .empty, row.value.map { ReportCell.money($0, exponent: 2) } ?? .empty,
                    .integer(row.quantityOnHand), .money(row.valueOnHand, exponent: 2), .integer(row.pendingOnHand),
                    .text(row.flags.joined(separator: ";")), row.source.map(ReportCell.inputText) ?? .empty,
                ]
                let theirs = [line[0], line[1], line[2], line[3], line[4], line[5], line[7], line[8], line[9], line[10], line[12]]
                #expect(mine == theirs, "\(item.sku) at \(item.location)")
            }
            // The running figures are sums of the movements.
            var units = itemRows[0].quantityOnHand
            var value = itemRows[0].valueOnHand
            for row in itemRows.dropFirst() {
                units += row.quantity ?? 0
                value += row.value ?? 0
                #expect(row.quantityOnHand == units && row.valueOnHand == value, "\(item.sku) at \(item.location)")
            }
            let last = itemRows.last!
            let position = StockPosition(
                sku: item.sku, location: item.location, quantityOnHand: last.quantityOnHand, value: last.valueOnHand,
                pendingQuantity: last.pendingOnHand)
            if position.isZero {
                #expect(valuationRows[item] == nil, "\(item.sku) at \(item.location): nothing left, not in valuation.csv")
            } else {
                #expect(
                    valuationRows[item] == CostTables.valuation([position], exponent: 2).rows.first,
                    "\(item.sku) at \(item.location): its last row is its valuation row")
            }
        }
        // And the table lays every row out.
        let table = WorkbookTables.stockTrail(rows, exponent: 2, offset: context.offset)
        #expect(table.name == "stock_trail")
        #expect(table.rows.count == rows.count)
    }

    // MARK: Cache and engine

    /// A cost view read from the cache and one the engine computes give the same rows.
    /// A stock trail longer than the rows a workbook holds is counted, then made again a chunk of
    /// SKUs at a time as it is read: the same rows, in order or not.
    func aLongStockTrailMadeAgainAsWrittenIsTheSame(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let context = chain.context
        let rows = try WorkbookData.stockTrail(books, span: span, context: context)
        let held = WorkbookTables.stockTrail(rows, exponent: context.currencyExponent, offset: context.offset)
        #expect(WorkbookData.stockTrailChunks(try books.skusMoved(in: span)).count > 1, "the sample chain's SKUs make several chunks")
        let whole = try WorkbookData.stockTrailTable(books, span: span, context: context, rowsHeld: rows.count)
        #expect(whole.pages == nil)
        #expect(whole.table == held)
        let made = try WorkbookData.stockTrailTable(books, span: span, context: context, rowsHeld: rows.count - 1)
        let pages = try #require(made.pages)
        #expect(made.table.rows.count == rows.count)
        #expect(Array(made.table.rows) == Array(held.rows), "\(span)")
        // Its total, taken as it was counted, is the one the Stock Trail sheet would sum.
        #expect(
            made.table.totals != nil
                && made.table.totals == JournalTables.totals(of: held, summing: WorkbookSheets.stockTrailTotalled, exponent: context.currencyExponent))
        // Read backwards, then at random (a fixed seed): each chunk made again as needed, the same rows.
        var generator = SplitMix64(seed: 14)
        for index in Array(rows.indices.reversed()) + (0..<50).map({ _ in Int.random(in: rows.indices, using: &generator) }) {
            #expect(made.table.rows[index] == held.rows[index])
        }
        #expect(pages.failure == nil)
        // From the cache, SKUs are run from their checkpoints before the span (not from their first
        // event), with what each location held there, and stop at their first checkpoint after it:
        // the same trail as `trail`'s whole runs above.
        guard case .cached(let store) = books.costs else { return }
        let (start, end) = (context.startOfDay(span.firstDay), context.startOfDay(span.endDay))
        let moved = try books.skusMoved(in: span)
        let started = try books.costs.runs(skus: moved, knownAt: books.knownAt, from: start, until: end)
        #expect(started.map(\.run.sku) == moved.sorted().map(\.text))
        if span.firstDay > CivilDate(text: "2026-10-05")! {
            #expect(started.contains { $0.run.sequenceOffset > 0 && !$0.start.isEmpty }, "\(span): some SKU replayed from a checkpoint")
        }
        let throughFile = try Costs.throughFileID(store, knownAt: books.knownAt)
        let wholeRuns = Dictionary(uniqueKeysWithValues: try store.costRuns(skus: moved, throughFileID: throughFile).map { ($0.sku, $0) })
        if span == Self.october {
            // October has checkpoints after it (November's rows): some run stops before its SKU's last event.
            #expect(started.contains { $0.run.sequenceOffset + Int64($0.run.events.count) < Int64(wholeRuns[$0.run.sku]?.events.count ?? 0) })
        }
        for run in started.map(\.run) {
            // A run that stops holds the whole run's events up to there, and none after the span's end's checkpoint.
            let events = wholeRuns[run.sku]?.events ?? []
            #expect(Array(events.dropFirst(Int(run.sequenceOffset)).prefix(run.events.count)) == run.events, "\(run.sku)")
        }
        // A cache holding other files than those asked for is not used.
        #expect(try store.costRunsFromCheckpoints(skus: moved.map(\.text), notAfter: start, until: end, throughFileID: throughFile - 1) == nil)
    }

    /// The report folder is the same, byte for byte, whether it holds its stock trail and cost lines
    /// or makes them again as they are written (cogs.csv and the Cost of Goods sheet a few days at
    /// a time: here several chunks of a few lines).
    func aReportWhoseLongTablesAreMadeAgainHasTheSameBytes(_ chain: SampleChainLedger, span: ReportSpan) throws {
        let books = try BooksAsKnown(chain.session, knownAt: chain.context.knownNow, detail: .movements(in: span))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-trail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var written: [[String: String]] = []
        let held = ReportJob.RowsHeld()
        let trailMadeAgain = ReportJob.RowsHeld(stockTrail: 5)
        let linesMadeAgain = ReportJob.RowsHeld(costLines: 5, costLinesPerChunk: 7)
        for (index, rowsHeld) in [held, trailMadeAgain, linesMadeAgain].enumerated() {
            let report = try ReportJob.make(chain.session, span: span, books: books, rowsHeld: rowsHeld)
            #expect(report.workbook.madeAgain.count == (index == 0 ? 0 : 1), "\(span) \(index)")
            let out = folder.appendingPathComponent("\(index)").path
            try ReportJob.write(report, to: out, context: chain.context)
            var sums: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: out) { sums[name] = try sha256Hex(ofFileAt: out + "/" + name) }
            written.append(sums)
        }
        #expect(written[0].count == 10 && written[0] == written[1] && written[0] == written[2], "\(span)")
    }

    /// Cost lines made again are read from the cache that was counted: when another process ingests
    /// a file (a late November receipt) and refreshes the cache between the report's making and its
    /// writing, the report is refused (75: run it again) and nothing of it is written, not even
    /// beside its folder.
    func aReportWhoseCostCacheChangesBeforeItIsWrittenIsRefused(_ chain: SampleChainLedger) throws {
        let span = Self.november
        let books = try BooksAsKnown(chain.session, knownAt: chain.context.knownNow, detail: .movements(in: span))
        guard case .cached = books.costs else {
            Issue.record("the books as known now should read their costs from the cache")
            return
        }
        let report = try ReportJob.make(chain.session, span: span, books: books, rowsHeld: ReportJob.RowsHeld(costLines: 5))
        #expect(report.workbook.madeAgain.count == 1)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-changed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let receipt = folder.appendingPathComponent("purchases.csv")
        try """
            document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,total_cost,currency,supplier,original_document_id
            GR-LATE-1,1,2026-11-02T08:30:00-05:00,S01,SNK-1021,RECEIVE,40,2.10,,USD,Crunch & Co.,

            """.write(to: receipt, atomically: true, encoding: .utf8)
        let december = CivilDate(text: "2026-12-01")!
        let later = try chain.session(now: Instant(date: december, secondOfDay: 13 * 3600))
        let outcomes = try IngestJob.ingest(later, paths: [receipt.path], kind: nil, recordedAt: Instant(date: december, secondOfDay: 12 * 3600 + 1800)) { _ in }
        #expect(outcomes.count == 1 && !outcomes.contains(where: \.isRejected))
        try Costs.refreshCostCache(later.store)
        let out = folder.appendingPathComponent("report").path
        let error = #expect(throws: AppFailure.self) { try ReportJob.write(report, to: out, context: chain.context) }
        #expect(error?.status == .ledgerBusy)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["purchases.csv"])
    }

    /// Cost lines made again a few days at a time are the held ones, read in order, backwards or at
    /// random; their totals and the sales' costs are the held lines' sums.
    func costLinesMadeAgainAreTheHeldOnes(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let context = chain.context
        let held = try SpanCostLines(books.costs, span: span, context: context)
        #expect(held.pages == nil && held.table.totals == nil && held.count == held.table.rows.count)
        let lines = try books.costs.cogs(from: context.startOfDay(span.firstDay), to: context.startOfDay(span.endDay))
        #expect(held.table == CostTables.cogs(lines, exponent: context.currencyExponent, offset: context.offset))
        #expect(held.count > 20, "\(span) has cost lines to page")
        let made = try SpanCostLines(books.costs, span: span, context: context, linesHeld: 0, linesPerChunk: 10)
        let pages = try #require(made.pages)
        #expect(made.count == held.count && made.table.rows.count == held.count)
        #expect(Array(made.table.rows) == Array(held.table.rows), "\(span)")
        // Read backwards, then at random (a fixed seed).
        var generator = SplitMix64(seed: 15)
        for index in Array(held.table.rows.indices.reversed()) + (0..<50).map({ _ in Int.random(in: 0..<held.count, using: &generator) }) {
            #expect(made.table.rows[index] == held.table.rows[index])
        }
        #expect(pages.failure == nil)
        var (saleCost, saleProvisional) = (Sum(), Sum())
        for line in lines where line.kind == .sale {
            saleCost += line.cost
            saleProvisional += line.provisionalCost
        }
        #expect(made.saleCost == saleCost && made.saleProvisionalCost == saleProvisional)
        #expect(held.saleCost == saleCost && held.saleProvisionalCost == saleProvisional)
        // The totals the Cost of Goods sheet shows, taken as the lines were counted.
        let totals = JournalTables.totals(of: held.table, summing: WorkbookSheets.cogsTotalled, exponent: context.currencyExponent)
        #expect(made.table.totals == totals)
    }

    func sheetsAreTheSameFromTheCacheAndFromTheEngine(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let store = chain.session.store
        let context = chain.context
        let knownAt = books.knownAt
        guard case .cached = books.costs else {
            Issue.record("the books as known now should read their costs from the cache")
            return
        }
        let computed = CostView.computed(try Costs.runs(store, knownAt: knownAt, sku: nil))
        let cached = CostView.cached(store)
        let trailFromCache = try WorkbookData.stockTrail(
            costs: cached, knownAt: knownAt, moved: books.skusMoved(in: span), span: span, context: context)
        let trailFromEngine = try WorkbookData.stockTrail(
            costs: computed, knownAt: knownAt, moved: books.skusMoved(in: span), span: span, context: context)
        #expect(trailFromCache == trailFromEngine)
        #expect(
            try WorkbookData.pendingCosts(costs: cached, span: span, context: context)
                == WorkbookData.pendingCosts(costs: computed, span: span, context: context))
        let items = books.items.map(\.row)
        #expect(
            try WorkbookData.reorder(costs: cached, items: items, span: span, context: context)
                == WorkbookData.reorder(costs: computed, items: items, span: span, context: context))
        // The span's cost lines: the cache's come in cogs.csv's order already (a report takes them
        // as they are, without a sorted copy), and are the engine's, ordered.
        let (from, to) = (context.startOfDay(span.firstDay), context.startOfDay(span.endDay))
        let fromCache = try cached.cogs(from: from, to: to)
        #expect(!fromCache.isEmpty)
        #expect(CogsLine.occurring(Array(fromCache), from: from, to: to) == Array(fromCache))
        #expect(try fromCache == computed.cogs(from: from, to: to))
    }

    // MARK: Pending costs

    func pendingCostsAreOldestFirstAndPriced(
        _ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan, expectingSome: Bool = false
    ) throws {
        let context = chain.context
        let rows = try WorkbookData.pendingCosts(books, span: span, context: context)
        if expectingSome { #expect(!rows.isEmpty) }
        let end = context.startOfDay(span.endDay)
        // Every outflow with pending units by the span's end, from the engine's own outflows.
        let expected = try Costs.runs(chain.session.store, knownAt: books.knownAt, sku: nil).flatMap(\.cogsLines)
            .filter { $0.occurredAt < end && $0.pendingQuantity > 0 }
        #expect(Set(rows.map(\.outflow)) == Set(expected))
        #expect(rows.count == expected.count)
        for (earlier, later) in zip(rows, rows.dropFirst()) {
            let a = earlier.outflow
            let b = later.outflow
            #expect(a.occurredAt < b.occurredAt || (a.occurredAt == b.occurredAt && a.outflowID.utf8.lexicographicallyPrecedes(b.outflowID.utf8)))
        }
        for row in rows {
            // Pending units are priced somehow: by a fallback, or by a provisional layer's value.
            #expect(!row.pricedBy.isEmpty, "\(row.outflow.outflowID) \(row.outflow.flags)")
            let date = row.outflow.occurredAt.civilDate(offsetSeconds: context.offset(row.outflow.occurredAt))
            #expect(row.ageDays == span.lastDay.daysSinceEpoch - date.daysSinceEpoch)
            #expect(row.ageDays >= 0)
        }
        let table = WorkbookTables.pendingCosts(rows, exponent: 2, offset: context.offset)
        #expect(table.rows.count == rows.count)
        let total = rows.reduce(Int64(0)) { $0 + $1.outflow.provisionalCost }
        #expect(table.totals?[8].value == .money(total, exponent: 2))
    }

    // MARK: Daily

    /// Summed over the days and locations, net sales and cost of goods sold are the trial
    /// balance's movements of those accounts over the span.
    func dailyFiguresAddUpToTheTrialBalance(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let context = chain.context
        let chart = context.configuration.chart
        let rows = try WorkbookData.daily(books, span: span, context: context)
        let balance = try JournalOutputs.trialBalance(books.entries, span: span, chart: chart)
        func movement(_ roles: [AccountRole]) -> Int64 {
            let codes = Set(roles.map { chart[$0].code })
            return balance.filter { codes.contains($0.account.code) }.reduce(0) { $0 + $1.debit - $1.credit }
        }
        let netSales = -movement([.sales, .salesReturns, .salesDiscounts])
        let cogs = movement([.costOfGoodsSold])
        #expect(netSales != 0 && cogs != 0)
        #expect(rows.reduce(0) { $0 + $1.netSales } == netSales)
        #expect(rows.reduce(0) { $0 + $1.cogs } == cogs)
        for row in rows { #expect(row.grossMargin == row.netSales - row.cogs) }
        // Every day × location, the locations being those of the span's journal lines.
        let locations = Set(JournalOutputs.entries(books.entries, in: span).flatMap(\.lines).map(\.location).filter { !$0.isEmpty })
        let days = Int(span.lastDay.daysSinceEpoch - span.firstDay.daysSinceEpoch + 1)
        #expect(Set(rows.map(\.location)) == locations)
        #expect(rows.count == days * locations.count)
        #expect(Set(rows.map { "\($0.date) \($0.location)" }).count == rows.count)
        #expect(rows.first?.date == span.firstDay && rows.last?.date == span.lastDay)
        let table = WorkbookTables.daily(rows, exponent: 2)
        #expect(table.totals?[2].value == .money(netSales, exponent: 2))
        #expect(table.totals?[3].value == .money(cogs, exponent: 2))
    }

    // MARK: Reconciliation rows

    /// The rows reconciliation.csv reads, made from their items as they are read: each the row its
    /// item has at the span's end, every item once, in the file's order, the same read in any order;
    /// and payments.csv's.
    func reconciliationRowsMadeOnReadAreTheRowsInTheirOrder(_ books: BooksAsKnown, _ span: ReportSpan) throws {
        let report = try books.reconciliation.report(span)
        let rows = Array(report.rows)
        #expect(!rows.isEmpty)
        #expect(Set(rows.map(\.item)).count == rows.count)
        #expect(rows == rows.sorted(by: Reconciliation.rowPrecedesForSummary))
        let end = books.reconciliation.state(atEndOf: span.lastDay)
        for row in rows { #expect(try books.reconciliation.row(row.item, end) == row) }
        #expect(report.rows.indices.reversed().map { report.rows[$0] } == rows.reversed())

        // payments.csv's rows the same way: one per payment of a listed item, in processor, first
        // occurred_at and order_id order.
        let payments = Array(report.payments)
        #expect(payments.count == Set(rows.compactMap { end.paymentNumber(of: $0.item) }).count)
        for (a, b) in zip(payments, payments.dropFirst()) {
            let (x, y) = ((a.processor, a.firstOccurredAt, a.orderID ?? ""), (b.processor, b.firstOccurredAt, b.orderID ?? ""))
            #expect(x.0 < y.0 || (x.0 == y.0 && (x.1 < y.1 || (x.1 == y.1 && x.2 <= y.2))), "\(a) before \(b)")
        }
        #expect(report.payments.indices.reversed().map { report.payments[$0] } == payments.reversed())
    }

    // MARK: Ageing

    func ageingAddsUpTheOpenExceptions(_ books: BooksAsKnown, _ span: ReportSpan) throws {
        let report = try books.reconciliation.report(span)
        let buckets = try WorkbookData.reconciliationAgeing(report)
        #expect(buckets.map(\.label) == ["0–7 days", "8–30 days", "31–60 days", "61–90 days", "over 90 days"])
        let open = report.rows.filter { $0.status.isException && $0.ageDays != nil }
        #expect(buckets.reduce(0) { $0 + $1.items } == Int64(open.count))
        #expect(buckets.reduce(0) { $0 + $1.amount } == open.reduce(0) { $0 + ($1.difference ?? $1.settledAmount ?? $1.posAmount ?? 0) })
        #expect(buckets[0].items == Int64(open.filter { $0.ageDays! <= 7 }.count))
        #expect(buckets[4].items == Int64(open.filter { $0.ageDays! > 90 }.count))
        let table = WorkbookTables.reconciliationAgeing(buckets, exponent: 2)
        #expect(table.rows.count == 5)
    }

    // MARK: Reorder

    /// Every position at the span's end of a SKU with a reorder point is listed exactly when the
    /// rule says so, with the catalogue's latest row.
    func reorderRowsFollowTheRuleOnTheSampleCatalogue(_ chain: SampleChainLedger, _ books: BooksAsKnown, _ span: ReportSpan) throws {
        let context = chain.context
        let rows = try WorkbookData.reorder(books, span: span, context: context)
        var latest: [String: CatalogueItem] = [:]
        for stored in books.items { latest[CatalogueItem(stored.row).sku] = CatalogueItem(stored.row) }
        #expect(latest.values.contains { $0.reorderPoint != nil }, "the sample catalogue has reorder points")
        let end = context.startOfDay(span.endDay)
        let positions = try books.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1))
        var expected: [String] = []
        for position in positions where position.location != "IN_TRANSIT" {
            guard let point = latest[position.sku]?.reorderPoint, position.quantityOnHand - position.pendingQuantity <= point else { continue }
            expected.append("\(position.location) \(position.sku)")
        }
        #expect(rows.map { "\($0.location) \($0.sku)" } == expected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for row in rows {
            let available = row.quantityOnHand - row.pendingQuantity
            #expect(available + row.suggestedQuantity > row.reorderPoint)
            let step = row.reorderQuantity.flatMap { $0 > 0 ? $0 : nil } ?? 1
            #expect(available + row.suggestedQuantity - step <= row.reorderPoint, "the smallest such quantity")
            #expect(row.suggestedQuantity % step == 0)
            #expect(row.reorderPoint == latest[row.sku]?.reorderPoint && row.name == latest[row.sku]?.name)
        }
        #expect(WorkbookTables.reorder(rows).rows.count == rows.count)
    }

    // MARK: Prior-period adjustments

    /// November's adjustment for October carries every late row (its memo names only ten): the
    /// rows learnt after October's close that are dated in October. Once November is closed, its
    /// posted adjustment carries the same rows.
    func priorPeriodAdjustmentsCarryEveryLateRow(_ chain: SampleChainLedger, _ books: BooksAsKnown) throws {
        let context = chain.context
        let store = chain.session.store
        let octoberPeriod = Period("2026-10")!
        let firstOpenDay = Self.november.firstDay
        var late: [String] = []
        for kind in [LedgerKind.purchases, .transfers, .posLines, .counts, .posTenders, .settlements] {
            for stored in try store.rows(of: kind, knownAt: books.knownAt) where stored.recordedAt > SampleChainLedger.octoberClose {
                guard let occurredAt = stored.row.occurredAt,
                    occurredAt.civilDate(offsetSeconds: context.offset(occurredAt)) < firstOpenDay
                else { continue }
                late.append("\(stored.fileName):\(stored.sourceRow)")
            }
        }
        #expect(late.count > 10, "more late rows than the memo names")
        let adjustments = try WorkbookData.priorPeriodAdjustments(chain.session, books: books, span: Self.november)
        #expect(adjustments.map(\.entry.id) == ["ADJUST:2026-11-01:2026-10"])
        guard let adjustment = adjustments.first else { return }
        #expect(adjustment.entry.aboutPeriod == octoberPeriod)
        // No override of the sample is learnt after the close for a period with write-offs: the
        // late rows are the dated rows.
        #expect(adjustment.lateRows == late)
        #expect(adjustment.entry.memo.contains(late.prefix(10).joined(separator: ", ") + " and \(late.count - 10) more"))
        let table = WorkbookTables.priorPeriodAdjustments(adjustments, exponent: 2)
        #expect(table.rows.count == adjustment.entry.lines.count)
        #expect(table.rows.allSatisfy { $0[9] == .inputText(late.joined(separator: ";")) })
        let debits = adjustment.entry.lines.reduce(Int64(0)) { $0 + $1.debit }
        #expect(debits > 0)
        #expect(table.totals?[5].value == .money(debits, exponent: 2) && table.totals?[6].value == .money(debits, exponent: 2))
        if case .formula(let formula, _) = table.totals?[5] { #expect(formula == "SUM(F2:F\(table.rows.count + 1))") }

        // November closed: its adjustment is now posted, and carries the late rows its close saw.
        _ = try CloseJob.close(try chain.session(now: SampleChainLedger.now), period: Period("2026-11")!)
        let closedBooks = try BooksAsKnown(chain.session, knownAt: context.knownNow)
        #expect(closedBooks.closedPeriod(exactly: Self.november) != nil)
        #expect(closedBooks.lateRows.isEmpty, "nothing learnt since November's close")
        let posted = try WorkbookData.priorPeriodAdjustments(chain.session, books: closedBooks, span: Self.november)
        #expect(posted.map(\.entry.id) == adjustments.map(\.entry.id))
        #expect(posted.map(\.entry.lines) == adjustments.map(\.entry.lines))
        #expect(posted.map(\.lateRows) == adjustments.map(\.lateRows))
    }
}
