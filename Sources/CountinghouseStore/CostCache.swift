// The cost cache: the FIFO engine's results over everything known, stored so that every command
// reads them instead of recomputing the ledger (SEMANTICS §3.6).
//
// Place in the pipeline: `refreshCostCache` runs before any command that needs costs as known now.
// It reprices only the SKUs with rows in files ingested since the cache was last brought up to
// date (SKUs never affect each other), each replayed from its last checkpoint at or before the
// earliest occurred_at of its new rows (the plan is CostReplayPlan.swift's pure functions; the
// checkpoints are CostCheckpoints.swift), and replaces their rows from that checkpoint on in one
// transaction. A refresh is a writer (SQLite's one writer lock; PostgreSQL's lock on
// `cost_cache_state`), but it first reads the cache state without a lock: an up-to-date cache costs
// a read, never a wait; otherwise it waits for another writer up to the busy timeout, or not at all
// (`LockWait.noWait`: `StoreError.busy` at once, and the caller computes from the ledger rows).
// The cache is a cache: not a ledger table, not append-only, droppable and rebuilt from nothing
// with identical results (`verify` checks).
// Tables: `cost_cache_state` (the last file included, the engine's version), `cost_cache_outflows`
// (one row per outflow: cogs.csv's columns), `cost_cache_deltas` (per event and location: units,
// value and pending units, so a valuation at any instant is one SUM … GROUP BY),
// `cost_cache_postings` (what the journal posts per event) and the checkpoint tables.
import CountinghouseCore

/// What a refresh did.
public struct CostCacheRefresh: Sendable, Hashable {
    public var skusRepriced: Int
    /// Of those, the SKUs replayed from a checkpoint (the others from their first event).
    public var skusFromCheckpoint: Int
    public var eventsReplayed: Int
    /// The last file the cache now includes.
    public var throughFileID: Int64
    public var rebuiltFromNothing: Bool

    public init(skusRepriced: Int, skusFromCheckpoint: Int, eventsReplayed: Int, throughFileID: Int64, rebuiltFromNothing: Bool) {
        self.skusRepriced = skusRepriced
        self.skusFromCheckpoint = skusFromCheckpoint
        self.eventsReplayed = eventsReplayed
        self.throughFileID = throughFileID
        self.rebuiltFromNothing = rebuiltFromNothing
    }
}

/// A refresh of the cost cache shared by several workers: where the cache stood when it was planned
/// and what it is to include.
public struct CostCacheRefreshPlan: Sendable, Hashable {
    /// The last file the cache included when planned (nil: no cache, or another engine's).
    public var cachedThrough: Int64?
    /// Reprice the SKUs with rows after this file (nil: every SKU, from nothing).
    public var since: Int64?
    /// The last file the cache is to include.
    public var lastFile: Int64

    public init(cachedThrough: Int64?, since: Int64?, lastFile: Int64) {
        self.cachedThrough = cachedThrough
        self.since = since
        self.lastFile = lastFile
    }

    /// The part a SKU belongs to: FNV-1a of its bytes, modulo the parts (the same in every process).
    public static func part(of sku: String, parts: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sku.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int(hash % UInt64(parts))
    }
}

/// SKUs costed at a time by the cache's refresh, verify's rebuild and the workbook's stock trail
/// (each SKU's costs depend on its own rows only): a few, so that a chain of a few hundred SKUs
/// holds a few percent of its rows at once, and the queries per chunk stay few beside its rows.
public let skusPerCostChunk = 32

/// The stock rows a chunk of a rebuild aims at: a long history (many rows per SKU) makes the
/// chunks smaller than `skusPerCostChunk`, so that a chunk's events and rows, not the history,
/// set the memory (on the generated year, 32 SKUs hold about this many).
public let costEventsPerChunk: Int64 = 100_000

/// SKUs per chunk when rebuilding `skuCount` SKUs of a ledger of `stockRows` stock rows:
/// `skusPerCostChunk`, or fewer when they average more than `costEventsPerChunk /
/// skusPerCostChunk` rows each; at least one.
public func skusPerCostChunk(skuCount: Int, stockRows: Int64) -> Int {
    guard skuCount > 0, stockRows > 0 else { return skusPerCostChunk }
    return Int(max(1, min(Int64(skusPerCostChunk), costEventsPerChunk * Int64(skuCount) / stockRows)))
}

/// The cache's contents, for verify's comparison with a rebuild.
public struct CostCacheContents: Sendable, Hashable {
    public var lines: [CogsLine]
    public var deltas: [CostDelta]
    public var postings: [StockPosting]

    public init(lines: [CogsLine], deltas: [CostDelta], postings: [StockPosting] = []) {
        self.lines = lines
        self.deltas = deltas
        self.postings = postings
    }
}

enum CostCacheSQL {
    static let outflowColumns = [
        "sku", "sequence", "outflow_id", "kind", "occurred_at", "location", "document_id", "line_no", "quantity",
        "costed_quantity", "cost", "pending_quantity", "provisional_cost", "cancelled_quantity", "flags",
    ]
    static let outflowIntegerColumns = [
        false, true, false, false, true, false, false, true, true, true, true, true, true, true, false,
    ]
    static let deltaColumns = ["sku", "sequence", "location", "occurred_at", "units", "value", "pending"]
    static let deltaIntegerColumns = [false, true, false, true, true, true, true]
    static let postingColumns = [
        "sku", "sequence", "kind", "location", "occurred_at", "document_id", "value", "provisional", "quantity", "source",
    ]
    static let postingIntegerColumns = [false, true, false, false, true, false, true, true, true, false]

