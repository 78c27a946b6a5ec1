// Costs as known at a time, by one policy: from the cost cache (brought up to date first) when the
// knowledge time covers every ingested file, else from the engine over the rows recorded by then,
// without touching the cache. Both give the same bytes (a test holds them equal).
//
// Place in the pipeline: the books, `stock`, `cost`, `trail` and `explain` ask this for costs;
// nothing else decides between cache and engine.
import CountinghouseCore
import CountinghouseStore

public enum Costs {
    /// The one cost policy: whether costs as known at `knownAt` come from the cache. The cache
    /// holds costs as known now, so it serves any time at or after the latest ingest (an empty
    /// ledger included); an earlier time needs the engine over the rows recorded by then.
    public static func fromCache(_ store: any LedgerStore, knownAt: Instant) throws -> Bool {
        try store.latestRecordedAt().map { knownAt >= $0 } ?? true
    }

    /// Costs as known at `knownAt`, of every SKU or of one.
    public static func asKnown(_ store: any LedgerStore, at knownAt: Instant, sku: String? = nil) throws -> CostView {
        if try cacheServes(store, knownAt: knownAt) { return .cached(store) }
        return .computed(try runs(store, knownAt: knownAt, sku: sku))
    }

    /// Whether the cache serves costs as known at `knownAt`, brought up to date first. Readers never
    /// wait for a writer, and need not be able to write: when another process holds the ledger's
    /// write lock (an ingest), or this user may only read it, the cache is not refreshed and the
    /// engine computes the costs from the rows this reader sees instead.
    public static func cacheServes(_ store: any LedgerStore, knownAt: Instant) throws -> Bool {
        guard try fromCache(store, knownAt: knownAt) else { return false }
        do {
            try refreshCostCache(store, lockWait: .noWait)
            return true
        } catch StoreError.busy {
            return false
        } catch StoreError.readOnly {
            return false
        }
    }

    /// Engine runs over every stock row recorded by `knownAt`, optionally of one SKU only. One
    /// SKU's rows are read through the ledger's SKU index: files are recorded in id order (an
    /// ingest never goes back in time), so the rows known at T are those of the files up to the
    /// last one recorded by T.
    public static func runs(_ store: any LedgerStore, knownAt: Instant, sku: String?) throws -> [SKUCostRun] {
        if let sku { return try runs(store, knownAt: knownAt, skus: [OpaqueID(sku)]) }
        var events: [CostEvent] = []
        for kind in stockKinds {
            for stored in try store.rows(of: kind, knownAt: knownAt) {
                let sourced = SourcedRow(row: stored.row, fileName: stored.fileName, recordedAt: stored.recordedAt)
                if let event = CostEvents.event(of: sourced) { events.append(event) }
            }
        }
        return try runs(events: events, items: try store.rows(of: .items, knownAt: knownAt).map(\.row))
    }

    /// Engine runs of the given SKUs over their rows recorded by `knownAt`, read through the ledger's
    /// SKU index (see above), in SKU byte order.
    public static func runs(_ store: any LedgerStore, knownAt: Instant, skus: Set<OpaqueID>) throws -> [SKUCostRun] {
        try store.costRuns(skus: skus, throughFileID: try throughFileID(store, knownAt: knownAt))
    }

    /// The last file recorded by `knownAt` (0 for none): files are recorded in id order.
    static func throughFileID(_ store: any LedgerStore, knownAt: Instant) throws -> Int64 {
        try store.files().filter { $0.recordedAt <= knownAt }.map(\.id).max() ?? 0
    }

    /// Engine runs over events already read, with the catalogue rows known at the same time.
    public static func runs(events: [CostEvent], items: [LedgerRow]) throws(OutOfRange) -> [SKUCostRun] {
        try CostRuns.run(events: events, standardCosts: CostRuns.standardCosts(items: items))
    }

    /// Brings the cost cache up to date; with COUNTINGHOUSE_TIMINGS set, says what that took.
    public static func refreshCostCache(_ store: any LedgerStore, lockWait: LockWait = .upToBusyTimeout) throws {
        var timer = PhaseTimer()
        let refresh = try store.refreshCostCache(rebuild: false, lockWait: lockWait)
        timer.mark(
            "cost cache refresh (\(refresh.skusRepriced) SKUs repriced, \(refresh.skusFromCheckpoint) from a checkpoint, "
                + "\(refresh.eventsReplayed) events replayed\(refresh.rebuiltFromNothing ? ", rebuilt from nothing" : ""))")
    }
}

