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

/// The stock movements of every row recorded by `knownAt`, optionally of one SKU only.
func loadStockLedger(_ store: any LedgerStore, knownAt: Instant, sku: String?) throws -> StockLedger {
    var movements: [StockMovement] = []
    for kind in StockMovements.kinds {
        for stored in try store.rows(of: kind, knownAt: knownAt) {
            if let sku, stored.row["sku"].textValue != sku { continue }
            let sourced = SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt)
            movements.append(contentsOf: StockMovements.movements(of: sourced))
        }
    }
    return StockLedger(movements: movements)
}
