// The ledger store: the one interface both databases implement.
//
// Place in the pipeline: ingest validates a file into `LedgerRow`s; a store appends them in one
// transaction, with the semantics of SEMANTICS §1: a file whose sha256 is known is skipped whole;
// a row whose natural key is known with identical content is a duplicate; with different content
// it is a conflict that rejects the file (both versions shown); `recorded_at` never goes backwards.
// Ledger tables are append-only in the database itself (triggers refuse UPDATE, DELETE, TRUNCATE)
// and every row carries a sha256 chained to the previous row of its table.
// Errors a user can see: `StoreError` (connection, SQL, knowledge going backwards, schema newer
// than this program).
import CountinghouseCore

/// What the ingest knows about a file before it is appended.
public struct IngestFileInfo: Sendable, Hashable {
    /// The name as given on the command line (what errors and `files` show).
    public var name: String
    /// Lower-case hex sha256 of the file's bytes.
    public var sha256: String
    public var kind: LedgerKind
    public var byteCount: Int64
    /// The ingest's knowledge time: every row of the file is recorded at this instant.
    public var recordedAt: Instant

    public init(name: String, sha256: String, kind: LedgerKind, byteCount: Int64, recordedAt: Instant) {
        self.name = name
        self.sha256 = sha256
        self.kind = kind
        self.byteCount = byteCount
        self.recordedAt = recordedAt
    }
}

/// A file the ledger holds.
public struct IngestedFile: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var sha256: String
    public var kind: LedgerKind
    public var byteCount: Int64
    public var recordedAt: Instant
    /// Rows of this file that entered the ledger.
    public var rowsAccepted: Int
    /// Rows of this file that were already in the ledger with identical content.
    public var rowsDuplicate: Int

    public init(
        id: Int64, name: String, sha256: String, kind: LedgerKind, byteCount: Int64, recordedAt: Instant,
        rowsAccepted: Int, rowsDuplicate: Int
    ) {
        self.id = id
        self.name = name
        self.sha256 = sha256
        self.kind = kind
        self.byteCount = byteCount
        self.recordedAt = recordedAt
        self.rowsAccepted = rowsAccepted
        self.rowsDuplicate = rowsDuplicate
    }
}

public enum AppendOutcome: Sendable, Hashable {
    /// The file's sha256 was already ingested: nothing was done.
    case knownFile(IngestedFile)
    /// The file landed: its record, with the accepted and duplicate row counts.
    case appended(IngestedFile)
    /// Nothing of the file entered the ledger: conflicts with rows already there (each error shows
    /// the key and both versions) or rows inconsistent with the ledger (a transfer RECEIVE whose SKU
    /// differs from its SHIP row's).
    case rejected([RowError])
}

/// A ledger row as stored: the row plus when we learned it and where it came from.
public struct StoredRow: Sendable, Hashable {
    public var row: LedgerRow
    public var recordedAt: Instant
    public var fileID: Int64
    public var fileName: String
    /// The row's number in its source file (header = 1).
    public var sourceRow: Int { row.sourceRow }

    public init(row: LedgerRow, recordedAt: Instant, fileID: Int64, fileName: String) {
        self.row = row
        self.recordedAt = recordedAt
        self.fileID = fileID
        self.fileName = fileName
    }
}

/// A break in a ledger table's hash chain: the row whose stored hash does not match.
public struct ChainBreak: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var sequence: Int64
    public var expected: String
    public var found: String

    public init(table: String, sequence: Int64, expected: String, found: String) {
        self.table = table
        self.sequence = sequence
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "\(table) row \(sequence): stored hash \(found) but the chain gives \(expected)"
    }
}

public enum StoreError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(String)
    case sql(statement: String, message: String)
    case recordedAtBackwards(latest: Instant, requested: Instant)
    case schemaTooNew(found: Int, supported: Int)
    case badLocator(String)

    public var description: String {
        switch self {
        case .cannotOpen(let message): return "cannot open the ledger: \(message)"
        case .sql(let statement, let message):
            return "database error: \(message) (while running: \(statement.prefix(120)))"
        case .recordedAtBackwards(let latest, let requested):
            return "recorded_at \(requested) is before the latest ingest (\(latest)): knowledge never goes "
                + "backwards; choose a later --recorded-at"
        case .schemaTooNew(let found, let supported):
            return "the ledger's schema is version \(found) but this program knows up to \(supported): "
                + "upgrade countinghouse"
        case .badLocator(let message): return message
        }
    }
}

/// The append-only, bitemporal ledger with its cost cache and closed periods: everything a command
/// asks of a ledger. Both implementations pass the same test suite.
public protocol LedgerStore: AnyObject {
    /// Applies pending schema migrations (idempotent) and returns the schema version.
    @discardableResult func migrate() throws -> Int

