// The books as known at a time, for `report`, `close` and `verify`: the ledger rows recorded by
// then, one cost run over all of them, the journal computed from both, the periods closed by
// then, and the entries a report shows (posted where closed, computed where open, with the
// prior-period adjustments between).
import CountinghouseCore
import CountinghouseStore
import Foundation

/// The program version recorded with every close and in run.json.
let countinghouseVersion = "0.4.0"

struct BooksView {
    let knownAt: Instant
    /// Costs as known at `knownAt`: the cost cache (brought up to date first) when that time
    /// covers every ingested file, else the engine over the rows recorded by then.
    let costs: CostView
    /// Every stock event's posting, from the same costs.
    let postings: [StockPosting]
    /// The journal of everything known at `knownAt`, every date (no closes applied).
    let computed: [JournalEntry]
    /// Periods closed by `knownAt`, in order.
    let closed: [ClosedPeriod]
    /// The books: posted closed periods, adjustments, computed open periods.
    let entries: [JournalEntry]
    /// The earliest business date of any dated row known (nil for an empty ledger).
    let firstBusinessDate: CivilDate?
    let fileCount: Int
    /// sha256 over the sorted sha256s of the input files known: which inputs produced a report.
    let inputsDigest: String
    /// The rows the journal was made from, by kind (for the drill-down of `entry`).
    let rowsOfKind: [LedgerKind: [StoredRow]]

    /// `before`: only the closes of periods before this one count (the books as they stood when
    /// that period was closed, for checking what was posted then).
    init(_ store: any LedgerStore, environment: CommandEnvironment, knownAt: Instant, closesBefore before: ReportSpan? = nil) throws {
        self.knownAt = knownAt
        let offset = environment.zone.offsetFunction
        var phases = PhaseTimer()
        closed = try store.closedPeriods().filter { closed in
            closed.closedAt <= knownAt && before.map { closed.span.lastDay < $0.firstDay } ?? true
        }
        let latestClose = closed.last?.closedAt
        let closedUntil = closed.last?.span.endDay
        // As known now, the costs come from the cache; as known at an earlier time, from the
        // engine over the rows recorded by then (without touching the cache).
        let useCache = try store.latestRecordedAt().map { knownAt >= $0 } ?? true
        var events: [CostEvent] = []
        var rowsOfKind: [LedgerKind: [StoredRow]] = [:]
        var lateRows: [String: [String]] = [:]
        var firstDate: CivilDate?
        for kind in [LedgerKind.purchases, .transfers, .posLines, .counts, .posTenders, .settlements] {
            let rows = try store.rows(of: kind, knownAt: knownAt)
            for stored in rows {
                if let occurredAt = stored.row.occurredAt {
                    let date = occurredAt.civilDate(offsetSeconds: offset(occurredAt))
                    if firstDate.map({ date < $0 }) ?? true { firstDate = date }
                    if let latestClose, let closedUntil, stored.recordedAt > latestClose, date < closedUntil {
                        lateRows[Books.period(of: date), default: []].append("\(stored.fileName):\(stored.sourceRow)")
                    }
                }
                if !useCache, stockKinds.contains(kind),
                    let event = CostEvents.event(
                        of: SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt))
                {
                    events.append(event)
                }
            }
            rowsOfKind[kind] = rows
        }
        firstBusinessDate = firstDate
        phases.mark("load rows")
        if useCache {
            try refreshCostCache(store)
            costs = .cached(store)
            postings = try store.cachedStockPostings()
            phases.mark("cost cache")
        } else {
            let items = try store.rows(of: .items, knownAt: knownAt).map(\.row)
            let runs = CostRuns.run(events: events, standardCosts: CostRuns.standardCosts(items: items))
            phases.mark("cost runs")
            costs = .computed(runs)
            postings = runs.flatMap(\.stockPostings)
            phases.mark("stock postings")
        }
        computed = JournalRules.entries(
            JournalInput(
                posLines: (rowsOfKind[.posLines] ?? []).map(\.row), posTenders: (rowsOfKind[.posTenders] ?? []).map(\.row),
                settlements: (rowsOfKind[.settlements] ?? []).map(\.row), stock: postings,
                chart: environment.configuration.chart, offset: offset))
        phases.mark("journal")
        entries = Books.assemble(closed: closed, computed: computed, lateRows: lateRows)
        self.rowsOfKind = rowsOfKind
        let files = try store.files().filter { $0.recordedAt <= knownAt }
        fileCount = files.count
        inputsDigest = sha256Hex(files.map(\.sha256).sorted().joined(separator: "\n"))
    }

    /// Stock positions at an instant as known at `knownAt`.
    func positions(through instant: Instant) throws -> [StockPosition] { try costs.positions(through: instant, sku: nil) }

    /// The closed period whose span is exactly `span`, if any.
    func closedPeriod(exactly span: ReportSpan) -> ClosedPeriod? { closed.first { $0.span == span } }
}

