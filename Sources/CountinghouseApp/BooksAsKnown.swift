// The books as known at a time, for `report`, `close`, `entry` and `verify`: the ledger rows recorded
// by then, one cost run over all of them (by the one cost policy, `Costs`), the reconciliation of
// their card money (whose write-offs the journal posts), the journal computed from them, the periods
// closed by then, and the entries a report shows (posted where closed, computed where open, with
// the prior-period adjustments between).
import CountinghouseCore
import CountinghouseStore
import Foundation

/// The program version recorded with every close and in run.json.
public let countinghouseVersion = "0.5.0"

/// What the books keep of the dated ledger rows once read: they read every row known, and hold
/// only what their reader drills into, so that a report of a month does not hold a year of rows.
public enum RowDetail: Sendable, Equatable {
    /// Every row and stock posting (the drill-down of `entry` and the story of a payment reach any
    /// date).
    case all
    /// No rows: per business day of the span, the SKUs with a stock movement (a report's stock
    /// trail runs those).
    case movements(in: ReportSpan)
    /// Nothing (the checks of `verify` need only the books' figures).
    case nothing

    // The journal's sales entries name the tickets that do not balance only for the business
    // days the detail covers (every day, the span's, none): the entries a reader sees or a close
    // posts. Those of other days feed balances only, and name none (`POSSums`).

    /// Whether the SKUs that moved on every day of `span` are known.
    public func knowsMovements(in span: ReportSpan) -> Bool {
        switch self {
        case .all: return true
        case .movements(let kept): return kept.firstDay <= span.firstDay && span.lastDay <= kept.lastDay
        case .nothing: return false
        }
    }
}

public struct BooksAsKnown {
    /// The knowledge time, as it was given.
    public let knowledge: KnowledgeTime
    /// Rows recorded at or before this instant are known.
    public var knownAt: Instant { knowledge.instant }
    /// Costs as known at `knownAt`.
    public let costs: CostView
    /// The stock events' postings from the same costs, when `detail` keeps them all.
    public let postings: [StockPosting]
    /// The journal of everything known at `knownAt`, every date (no closes applied).
    public let computed: [JournalEntry]
    /// Periods closed by `knownAt`, in order.
    public let closed: [ClosedPeriod]
    /// The books: posted closed periods, adjustments, computed open periods.
    public let entries: [JournalEntry]
    /// The earliest business date of any dated row known (nil for an empty ledger).
    public let firstBusinessDate: CivilDate?
    /// The input files known at `knownAt`, in ingest order.
    public let files: [IngestedFile]
    public var fileCount: Int { files.count }
    /// sha256 over the sorted sha256s of the input files known: which inputs produced a report.
    public let inputsDigest: String
    /// The rows the journal was made from, by kind, when `detail` keeps them all (the drill-down of
    /// `entry`, the story of a payment); the overrides always.
    public let rowsOfKind: [LedgerKind: [StoredRow]]
    /// What the books keep of the dated rows.
    public let detail: RowDetail
    /// Per business day, the SKUs with a stock movement that day, and how many stock rows moved
    /// (the days `detail` names).
    let skusMovedOn: [CivilDate: Set<OpaqueID>]
    let movementsOn: [CivilDate: Int]
    /// The card money as known at `knownAt` (SEMANTICS §6), from the same rows.
    public let reconciliation: Reconciliation
    /// What the WRITE_OFF overrides cleared, every day (the journal's write-off entries).
    public let writeOffs: [WriteOffClearing]
    /// Per closed period, the rows learnt since the latest close that change it (`file.csv:12`, in
    /// ledger order): the late rows behind its prior-period adjustment, whose memo names the first
    /// ten. Empty when nothing is closed.
    public let lateRows: [Period: [String]]
    /// The catalogue rows known at `knownAt`, in ledger order (a later row for a SKU supersedes the
    /// earlier one whole).
    public let items: [StoredRow]

