// A span's cost lines: cogs.csv and the workbook's Cost of Goods sheet (one table for both), with
// what the Summary's key figures take from them.
//
// A month's lines are held (packed, ~100 bytes a line). A long span's are not: the nightly run's
// period-to-date report of a month of 100,000 POS lines a day held 3.1 M lines (~230 MiB), the
// whole of three years 2.3 M. When the cache counts more than 250,000, they are read a day at a time
// to count and sum them, then read again a few days at a time as cogs.csv and the workbook are written
// (`RowPages`): three reads instead of one, and memory that follows a chunk instead of the span.
// Invariants: the rows are cogs.csv's, in its order (occurred_at, the SKU's bytes, its sequence),
// whether held or made again, so the files are the same bytes either way; the days' windows
// partition the span at the starts of its business days, so their lines in order are the span's.
// Errors a user can see: a read that fails (the ledger's error); a cost cache another process
// refreshed between the reads (75: run it again; `CostView.cogs(from:to:unchangedSince:)`); a chunk
// that makes another count of lines the second time (an internal error). The report is refused
// then, nothing of it written (`ReportJob.write`).
import CountinghouseCore
import CountinghouseReport

struct SpanCostLines {
    /// At most this many lines are held; a longer span's are made again as written.
    static let linesHeld = 250_000
    /// Lines a chunk made again aims at (whole days: a bigger day is a chunk of its own).
    static let linesPerChunk = 100_000

    /// cogs.csv, rows held or made again; its totals (cost, provisional cost) taken as the lines
    /// were counted when they are made again.
    var table: ReportTable
    /// The lines' pages when they are made again as written (nil: held).
    var pages: RowPages<(from: Instant, to: Instant), PackedCogsLines>?
    var count: Int
    /// The sales' lines (the journal's cost of sales less what customers returned): the part priced
    /// from real layers and the part priced provisionally for pending units.
    var saleCost = Sum()
    var saleProvisionalCost = Sum()

    /// `linesHeld`, `linesPerChunk`: the statics' (smaller ones in tests).
    init(
        _ costs: CostView, span: ReportSpan, context: AppContext, linesHeld: Int = linesHeld, linesPerChunk: Int = linesPerChunk
    ) throws {
        let (exponent, offset) = (context.currencyExponent, context.offset)
        // The windows they are read in: the whole span when it has at most `linesHeld` lines (every
        // month's), or when the engine's runs hold them anyway; else each business day of it.
        let through = try costs.cacheThroughFileID()
        var starts = [context.startOfDay(span.firstDay), context.startOfDay(span.endDay)]
        if case .cached(let store) = costs, try store.cachedCogsCount(from: starts[0], to: starts[1]) > linesHeld {
            starts = (span.firstDay.daysSinceEpoch...span.endDay.daysSinceEpoch).map { context.startOfDay(CivilDate(daysSinceEpoch: $0)) }
        }
        var held: PackedCogsLines? = PackedCogsLines()
        var windows: [(from: Instant, to: Instant)] = []
        var counts: [Int] = []
        var (cost, provisionalCost) = (Sum(), Sum())
        count = 0
        for (from, to) in zip(starts, starts.dropFirst()) {
            let lines = try costs.cogs(from: from, to: to, unchangedSince: through)
            for line in lines {
                cost += line.cost
                provisionalCost += line.provisionalCost
                if line.kind == .sale {
                    saleCost += line.cost
                    saleProvisionalCost += line.provisionalCost
                }
            }
            count += lines.count
            // Days join the chunk before them while it stays within `linesPerChunk`.
            if let last = windows.indices.last, counts[last] + lines.count <= linesPerChunk {
                windows[last].to = to
                counts[last] += lines.count
            } else {
                windows.append((from, to))
                counts.append(lines.count)
            }
            if held != nil, count <= linesHeld {
                for line in lines { held?.append(line) }
            } else {
                held = nil
            }
        }
        if let held {
            table = CostTables.cogs(held, exponent: exponent, offset: offset)
            pages = nil
            return
        }
        let pages = RowPages(
            chunks: windows, counts: counts, placeholder: Self.placeholder,
            naming: { "the cost lines from \(context.display($0.from)) to \(context.display($0.to))" },
            make: { try costs.cogs(from: $0.from, to: $0.to, unchangedSince: through) })
        self.pages = pages
        // What the Cost of Goods sheet totals, taken now: the rows are not read again for it.
        table = WorkbookSheets.totalled(
            CostTables.cogs(count: count, exponent: exponent, offset: offset) { pages.row($0) }, WorkbookSheets.cogsTotalled,
            sums: ["cost": cost, "provisional_cost": provisionalCost], exponent: exponent)
    }

    /// The line a page gives for a row it could not make (the report is refused then).
    private static let placeholder = CogsLine(
        sku: "", sequence: 0, outflowID: "", kind: .sale, occurredAt: Instant(nanosecondsSinceEpoch: 0), location: "", documentID: "",
        lineNumber: nil, quantity: 0, costedQuantity: 0, cost: 0, pendingQuantity: 0, provisionalCost: 0, cancelledQuantity: 0, flags: "")
}
