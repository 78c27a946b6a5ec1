import CountinghouseCore
import CountinghouseStore

/// Opens the configured ledger, turning store errors into messages that say what to fix.
func openLedgerStoreForCommand(_ environment: CommandEnvironment) throws -> any LedgerStore {
    do {
        return try environment.openStore()
    } catch let error as StoreError {
        throw CommandFailure(error.description)
    }
}

/// Costs as known at a time: read from the cost cache (brought up to date first) when that time
/// covers every ingested file, else computed by the engine from the rows recorded by then, without
/// touching the cache.
enum CostView {
    case cached(any LedgerStore)
    case computed([SKUCostRun])

    init(_ store: any LedgerStore, environment: CommandEnvironment, knownAt: Instant?, sku: String?) throws {
        let knownAt = knownAt ?? environment.now
        if let latest = try store.latestRecordedAt(), knownAt < latest {
            self = .computed(try computeCosts(store, knownAt: knownAt, sku: sku))
        } else {
            try refreshCostCache(store)
            self = .cached(store)
        }
    }

    func cogs(from: Instant, to: Instant) throws -> [CogsLine] {
        switch self {
        case .cached(let store): return try store.cachedCogs(from: from, to: to)
        case .computed(let runs): return runs.flatMap(\.cogsLines)
        }
    }

    func positions(through instant: Instant, sku: String?) throws -> [StockPosition] {
        switch self {
        case .cached(let store): return try store.cachedPositions(through: instant, sku: sku)
        case .computed(let runs):
            let selected = runs.filter { sku == nil || $0.sku == sku }
            return CostDelta.positions(selected.flatMap(\.deltas).filter { $0.occurredAt <= instant })
        }
    }
}

/// Runs the FIFO engine over every stock row recorded by `knownAt`, optionally for one SKU only.
/// One SKU's rows are read through the ledger's SKU index: files are recorded in id order (an
/// ingest never goes back in time), so the rows known at T are those of the files up to the last
/// one recorded by T.
func computeCosts(_ store: any LedgerStore, knownAt: Instant, sku: String?) throws -> [SKUCostRun] {
    if let sku {
        let throughFile = try store.files().filter { $0.recordedAt <= knownAt }.map(\.id).max() ?? 0
        return try store.costRuns(skus: [sku], throughFileID: throughFile)
    }
    var events: [CostEvent] = []
    for kind in stockKinds {
        for stored in try store.rows(of: kind, knownAt: knownAt) {
            if let sku, stored.row["sku"].textValue != sku { continue }
            let sourced = SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt)
            if let event = CostEvents.event(of: sourced) { events.append(event) }
        }
    }
    let items = try store.rows(of: .items, knownAt: knownAt).map(\.row)
    return CostRuns.run(events: events, standardCosts: CostRuns.standardCosts(items: items))
}
