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

/// The results of one cost run over the ledger as known at a time.
struct CostResults {
    var runs: [SKUCostRun]
    var outflows: [OutflowCost] { runs.flatMap(\.outflowCosts) }
    var deltas: [CostDelta] { runs.flatMap(\.deltas) }

    func positions(through instant: Instant) -> [StockPosition] {
        CostDelta.positions(deltas.filter { $0.occurredAt <= instant })
    }
}

/// Runs the FIFO engine over every stock row recorded by `knownAt` (now when nil), optionally for
/// one SKU only.
func loadCosts(_ store: any LedgerStore, environment: CommandEnvironment, knownAt: Instant?, sku: String?) throws
    -> CostResults
{
    let knownAt = knownAt ?? environment.now
    var events: [CostEvent] = []
    for kind in stockKinds {
        for stored in try store.rows(of: kind, knownAt: knownAt) {
            if let sku, stored.row["sku"].textValue != sku { continue }
            let sourced = SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt)
            if let event = CostEvents.event(of: sourced) { events.append(event) }
        }
    }
    let items = try store.rows(of: .items, knownAt: knownAt).map(\.row)
    return CostResults(runs: CostRuns.run(events: events, standardCosts: CostRuns.standardCosts(items: items)))
}