    /// `closesBefore`: only the closes of periods before this one count (the books as they stood
    /// when that period was closed, for checking what was posted then).
    /// `detail`: what to keep of the dated rows (every row known is read; only this is held).
    public init(
        _ session: Session, knownAt knowledge: KnowledgeTime, closesBefore before: ReportSpan? = nil, detail: RowDetail = .all
    ) throws {
        self.detail = detail
        let (store, context) = (session.store, session.context)
        self.knowledge = knowledge
        let knownAt = knowledge.instant
        let offset = context.offset
        var phases = PhaseTimer()
        closed = try store.closedPeriods().filter { closed in
            closed.closedAt <= knownAt && before.map { closed.span.lastDay < $0.firstDay } ?? true
        }
        let latestClose = closed.last?.closedAt
        let closedUntil = closed.last?.span.endDay
        let useCache = try Costs.cacheServes(store, knownAt: knownAt)
        var events: [CostEvent] = []
        var rowsOfKind: [LedgerKind: [StoredRow]] = [:]
        var lateRows: [Period: [String]] = [:]
        var firstDate: CivilDate?
        // Every row known is read once, as it streams past: what the books need of it is taken
        // (the sums of the POS lines, the tenders and settlement records, the cost events when the
        // cache does not serve), and the row itself is kept only when its reader drills into it.
        let keepsAll = detail == .all
        let notesMovements: @Sendable (CivilDate) -> Bool
        switch detail {
        case .all: notesMovements = { _ in true }
        case .movements(let span): notesMovements = { span.firstDay <= $0 && $0 <= span.lastDay }
        case .nothing: notesMovements = { _ in false }
        }
        var skusMovedOn: [CivilDate: Set<OpaqueID>] = [:]
        var movementsOn: [CivilDate: Int] = [:]
        var posSums = POSSums(offset: offset, listingTicketsOn: notesMovements)
        var settlementSums = SettlementSums(offset: offset)
        // The card tenders and settlement records the reconciliation reads, packed as they come.
        var tenders = PackedRows<POSTender>()
        var records = PackedRows<SettlementRecord>()
        for kind in [LedgerKind.purchases, .transfers, .posLines, .counts, .posTenders, .settlements] {
            var kept: [StoredRow] = []
            try store.forEachRow(of: kind, knownAt: knownAt) { stored in
                if let occurredAt = stored.row.occurredAt {
                    let date = occurredAt.civilDate(offsetSeconds: offset(occurredAt))
                    if firstDate.map({ date < $0 }) ?? true { firstDate = date }
                    if let latestClose, let closedUntil, stored.recordedAt > latestClose, date < closedUntil {
                        lateRows[Period(containing: date), default: []].append("\(stored.fileName):\(stored.sourceRow)")
                    }
                    if stockKinds.contains(kind), notesMovements(date), let sku = stored.row["sku"].textValue {
                        skusMovedOn[date, default: []].insert(OpaqueID(sku))
                        movementsOn[date, default: 0] += 1
                    }
                }
                // The engine's events come from the rows read here anyway (not read twice).
                if !useCache, stockKinds.contains(kind),
                    let event = CostEvents.event(
                        of: SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt))
                {
                    events.append(event)
                }
                switch kind {
                case .posLines: posSums.add(stored.row)
                case .posTenders:
                    let tender = POSTender(stored.row)
                    posSums.add(tender)
                    // The reconciliation reads the card tenders only; the drill-down of `entry`
                    // finds a tender's row by its place among all of them.
                    if keepsAll || tender.tender == .card { tenders.append(tender) }
                case .settlements:
                    let record = SettlementRecord(stored.row)
                    settlementSums.add(record)
                    records.append(record)
                default: break
                }
                if keepsAll { kept.append(stored) }
            }
            rowsOfKind[kind] = kept
        }
        posSums.settleTickets()
        let overrides = try store.rows(of: .overrides, knownAt: knownAt)
        rowsOfKind[.overrides] = overrides
        // An override learnt after the latest close changes a closed period's journal through its
        // write-offs: a WRITE_OFF dated in it, or a MATCH regrouping what a write-off cleared. The
        // adjustment's memo names it among the late rows.
        if let latestClose, let closedUntil {
            let writeOffPeriods = Set(
                overrides.compactMap { stored -> Period? in
                    let decision = Override(stored.row)
                    guard decision.action == .writeOff else { return nil }
                    let day = decision.effectiveOn ?? stored.recordedAt.civilDate(offsetSeconds: offset(stored.recordedAt))
                    return day < closedUntil ? Period(containing: day) : nil
                })
            for stored in overrides where stored.recordedAt > latestClose {
                let decision = Override(stored.row)
                let source = "\(stored.fileName):\(stored.sourceRow)"
                switch decision.action {
                case .writeOff:
                    let day = decision.effectiveOn ?? stored.recordedAt.civilDate(offsetSeconds: offset(stored.recordedAt))
                    if day < closedUntil { lateRows[Period(containing: day), default: []].append(source) }
                case .match:
                    for period in writeOffPeriods.sorted() { lateRows[period, default: []].append(source) }
                case .ignore:
                    break
                }
            }
        }
        firstBusinessDate = firstDate
        self.lateRows = lateRows
        items = try store.rows(of: .items, knownAt: knownAt)
        phases.mark("load rows")
        if useCache {
            costs = .cached(store)
        } else {
            let runs = try Costs.runs(events: events, items: items.map(\.row))
            phases.mark("cost runs")
            costs = .computed(runs)
        }
        // The postings are summed for the journal as they are read, and kept as the rows are.
        var stockSums = StockPostingSums(offset: offset)
        var postings: [StockPosting] = []
        try costs.forEachPosting { posting in
            stockSums.add(posting)
            if keepsAll { postings.append(posting) }
        }
        self.postings = postings
        self.skusMovedOn = skusMovedOn
        self.movementsOn = movementsOn
        phases.mark(useCache ? "cost cache" : "stock postings")
        reconciliation = Reconciliation(
            ReconciliationInput(
                tenders: tenders, records: records,
                overrides: overrides.map { RecordedOverride(Override($0.row), recordedAt: $0.recordedAt) },
                settings: context.configuration.reconciliation, offset: offset))
        writeOffs = try reconciliation.writeOffClearings(throughDay: reconciliation.lastWriteOffDay ?? CivilDate(daysSinceEpoch: 0))
        phases.mark("reconciliation")
        computed = try JournalRules.entries(
            JournalInput(
                posSums: posSums, settlementSums: settlementSums, stockSums: stockSums,
                chart: context.configuration.chart, offset: offset, writeOffs: writeOffs))
        phases.mark("journal")
        entries = try Books.assemble(closed: closed, computed: computed, lateRows: lateRows)
        self.rowsOfKind = rowsOfKind
        let files = try store.files().filter { $0.recordedAt <= knownAt }
        self.files = files
        inputsDigest = sha256Hex(files.map(\.sha256).sorted().joined(separator: "\n"))
    }

    /// The SKUs with a stock movement dated in `span` (which `detail` must cover).
    public func skusMoved(in span: ReportSpan) -> Set<OpaqueID> { movements(in: span).skus }

    /// The same, with how many stock rows of the span moved them.
    public func movements(in span: ReportSpan) -> (skus: Set<OpaqueID>, movements: Int) {
        precondition(detail.knowsMovements(in: span), "the books do not know the movements of \(span)")
        var skus = Set<OpaqueID>()
        var movements = 0
        var day = span.firstDay
        while day <= span.lastDay {
            skus.formUnion(skusMovedOn[day] ?? [])
            movements += movementsOn[day] ?? 0
            day = day.adding(days: 1)
        }
        return (skus, movements)
    }

    /// Stock positions at an instant as known at `knownAt`.
    public func positions(through instant: Instant) throws -> [StockPosition] { try costs.positions(through: instant) }

    /// The closed period whose span is exactly `span`, if any.
    public func closedPeriod(exactly span: ReportSpan) -> ClosedPeriod? { closed.first { $0.span == span } }

    /// The closed period the span's last day falls in, if any.
    public func closedPeriod(containing day: CivilDate) -> ClosedPeriod? {
        closed.first { $0.span.firstDay <= day && day <= $0.span.lastDay }
    }
}