    /// Schema version 4: what the journal posts per stock event (kind, document, value, source),
    /// so `report` reads the cache too. The cache state is cleared: the next refresh rebuilds it.
    static let postingsMigration = [
        """
        CREATE TABLE cost_cache_postings (sku TEXT NOT NULL, sequence BIGINT NOT NULL, kind TEXT NOT NULL,
        location TEXT NOT NULL, occurred_at BIGINT NOT NULL, document_id TEXT NOT NULL, value BIGINT NOT NULL,
        provisional BIGINT NOT NULL, quantity BIGINT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (sku, sequence))
        """,
        "DELETE FROM cost_cache_state",
    ]

    /// Schema version 2: the cache tables, and SKU indexes on the ledger so one SKU's rows are a range.
    static let migration: [String] = {
        var statements = [
            "CREATE TABLE cost_cache_state (id INTEGER PRIMARY KEY, through_file_id BIGINT NOT NULL, engine_version BIGINT NOT NULL)",
            """
            CREATE TABLE cost_cache_outflows (sku TEXT NOT NULL, sequence BIGINT NOT NULL, outflow_id TEXT NOT NULL,
            kind TEXT NOT NULL, occurred_at BIGINT NOT NULL, location TEXT NOT NULL, document_id TEXT NOT NULL,
            line_no BIGINT, quantity BIGINT NOT NULL, costed_quantity BIGINT NOT NULL, cost BIGINT NOT NULL,
            pending_quantity BIGINT NOT NULL, provisional_cost BIGINT NOT NULL, cancelled_quantity BIGINT NOT NULL,
            flags TEXT NOT NULL, PRIMARY KEY (sku, sequence))
            """,
            "CREATE INDEX cost_cache_outflows_occurred_at ON cost_cache_outflows (occurred_at)",
            """
            CREATE TABLE cost_cache_deltas (sku TEXT NOT NULL, sequence BIGINT NOT NULL, location TEXT NOT NULL,
            occurred_at BIGINT NOT NULL, units BIGINT NOT NULL, value BIGINT NOT NULL, pending BIGINT NOT NULL,
            PRIMARY KEY (sku, sequence, location))
            """,
            "CREATE INDEX cost_cache_deltas_occurred_at ON cost_cache_deltas (occurred_at)",
        ]
        for kind in stockKinds + [.items] {
            statements.append("CREATE INDEX \(kind.schema.tableName)_sku ON \(kind.schema.tableName) (sku)")
        }
        return statements
    }()

    /// Schema version 10: the deltas in groups of SKU and location, every column a position sums
    /// at hand, so the positions at an instant are one pass without a sort (`cachedPositions`).
    static let positionsIndex =
        "CREATE INDEX cost_cache_deltas_positions ON cost_cache_deltas (sku, location, occurred_at, units, value, pending)"
    /// Schema version 10: the outflows still pending, by occurred_at (a partial index: a few
    /// hundred entries where the table holds every outflow), so the pending costs up to an instant
    /// are read without visiting every outflow before it (`cachedPendingCogs`).
    static let pendingIndex =
        "CREATE INDEX cost_cache_outflows_pending ON cost_cache_outflows (occurred_at) WHERE pending_quantity > 0"

    /// The outflows still pending before $1, through `cost_cache_outflows_pending` (whose
    /// condition the query repeats word for word, as SQLite needs to use it).
    static let pendingQuery =
        "SELECT \(outflowColumns.joined(separator: ", ")) FROM cost_cache_outflows WHERE pending_quantity > 0 AND occurred_at < $1"

    /// The positions at $1 (inclusive), of every SKU or of the SKU $2. `+occurred_at` keeps the
    /// occurred_at index out of it (in both dialects a plain unary plus): the covering index
    /// `cost_cache_deltas_positions` streams the deltas already in groups, so neither database
    /// sorts or hashes them (SQLite's sorter held every delta in memory: 2.9M on three years), and
    /// the read is one pass over a narrow index instead of a row lookup per index entry (December
    /// of the generated year: 1.5 s → 0.3 s, no delta made into Swift values).
    static func positionsQuery(oneSKU: Bool) -> String {
        "SELECT sku, location, sum(units), sum(value), sum(pending) FROM cost_cache_deltas WHERE +occurred_at <= $1"
            + (oneSKU ? " AND sku = $2" : "") + " GROUP BY sku, location"
    }

    /// Every table of the cache (cleared by a rebuild).
    static let tables = [
        "cost_cache_outflows", "cost_cache_deltas", "cost_cache_postings", "cost_cache_checkpoints",
        "cost_cache_checkpoint_entries", "cost_cache_links",
    ]
}

