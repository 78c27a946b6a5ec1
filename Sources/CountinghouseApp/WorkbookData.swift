// The rows behind the workbook's sheets that the report folder has no file for (the report
// module's `WorkbookTables` lays them out): a span's stock trail, the outflows still pending, the
// prior-period adjustments with their late rows, what to reorder, the daily sales and margin per
// location, and the ageing of the reconciliation's exceptions.
//
// Place in the pipeline: after `BooksAsKnown`; everything here is taken from what the books already
// hold (their cost view, journal, the SKUs that moved in the span, catalogue and reconciliation), but
// the stock trail's engine runs, which the cost cache does not hold: from the cache, the SKUs that
// moved are run over their rows known then from their checkpoints before the span, a chunk at a
// time through the SKU index; a trail too long to hold is made again as the workbook is written.
// A cost view read from the cache and one computed by the engine give the same rows.
// Invariants: the stock trail's running figures are the single-item trail's (`CostTrail`), so an
// item's last row is its valuation at the span's end; the daily net sales and cost of goods sold
// add up to the trial balance's movements of those accounts over the span.
// Errors a user can see: `OutOfRange` when a sum passes 64 bits.
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore
import Synchronization

public enum WorkbookData {
    // MARK: Stock trail

    /// Per SKU and location (or `IN_TRANSIT`) with a stock movement in the span: its OPENING row
    /// (units, value and pending units before the span), then each movement of the span in the
    /// costing order with the running figures after it — exactly the rows `trail --sku --location`
    /// shows for it, through the span's end. By SKU, then location (byte order), then sequence.
    public static func stockTrail(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> [StockTrailRow] {
        try stockTrail(costs: books.costs, knownAt: books.knownAt, moved: books.skusMoved(in: span), span: span, context: context)
    }

    /// The same from a cost view as known at `knownAt` and the SKUs with a stock movement in the
    /// span then.
    static func stockTrail(
        costs: CostView, knownAt: Instant, moved: Set<OpaqueID>, span: ReportSpan, context: AppContext
    ) throws -> [StockTrailRow] {
        try stockTrailChunks(moved).flatMap { try stockTrail(costs: costs, knownAt: knownAt, skus: $0, span: span, context: context) }
    }

    /// What a stock trail chunk may hold, in movements (the stock rows of its SKUs dated in the
    /// span, about one trail row each): 32 SKUs over a month and a half of the generated chain (~6
    /// movements a SKU a day), ~10 MiB of rows and runs.
    static let stockTrailMovementsPerChunk = 9_000

    /// The SKUs that moved, in byte order, a few at a time: the trail is made a chunk at a time. At
    /// most `skusPerCostChunk` a chunk, and fewer where each SKU's trail is longer (a long span, a
    /// busy chain): as many as make about `stockTrailMovementsPerChunk` movements (`movements`: the
    /// span's, of every moved SKU; 0 when not known), so that a chunk's memory follows a month and a
    /// half of the generated chain's movements, not the span's nor the chain's size (three years' trail took
    /// ~200 MiB a chunk of 32; a month of 2,000 SKUs moving 57 times a day, 65 MiB; a chunk of 18,000
    /// movements was ~20 MiB of that month's peak).
    static func stockTrailChunks(_ moved: Set<OpaqueID>, movements: Int = 0) -> [[OpaqueID]] {
        let perChunk = movements > 0
            ? max(1, min(skusPerCostChunk, stockTrailMovementsPerChunk * moved.count / movements)) : skusPerCostChunk
        return moved.sorted().chunked(into: perChunk)
    }

    /// The stock trail's rows of some SKUs (in byte order).
    static func stockTrail(
        costs: CostView, knownAt: Instant, skus: [OpaqueID], span: ReportSpan, context: AppContext
    ) throws -> [StockTrailRow] {
        let start = context.startOfDay(span.firstDay)
        let end = context.startOfDay(span.endDay)
        let lastInstant = Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)
        var rows: [StockTrailRow] = []
        // The trail needs the engine's run of each SKU (its deltas and layers): those the books
        // computed, or — when the books read costs from the cache — the engine over the SKU's rows
        // known then from its cache checkpoint before the span to its first after it (whole
        // without them), read through
        // the ledger's SKU index (the cache equals the engine: verify checks it); the callers ask a
        // few SKUs at a time, each chunk's runs dropped once its rows are made, so memory follows
        // the chunk, not the SKUs that moved nor the length of the history.
        for started in try costs.runs(skus: Set(skus), knownAt: knownAt, from: start, until: end) {
            let run = started.run
            let locations = Set(run.deltas.lazy.filter { $0.occurredAt >= start && $0.occurredAt < end }.map { OpaqueID($0.location) })
                .sorted().map(\.text)
            for location in locations {
                // The one running-sum rule: the item's trail through the span's end, split at its start.
                let trail = try CostTrail.lines(
                    run, location: location, from: start, through: lastInstant, start: started.start[OpaqueID(location)] ?? StockFigures())
                rows.append(
                    StockTrailRow(
                        sku: run.sku, location: location, occurredAt: start, event: StockTrailRow.openingEvent, quantity: nil, value: nil,
                        quantityOnHand: trail.opening.units, valueOnHand: trail.opening.value, pendingOnHand: trail.opening.pending,
                        documentID: nil, lineNumber: nil, source: nil, flags: []))
                for line in trail.lines {
                    guard case .movement(let event) = line.kind, let occurredAt = line.occurredAt else { continue }
                    let (units, value, pending) = (line.runningUnits ?? 0, line.runningValue ?? 0, line.runningPending ?? 0)
                    rows.append(
                        StockTrailRow(
                            sku: run.sku, location: location, occurredAt: occurredAt, event: event, quantity: line.quantity,
                            value: line.value, quantityOnHand: units, valueOnHand: value, pendingOnHand: pending,
                            documentID: line.documentID, lineNumber: line.lineNumber, source: line.source, flags: line.flags))
                }
            }
        }
        return rows
    }

