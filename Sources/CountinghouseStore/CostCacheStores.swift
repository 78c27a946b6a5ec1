// Both stores answer the cost-cache questions with the shared SQL of CostCache.swift and
// PlainStock.swift (the protocol is public; the shared implementation stays internal).
import CountinghouseCore

extension SQLDatabase {
    func sharedCostCacheThroughFileID() throws -> Int64? {
        try queryRows("SELECT through_file_id FROM cost_cache_state WHERE id = 1", [], integerColumns: [true])
            .first?[0].integerValue
    }
}

extension SQLiteStore {
    public func refreshCostCache(rebuild: Bool, checkpointSpacing: Int) throws -> CostCacheRefresh {
        try sharedRefreshCostCache(rebuild: rebuild, checkpointSpacing: checkpointSpacing)
    }
    public func costCacheThroughFileID() throws -> Int64? { try sharedCostCacheThroughFileID() }
    public func cachedCogs(from: Instant, to: Instant) throws -> [CogsLine] { try sharedCachedCogs(from: from, to: to) }
    public func cachedPositions(through: Instant, sku: String?) throws -> [StockPosition] {
        try sharedCachedPositions(through: through, sku: sku)
    }
    public func cachedContents() throws -> CostCacheContents { try sharedCachedContents() }
    public func cachedStockPostings() throws -> [StockPosting] { try sharedCachedPostings() }
    public func costRuns(skus: Set<String>?, throughFileID: Int64) throws -> [SKUCostRun] {
        try sharedCostRuns(skus: skus, throughFileID: throughFileID)
    }
    public func costRuns(skus: Set<String>?, throughFileID: Int64, checkpointBoundaries: [String: Set<Instant>]) throws
        -> [SKUCostRun]
    {
        try sharedCostRuns(skus: skus, throughFileID: throughFileID, checkpointBoundaries: checkpointBoundaries)
    }
    public func cachedCheckpoints() throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink]) {
        try sharedCachedCheckpoints()
    }
    public func plainOnHand(throughFileID: Int64) throws -> [SKULocation: Int64] {
        try sharedPlainOnHand(throughFileID: throughFileID)
    }
}

extension PostgresStore {
    public func refreshCostCache(rebuild: Bool, checkpointSpacing: Int) throws -> CostCacheRefresh {
        try sharedRefreshCostCache(rebuild: rebuild, checkpointSpacing: checkpointSpacing)
    }
    public func costCacheThroughFileID() throws -> Int64? { try sharedCostCacheThroughFileID() }
    public func cachedCogs(from: Instant, to: Instant) throws -> [CogsLine] { try sharedCachedCogs(from: from, to: to) }
    public func cachedPositions(through: Instant, sku: String?) throws -> [StockPosition] {
        try sharedCachedPositions(through: through, sku: sku)
    }
    public func cachedContents() throws -> CostCacheContents { try sharedCachedContents() }
    public func cachedStockPostings() throws -> [StockPosting] { try sharedCachedPostings() }
    public func costRuns(skus: Set<String>?, throughFileID: Int64) throws -> [SKUCostRun] {
        try sharedCostRuns(skus: skus, throughFileID: throughFileID)
    }
    public func costRuns(skus: Set<String>?, throughFileID: Int64, checkpointBoundaries: [String: Set<Instant>]) throws
        -> [SKUCostRun]
    {
        try sharedCostRuns(skus: skus, throughFileID: throughFileID, checkpointBoundaries: checkpointBoundaries)
    }
    public func cachedCheckpoints() throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink]) {
        try sharedCachedCheckpoints()
    }
    public func plainOnHand(throughFileID: Int64) throws -> [SKULocation: Int64] {
        try sharedPlainOnHand(throughFileID: throughFileID)
    }
}
