// The cost cache refresh's plan, as pure functions (SEMANTICS §3.6): whether the cache is up to
// date, is rebuilt from nothing, or takes the files ingested since; and, for each SKU with new rows,
// whether it is replayed from a checkpoint (which one) or whole.
//
// Place in the pipeline: `refreshCostCache` (CostCache.swift) reads the facts from the database
// (the cache state, the earliest occurred_at of each SKU's new rows, which SKUs have new catalogue
// rows, the cached checkpoints, which SKUs' new lines an earlier return or receipt names) and acts
// on the plan these return. Invariants: a SKU replays from its last checkpoint at or before the
// earliest occurred_at of its new rows, and whole when it has none, when it has a new catalogue row
// (a standard cost is a fallback anywhere in its history) or when a new sale or shipment line is one
// an earlier return or receipt names, or one an earlier return naming only its order could resolve
// to (`CostReplay.conflicts`); SKUs without new rows are not repriced at all.
// Errors a user can see: none.
import CountinghouseCore

/// What a refresh has to do with the cache.
enum CostCacheScope: Equatable {
    /// The cache includes every file, with this engine: nothing to do (and no write lock to take).
    case upToDate
    /// No cache, another engine version, or a rebuild asked for: everything is recomputed.
    case fromNothing
    /// The files after this one are new: only the SKUs with rows in them are repriced.
    case since(fileID: Int64)
}

/// A cached checkpoint's place: its boundary (occurred_at, ns) and the SKU's event count before it.
struct CheckpointBoundary: Equatable {
    var boundary: Int64
    var offset: Int64
}

/// Where one SKU's replay starts.
enum ReplayStart: Equatable {
    case checkpoint(CheckpointBoundary)
    case whole(WholeReplayReason)
}

enum WholeReplayReason: Equatable {
    /// No checkpoint at or before the SKU's earliest new row.
    case noCheckpointBefore
    /// A new catalogue row of the SKU.
    case catalogueChanged
    /// A new sale or shipment line that an earlier return or receipt names (or, for a return that
    /// named only its order, could name).
    case conflict
}

enum CostReplayPlanning {
    /// What a refresh has to do, from the cache state and the ledger's last file.
    static func scope(
        rebuild: Bool, cachedThroughFileID: Int64?, cachedEngineVersion: Int64?, lastFileID: Int64,
        engineVersion: Int64 = Int64(costEngineVersion)
    ) -> CostCacheScope {
        guard !rebuild, let cachedThroughFileID, cachedEngineVersion == engineVersion else { return .fromNothing }
        return cachedThroughFileID == lastFileID ? .upToDate : .since(fileID: cachedThroughFileID)
    }

    /// Where each SKU with new rows starts its replay.
    /// - Parameters:
    ///   - earliestNewRow: per SKU with new stock rows, the earliest occurred_at (ns) among them.
    ///   - catalogueChanged: the SKUs with new catalogue rows.
    ///   - checkpoints: the cached checkpoints per SKU, in any order.
    ///   - conflicts: the SKUs whose replay from their checkpoint would meet a new line that an
    ///     earlier return or receipt names (found after a first plan, from the events it loads).
    static func plan(
        earliestNewRow: [OpaqueID: Int64], catalogueChanged: Set<OpaqueID>, checkpoints: [OpaqueID: [CheckpointBoundary]],
        conflicts: Set<OpaqueID> = []
    ) -> [OpaqueID: ReplayStart] {
        var plan: [OpaqueID: ReplayStart] = [:]
        for sku in catalogueChanged { plan[sku] = .whole(.catalogueChanged) }
        for (sku, earliest) in earliestNewRow where plan[sku] == nil {
            let before = checkpoints[sku, default: []].filter { $0.boundary <= earliest }
            guard let last = before.max(by: { $0.boundary < $1.boundary }) else {
                plan[sku] = .whole(.noCheckpointBefore)
                continue
            }
            plan[sku] = conflicts.contains(sku) ? .whole(.conflict) : .checkpoint(last)
        }
        return plan
    }
}