    /// At most this many stock trail rows are held for a workbook; a longer trail is made again, a
    /// chunk of SKUs at a time, as the workbook writer reaches it (`StockTrailPages`).
    public static let stockTrailRowsHeld = 100_000

    /// The workbook's `stock_trail` table of a span. Up to `rowsHeld` rows it holds them; a longer
    /// trail (a year's) is counted and totalled chunk by chunk, then made again chunk by chunk as
    /// the writer reads it: twice the work, and memory that follows a chunk instead of the span. What goes
    /// wrong while the writer makes it is in `pages.failure` (the workbook is then refused).
    static func stockTrailTable(
        _ books: BooksAsKnown, span: ReportSpan, context: AppContext, rowsHeld: Int = stockTrailRowsHeld
    ) throws -> (table: ReportTable, pages: StockTrailPages?) {
        let (costs, knownAt) = (books.costs, books.knownAt)
        let moved = books.movements(in: span)
        let chunks = stockTrailChunks(moved.skus, movements: moved.movements)
        var held: [StockTrailRow]? = []
        var counts: [Int] = []
        // The movements' values, which the Stock Trail sheet totals (taken as the rows are counted:
        // a trail made again is not made once more to sum it).
        var value = Sum()
        for chunk in chunks {
            let rows = try stockTrail(costs: costs, knownAt: knownAt, skus: chunk, span: span, context: context)
            counts.append(rows.count)
            for row in rows { if let moved = row.value { value += moved } }
            if held != nil, (held?.count ?? 0) + rows.count <= rowsHeld { held?.append(contentsOf: rows) } else { held = nil }
        }
        let (exponent, offset) = (context.currencyExponent, context.offset)
        if let held { return (WorkbookTables.stockTrail(held, exponent: exponent, offset: offset), nil) }
        let pages = StockTrailPages(
            chunks: chunks, counts: counts,
            make: { try stockTrail(costs: costs, knownAt: knownAt, skus: $0, span: span, context: context) })
        let table = WorkbookSheets.totalled(
            WorkbookTables.stockTrail(count: pages.count, exponent: exponent, offset: offset) { pages.row($0) },
            WorkbookSheets.stockTrailTotalled, sums: ["value": value], exponent: exponent)
        return (table, pages)
    }

    // MARK: Pending costs