extension SQLLedgerStore {
    /// Brings the cost cache up to date with every ingested file (see the file comment). The cache
    /// state is read first without a lock: when the cache already includes every file, nothing is
    /// written and no writer is waited for.
    public func refreshCostCache(
        rebuild: Bool, checkpointSpacing: Int, lockWait: LockWait, progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> CostCacheRefresh {
        if !rebuild, case (.upToDate, let lastFile) = try costCacheScope(rebuild: false) {
            return CostCacheRefresh(
                skusRepriced: 0, skusFromCheckpoint: 0, eventsReplayed: 0, throughFileID: lastFile, rebuiltFromNothing: false)
        }
        return try inWriteTransaction(.costCache, wait: lockWait) {
            // Again under the lock: a refresh that held it before may have done the work.
            let (scope, lastFile) = try costCacheScope(rebuild: rebuild)
            switch scope {
            case .upToDate:
                return CostCacheRefresh(
                    skusRepriced: 0, skusFromCheckpoint: 0, eventsReplayed: 0, throughFileID: lastFile,
                    rebuiltFromNothing: false)
            case .fromNothing:
                for table in CostCacheSQL.tables { try run("DELETE FROM \(table)") }
                return try reprice(since: nil, lastFile: lastFile, checkpointSpacing: checkpointSpacing, part: nil, progress: progress)
            case .since(let cachedThrough):
                return try reprice(
                    since: cachedThrough, lastFile: lastFile, checkpointSpacing: checkpointSpacing, part: nil, progress: progress)
            }
        }
    }

    // MARK: A refresh shared by several workers (`run --workers N`, PostgreSQL)

    /// What a shared refresh is to do: nil when the cache includes every file. Each worker reprices
    /// its part of it (`refreshCostCachePart`), then one finishes it (`finishCostCacheRefresh`).
    public func costCacheRefreshPlan(rebuild: Bool) throws -> CostCacheRefreshPlan? {
        let (scope, lastFile) = try costCacheScope(rebuild: rebuild)
        switch scope {
        case .upToDate: return nil
        case .fromNothing:
            let state = try costCacheThroughFileID()
            return CostCacheRefreshPlan(cachedThrough: state, since: nil, lastFile: lastFile)
        case .since(let fileID): return CostCacheRefreshPlan(cachedThrough: fileID, since: fileID, lastFile: lastFile)
        }
    }

    /// Reprices the plan's SKUs whose `CostCacheRefreshPlan.part` is `part` of `parts`, in one
    /// transaction of its own, beside the other parts' (a shared lock: a whole refresh waits for
    /// them, and they for it). Leaves the cache's state as it was: until the refresh is finished the
    /// cache says it includes what it did before, so a part repriced twice (a worker retried, or a
    /// whole refresh meanwhile) is repriced the same. A part whose plan the cache no longer matches
    /// (a whole refresh came between) does nothing.
    public func refreshCostCachePart(
        _ plan: CostCacheRefreshPlan, part: Int, of parts: Int, checkpointSpacing: Int = CostReplay.defaultSpacing
    ) throws -> CostCacheRefresh {
        precondition(parts > 0 && (0..<parts).contains(part))
        return try inWriteTransaction(.costCachePart, wait: .upToBusyTimeout) {
            guard try costCacheThroughFileID() == plan.cachedThrough else {
                return CostCacheRefresh(
                    skusRepriced: 0, skusFromCheckpoint: 0, eventsReplayed: 0, throughFileID: plan.lastFile, rebuiltFromNothing: false)
            }
            return try reprice(
                since: plan.since, lastFile: plan.lastFile, checkpointSpacing: checkpointSpacing, part: (part, parts), progress: nil)
        }
    }

    /// Ends a shared refresh once every part is repriced: the cache then says it includes the plan's
    /// last file. Nothing to do when a whole refresh already brought it that far or further.
    public func finishCostCacheRefresh(_ plan: CostCacheRefreshPlan) throws {
        try inWriteTransaction(.costCache, wait: .upToBusyTimeout) {
            let state = try costCacheThroughFileID()
            if state == plan.cachedThrough {
                try writeCostCacheState(throughFileID: plan.lastFile)
                return
            }
            // A whole refresh came between the parts and the end, and brought the cache as far.
            if let state, state >= plan.lastFile { return }
            throw StoreError.sql(
                statement: "finishing a shared refresh of the cost cache",
                message: "the cache changed meanwhile (it includes file \(state.map(String.init) ?? "none"), the refresh began at "
                    + "\(plan.cachedThrough.map(String.init) ?? "none")): refresh it again")
        }
    }

    /// The cache includes every file up to this one, by this engine.
    private func writeCostCacheState(throughFileID lastFile: Int64) throws {
        try run("DELETE FROM cost_cache_state")
        try run(
            "INSERT INTO cost_cache_state (id, through_file_id, engine_version) VALUES (1, $1, $2)",
            [.integer(lastFile), .integer(Int64(costEngineVersion))])
    }

    /// What a refresh has to do, and the ledger's last file id.
    private func costCacheScope(rebuild: Bool) throws -> (CostCacheScope, lastFile: Int64) {
        let lastFile = try scalar("SELECT coalesce(max(id), 0) FROM files") ?? 0
        let state = try queryRows(
            "SELECT through_file_id, engine_version FROM cost_cache_state WHERE id = 1", integerColumns: [true, true]
        ).first
        let scope = CostReplayPlanning.scope(
            rebuild: rebuild, cachedThroughFileID: state?[0].integerValue, cachedEngineVersion: state?[1].integerValue,
            lastFileID: lastFile)
        return (scope, lastFile)
    }

    /// Reprices every SKU (`since` nil, the cache emptied) or the SKUs with rows in the files after
    /// `since`, each from the start `CostReplayPlanning.plan` gives it; inside the refresh's
    /// transaction.
    /// `part`: only the SKUs of this part of so many (`CostCacheRefreshPlan.part`), the cache's
    /// state left as it was (a shared refresh; see `refreshCostCachePart`).
    private func reprice(
        since cachedThrough: Int64?, lastFile: Int64, checkpointSpacing: Int, part: (index: Int, of: Int)?,
        progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> CostCacheRefresh {
        let fromNothing = cachedThrough == nil
        // The SKUs to reprice: all of them, or those with rows in files ingested since, with the
        // earliest occurred_at among those rows, and those with new catalogue rows.
        // Rows are appended file after file with increasing seq, so the new rows are the seq
        // range after the last row of a file the cache includes: found walking the primary key
        // down from the top, not by scanning the table.
        func newRows(_ kind: LedgerKind) throws -> String {
            guard let cachedThrough else { return "l.file_id <= \(lastFile)" }
            let last = try scalar(
                "SELECT seq FROM \(kind.schema.tableName) WHERE file_id <= \(cachedThrough) ORDER BY seq DESC LIMIT 1") ?? 0
            return "l.seq > \(last) AND l.file_id <= \(lastFile)"
        }
        var earliest: [OpaqueID: Int64] = [:]
        var catalogueChanged: Set<OpaqueID> = []
        for kind in stockKinds {
            let rows = try queryRows(
                "SELECT l.sku, min(l.occurred_at) FROM \(kind.schema.tableName) l WHERE \(try newRows(kind)) GROUP BY l.sku",
                integerColumns: [false, true])
            for row in rows {
                guard case .text(let text) = row[0], let occurredAt = row[1].integerValue else { continue }
                let sku = OpaqueID(text)
                earliest[sku] = min(earliest[sku] ?? occurredAt, occurredAt)
            }
        }
        for row in try queryRows(
            "SELECT DISTINCT l.sku FROM \(LedgerKind.items.schema.tableName) l WHERE \(try newRows(.items))",
            integerColumns: [false])
        {
            if case .text(let sku) = row[0] { catalogueChanged.insert(OpaqueID(sku)) }
        }
        var skus = Set(earliest.keys).union(catalogueChanged)
        if let part { skus = skus.filter { CostCacheRefreshPlan.part(of: $0.text, parts: part.of) == part.index } }
        // A chunk of SKUs at a time, so memory follows the chunk, not the ledger.
        var events = 0
        var repriced = 0
        var fromCheckpoint = 0
        var done = 0
        progress?(0, skus.count)
        // Rebuilt from nothing, every SKU is run from its first row: chunks sized to the history.
        let chunkSize = fromNothing ? skusPerCostChunk(skuCount: skus.count, stockRows: try stockRowCount()) : skusPerCostChunk
        for chunk in skus.sorted().chunked(into: chunkSize) {
            var openings: [OpaqueID: CostOpening] = [:]
            var replayEvents: [CostEvent] = []
            if !fromNothing {
                (openings, replayEvents) = try replayOpenings(
                    chunk, earliest: earliest, catalogueChanged: catalogueChanged, lastFile: lastFile)
            }
            let wholeSKUs = chunk.filter { openings[$0] == nil }
            // From nothing the whole cache was emptied first; a part empties only its own SKUs'.
            if (!fromNothing || part != nil) && !wholeSKUs.isEmpty {
                var values = SQLValues()
                let list = values.list(wholeSKUs.map(\.text))
                for table in CostCacheSQL.tables { try run("DELETE FROM \(table) WHERE sku IN (\(list))", values.values) }
            }
            let wholeEvents = try stockEvents(skus: Set(wholeSKUs), throughFileID: lastFile)
            let standardCosts = try standardCosts(skus: Set(chunk), throughFileID: lastFile)
            var outflowRows: [[FieldValue]] = []
            var deltaRows: [[FieldValue]] = []
            var postingRows: [[FieldValue]] = []
            var checkpoints: [CostCheckpoint] = []
            var links: [ReferenceLink] = []
            for skuRows in try CostRuns.rows(
                events: wholeEvents + replayEvents, standardCosts: standardCosts, openings: openings,
                checkpointSpacing: checkpointSpacing)
            {
                events += skuRows.eventCount
                repriced += 1
                if skuRows.replayedFrom != nil { fromCheckpoint += 1 }
                for line in skuRows.cogsLines { outflowRows.append(Self.row(line)) }
                for delta in skuRows.deltas { deltaRows.append(Self.row(delta)) }
                for posting in skuRows.postings { postingRows.append(Self.row(posting)) }
                checkpoints += skuRows.checkpoints
                links += skuRows.links
            }
            try bulkInsert(table: "cost_cache_outflows", columns: CostCacheSQL.outflowColumns, rows: outflowRows)
            try bulkInsert(table: "cost_cache_deltas", columns: CostCacheSQL.deltaColumns, rows: deltaRows)
            try bulkInsert(table: "cost_cache_postings", columns: CostCacheSQL.postingColumns, rows: postingRows)
            try insertCheckpointsAndLinks(checkpoints, links)
            done += chunk.count
            progress?(done, skus.count)
        }
        if part == nil { try writeCostCacheState(throughFileID: lastFile) }
        return CostCacheRefresh(
            skusRepriced: repriced, skusFromCheckpoint: fromCheckpoint, eventsReplayed: events, throughFileID: lastFile,
            rebuiltFromNothing: fromNothing)
    }

    /// For a chunk of SKUs with new rows: the openings of those replayed from a checkpoint (their
    /// cached rows from the checkpoint on deleted, unless `deletingCachedRows` is false: a reader's
    /// replay) and the events they replay. The plan is made twice: first from the checkpoints, to
    /// know which events to load; then with the conflicts those events show, which send a SKU back
    /// to a whole replay.
    private func replayOpenings(
        _ chunk: [OpaqueID], earliest: [OpaqueID: Int64], catalogueChanged: Set<OpaqueID>, lastFile: Int64,
        deletingCachedRows: Bool = true, occurredBefore: Int64? = nil, checkpoints known: [OpaqueID: [CheckpointBoundary]]? = nil
    ) throws -> (openings: [OpaqueID: CostOpening], events: [CostEvent]) {
        let inChunk = Set(chunk)
        let earliestInChunk = earliest.filter { inChunk.contains($0.key) }
        let changedInChunk = catalogueChanged.intersection(inChunk)
        let boundaries = try known ?? checkpointBoundaries(skus: chunk.filter { !changedInChunk.contains($0) })
        func chosen(_ plan: [OpaqueID: ReplayStart]) -> [(sku: String, boundary: Int64, offset: Int64)] {
            chunk.compactMap { sku in
                guard case .checkpoint(let start) = plan[sku] else { return nil }
                return (sku.text, start.boundary, start.offset)
            }
        }
        let candidates = chosen(
            CostReplayPlanning.plan(earliestNewRow: earliestInChunk, catalogueChanged: changedInChunk, checkpoints: boundaries))
        guard !candidates.isEmpty else { return ([:], []) }
        let checkpoints = try checkpoints(candidates)
        var values = SQLValues()
        var replayEvents = try costEvents(
            conditions: [
                "l.file_id <= \(lastFile)",
                CostCheckpointSQL.perSKU(
                    candidates.map { ($0.sku, $0.boundary) }, column: "l.occurred_at", ">=", skuColumn: "l.sku", &values),
            ] + (occurredBefore.map { ["l.occurred_at < \($0)"] } ?? []), values)
        let eventsBySKU = Dictionary(grouping: replayEvents, by: { OpaqueID($0.sku) })
        let links = try priorLinks(candidates)
        // A new sale or shipment line named by an earlier return or receipt: whole.
        let conflicts = Set(
            candidates.map { OpaqueID($0.sku) }.filter { CostReplay.conflicts(events: eventsBySKU[$0] ?? [], priorLinks: links[$0] ?? []) })
        let replayable = chosen(
            CostReplayPlanning.plan(
                earliestNewRow: earliestInChunk, catalogueChanged: changedInChunk, checkpoints: boundaries,
                conflicts: conflicts)
        ).filter { checkpoints[CheckpointKey(sku: $0.sku, boundary: $0.boundary)] != nil }
        var named: [OpaqueID: Set<ReferencedLine>] = [:]
        for entry in replayable { named[OpaqueID(entry.sku)] = CostReplay.namedLines(eventsBySKU[OpaqueID(entry.sku)] ?? []) }
        let lines = try priorLines(replayable.map { entry in
            (entry.sku, entry.offset, named[OpaqueID(entry.sku), default: []].map(\.documentID).opaqueIDs.sorted().map(\.text))
        })
        var openings: [OpaqueID: CostOpening] = [:]
        for entry in replayable {
            guard let checkpoint = checkpoints[CheckpointKey(sku: entry.sku, boundary: entry.boundary)] else { continue }
            let sku = OpaqueID(entry.sku)
            openings[sku] = CostOpening(
                checkpoint: checkpoint,
                priorSources: CostReplay.priorSources(
                    named: named[sku] ?? [], priorLines: lines[sku] ?? [], priorLinks: links[sku] ?? []))
        }
        replayEvents.removeAll { openings[OpaqueID($0.sku)] == nil }
        if deletingCachedRows { try deleteCachedRows(after: replayable) }
        return (openings, replayEvents)
    }

    /// Engine runs of some SKUs over the rows of files up to `throughFileID` that a trail from
    /// `notAfter` to `until` needs, with what each location held where each run begins.
    /// - A run begins at the SKU's cost cache checkpoint at or before `notAfter` where it has one a
    ///   replay may start from (else at its first event); what each location held there is the
    ///   cache's deltas before it, summed (the cache is the engine's: verify checks it).
    /// - A run stops before the SKU's first checkpoint at or after `until`, where it has one: a
    ///   checkpoint is settled, so nothing after it changes anything before it, and the run's
    ///   results up to there are the whole run's.
    /// Read in one snapshot, and only while the cache holds exactly those files (nil otherwise: the
    /// caller runs the SKUs whole). For a span's stock trail, which then reads about its span's
    /// rows instead of the SKUs' whole history. In SKU byte order.
    public func costRunsFromCheckpoints(skus texts: [String], notAfter: Instant, until: Instant, throughFileID: Int64) throws
        -> [StartedRun]?
    {
        guard !texts.isEmpty else { return [] }
        let skus = texts.opaqueIDs.sorted()
        return try readingOneSnapshot { () throws -> [StartedRun]? in
            guard try costCacheThroughFileID() == throughFileID else { return nil }
            let checkpoints = try checkpointBoundaries(skus: skus)
            var stopAt: [OpaqueID: Int64] = [:]
            for (sku, boundaries) in checkpoints {
                if let first = boundaries.map(\.boundary).filter({ $0 >= until.nanosecondsSinceEpoch }).min() { stopAt[sku] = first }
            }
            let earliest = Dictionary(uniqueKeysWithValues: skus.map { ($0, notAfter.nanosecondsSinceEpoch) })
            var started: [StartedRun] = []
            // The SKUs that stop at a checkpoint (their rows read up to the latest of those
            // checkpoints, then each SKU's cut at its own), then those that run to their last row.
            for group in [skus.filter { stopAt[$0] != nil }, skus.filter { stopAt[$0] == nil }] where !group.isEmpty {
                let bound = group.compactMap { stopAt[$0] }.max()
                var (openings, replayEvents) = try replayOpenings(
                    group, earliest: earliest, catalogueChanged: [], lastFile: throughFileID, deletingCachedRows: false,
                    occurredBefore: bound, checkpoints: checkpoints)
                var wholeEvents = try stockEvents(
                    skus: Set(group.filter { openings[$0] == nil }), throughFileID: throughFileID, occurredBefore: bound)
                func afterStop(_ event: CostEvent) -> Bool {
                    stopAt[OpaqueID(event.sku)].map { event.occurredAt.nanosecondsSinceEpoch >= $0 } ?? false
                }
                replayEvents.removeAll(where: afterStop)
                wholeEvents.removeAll(where: afterStop)
                let runs = try CostRuns.run(
                    events: wholeEvents + replayEvents, standardCosts: try standardCosts(skus: Set(group), throughFileID: throughFileID),
                    openings: openings)
                openings = [:]
                for run in runs { started.append(StartedRun(run: run, start: try startFigures(of: run))) }
            }
            return started.sorted { $0.run.sku.utf8.lexicographicallyPrecedes($1.run.sku.utf8) }
        }
    }

    /// What each location held where a run replayed from a checkpoint begins: the cache's deltas
    /// before it, summed (nothing for a run from the SKU's first event).
    private func startFigures(of run: SKUCostRun) throws -> [OpaqueID: StockFigures] {
        guard run.sequenceOffset > 0 else { return [:] }
        var start: [OpaqueID: StockFigures] = [:]
        for row in try queryRows(
            "SELECT location, sum(units), sum(value), sum(pending) FROM cost_cache_deltas WHERE sku = $1 AND sequence < $2 "
                + "GROUP BY location",
            [.text(run.sku), .integer(run.sequenceOffset)], integerColumns: [false, true, true, true])
        {
            guard case .text(let text) = row[0], let units = row[1].integerValue, let value = row[2].integerValue,
                let pending = row[3].integerValue
            else {
                throw StoreError.sql(statement: "SELECT … FROM cost_cache_deltas", message: "the deltas of \(run.sku) before its checkpoint have no sum")
            }
            start[OpaqueID(text)] = StockFigures(units: units, value: value, pending: pending)
        }
        return start
    }

    /// Engine runs over every row of the given SKUs (all SKUs when nil) in files up to `throughFileID`.
    public func costRuns(skus: Set<OpaqueID>?, throughFileID: Int64) throws -> [SKUCostRun] {
        try costRuns(skus: skus, throughFileID: throughFileID, checkpointBoundaries: [:])
    }

    /// The same, each SKU's run emitting checkpoints at the given boundaries.
    public func costRuns(
        skus: Set<OpaqueID>?, throughFileID: Int64, checkpointBoundaries: [OpaqueID: Set<Instant>]
    ) throws -> [SKUCostRun] {
        if let skus, skus.isEmpty { return [] }
        let (events, standardCosts) = try costEvents(skus: skus, throughFileID: throughFileID)
        return try CostRuns.run(events: events, standardCosts: standardCosts, checkpointBoundaries: checkpointBoundaries)
    }

    /// The stock events of ledger rows matching SQL conditions on the ledger alias `l` (with the
    /// values they bind).
    func costEvents(conditions: [String], _ values: SQLValues = SQLValues()) throws -> [CostEvent] {
        var events: [CostEvent] = []
        for kind in stockKinds {
            for stored in try storedRows(of: kind, where: conditions, values) {
                let sourced = SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt)
                if let event = CostEvents.event(of: sourced) { events.append(event) }
            }
        }
        return events
    }

    /// The stock events and the standard costs of the given SKUs (all SKUs when nil), from the
    /// rows in files up to `throughFileID`.
    func costEvents(skus: Set<OpaqueID>?, throughFileID: Int64) throws -> ([CostEvent], [OpaqueID: Int64?]) {
        (try stockEvents(skus: skus, throughFileID: throughFileID), try standardCosts(skus: skus, throughFileID: throughFileID))
    }

    /// The stock events of the given SKUs (all SKUs when nil) in files up to `throughFileID`.
    func stockEvents(skus: Set<OpaqueID>?, throughFileID: Int64, occurredBefore: Int64? = nil) throws -> [CostEvent] {
        try Self.skuConditions(skus, throughFileID: throughFileID).flatMap {
            try costEvents(conditions: $0.conditions + (occurredBefore.map { ["l.occurred_at < \($0)"] } ?? []), $0.values)
        }
    }

    /// The standard costs of the given SKUs (all SKUs when nil) as known through a file.
    func standardCosts(skus: Set<OpaqueID>?, throughFileID: Int64) throws -> [OpaqueID: Int64?] {
        let items = try Self.skuConditions(skus, throughFileID: throughFileID).flatMap {
            try storedRows(of: .items, where: $0.conditions, $0.values).map(\.row)
        }
        return CostRuns.standardCosts(items: items)
    }

    /// Conditions on the ledger alias `l` selecting the given SKUs (all when nil) in files up to
    /// `throughFileID`, a few hundred SKUs per list (bound values); none for an empty set.
    static func skuConditions(_ skus: Set<OpaqueID>?, throughFileID: Int64) -> [(conditions: [String], values: SQLValues)] {
        let files = "l.file_id <= \(throughFileID)"
        guard let skus else { return [([files], SQLValues())] }
        return skus.sorted().chunked(into: 500).map { chunk in
            var values = SQLValues()
            return ([files, "l.sku IN (\(values.list(chunk.map(\.text))))"], values)
        }
    }

    /// How many stock rows the ledger holds (each table's last seq: the row count, seq having no
    /// gaps — verify checks it; a gap could only make the count larger, and the chunks smaller).
    public func stockRowCount() throws -> Int64 {
        var rows: Int64 = 0
        for kind in stockKinds {
            rows += try scalar("SELECT coalesce(max(seq), 0) FROM \(kind.schema.tableName)") ?? 0
        }
        return rows
    }

    /// The last file the cost cache includes, or nil when there is no cache.
    public func costCacheThroughFileID() throws -> Int64? {
        try scalar("SELECT through_file_id FROM cost_cache_state WHERE id = 1")
    }

    /// In cogs.csv's order (occurred_at, the SKU's bytes, its sequence: `CogsLine.occurring`'s),
    /// so that a report takes them as they are; counted first, so that the array is made once at
    /// its size. (A month's 3.1 M lines of the nightly at scale were ~0.5 GB: read unordered into a
    /// growing array, then filtered and sorted into new ones, they peaked at three times that.)
    public func cachedCogs(from: Instant, to: Instant) throws -> PackedCogsLines {
        let span: [FieldValue] = [.integer(from.nanosecondsSinceEpoch), .integer(to.nanosecondsSinceEpoch)]
        var lines = PackedCogsLines()
        lines.reserveCapacity(try cachedCogsCount(from: from, to: to))
        try database.forEachRow(
            "SELECT \(CostCacheSQL.outflowColumns.joined(separator: ", ")) FROM cost_cache_outflows "
                + "WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, sku\(database.byteOrder), sequence",
            span, integerColumns: CostCacheSQL.outflowIntegerColumns
        ) { row in
            if let line = Self.cogsLine(row) { lines.append(line) }
        }
        return lines
    }

    public func cachedCogsCount(from: Instant, to: Instant) throws -> Int {
        let span: [FieldValue] = [.integer(from.nanosecondsSinceEpoch), .integer(to.nanosecondsSinceEpoch)]
        return Int(try scalar("SELECT count(*) FROM cost_cache_outflows WHERE occurred_at >= $1 AND occurred_at < $2", span) ?? 0)
    }

    public func cachedPendingCogs(before: Instant) throws -> [CogsLine] {
        try queryRows(CostCacheSQL.pendingQuery, [.integer(before.nanosecondsSinceEpoch)], integerColumns: CostCacheSQL.outflowIntegerColumns)
            .compactMap(Self.cogsLine)
    }

    public func cachedPositions(through: Instant, sku: String?) throws -> [StockPosition] {
        var parameters: [FieldValue] = [.integer(through.nanosecondsSinceEpoch)]
        if let sku { parameters.append(.text(sku)) }
        let rows = try queryRows(CostCacheSQL.positionsQuery(oneSKU: sku != nil), parameters, integerColumns: [false, false, true, true, true])
        // A sum beyond 64 bits fails the query (SQLite's sum) or its reading (PostgreSQL's numeric).
        return try rows.map { row in
            guard let units = row[2].integerValue, let value = row[3].integerValue, let pending = row[4].integerValue else {
                throw StoreError.sql(
                    statement: "SELECT … FROM cost_cache_deltas", message: "the position of \(row[0]) at \(row[1]) has no sum")
            }
            return StockPosition(
                sku: row[0].description, location: row[1].description, quantityOnHand: units, value: value, pendingQuantity: pending)
        }.sorted { SKULocation(sku: $0.sku, location: $0.location) < SKULocation(sku: $1.sku, location: $1.location) }
    }

    public func cachedContents() throws -> CostCacheContents { try cachedContents(skus: nil) }

    /// What the cache holds of the given SKUs (all when nil).
    public func cachedContents(skus: Set<OpaqueID>?) throws -> CostCacheContents {
        let (condition, values) = SKUSelection.condition(skus)
        let lines = try queryRows(
            "SELECT \(CostCacheSQL.outflowColumns.joined(separator: ", ")) FROM cost_cache_outflows\(condition)", values,
            integerColumns: CostCacheSQL.outflowIntegerColumns
        ).compactMap(Self.cogsLine)
        let deltas = try queryRows(
            "SELECT \(CostCacheSQL.deltaColumns.joined(separator: ", ")) FROM cost_cache_deltas\(condition)", values,
            integerColumns: CostCacheSQL.deltaIntegerColumns
        ).map { row in
            CostDelta(
                sku: row[0].description, location: row[2].description,
                occurredAt: Instant(nanosecondsSinceEpoch: row[3].integerValue ?? 0), sequence: row[1].integerValue ?? 0,
                units: row[4].integerValue ?? 0, value: row[5].integerValue ?? 0, pending: row[6].integerValue ?? 0)
        }
        var postings: [StockPosting] = []
        try forEachCachedStockPosting(skus: skus) { postings.append($0) }
        return CostCacheContents(lines: lines, deltas: deltas, postings: postings)
    }

    /// Every cached stock posting, by SKU and sequence.
    public func cachedStockPostings() throws -> [StockPosting] {
        var postings: [StockPosting] = []
        try forEachCachedStockPosting { postings.append($0) }
        return postings
    }

    /// The same, handed to `body` one at a time as they are read.
    public func forEachCachedStockPosting(_ body: (StockPosting) throws -> Void) throws {
        try forEachCachedStockPosting(skus: nil, body)
    }

    /// The postings of the given SKUs (all when nil), one at a time, by SKU and sequence.
    func forEachCachedStockPosting(skus: Set<OpaqueID>?, _ body: (StockPosting) throws -> Void) throws {
        let (condition, values) = SKUSelection.condition(skus)
        // Row by row: a year of postings, not a year of rows and a year of postings at once.
        try database.forEachRow(
            "SELECT \(CostCacheSQL.postingColumns.joined(separator: ", ")) FROM cost_cache_postings\(condition) ORDER BY sku, sequence",
            values,
            integerColumns: CostCacheSQL.postingIntegerColumns
        ) { row in
            guard let kind = StockPosting.Kind(rawValue: row[2].description) else { return }
            try body(
                StockPosting(
                    kind: kind, sku: row[0].description, location: row[3].description,
                    occurredAt: Instant(nanosecondsSinceEpoch: row[4].integerValue ?? 0), documentID: row[5].description,
                    value: row[6].integerValue ?? 0, provisional: row[7].integerValue ?? 0, quantity: row[8].integerValue ?? 0,
                    source: row[9].description, sequence: row[1].integerValue ?? 0))
        }
    }

    static func row(_ posting: StockPosting) -> [FieldValue] {
        [
            .text(posting.sku), .integer(posting.sequence), .text(posting.kind.rawValue), .text(posting.location),
            .integer(posting.occurredAt.nanosecondsSinceEpoch), .text(posting.documentID), .integer(posting.value),
            .integer(posting.provisional), .integer(posting.quantity), .text(posting.source),
        ]
    }

    static func row(_ line: CogsLine) -> [FieldValue] {
        [
            .text(line.sku), .integer(line.sequence), .text(line.outflowID), .text(line.kind.rawValue),
            .integer(line.occurredAt.nanosecondsSinceEpoch), .text(line.location), .text(line.documentID),
            line.lineNumber.map(FieldValue.integer) ?? .null, .integer(line.quantity), .integer(line.costedQuantity),
            .integer(line.cost), .integer(line.pendingQuantity), .integer(line.provisionalCost),
            .integer(line.cancelledQuantity), .text(line.flags),
        ]
    }

    static func row(_ delta: CostDelta) -> [FieldValue] {
        [
            .text(delta.sku), .integer(delta.sequence), .text(delta.location), .integer(delta.occurredAt.nanosecondsSinceEpoch),
            .integer(delta.units), .integer(delta.value), .integer(delta.pending),
        ]
    }

    static func cogsLine(_ row: [FieldValue]) -> CogsLine? {
        guard let kind = OutflowKind(rawValue: row[3].description) else { return nil }
        return CogsLine(
            sku: row[0].description, sequence: row[1].integerValue ?? 0, outflowID: row[2].description, kind: kind,
            occurredAt: Instant(nanosecondsSinceEpoch: row[4].integerValue ?? 0), location: row[5].description,
            documentID: row[6].description, lineNumber: row[7].integerValue, quantity: row[8].integerValue ?? 0,
            costedQuantity: row[9].integerValue ?? 0, cost: row[10].integerValue ?? 0,
            pendingQuantity: row[11].integerValue ?? 0, provisionalCost: row[12].integerValue ?? 0,
            cancelledQuantity: row[13].integerValue ?? 0, flags: row[14].description)
    }
}

extension Array {
    /// The elements in consecutive arrays of `size` (the last may be shorter).
    public func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
