// The cost cache on both stores: an incremental refresh after late rows gives the same results as
// a rebuild from nothing; shuffled ingest order gives the same costs; verify finds a tampered
// cache and a tampered ledger row.
import CountinghouseCore
import CountinghouseIngest
import CountinghouseSample
import CountinghouseStore
import Foundation
import Testing

@Suite struct CostCacheTests {
    /// The generated chain (fixed seed) as validated ledger rows, one entry per delivered file, in
    /// delivery order. It has late receipts, customer returns, transfers received short, a count.
    static let deliveries: [(name: String, kind: LedgerKind, rows: [LedgerRow])] = {
        let parameters = SampleChain.Parameters(seed: 7, storeCount: 2, skuCount: 12, dayCount: 30, linesPerDay: 25)
        let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
        return SampleChain.generate(parameters).map { file in
            switch ingestor.validate(bytes: file.bytes, displayName: file.relativePath, kind: nil) {
            case .success(let (valid, rows)): return (file.relativePath, valid.kind, rows)
            case .failure(let failure): preconditionFailure("generated file does not validate: \(failure)")
            }
        }
    }()

    static func append(_ store: any LedgerStore, _ delivery: (name: String, kind: LedgerKind, rows: [LedgerRow]), at index: Int) throws {
        let info = IngestFileInfo(
            name: delivery.name, sha256: "sha-\(delivery.name)", kind: delivery.kind, byteCount: 1,
            recordedAt: Instant(nanosecondsSinceEpoch: Int64(index + 1) * Instant.nanosecondsPerSecond))
        let outcome = try store.append(info) { emit in for row in delivery.rows { try emit(row) } }
        guard case .appended = outcome else {
            Issue.record("\(delivery.name) did not land: \(outcome)")
            return
        }
    }