    /// The outflows that occurred before the span's end with units still pending as known at the
    /// books' time, oldest first (then by outflow id, byte order), each with how its provisional
    /// cost was priced and its age in days at the span's last day.
    public static func pendingCosts(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> [PendingCostRow] {
        try pendingCosts(costs: books.costs, span: span, context: context)
    }

    static func pendingCosts(costs: CostView, span: ReportSpan, context: AppContext) throws -> [PendingCostRow] {
        let end = context.startOfDay(span.endDay)
        let lines = try costs.pendingCogs(before: end)
        let offset = context.offset
        return lines.sorted { a, b in
            a.occurredAt != b.occurredAt ? a.occurredAt < b.occurredAt : a.outflowID.utf8.lexicographicallyPrecedes(b.outflowID.utf8)
        }.map { line in
            let businessDate = line.occurredAt.civilDate(offsetSeconds: offset(line.occurredAt))
            return PendingCostRow(
                outflow: line, pricedBy: WorkbookTables.pricing(flags: line.flags),
                ageDays: span.lastDay.daysSinceEpoch - businessDate.daysSinceEpoch)
        }
    }

    // MARK: Prior-period adjustments

    /// The prior-period adjustment entries dated in the span, each with every late row behind it.
    /// Adjustments the books computed now carry the late rows the books collected. Adjustments
    /// posted with a closed period carry the late rows that close saw: those learnt after the
    /// close before it and by its own, which the books as known at that close (with only the
    /// closes before it) collect again — the ledger is append-only, so they are the same rows.
    public static func priorPeriodAdjustments(_ session: Session, books: BooksAsKnown, span: ReportSpan) throws
        -> [PriorPeriodAdjustment]
    {
        var lateRowsPostedWith: [Period: [Period: [String]]] = [:]
        var adjustments: [PriorPeriodAdjustment] = []
        for entry in JournalOutputs.entries(books.entries, in: span) {
            guard let about = entry.aboutPeriod else { continue }
            let lateRows: [Period: [String]]
            if let closed = books.closedPeriod(containing: entry.date) {
                if let known = lateRowsPostedWith[closed.period] {
                    lateRows = known
                } else {
                    lateRows = try BooksAsKnown(session, knownAt: .at(closed.closedAt), closesBefore: closed.span, detail: .nothing).lateRows
                    lateRowsPostedWith[closed.period] = lateRows
                }
            } else {
                lateRows = books.lateRows
            }
            adjustments.append(PriorPeriodAdjustment(entry: entry, lateRows: lateRows[about] ?? []))
        }
        return adjustments
    }

    // MARK: Reorder

    /// The quantity to order for a position, or nil when it needs none. The rule: a position needs
    /// reordering when its units available, on hand less pending (`quantityOnHand −
    /// pendingQuantity`), are at or below the reorder point; the suggested quantity is the smallest
    /// that brings them above the reorder point (reorder point − available + 1), rounded up to a
    /// whole multiple of the reorder quantity when the catalogue gives one (a positive one).
    /// Summed without overflow; a quantity beyond 64 bits is an error naming the SKU and location.
    public static func suggestedQuantity(
        quantityOnHand: Int64, pendingQuantity: Int64, reorderPoint: Int64, reorderQuantity: Int64?, what: @autoclosure () -> String
    ) throws(OutOfRange) -> Int64? {
        // reorder point − (on hand − pending) + 1: positive exactly when the position needs reordering.
        var needed = Sum(reorderPoint) - Sum(quantityOnHand) + Sum(pendingQuantity) + Sum(1)
        guard needed.total > 0 else { return nil }
        if let multiple = reorderQuantity, multiple > 0 {
            let remainder = needed.total % Int128(multiple)
            // Less than `multiple` to add, so within 64 bits.
            if remainder != 0 { needed += Int64(Int128(multiple) - remainder) }
        }
        return try needed.value("the quantity to reorder of \(what())")
    }

    /// The positions at the span's end at or below their catalogue reorder point
    /// (`suggestedQuantity`'s rule), by location, then SKU (byte order). Every location where the
    /// SKU has a position at the end of the span counts, a position of nothing included (goods in
    /// transit are at no location); the catalogue row of a SKU is its latest known at the books'
    /// time, and a SKU without a reorder point is never listed.
    public static func reorder(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> [ReorderRow] {
        try reorder(costs: books.costs, items: books.items.map(\.row), span: span, context: context)
    }

    static func reorder(costs: CostView, items: [LedgerRow], span: ReportSpan, context: AppContext) throws -> [ReorderRow] {
        let end = context.startOfDay(span.endDay)
        return try reorder(positions: costs.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)), items: items)
    }

