// The bulk paths of an append (SEMANTICS §1 must hold on each): SQLite's multi-row INSERTs, which
// fall back to one row at a time when a key in the batch is taken, and PostgreSQL's first load of an
// empty table (COPY straight into the ledger, secondary indexes dropped and rebuilt in the same
// transaction). Files here are longer than one SQLite batch so that batches, their fallback and the
// chain across them are exercised; both stores pass the same expectations.
import CountinghouseCore
import CountinghouseSample
import Testing

@testable import CountinghouseStore

@Suite("Bulk appends")
struct BulkAppendTests {
    /// `count` pos lines of order `order`, line numbers from 1, source rows from `firstRow`.
    static func lines(_ order: String, _ count: Int, firstRow: Int = 2) -> [LedgerRow] {
        (0..<count).map { posLine(order, Int64($0 + 1), row: firstRow + $0) }
    }

    /// Renumbers the source rows of a file's rows from 2 (the row after the header).
    static func numbered(_ rows: [LedgerRow]) -> [LedgerRow] {
        rows.enumerated().map { index, row in LedgerRow(kind: row.kind, values: row.values, sourceRow: index + 2) }
    }

    @Test(arguments: StoreFlavor.all)
    func theChainRunsOnAcrossBatchesAndTheirFallback(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let first = try #require(appended(try append(store, fileInfo("a.csv", at: 1), Self.lines("A", 150))))
            #expect(first.rowsAccepted == 150)
            // New rows with three duplicates in the middle: the batches holding them fall back.
            let old = Self.lines("A", 150)
            let second = Self.numbered(
                Self.lines("B", 70) + [old[4]] + Self.lines("C", 60) + [old[5], old[6]] + Self.lines("D", 70))
            let landed = try #require(appended(try append(store, fileInfo("b.csv", at: 2), second)))
            #expect(landed.rowsAccepted == 200 && landed.rowsDuplicate == 3)
            let stored = try store.rows(of: .posLines, knownAt: nil)
            #expect(stored.count == 350)
            let expectedNew = second.filter { $0["order_id"] != .text("A") }
            #expect(stored.dropFirst(150).map(\.row) == expectedNew)
            #expect(stored.dropFirst(150).allSatisfy { $0.fileName == "b.csv" })
            #expect(try store.verifyHashChains().isEmpty)
            // A third file after the fallback still chains on.
            try append(store, fileInfo("c.csv", at: 3), Self.lines("E", 65))
            #expect(try store.rows(of: .posLines, knownAt: nil).count == 415)
            #expect(try store.verifyHashChains().isEmpty)
            // The anchors of a first load, a file whose batches fell back and one after it.
            #expect(try store.verifyAnchors().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aConflictInsideABatchRejectsTheWholeFileShowingBothVersions(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(store, fileInfo("old.csv", at: 1), Self.lines("A", 100))
            let changed = posLine("A", 50, row: 0, price: 1300)
            let rows = Self.numbered(Self.lines("B", 90) + [changed] + Self.lines("C", 60))
            let errors = try #require(rejections(try append(store, fileInfo("new.csv", at: 2), rows)))
            #expect(errors.map(\.description) == [
                "new.csv:92: column unit_price: natural key (order_id=A, line_no=50) is already in the ledger "
                    + "with different content (ledger: file old.csv row 51): unit_price ledger 12.50 vs this file "
                    + "13.00; send a correction as a new document instead of rewriting a row"
            ])
            #expect(try store.files().map(\.name) == ["old.csv"])
            #expect(try store.rows(of: .posLines, knownAt: nil).count == 100)
            #expect(try store.verifyHashChains().isEmpty)
        }
    }

    /// Keys repeated inside one batch, across batches, and after a skipped duplicate, into an empty
    /// table (PostgreSQL's first-load path) and into a table that holds rows.
    @Test(arguments: StoreFlavor.all, [false, true])
    func keysRepeatedInOneFileAreFoundInAndAcrossBatches(_ flavor: StoreFlavor, tableHoldsRows: Bool) throws {
        try withStore(flavor) { store, _ in
            let old = Self.lines("A", 10)
            if tableHoldsRows { try append(store, fileInfo("old.csv", at: 1), old) }
            let fresh = Self.lines("B", 150)
            var rows = fresh
            rows.insert(fresh[10], at: 40)
            rows.insert(fresh[10], at: 140)
            rows.insert(old[3], at: 0)
            rows.insert(old[3], at: 100)
            let errors = try #require(
                rejections(try append(store, fileInfo("twice.csv", at: 2), Self.numbered(rows))))
            // Source rows: old[3] at 2 and 102, fresh[10] at 13 (index 11), 43 and 144.
            #expect(errors.map(\.row) == [43, 102, 144])
            #expect(errors.map(\.reason) == [
                "natural key (order_id=B, line_no=11) repeats row 13 of the same file",
                "natural key (order_id=A, line_no=4) repeats row 2 of the same file",
                "natural key (order_id=B, line_no=11) repeats row 13 of the same file",
            ])
            #expect(try store.files().count == (tableHoldsRows ? 1 : 0))
            #expect(try store.rows(of: .posLines, knownAt: nil).count == (tableHoldsRows ? 10 : 0))
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aFirstLoadKeepsTheTablesIndexesWhetherItLandsOrNot(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try store.migrate()
            let before = try indexNames(store, "ledger_pos_lines")
            #expect(before.contains("ledger_pos_lines_natural_key") && before.contains("ledger_pos_lines_sku_occurred_at"))
            // A producer that fails mid-file, then a file refused for a repeated key: both roll back.
            #expect(throws: ProducerFailure.self) {
                try store.append(fileInfo("broken.csv", at: 1)) { emit in
                    for row in Self.lines("A", 100) { try emit(row) }
                    throw ProducerFailure()
                }
            }
            #expect(try indexNames(store, "ledger_pos_lines") == before)
            let repeated = Self.numbered(Self.lines("A", 100) + [posLine("A", 7, row: 0)])
            #expect(rejections(try append(store, fileInfo("repeat.csv", at: 1), repeated)) != nil)
            #expect(try indexNames(store, "ledger_pos_lines") == before)
            #expect(try store.rows(of: .posLines, knownAt: nil).isEmpty)
            // A first load that lands rebuilds them, and the unique natural key still holds.
            try append(store, fileInfo("a.csv", at: 1), Self.lines("A", 100))
            #expect(try indexNames(store, "ledger_pos_lines") == before)
            #expect(throws: StoreError.self) {
                try execute(
                    store,
                    "INSERT INTO ledger_pos_lines SELECT seq + 1000, order_id, line_no, occurred_at, location, sku, "
                        + "type, quantity, unit_price, discount, tax, currency, original_order_id, original_line_no, "
                        + "fulfilled_at, natural_key, recorded_at, file_id, source_row, row_hash "
                        + "FROM ledger_pos_lines WHERE seq = 1")
            }
            #expect(try store.rows(of: .posLines, knownAt: nil).count == 100)
            #expect(try store.verifyHashChains().isEmpty)
        }
    }

    /// Files of new rows with rows already in the ledger (duplicates) at random places, so that a
    /// SQLite batch stops at every slot (its first and its last among them) and goes on row by row:
    /// each file lands with its counts, the ledger holds the new rows in the files' order, and the
    /// chains and anchors verify. Fixed seed.
    @Test(arguments: StoreFlavor.all)
    func duplicatesAnywhereInABatchLeaveTheRowsBeforeThemAndTheChain(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            var generator = SplitMix64(seed: 64)
            var stored = Self.lines("A", 200)
            try append(store, fileInfo("a.csv", at: 1), stored)
            // The slots a duplicate takes in the first files (0, 63 and 64 are a batch's edges), then
            // random ones.
            let edges: [[Int]] = [[0], [63], [64, 127], [1, 62, 65]]
            for file in 0..<12 {
                let fresh = Self.lines("F\(file)", 130 + Int(generator.next() % 100))
                var rows = fresh
                var duplicates = 0
                let places = file < edges.count
                    ? edges[file] : (0..<Int(generator.next() % 6)).map { _ in Int(generator.next() % UInt64(rows.count)) }
                var taken: Set<Int> = []  // (a row twice in one file would be a repeated key)
                for place in places.sorted() where place <= rows.count {
                    var earlier = Int(generator.next() % UInt64(stored.count))
                    while taken.contains(earlier) { earlier = (earlier + 1) % stored.count }
                    taken.insert(earlier)
                    rows.insert(stored[earlier], at: place)
                    duplicates += 1
                }
                let numbered = Self.numbered(rows)
                let landed = try #require(
                    appended(try append(store, fileInfo("f\(file).csv", at: Int64(file) + 2), numbered)), "file \(file)")
                #expect(landed.rowsAccepted == fresh.count && landed.rowsDuplicate == duplicates, "file \(file)")
                // The new rows as this file numbers them.
                stored += numbered.filter { $0["order_id"] == .text("F\(file)") }
            }
            #expect(try store.rows(of: .posLines, knownAt: nil).map(\.row) == stored)
            #expect(try store.verifyHashChains().isEmpty)
            #expect(try store.verifyAnchors().isEmpty)
        }
    }
}