    /// Cost lines by SKU (byte order), then sequence.
    static func byOutflow(_ lines: [CogsLine]) -> [CogsLine] {
        lines.sorted { a, b in
            a.sku.utf8.elementsEqual(b.sku.utf8) ? a.sequence < b.sequence : a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8)
        }
    }

    static func sorted(_ contents: CostCacheContents) -> CostCacheContents {
        CostCacheContents(
            lines: contents.lines.sorted { ($0.sku, $0.sequence) < ($1.sku, $1.sequence) },
            deltas: contents.deltas.sorted { ($0.sku, $0.sequence, $0.location) < ($1.sku, $1.sequence, $1.location) },
            postings: contents.postings.sorted { ($0.sku, $0.sequence) < ($1.sku, $1.sequence) })
    }

    /// Checkpoints this close together, so the small generated chain has several per SKU.
    static let spacing = 8

    @Test(arguments: StoreFlavor.all)
    func incrementalRefreshesEqualARebuildFromNothing(flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            var repriced: [Int] = []
            var fromCheckpoint = 0
            for (index, delivery) in Self.deliveries.enumerated() {
                try Self.append(store, delivery, at: index)
                // Every few files, as the nightly job would: only SKUs with new rows are repriced.
                if index % 5 == 4 {
                    let refresh = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
                    repriced.append(refresh.skusRepriced)
                    fromCheckpoint += refresh.skusFromCheckpoint
                }
            }
            _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            // The nightly pattern (yesterday's rows for most SKUs) replays from checkpoints.
            #expect(fromCheckpoint > 10, "refreshes should replay SKUs from checkpoints: \(fromCheckpoint)")
            let incremental = Self.sorted(try store.cachedContents())
            let skuCount = Set(incremental.deltas.map(\.sku)).count
            #expect(skuCount > 5)
            #expect(repriced.contains { $0 > 0 && $0 < skuCount }, "a refresh should reprice only SKUs with new rows: \(repriced)")
            #expect(!incremental.lines.isEmpty && !incremental.deltas.isEmpty)

            // A backdated purchase of one SKU: only that SKU is repriced.
            let sku = try #require(incremental.lines.first?.sku)
            let late = LedgerRow(kind: .purchases, values: [
                .text("LATE-1"), .integer(1), .integer(incremental.lines[0].occurredAt.nanosecondsSinceEpoch - 1),
                .text(incremental.lines[0].location), .text(sku), .text("RECEIVE"), .integer(3), .integer(111), .null,
                .text("USD"), .null, .null,
            ], sourceRow: 2)
            try Self.append(store, ("late.csv", .purchases, [late]), at: 10_000)
            let refresh = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            #expect(refresh.skusRepriced == 1 && !refresh.rebuiltFromNothing)
            let afterLate = Self.sorted(try store.cachedContents())
            #expect(afterLate != incremental)

            // A backdated receipt in the middle of another SKU's history replays it from the last
            // checkpoint before the receipt: fewer events than the SKU has.
            let other = try #require(afterLate.lines.first { $0.sku != sku }?.sku)
            let otherLines = afterLate.lines.filter { $0.sku == other }
            let middle = otherLines[otherLines.count / 2]
            let eventCount = Set(afterLate.deltas.filter { $0.sku == other }.map(\.sequence)).count
            let backdated = LedgerRow(kind: .purchases, values: [
                .text("LATE-2"), .integer(1), .integer(middle.occurredAt.nanosecondsSinceEpoch), .text(middle.location),
                .text(other), .text("RECEIVE"), .integer(2), .integer(250), .null, .text("USD"), .null, .null,
            ], sourceRow: 2)
            try Self.append(store, ("late2.csv", .purchases, [backdated]), at: 10_001)
            let replay = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            #expect(replay.skusRepriced == 1 && replay.skusFromCheckpoint == 1)
            #expect(replay.eventsReplayed > 0 && replay.eventsReplayed < eventCount, "\(replay.eventsReplayed) of \(eventCount)")
            let afterBackdate = Self.sorted(try store.cachedContents())
            #expect(afterBackdate != afterLate)

            let rebuild = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
            #expect(rebuild.rebuiltFromNothing && rebuild.skusRepriced == skuCount && rebuild.skusFromCheckpoint == 0)
            #expect(Self.sorted(try store.cachedContents()) == afterBackdate)
            #expect(try LedgerVerifier.verify(store).passed)
        }
    }

    /// A refresh shared by parts (`run --workers N`): the parts, then the end, give the cache a
    /// whole refresh gives, from nothing and incrementally; a whole refresh coming between the parts
    /// makes the later parts and the end do nothing, and the cache is still right.
    @Test(arguments: StoreFlavor.all)
    func aRefreshSharedByPartsGivesTheWholeRefreshsCache(flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let half = Self.deliveries.count / 2
            for (index, delivery) in Self.deliveries.prefix(half).enumerated() { try Self.append(store, delivery, at: index) }
            do {
                let parts = 3
                let plan = try #require(try store.costCacheRefreshPlan(rebuild: false))
                #expect(plan.since == nil && plan.cachedThrough == nil)
                var repriced = 0
                for part in 0..<parts {
                    repriced += try store.refreshCostCachePart(plan, part: part, of: parts, checkpointSpacing: Self.spacing).skusRepriced
                }
                // Until the end, the cache says it includes nothing new.
                #expect(try store.costCacheThroughFileID() == nil)
                try store.finishCostCacheRefresh(plan)
                #expect(try store.costCacheThroughFileID() == plan.lastFile)
                #expect(try store.costCacheRefreshPlan(rebuild: false) == nil)
                let shared = Self.sorted(try store.cachedContents())
                _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
                #expect(Self.sorted(try store.cachedContents()) == shared)
                #expect(repriced == (try store.costSKUs().count))
            }
            // Incrementally, from checkpoints; a whole refresh between the first part and the rest.
            for (index, delivery) in Self.deliveries.dropFirst(half).enumerated() { try Self.append(store, delivery, at: half + index) }
            let plan = try #require(try store.costCacheRefreshPlan(rebuild: false))
            #expect(plan.since != nil)
            _ = try store.refreshCostCachePart(plan, part: 0, of: 2, checkpointSpacing: Self.spacing)
            _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            #expect(try store.refreshCostCachePart(plan, part: 1, of: 2, checkpointSpacing: Self.spacing).skusRepriced == 0)
            try store.finishCostCacheRefresh(plan)
            let incremental = Self.sorted(try store.cachedContents())
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
            #expect(Self.sorted(try store.cachedContents()) == incremental)
            #expect(try LedgerVerifier.verify(store).passed)
        }
    }

    /// Identifiers are data, whatever they hold: SKUs and document ids with `$1`, quotes and a
    /// comment marker in them (the SQLite store turns `$1` placeholders into `?1`, and must not do it
    /// inside a literal) give the same incremental refreshes and rebuild as plain ones.
    @Test(arguments: StoreFlavor.all)
    func identifiersThatLookLikeSQLAreData(flavor: StoreFlavor) throws {
        let identifierColumns: Set<String> = [
            "sku", "order_id", "document_id", "transfer_id", "count_id", "original_order_id", "original_document_id",
        ]
        func odd(_ text: String) -> String { "P$1'$$2-- /*" + text + "*/$3" }
        let deliveries = Self.deliveries.map { delivery in
            let columns = delivery.kind.schema.columns
            let rows = delivery.rows.map { row in
                var values = row.values
                for (index, column) in columns.enumerated() where identifierColumns.contains(column.name) {
                    if case .text(let text) = values[index], !text.isEmpty { values[index] = .text(odd(text)) }
                }
                return LedgerRow(kind: row.kind, values: values, sourceRow: row.sourceRow)
            }
            return (name: delivery.name, kind: delivery.kind, rows: rows)
        }
        func costs(_ deliveries: [(name: String, kind: LedgerKind, rows: [LedgerRow])]) throws -> CostCacheContents {
            var contents: CostCacheContents?
            try withStore(flavor) { store, _ in
                for (index, delivery) in deliveries.enumerated() {
                    try Self.append(store, delivery, at: index)
                    if index % 5 == 4 { _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing) }
                }
                _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
                let incremental = Self.sorted(try store.cachedContents())
                _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
                #expect(Self.sorted(try store.cachedContents()) == incremental)
                #expect(try LedgerVerifier.verify(store).passed)
                contents = incremental
            }
            return try #require(contents)
        }
        let plain = try costs(Self.deliveries)
        let oddContents = try costs(deliveries)
        #expect(oddContents.lines.allSatisfy { $0.sku.hasPrefix("P$1'") })
        #expect(oddContents.lines.map(\.cost) == plain.lines.map(\.cost))
        #expect(oddContents.deltas.map(\.value) == plain.deltas.map(\.value))
    }

    /// Returns naming only their order (Square refunds), with the sale learnt after the return and
    /// then another return of the same order: each refresh equals a rebuild from nothing.
    @Test(arguments: StoreFlavor.all)
    func returnsNamingOnlyTheirOrderRefreshLikeARebuild(flavor: StoreFlavor) throws {
        let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
        func delivery(_ name: String, _ csv: String) throws -> (name: String, kind: LedgerKind, rows: [LedgerRow]) {
            switch ingestor.validate(bytes: Array(csv.utf8), displayName: name, kind: nil) {
            case .success(let (valid, rows)): return (name, valid.kind, rows)
            case .failure(let failure):
                Issue.record("\(name) does not validate: \(failure)")
                throw ProducerFailure()
            }
        }
        let lines = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,original_order_id,original_line_no\n"
        // GR1: 2 units for 2.00 (Oct 1); GR2: 1 for 3.00 (Oct 2). R1 (Oct 2, 15:00) returns 1 naming
        // only O1, which is learnt a delivery later (sold 2 on Oct 4); O2 sells 1 on Oct 3.
        let deliveries = [
            try delivery("purchases.csv", "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost\n"
                + "GR1,1,2026-10-01T08:00:00Z,S01,SKU1,RECEIVE,2,1.00\nGR2,1,2026-10-02T08:00:00Z,S01,SKU1,RECEIVE,1,3.00\n"),
            try delivery("day1.csv", lines
                + "R1,1,2026-10-02T15:00:00Z,S01,SKU1,RETURN,1,5.00,O1,\nO2,1,2026-10-03T12:00:00Z,S01,SKU1,SALE,1,5.00,,\n"),
            try delivery("day2.csv", lines
                + "O1,1,2026-10-04T10:00:00Z,S01,SKU1,SALE,2,5.00,,\nO3,1,2026-10-05T12:00:00Z,S01,SKU1,SALE,1,5.00,,\n"),
            try delivery("day3.csv", lines + "R3,1,2026-10-06T12:00:00Z,S01,SKU1,RETURN,1,5.00,O1,\n"),
        ]
        try withStore(flavor) { store, _ in
            func returnValues() throws -> [String: Int64] {
                var values: [String: Int64] = [:]
                for posting in try store.cachedContents().postings where posting.kind == .customerReturn {
                    values[posting.documentID] = posting.value
                }
                return values
            }
            func costs() throws -> [String: Int64] {
                Dictionary(try store.cachedContents().lines.map { ($0.documentID, $0.cost + $0.provisionalCost) }, uniquingKeysWith: +)
            }
            var refreshes: [CostCacheRefresh] = []
            for (index, delivery) in deliveries.enumerated() {
                try Self.append(store, delivery, at: index)
                if index == 0 { continue }
                refreshes.append(try store.refreshCostCache(rebuild: false, checkpointSpacing: 1))
                // Each refresh equals a rebuild from nothing, checkpoints and links included.
                #expect(try LedgerVerifier.verify(store).passed, "after \(delivery.name)")
                // Known after day 1: O1 is unknown, R1 unusable at the latest purchase (GR2): 3.00.
                if index == 1 { #expect(try returnValues() == ["R1": 300]) }
            }
            // After day 2: R1 resolves to O1:1 (it comes before its sale, and cancels nothing); O1
            // takes GR1's last unit and GR2, 4.00, and R1 = round(4.00 × 1 / 2) = 2.00. The cached
            // checkpoint of Oct 3 has R1 before it with no line: the SKU is replayed whole.
            #expect(refreshes[1].skusRepriced == 1 && refreshes[1].skusFromCheckpoint == 0)
            // After day 3: R3 (only O1) replays from Oct 5, with O1:1 before the checkpoint and R1's
            // unit counted against it: C(2) − C(1) = 4.00 − 2.00 = 2.00.
            #expect(refreshes[2].skusRepriced == 1 && refreshes[2].skusFromCheckpoint == 1)
            #expect(try returnValues() == ["R1": 200, "R3": 200])
            #expect(try costs() == ["O1": 400, "O2": 100, "O3": 200])
            let incremental = Self.sorted(try store.cachedContents())
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: 1)
            #expect(Self.sorted(try store.cachedContents()) == incremental)
            #expect(try LedgerVerifier.verify(store).passed)
        }
    }

    // Every position at once and each SKU's own (grouped by the database through the positions
    // index) equal the cached deltas summed here, at every time, in byte order ("E-1" before
    // "É-1"); the pending outflows before each time equal the cached lines' filtered here.
    @Test(arguments: StoreFlavor.all)
    func allPositionsAtOnceEqualEachSKUsOwn(flavor: StoreFlavor) throws {
        let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
        let csv = "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost\n"
            + "GR1,1,2026-10-01T08:00:00Z,S01,\u{C9}-1,RECEIVE,2,1.00\nGR1,2,2026-10-01T08:00:00Z,S01,E-1,RECEIVE,3,2.00\n"
            + "GR2,1,2026-10-02T08:00:00Z,S02,\u{C9}-1,RECEIVE,5,1.50\nGR2,2,2026-10-03T08:00:00Z,S01,\u{C9}-1,RETURN,1,1.00\n"
        guard case .success(let (valid, rows)) = ingestor.validate(bytes: Array(csv.utf8), displayName: "purchases.csv", kind: nil) else {
            Issue.record("purchases.csv does not validate")
            return
        }
        // A sale with no stock at its location yet: pending until a receipt there (none comes).
        let sale = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,discount,tax,currency,original_order_id,original_line_no\n"
            + "P1,1,2026-10-02T09:00:00Z,S09,\u{C9}-1,SALE,2,5.00,0.00,0.00,USD,,\n"
        guard case .success(let (saleFile, saleRows)) = ingestor.validate(bytes: Array(sale.utf8), displayName: "pos_lines.csv", kind: nil)
        else {
            Issue.record("pos_lines.csv does not validate")
            return
        }
        try withStore(flavor) { store, _ in
            try Self.append(store, ("purchases.csv", valid.kind, rows), at: 0)
            try Self.append(store, ("pending-pos_lines.csv", saleFile.kind, saleRows), at: 0)
            for delivery in Self.deliveries.prefix(8) { try Self.append(store, delivery, at: 1) }
            _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            let contents = try store.cachedContents()
            let skus = Set(contents.deltas.map(\.sku)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for day in [1, 2, 3, 10, 40] {
                let through = Instant(date: CivilDate(year: 2026, month: 10, day: 1)!.adding(days: Int64(day - 1)))
                let all = try store.cachedPositions(through: through, sku: nil)
                let each = try skus.flatMap { try store.cachedPositions(through: through, sku: $0) }
                let summed = try CostDelta.positions(contents.deltas.filter { $0.occurredAt <= through })
                #expect(all == summed, "through day \(day)")
                #expect(each == summed, "through day \(day)")
                let pending = contents.lines.filter { $0.pendingQuantity > 0 && $0.occurredAt < through }
                #expect(Self.byOutflow(try store.cachedPendingCogs(before: through)) == Self.byOutflow(pending), "before day \(day)")
            }
            #expect(contents.lines.contains { $0.pendingQuantity > 0 })
            let positions = try store.cachedPositions(through: Instant(nanosecondsSinceEpoch: .max), sku: nil)
            let accented = positions.filter { $0.sku.hasSuffix("-1") }.map { "\(Array($0.sku.utf8))@\($0.location) \($0.quantityOnHand)" }
            #expect(accented == ["[69, 45, 49]@S01 3", "[195, 137, 45, 49]@S01 1", "[195, 137, 45, 49]@S02 5", "[195, 137, 45, 49]@S09 -2"])
        }
    }

    @Test(arguments: StoreFlavor.all)
    func shuffledIngestOrderGivesIdenticalCosts(flavor: StoreFlavor) throws {
        // Items stay first: a later catalogue row supersedes an earlier one by knowledge time, so the
        // order of catalogue versions is part of what is known. Every other file comes in a
        // shuffled order (fixed seed), each at its own later recorded_at.
        var generator = SplitMix64(seed: 42)
        let catalogue = Self.deliveries.filter { $0.kind == .items }
        let others = Self.deliveries.filter { $0.kind != .items }.shuffled(using: &generator)
        var sortedContents: CostCacheContents?
        try withStore(flavor) { store, _ in
            for (index, delivery) in Self.deliveries.enumerated() { try Self.append(store, delivery, at: index) }
            _ = try store.refreshCostCache(rebuild: false)
            sortedContents = Self.sorted(try store.cachedContents())
        }
        try withStore(flavor) { store, _ in
            var fromCheckpoint = 0
            for (index, delivery) in (catalogue + others).enumerated() {
                try Self.append(store, delivery, at: index)
                if index % 7 == 0 {
                    fromCheckpoint += try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing).skusFromCheckpoint
                }
            }
            _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: Self.spacing)
            #expect(fromCheckpoint > 0)
            #expect(Self.sorted(try store.cachedContents()) == sortedContents)
        }
    }

    /// verify rebuilds a chunk of SKUs at a time: a SKU at a time, it lists the same findings, in
    /// the same order, as all SKUs at once.
    @Test(arguments: StoreFlavor.all)
    func verifyListsTheSameFindingsWhateverItsChunks(flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            for (index, delivery) in Self.deliveries.enumerated() { try Self.append(store, delivery, at: index) }
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
            try execute(store, "UPDATE cost_cache_outflows SET cost = cost + 1")
            try execute(store, "UPDATE cost_cache_deltas SET value = value - 1 WHERE sequence % 3 = 0")
            try execute(store, "DELETE FROM cost_cache_postings WHERE sequence % 4 = 1")
            try execute(store, "UPDATE cost_cache_checkpoint_entries SET value = value + 1 WHERE role = 'LAYER'")
            try execute(store, "DELETE FROM cost_cache_links WHERE sequence % 2 = 0")
            let whole = try LedgerVerifier.verify(store, skusPerChunk: 100_000)
            let skusWithFindings = Set(Self.deliveries.flatMap { $0.rows.compactMap { $0["sku"].textValue } }).filter { sku in
                whole.findings.contains { $0.message.contains(" of \(sku)") }
            }
            #expect(skusWithFindings.count > 1)
            #expect(whole.findings.contains { $0.check == "cost checkpoints = rebuild" })
            for chunk in [1, 2] {
                let chunked = try LedgerVerifier.verify(store, skusPerChunk: chunk)
                #expect(chunked.findings == whole.findings, "chunks of \(chunk)")
                #expect(chunked.checks.map(\.failures) == whole.checks.map(\.failures))
                #expect(chunked.valueConservation == whole.valueConservation)
            }
        }
    }

    @Test(arguments: StoreFlavor.all)
    func verifyFindsATamperedCacheAndATamperedLedgerRow(flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            for (index, delivery) in Self.deliveries.prefix(12).enumerated() { try Self.append(store, delivery, at: index) }
            #expect(try LedgerVerifier.verify(store).passed)

            try execute(store, "UPDATE cost_cache_outflows SET cost = cost + 1 WHERE sequence = (SELECT min(sequence) FROM cost_cache_outflows)")
            let cacheReport = try LedgerVerifier.verify(store)
            #expect(!cacheReport.passed)
            #expect(cacheReport.findings.allSatisfy { $0.check == "cost cache = rebuild" })
            #expect(cacheReport.findings.first?.message.contains("cached cost") == true)
            _ = try store.refreshCostCache(rebuild: true)
            #expect(try LedgerVerifier.verify(store).passed)

            // A checkpoint a later refresh would replay from, altered.
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
            #expect(try LedgerVerifier.verify(store).passed)
            try execute(
                store,
                "UPDATE cost_cache_checkpoint_entries SET value = value + 1 WHERE role = 'LAYER' AND sku = "
                    + "(SELECT min(sku) FROM cost_cache_checkpoint_entries WHERE role = 'LAYER')")
            let checkpointReport = try LedgerVerifier.verify(store)
            #expect(!checkpointReport.passed)
            #expect(checkpointReport.findings.allSatisfy { $0.check == "cost checkpoints = rebuild" })
            #expect(checkpointReport.findings.first?.message.contains("cached event") == true)
            try execute(store, "DELETE FROM cost_cache_links WHERE sequence = (SELECT min(sequence) FROM cost_cache_links)")
            #expect(try LedgerVerifier.verify(store).findings.contains { $0.message.contains("cached nothing") })
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: Self.spacing)
            #expect(try LedgerVerifier.verify(store).passed)

            // Behind the program's back: the owner disables the protection and changes a quantity.
            switch flavor {
            case .sqlite:
                try execute(store, "DROP TRIGGER ledger_pos_lines_no_update")
            case .postgres:
                try execute(store, "ALTER TABLE ledger_pos_lines DISABLE TRIGGER ALL")
            }
            try execute(store, "UPDATE ledger_pos_lines SET quantity = quantity + 1 WHERE seq = (SELECT min(seq) FROM ledger_pos_lines)")
            let ledgerReport = try LedgerVerifier.verify(store)
            #expect(ledgerReport.findings.contains { $0.check == "ledger hash chains" && $0.message.contains("ledger_pos_lines") })
        }
    }
}

/// A rebuild's chunks: 32 SKUs while they average few rows, fewer as the history grows, so that a
/// chunk holds about `costEventsPerChunk` rows; never none.
@Suite struct CostChunkSizeTests {
    @Test func chunksShrinkWithTheRowsPerSKU() {
        #expect(skusPerCostChunk(skuCount: 400, stockRows: 1_160_000) == 32)
        #expect(skusPerCostChunk(skuCount: 400, stockRows: 3_900_000) == 10)
        #expect(skusPerCostChunk(skuCount: 2, stockRows: 10_000_000) == 1)
        #expect(skusPerCostChunk(skuCount: 0, stockRows: 5) == 32)
        #expect(skusPerCostChunk(skuCount: 5, stockRows: 0) == 32)
        for rows: Int64 in [1, 99_999, 3_200_000, 40_000_000] {
            let chunk = skusPerCostChunk(skuCount: 400, stockRows: rows)
            #expect(chunk >= 1 && chunk <= 32)
            // A chunk's expected rows stay within the aim, unless a single SKU already exceeds it.
            #expect(Int64(chunk) * rows / 400 <= costEventsPerChunk || chunk == 1)
        }
    }
}