    /// The same, of the positions at the span's end as already summed (a report's valuation
    /// has them).
    static func reorder(positions: [StockPosition], items: [LedgerRow]) throws -> [ReorderRow] {
        var catalogue: [OpaqueID: CatalogueItem] = [:]
        // Ledger order: a later row for a SKU supersedes the earlier one whole.
        for row in items {
            let item = CatalogueItem(row)
            catalogue[OpaqueID(item.sku)] = item
        }
        var rows: [ReorderRow] = []
        for position in positions where position.location != inTransitLocation {
            guard let item = catalogue[OpaqueID(position.sku)], let reorderPoint = item.reorderPoint,
                let suggested = try suggestedQuantity(
                    quantityOnHand: position.quantityOnHand, pendingQuantity: position.pendingQuantity, reorderPoint: reorderPoint,
                    reorderQuantity: item.reorderQuantity, what: "\(position.sku) at \(position.location)")
            else { continue }
            rows.append(
                ReorderRow(
                    sku: position.sku, name: item.name, location: position.location, quantityOnHand: position.quantityOnHand,
                    pendingQuantity: position.pendingQuantity, reorderPoint: reorderPoint, reorderQuantity: item.reorderQuantity,
                    suggestedQuantity: suggested))
        }
        return rows.sorted { a, b in
            if !CostRuns.sameBytes(a.location, b.location) { return CostRuns.precedesInByteOrder(a.location, b.location) }
            return a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8)
        }
    }

    // MARK: Daily

    /// Per day of the span and location: net sales, cost of goods sold and gross margin (net sales −
    /// cost of goods sold), from the journal entries dated in the span — prior-period adjustments
    /// included, so the days add up to the trial balance's movements. Net sales are the credits less
    /// the debits of the sales accounts (the chart's sales, sales returns and sales discounts: gross
    /// sales less returns and discounts); cost of goods sold the debits less the credits of its
    /// account (shrinkage and complimentary goods have their own). The locations are those of any
    /// journal line in the span (a sales or cost line without one as the empty location); every
    /// day × location is listed, zero when nothing happened. By date, then location (byte order).
    public static func daily(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> [DailyRow] {
        try daily(books.entries, span: span, chart: context.configuration.chart)
    }

    static func daily(_ allEntries: [JournalEntry], span: ReportSpan, chart: ChartOfAccounts) throws -> [DailyRow] {
        let salesCodes = Set([chart[.sales].code, chart[.salesReturns].code, chart[.salesDiscounts].code])
        let cogsCode = chart[.costOfGoodsSold].code
        struct DayLocation: Hashable {
            var date: CivilDate
            var location: OpaqueID
        }
        var netSales: [DayLocation: Sum] = [:]
        var cogs: [DayLocation: Sum] = [:]
        var locations = Set<OpaqueID>()
        for entry in JournalOutputs.entries(allEntries, in: span) {
            for line in entry.lines {
                let location = OpaqueID(line.location)
                let key = DayLocation(date: entry.date, location: location)
                if salesCodes.contains(line.account.code) {
                    netSales[key, default: Sum()] -= line.amount
                    locations.insert(location)
                } else if line.account.code == cogsCode {
                    cogs[key, default: Sum()] += line.amount
                    locations.insert(location)
                } else if !line.location.isEmpty {
                    locations.insert(location)
                }
            }
        }
        let sortedLocations = locations.sorted()
        var rows: [DailyRow] = []
        for day in span.firstDay.daysSinceEpoch...span.lastDay.daysSinceEpoch {
            let date = CivilDate(daysSinceEpoch: day)
            for locationID in sortedLocations {
                let location = locationID.text
                let key = DayLocation(date: date, location: locationID)
                let (sales, cost) = (netSales[key] ?? Sum(), cogs[key] ?? Sum())
                let what = "the daily figures of \(location) on \(date)"
                rows.append(
                    DailyRow(
                        date: date, location: location, netSales: try sales.value("\(what) (net sales)"),
                        cogs: try cost.value("\(what) (cost of goods sold)"),
                        grossMargin: try (sales - cost).value("\(what) (gross margin)")))
            }
        }
        return rows
    }

    // MARK: Reconciliation ageing

    /// The age buckets, youngest first: a label and the oldest age (in days) it holds (nil: no limit).
    public static let ageingBuckets: [(label: String, upToDays: Int64?)] = [
        ("0–7 days", 7), ("8–30 days", 30), ("31–60 days", 60), ("61–90 days", 90), ("over 90 days", nil),
    ]

    /// The reconciliation items open at the span's end that need a person (an exception status),
    /// per age bucket at the span's end, every bucket listed: how many and their amount — the
    /// amount `reconcile`'s summary shows for an exception (its difference, else its settled
    /// amount, else its POS amount).
    public static func reconciliationAgeing(_ report: ReconciliationReport) throws -> [AgeingBucket] {
        var counts = [Int64](repeating: 0, count: ageingBuckets.count)
        var amounts = [Sum](repeating: Sum(), count: ageingBuckets.count)
        for row in report.rows where row.status.isException {
            // Only an open item has an age (SEMANTICS §6.7).
            guard let age = row.ageDays else { continue }
            let bucket = ageingBuckets.firstIndex { $0.upToDays.map { age <= $0 } ?? true } ?? ageingBuckets.count - 1
            counts[bucket] += 1
            amounts[bucket] += ReconciliationTables.amount(row)
        }
        return try ageingBuckets.indices.map { index throws(OutOfRange) in
            AgeingBucket(
                label: ageingBuckets[index].label, items: counts[index],
                amount: try amounts[index].value("the open exceptions aged \(ageingBuckets[index].label)"))
        }
    }

    /// The same for the books' reconciliation of the span (as of the end of its last day).
    public static func reconciliationAgeing(_ books: BooksAsKnown, span: ReportSpan) throws -> [AgeingBucket] {
        try reconciliationAgeing(try books.reconciliation.report(span))
    }
}

