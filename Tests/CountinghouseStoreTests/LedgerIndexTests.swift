// The ledger tables' indexes on both stores: schema version 9 drops the recorded_at index version 1
// created on each ledger table (no read needs it: the rows known at T are a prefix of seq order,
// KnowledgePrefixTests), so a new ledger has none, and a ledger an earlier program left at version 8
// ends up with a new ledger's indexes, its rows, reads and `verify` unchanged. Version 10 adds the
// cost cache's positions and pending indexes, which its reads' plans use. Version 11 drops the
// occurred_at index version 1 created on each ledger table (no read goes through it: reads go in
// seq order or through (sku, occurred_at)), with the same guarantees as version 9.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("Ledger indexes")
struct LedgerIndexTests {
    /// Every ledger table's index names (the catalog's, sorted).
    static func ledgerIndexes(_ store: any LedgerStore) throws -> [String: [String]] {
        var names: [String: [String]] = [:]
        for kind in LedgerKind.allCases { names[kind.schema.tableName] = try indexNames(store, kind.schema.tableName) }
        return names
    }

    @Test(arguments: StoreFlavor.all)
    func aNewLedgerHasNoRecordedAtOrOccurredAtIndexOnItsLedgerTables(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try store.migrate()
            for (table, names) in try Self.ledgerIndexes(store) {
                #expect(names.contains("\(table)_natural_key"), "\(table): \(names)")
                #expect(!names.contains { $0.hasSuffix("_recorded_at") }, "\(table): \(names)")
                #expect(!names.contains("\(table)_occurred_at"), "\(table): \(names)")
            }
            // The cost refresh's and trail's index stays.
            #expect(try indexNames(store, "ledger_pos_lines").contains("ledger_pos_lines_sku_occurred_at"))
            // `files` keeps its own: the latest ingest and a period's files are read through it.
            #expect(try indexNames(store, "files").contains("files_recorded_at"))
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aVersion8LedgerMigratesTo9WithItsRowsAndVerifyUnchanged(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try LedgerIntegrityTests.fill(store)
            let fresh = try Self.ledgerIndexes(store)
            func reads(_ store: any LedgerStore) throws -> [[StoredRow]] {
                try LedgerKind.allCases.flatMap { kind in
                    try [nil, instant(1), instant(2), instant(3)].map { try store.rows(of: kind, knownAt: $0) }
                }
            }
            let rows = try reads(store)
            let verified = try LedgerVerifier.verify(store)
            #expect(verified.passed, "\(verified.findings)")

            try LedgerIntegrityTests.revertSchema9(store)
            let sql = try #require(store as? SQLLedgerStore)
            #expect(try sql.schemaVersion() == 8)
            for kind in LedgerKind.allCases {
                let table = kind.schema.tableName
                let dropped = ["\(table)_recorded_at"] + (kind.schema.occurredAt == nil ? [] : ["\(table)_occurred_at"])
                #expect(try indexNames(store, table) == (fresh[table]! + dropped).sorted(), "\(table)")
            }
            #expect(try reads(store) == rows)

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [9, 10, 11])
            #expect(try Self.ledgerIndexes(reopened) == fresh)
            #expect(try reads(reopened) == rows)
            let report = try LedgerVerifier.verify(reopened)
            #expect(report.passed, "\(report.findings)")
            #expect(report.findings == verified.findings)
            #expect(report.checks.map(\.name) == verified.checks.map(\.name))
            #expect(try openLedgerStore(locator: locator, mode: .existingOnly).migrate().appliedVersions == [])
        }
    }

    /// Schema version 11: a ledger an earlier program left at version 10, with the occurred_at
    /// indexes, loses them; its rows, its reads (as known at each instant, and the cost cache's
    /// positions and pending outflows, which the refresh computes through the ledger) and `verify`
    /// are unchanged.
    @Test(arguments: StoreFlavor.all)
    func aVersion10LedgerMigratesTo11WithoutItsOccurredAtIndexesAndItsFiguresUnchanged(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try LedgerIntegrityTests.fill(store)
            let fresh = try Self.ledgerIndexes(store)
            try LedgerIntegrityTests.revertSchema11(store)
            let sql = try #require(store as? SQLLedgerStore)
            #expect(try sql.schemaVersion() == 10)
            let timed = LedgerKind.allCases.filter { $0.schema.occurredAt != nil }
            #expect(timed.count >= 5)
            for kind in timed {
                #expect(try indexNames(store, kind.schema.tableName).contains("\(kind.schema.tableName)_occurred_at"))
            }
            let end = Instant(nanosecondsSinceEpoch: .max)
            func figures(_ store: any LedgerStore) throws -> ([[StoredRow]], [StockPosition], [CogsLine]) {
                _ = try store.refreshCostCache(rebuild: true)
                let rows = try LedgerKind.allCases.flatMap { kind in
                    try [nil, instant(1), instant(2), instant(3)].map { try store.rows(of: kind, knownAt: $0) }
                }
                return (rows, try store.cachedPositions(through: end, sku: nil), try store.cachedPendingCogs(before: end))
            }
            let (rows, positions, pending) = try figures(store)
            #expect(!positions.isEmpty && !pending.isEmpty)
            let verified = try LedgerVerifier.verify(store)
            #expect(verified.passed, "\(verified.findings)")

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [11])
            #expect(try Self.ledgerIndexes(reopened) == fresh)
            let (rowsAfter, positionsAfter, pendingAfter) = try figures(reopened)
            #expect(rowsAfter == rows && positionsAfter == positions && pendingAfter == pending)
            let report = try LedgerVerifier.verify(reopened)
            #expect(report.passed, "\(report.findings)")
            #expect(report.findings == verified.findings)
        }
    }

    /// Schema version 10: the cost cache's positions and pending indexes, on a new ledger and on a
    /// ledger an earlier program left at version 9, whose positions and pending outflows read the
    /// same with and without them.
    @Test(arguments: StoreFlavor.all)
    func aVersion9LedgerGetsTheCostCacheIndexesWithItsFiguresUnchanged(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try LedgerIntegrityTests.fill(store)
            _ = try store.refreshCostCache(rebuild: false)
            let end = Instant(nanosecondsSinceEpoch: .max)
            func figures(_ store: any LedgerStore) throws -> ([StockPosition], [CogsLine]) {
                (try store.cachedPositions(through: end, sku: nil), try store.cachedPendingCogs(before: end))
            }
            let (positions, pending) = try figures(store)
            #expect(!positions.isEmpty && !pending.isEmpty)
            #expect(try indexNames(store, "cost_cache_deltas").contains("cost_cache_deltas_positions"))
            #expect(try indexNames(store, "cost_cache_outflows").contains("cost_cache_outflows_pending"))

            try LedgerIntegrityTests.revertSchema10(store)
            let sql = try #require(store as? SQLLedgerStore)
            #expect(try sql.schemaVersion() == 9)
            #expect(try !indexNames(store, "cost_cache_deltas").contains("cost_cache_deltas_positions"))
            let (before, pendingBefore) = try figures(store)
            #expect(before == positions && pendingBefore == pending)

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [10, 11])
            #expect(try indexNames(reopened, "cost_cache_deltas").contains("cost_cache_deltas_positions"))
            #expect(try indexNames(reopened, "cost_cache_outflows").contains("cost_cache_outflows_pending"))
            let (after, pendingAfter) = try figures(reopened)
            #expect(after == positions && pendingAfter == pending)
        }
    }

    /// SQLite reads the positions at an instant through the covering index, in its groups, without
    /// a temp B-tree (its sorter held every delta in memory), and the pending outflows through the
    /// partial index: what each query's plan says.
    @Test func sqliteReadsPositionsAndPendingThroughTheirIndexes() throws {
        try withStore(.sqlite) { store, _ in
            let sqlite = try #require(store as? SQLiteStore)
            func plan(_ sql: String) throws -> [String] {
                let query = try sqlite.connection.prepare("EXPLAIN QUERY PLAN " + sql)
                var details: [String] = []
                while try query.step() { details.append(query.text(3)) }
                return details
            }
            for oneSKU in [false, true] {
                let details = try plan(CostCacheSQL.positionsQuery(oneSKU: oneSKU))
                #expect(details.contains { $0.contains("USING COVERING INDEX cost_cache_deltas_positions") }, "\(details)")
                #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
            }
            let pending = try plan(CostCacheSQL.pendingQuery)
            #expect(pending.contains { $0.contains("USING INDEX cost_cache_outflows_pending") }, "\(pending)")
        }
    }
}

/// The index names of a table, sorted (SQLite: sqlite_master; PostgreSQL: pg_indexes in the
/// store's schema).
func indexNames(_ store: any LedgerStore, _ table: String) throws -> [String] {
    if let sqlite = store as? SQLiteStore {
        let query = try sqlite.connection.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '\(table)' ORDER BY name")
        var names: [String] = []
        while try query.step() { names.append(query.text(0)) }
        return names
    }
    let postgres = try #require(store as? PostgresStore)
    let result = try postgres.connection.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '\(table)' "
            + "ORDER BY indexname")
    return (0..<result.rowCount).map { result.text($0, 0) }
}