/// Costs as known at a time: read from the cost cache, or computed by the engine.
public enum CostView {
    case cached(any LedgerStore)
    case computed([SKUCostRun])

    /// Outflows with `from ≤ occurred_at < to`, in cogs.csv's order (`CogsLine.occurring`'s),
    /// packed: a long span's lines are held in a third of the memory.
    public func cogs(from: Instant, to: Instant) throws -> PackedCogsLines {
        switch self {
        case .cached(let store): return try store.cachedCogs(from: from, to: to)
        case .computed(let runs): return PackedCogsLines(CogsLine.occurring(runs.flatMap(\.cogsLines), from: from, to: to))
        }
    }

    /// The last file the cache holds (nil for a computed view, whose outflows are held by its runs):
    /// what outflows read again later must still be read from (`cogs(from:to:unchangedSince:)`).
    public func cacheThroughFileID() throws -> Int64? {
        switch self {
        case .cached(let store): return try store.costCacheThroughFileID() ?? 0
        case .computed: return nil
        }
    }

    /// `cogs(from:to:)` read again later, from a cache that still holds the files it held when
    /// `through` was taken (`cacheThroughFileID`), in one snapshot: another process that ingested
    /// and refreshed the cache meanwhile makes it an error (75: run it again), never other lines.
    public func cogs(from: Instant, to: Instant, unchangedSince through: Int64?) throws -> PackedCogsLines {
        guard case .cached(let store) = self else { return try cogs(from: from, to: to) }
        return try store.readingOneSnapshot {
            guard try (store.costCacheThroughFileID() ?? 0) == through else {
                throw AppFailure(
                    .ledgerBusy, "the cost cache changed while the report was written (another process ingested files): run it again")
            }
            return try store.cachedCogs(from: from, to: to)
        }
    }

    /// Outflows with units still pending that occurred before `before` (of every kind).
    public func pendingCogs(before: Instant) throws -> [CogsLine] {
        switch self {
        case .cached(let store): return try store.cachedPendingCogs(before: before)
        case .computed(let runs): return runs.flatMap(\.cogsLines).filter { $0.pendingQuantity > 0 && $0.occurredAt < before }
        }
    }

    /// Positions through an instant (inclusive), of every SKU or of one.
    public func positions(through instant: Instant, sku: String? = nil) throws -> [StockPosition] {
        switch self {
        case .cached(let store): return try store.cachedPositions(through: instant, sku: sku)
        case .computed(let runs):
            let selected = runs.filter { sku == nil || $0.sku == sku }
            return try CostDelta.positions(selected.flatMap(\.deltas).filter { $0.occurredAt <= instant })
        }
    }

    /// Every stock event's posting (what the journal books for it).
    public func postings() throws -> [StockPosting] {
        switch self {
        case .cached(let store): return try store.cachedStockPostings()
        case .computed(let runs): return runs.flatMap(\.stockPostings)
        }
    }

    /// The same, handed to `body` one at a time (from the cache, as they are read).
    public func forEachPosting(_ body: (StockPosting) throws -> Void) throws {
        switch self {
        case .cached(let store): try store.forEachCachedStockPosting(body)
        case .computed(let runs): for run in runs { for posting in run.stockPostings { try body(posting) } }
        }
    }

    /// The engine runs of the given SKUs that a trail from `from` up to `until` needs, as known at
    /// `knownAt` (the time this view is of), in SKU byte order: a computed view's own runs; the
    /// cache holds no runs (only what they produced), so from the cache the engine runs those SKUs
    /// over their rows recorded by then, as `trail` does — each from its checkpoint at or before
    /// `from` where it has one (the run then begins there, with what each location held there) to
    /// its first checkpoint at or after `until`, so a span's trail replays neither the history
    /// before it nor the one after; whole where it has none, or when the cache holds other files
    /// than those known then. Either way the same trails.
    public func runs(skus: Set<OpaqueID>, knownAt: Instant, from: Instant, until: Instant) throws -> [StartedRun] {
        switch self {
        case .cached(let store):
            let throughFile = try Costs.throughFileID(store, knownAt: knownAt)
            if let runs = try store.costRunsFromCheckpoints(
                skus: skus.sorted().map(\.text), notAfter: from, until: until,
                throughFileID: throughFile)
            {
                return runs
            }
            return try store.costRuns(skus: skus, throughFileID: throughFile).map { StartedRun(run: $0) }
        case .computed(let runs): return runs.filter { skus.contains(OpaqueID($0.sku)) }.map { StartedRun(run: $0) }
        }
    }
}