/// A long table's rows made again a chunk at a time as a writer reads them, rows in order: the
/// stock trail (a chunk of SKUs, `WorkbookData.stockTrailTable`) and the cost lines (a few days,
/// `SpanCostLines`). The current chunk's rows are kept, the others not.
///
/// `@unchecked Sendable`: it holds the cost view (a ledger connection) that a table's row maker must
/// capture; the report is written by the thread that made it, and the mutex guards the kept chunk
/// all the same. A chunk that cannot be made again, or makes another count of rows than when it was
/// counted (the ledger cannot change as known at one time, so this is a defect), gives `placeholder`
/// rows and records why in `failure`: the report is refused then (`ReportJob.write`).
final class RowPages<Chunk, Rows: RandomAccessCollection>: RowsMadeAgain, @unchecked Sendable
where Rows.Index == Int, Rows.Element: Sendable {
    private let chunks: [Chunk]
    /// The first row of each chunk, then the row count.
    private let starts: [Int]
    private let make: (Chunk) throws -> Rows
    /// What a chunk holds, for the defect's message ("the stock trail of SKU-1…").
    private let naming: (Chunk) -> String
    private let placeholder: Rows.Element
    private let state = Mutex<(chunk: Int, rows: Rows?, failure: (any Error)?)>((-1, nil, nil))

    init(
        chunks: [Chunk], counts: [Int], placeholder: Rows.Element, naming: @escaping (Chunk) -> String,
        make: @escaping (Chunk) throws -> Rows
    ) {
        self.chunks = chunks
        var starts = [0]
        for count in counts { starts.append((starts.last ?? 0) + count) }
        self.starts = starts
        self.placeholder = placeholder
        self.naming = naming
        self.make = make
    }

    var count: Int { starts.last ?? 0 }

    /// Why a row could not be made, if one could not.
    var failure: (any Error)? { state.withLock { $0.failure } }

    func row(_ index: Int) -> Rows.Element {
        // The chunk holding the row: the last whose first row is at or before it.
        var (low, high) = (0, chunks.count - 1)
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= index { low = middle } else { high = middle - 1 }
        }
        let chunk = low
        return state.withLock { state in
            if state.chunk != chunk {
                state.chunk = chunk
                state.rows = nil
                do {
                    let rows = try make(chunks[chunk])
                    if rows.count == starts[chunk + 1] - starts[chunk] {
                        state.rows = rows
                    } else if state.failure == nil {
                        state.failure = AppFailure(
                            .internalError,
                            "\(naming(chunks[chunk])) made \(rows.count) rows the second time, "
                                + "\(starts[chunk + 1] - starts[chunk]) the first: please report this")
                    }
                } catch {
                    if state.failure == nil { state.failure = error }
                }
            }
            let position = index - starts[chunk]
            guard let rows = state.rows, position < rows.count else { return placeholder }
            return rows[rows.startIndex + position]
        }
    }
}

/// A table made again as it is written, which says afterwards whether a row could not be made.
protocol RowsMadeAgain: AnyObject, Sendable {
    var failure: (any Error)? { get }
}

/// The stock trail's pages: a chunk of SKUs each.
typealias StockTrailPages = RowPages<[OpaqueID], [StockTrailRow]>

extension StockTrailPages {
    convenience init(chunks: [[OpaqueID]], counts: [Int], make: @escaping ([OpaqueID]) throws -> [StockTrailRow]) {
        self.init(
            chunks: chunks, counts: counts,
            placeholder: StockTrailRow(
                sku: "", location: "", occurredAt: Instant(nanosecondsSinceEpoch: 0), event: "", quantity: nil, value: nil,
                quantityOnHand: 0, valueOnHand: 0, pendingOnHand: 0, documentID: nil, lineNumber: nil, source: nil, flags: []),
            naming: { "the stock trail of \($0.first?.text ?? "")…" }, make: make)
    }
}