/// The files a report or a close writes for a span, rendered (the same inputs give the same bytes).
struct ReportFiles {
    var files: [(name: String, content: String)] = []

    mutating func add(_ name: String, _ content: String) { files.append((name, content)) }

    /// `costsAt`: where the valuation comes from when not `books` (a span ending inside a closed
    /// period takes it as known at that period's close, as its posted journal was).
    static func books(_ books: BooksView, span: ReportSpan, environment: CommandEnvironment, costsAt: BooksView? = nil) throws
        -> ReportFiles
    {
        let exponent = environment.currencyExponent
        let chart = environment.configuration.chart
        var result = ReportFiles()
        let inSpan = JournalOutputs.entries(books.entries, in: span)
        result.add("journal.csv", JournalOutputs.journalTable(inSpan, exponent: exponent).renderCSV())
        result.add(
            "trial_balance.csv",
            JournalOutputs.trialBalanceTable(
                JournalOutputs.trialBalance(books.entries, span: span, chart: chart), exponent: exponent
            ).renderCSV())
        let end = environment.zone.startOfDay(span.endDay)
        result.add(
            "valuation.csv",
            CostTables.valuation(
                try (costsAt ?? books).positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)),
                exponent: exponent
            ).renderCSV())
        result.add(
            "journal.ledger",
            JournalOutputs.ledgerText(
                books.entries, span: span, currency: environment.configuration.currency, exponent: exponent, chart: chart,
                header: [
                    "Countinghouse journal for \(span), as known at \(environment.display(books.knownAt))",
                    "Check it with: hledger -f journal.ledger check; hledger -f journal.ledger bal",
                ]))
        return result
    }
}

/// Brings the cost cache up to date; with COUNTINGHOUSE_TIMINGS set, says what that took.
func refreshCostCache(_ store: any LedgerStore) throws {
    var timer = PhaseTimer()
    let refresh = try store.refreshCostCache(rebuild: false)
    timer.mark(
        "cost cache refresh (\(refresh.skusRepriced) SKUs repriced, \(refresh.skusFromCheckpoint) from a checkpoint, "
            + "\(refresh.eventsReplayed) events replayed\(refresh.rebuiltFromNothing ? ", rebuilt from nothing" : ""))")
}

/// With COUNTINGHOUSE_TIMINGS set, prints how long each phase of a command took to standard error
/// (for the person finding out why a nightly run got slow).
struct PhaseTimer {
    private var last = PhaseTimer.nanoseconds()
    private let enabled = ProcessInfo.processInfo.environment["COUNTINGHOUSE_TIMINGS"] != nil

    static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * Instant.nanosecondsPerSecond + Int64(spec.tv_nsec)
    }

    mutating func mark(_ phase: String) {
        let now = Self.nanoseconds()
        // Milliseconds as seconds with three decimals, in integers like every other figure here.
        if enabled { printError("timing: \(phase) \(formatMinorUnits((now - last) / 1_000_000, exponent: 3)) s") }
        last = now
    }
}