    /// The latest recorded_at of any ingest, or nil for an empty ledger.
    func latestRecordedAt() throws -> Instant?

    /// Appends one file in one transaction (see the file comment for the semantics). Refuses with
    /// `StoreError.recordedAtBackwards` when `file.recordedAt` is before the latest ingest's.
    /// `produceRows` is called once, inside the transaction, and hands every row of the file to
    /// `emit` in file order, so a large file streams through; if it throws, the transaction is
    /// rolled back and the error rethrown (nothing of the file stays).
    func append(
        _ file: IngestFileInfo, rows produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome

    /// Every ingested file, in ingest order.
    func files() throws -> [IngestedFile]

    /// Every row of a kind recorded at or before `knownAt` (all rows when nil), in ledger order.
    func rows(of kind: LedgerKind, knownAt: Instant?) throws -> [StoredRow]

    /// Recomputes every table's hash chain and lists the rows where it breaks.
    func verifyHashChains() throws -> [ChainBreak]

    /// Every row of a kind recorded at or before `knownAt` ("as known at") whose occurred_at is at or
    /// before `occurredAtOrBefore` ("as of"; kinds without occurred_at are not filtered by it), in
    /// ledger order; nil means no limit. Both are index range scans in the stores.
    func rows(of kind: LedgerKind, knownAt: Instant?, occurredAtOrBefore: Instant?) throws -> [StoredRow]

    // MARK: The cost cache and the checks `verify` runs (see CostCache.swift and PlainStock.swift)

    /// Brings the cost cache up to date with every ingested file, repricing only the SKUs with
    /// rows in files ingested since, each from its last checkpoint before its earliest new row;
    /// with `rebuild`, drops it and recomputes everything. Checkpoints are kept at settled day
    /// boundaries at least `checkpointSpacing` events apart.
    func refreshCostCache(rebuild: Bool, checkpointSpacing: Int) throws -> CostCacheRefresh
    /// The last file the cost cache includes, or nil when there is no cache.
    func costCacheThroughFileID() throws -> Int64?
    /// Cached outflows with `from ≤ occurred_at < to`.
    func cachedCogs(from: Instant, to: Instant) throws -> [CogsLine]
    /// Cached positions through an instant (inclusive), optionally of one SKU.
    func cachedPositions(through: Instant, sku: String?) throws -> [StockPosition]
    /// Everything the cache holds.
    func cachedContents() throws -> CostCacheContents
    /// Every stock event's posting (what the journal books for it), by SKU and sequence.
    func cachedStockPostings() throws -> [StockPosting]
    /// Engine runs over every row in files up to `throughFileID`, computed now, apart from the cache.
    func costRuns(skus: Set<String>?, throughFileID: Int64) throws -> [SKUCostRun]
    /// The same, each SKU's run emitting checkpoints at the given boundaries (for `verify`).
    func costRuns(skus: Set<String>?, throughFileID: Int64, checkpointBoundaries: [String: Set<Instant>]) throws
        -> [SKUCostRun]
    /// Every cached checkpoint and reference link, by SKU.
    func cachedCheckpoints() throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink])
    /// On-hand units as plain signed sums in SQL (counts as observations).
    func plainOnHand(throughFileID: Int64) throws -> [SKULocation: Int64]

    // MARK: Closed periods (see PostedPeriods.swift)

    /// Every closed period with its posted entries, in period order.
    func closedPeriods() throws -> [ClosedPeriod]
    /// A file posted with a period's close, or nil.
    func postedFile(period: String, name: String) throws -> PostedFile?
    /// Posts a close: the period, its entries and files, in one transaction. `filesKnown` is how
    /// many ingested files the close was computed from; if the ledger now has another number of
    /// files recorded by the close's time, nothing is posted (`PostedPeriodError.ledgerChanged`).
    func postClose(_ period: ClosedPeriod, files: [PostedFile], filesKnown: Int, programVersion: String) throws
}

extension LedgerStore {
    /// A default for other conformers: filters `rows(of:knownAt:)` in memory.
    public func rows(of kind: LedgerKind, knownAt: Instant?, occurredAtOrBefore: Instant?) throws -> [StoredRow] {
        let all = try rows(of: kind, knownAt: knownAt)
        guard let limit = occurredAtOrBefore else { return all }
        return all.filter { stored in stored.row.occurredAt.map { $0 <= limit } ?? true }
    }
}

extension LedgerStore {
    /// Brings the cost cache up to date with checkpoints at the usual spacing.
    public func refreshCostCache(rebuild: Bool) throws -> CostCacheRefresh {
        try refreshCostCache(rebuild: rebuild, checkpointSpacing: CostReplay.defaultSpacing)
    }
}
