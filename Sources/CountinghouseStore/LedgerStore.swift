// The ledger store: the one interface both databases implement.
//
// Place in the pipeline: ingest validates a file into `LedgerRow`s; a store appends them in one
// transaction, with the semantics of SEMANTICS §1: a file whose sha256 is known is skipped whole;
// a row whose natural key is known with identical content is a duplicate; with different content
// it is a conflict that rejects the file (both versions shown); `recorded_at` never goes backwards.
// Ledger tables are append-only in the database itself (triggers refuse UPDATE, DELETE, TRUNCATE),
// every row carries a sha256 chained to the previous row of its table, and every file records its
// accepted rows and its table's chain head after them (the anchors). One writer at a time; readers
// never wait for it (except on PostgreSQL during the first load into an empty table, whose indexes
// are dropped and rebuilt under an exclusive lock: see PostgresAppender).
// Errors a user can see: `StoreError`: the ledger missing (a command other than `init` creates
// nothing), unreachable, busy (another writer holds the lock, or another run the run lock), read-only, SQL failures, knowledge
// going backwards, a schema newer than this program.
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
/// One copy of each file's name for all the rows read from it: a year's rows would otherwise hold
/// a million copies of a few hundred names.
struct FileNames {
    private var byID: [Int64: String] = [:]

    /// `stored` with its file name shared with the other rows of its file.
    mutating func shared(_ stored: StoredRow) -> StoredRow {
        guard let name = byID[stored.fileID] else {
            byID[stored.fileID] = stored.fileName
            return stored
        }
        var row = stored
        row.fileName = name
        return row
    }
}

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

/// A break in a ledger table's hash chain: the row whose stored hash does not match, named by its
/// source file, row and natural key (what a person can look up), and its place in the table.
public struct ChainBreak: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var sequence: Int64
    /// The row's file as the ledger names it ("(unknown file)" when its file row is gone), its row
    /// in that file, and its natural key as `column=value` pairs.
    public var fileName: String
    public var sourceRow: Int
    public var naturalKey: String
    public var expected: String
    public var found: String
    /// The ledger sequences missing just before this row (seqs run 1, 2, 3 … in every table, so a
    /// gap is a row deleted from the middle); empty when the row itself was altered. The row after
    /// a gap chained from the deleted row, so its own hash is not what the chain gives either: the
    /// gap is the one finding.
    public var missingBefore: ClosedRange<Int64>?

    public init(
        table: String, sequence: Int64, fileName: String, sourceRow: Int, naturalKey: String, expected: String, found: String,
        missingBefore: ClosedRange<Int64>? = nil
    ) {
        self.table = table
        self.sequence = sequence
        self.fileName = fileName
        self.sourceRow = sourceRow
        self.naturalKey = naturalKey
        self.expected = expected
        self.found = found
        self.missingBefore = missingBefore
    }

    public var description: String {
        let row = "the row of \(fileName) row \(sourceRow) \(naturalKey) (ledger sequence \(sequence))"
        if let missing = missingBefore {
            let gone = missing.count == 1
                ? "ledger sequence \(missing.lowerBound) is gone" : "ledger sequences \(missing.lowerBound)–\(missing.upperBound) are gone"
            return "\(table): \(gone), just before \(row): deleted behind the program's back"
        }
        return "\(table): \(row) was altered behind the "
            + "program's back: its stored hash \(found.prefix(12))… is not the chain's \(expected.prefix(12))…"
    }
}

/// The lock another process held when a store refused with `StoreError.busy`.
public enum LedgerLock: Sendable, Hashable {
    /// The ledger's write lock (an ingest, a close, a cost refresh, a migration, a run record).
    case write
    /// The run lock: one `countinghouse run` at a time per ledger (RunLock.swift).
    case run
}

/// Why a ledger that a command needs is not there (`StoreError.ledgerMissing`).
public enum MissingLedger: Sendable, Hashable {
    /// No SQLite file at the path (and none was created).
    case noFile
    /// The SQLite file or the PostgreSQL database exists but holds no ledger schema.
    case noSchema
    /// The PostgreSQL server has no database of that name.
    case noDatabase
}

public enum StoreError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(String)
    case sql(statement: String, message: String)
    case recordedAtBackwards(latest: Instant, requested: Instant)
    case schemaTooNew(found: Int, supported: Int)
    case badLocator(String)
    /// Another process holds a lock the command needs: another writer (an ingest, a close or a cost
    /// refresh) held the ledger's write lock for longer than the store would wait (`waitedSeconds`,
    /// 0 for a no-wait refresh), or another `countinghouse run` holds the run lock (`lock: .run`,
    /// refused at once).
    case busy(ledger: String, waitedSeconds: Double, lock: LedgerLock = .write)
    /// The ledger refuses writes (a read-only file or directory, a read-only PostgreSQL server or
    /// transaction); `detail` says what refused.
    case readOnly(ledger: String, detail: String)
    /// The database cannot be reached, or the connection to it was lost mid-run; `detail` says which
    /// and what the server or the library said.
    case unreachable(ledger: String, detail: String)
    /// The ledger a command other than `init` needs does not exist (nothing was created).
    case ledgerMissing(ledger: String, reason: MissingLedger)

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
        case .busy(let ledger, _, .run):
            return "another countinghouse run holds the ledger \(ledger): one run at a time, so this one did nothing. "
                + "Run it again when that run has finished"
        case .busy(let ledger, let waitedSeconds, .write):
            let waited = waitedSeconds > 0 ? " and still held it after waiting for \(Self.seconds(waitedSeconds))" : ""
            return "the ledger \(ledger) is busy: another process (an ingest, a close or a cost refresh) holds its "
                + "write lock\(waited); nothing was written. Run the command again when that process has finished"
        case .readOnly(let ledger, let detail):
            return "the ledger \(ledger) is read-only: \(detail); nothing was written"
        case .unreachable(let ledger, let detail):
            return "the ledger's database \(ledger) cannot be reached: \(detail)"
        case .ledgerMissing(let ledger, let reason):
            switch reason {
            case .noFile:
                return "no ledger at \(ledger): the file does not exist (nothing was created). Check the database "
                    + "path (--database, COUNTINGHOUSE_DATABASE or countinghouse.toml), or run `countinghouse init` "
                    + "to create a ledger there"
            case .noSchema:
                return "\(ledger) is not a Countinghouse ledger (it holds no ledger schema; nothing was changed). "
                    + "Check the database setting, or run `countinghouse init` to create a ledger there"
            case .noDatabase:
                return "no ledger at \(ledger): the PostgreSQL server has no such database. Check the database "
                    + "setting, or create the database (createdb) and run `countinghouse init`"
            }
        }
    }

    /// `10 s`, `0.25 s`: whole seconds without a fraction.
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() && value < 1e9 ? "\(Int(value)) s" : "\(value) s"
    }
}

/// How a store is opened (`openLedgerStore`).
public enum LedgerOpenMode: Sendable, Hashable {
    /// For `init`: creates the ledger when it does not exist (a SQLite file, the schema in an
    /// existing PostgreSQL database) and migrates an older schema; `migrate()` on such a store also
    /// re-creates missing or altered append-only triggers.
    case createOrMigrate
    /// For every other command: refuses a ledger that does not exist (`StoreError.ledgerMissing`,
    /// creating nothing); migrates a ledger whose schema is older (that takes the write lock);
    /// takes no lock at all when the schema is current.
    case existingOnly
}

/// How long a writer waits for another writer's lock when the caller does not say.
public let defaultBusyTimeoutSeconds: Double = 10

/// Whether a write waits for another writer's lock.
public enum LockWait: Sendable, Hashable {
    /// Up to the busy timeout the store was opened with, then `StoreError.busy`.
    case upToBusyTimeout
    /// `StoreError.busy` at once.
    case noWait
}

/// What `migrate()` did.
public struct MigrationReport: Sendable, Hashable {
    /// The schema version the ledger has now.
    public var version: Int
    /// The versions applied since the store was opened, in order (from 1 when it was created);
    /// empty when the schema was already current.
    public var appliedVersions: [Int]
    /// The append-only triggers that were missing, altered or disabled and have been re-created
    /// (only a store opened `.createOrMigrate` restores them).
    public var restoredTriggers: [AppendOnlyProblem]

    public init(version: Int, appliedVersions: [Int], restoredTriggers: [AppendOnlyProblem] = []) {
        self.version = version
        self.appliedVersions = appliedVersions
        self.restoredTriggers = restoredTriggers
    }
}

/// The append-only, bitemporal ledger with its cost cache and closed periods: everything a command
/// asks of a ledger. Both implementations pass the same test suite.
public protocol LedgerStore: AnyObject {
    /// Applies pending schema migrations (idempotent) and says what it did; a store opened
    /// `.createOrMigrate` (for `init`) also re-creates missing, altered or disabled append-only
    /// triggers. Takes the write lock only when there is something to do.
    @discardableResult func migrate() throws -> MigrationReport

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

    /// Compares each file's anchor (its accepted row count and its table's chain head after it) with
    /// the ledger, and each table's last row with its last file's anchor: finds rows deleted or added
    /// behind the program's back, even at the end of a table (see FileAnchors.swift).
    func verifyAnchors() throws -> [AnchorBreak]

    /// Every append-only table whose trigger is missing, altered or disabled.
    func verifyAppendOnlyTriggers() throws -> [AppendOnlyProblem]

    /// Runs `body`'s reads on one snapshot of the ledger (a read-only transaction): a file landing
    /// meanwhile is either wholly seen or not at all, so checks that read several tables (verify's
    /// chains and anchors) never mistake an ingest in progress for tampering. Never waits for a
    /// writer.
    func readingOneSnapshot<T>(_ body: () throws -> T) throws -> T

    /// Every row of a kind recorded at or before `knownAt` ("as known at") whose occurred_at is at or
    /// before `occurredAtOrBefore` ("as of"; kinds without occurred_at are not filtered by it), in
    /// ledger order; nil means no limit. Both are index range scans in the stores.
    func rows(of kind: LedgerKind, knownAt: Instant?, occurredAtOrBefore: Instant?) throws -> [StoredRow]

    /// The rows `rows(of:knownAt:)` returns, handed to `body` one at a time as they are read, so
    /// that a reader keeping only what it needs of them never holds the whole table.
    func forEachRow(of kind: LedgerKind, knownAt: Instant?, _ body: (StoredRow) throws -> Void) throws

    // MARK: The cost cache and the checks `verify` runs (see CostCache.swift and PlainStock.swift)

    /// Brings the cost cache up to date with every ingested file, repricing only the SKUs with
    /// rows in files ingested since, each from its last checkpoint before its earliest new row;
    /// with `rebuild`, drops it and recomputes everything. Checkpoints are kept at settled day
    /// boundaries at least `checkpointSpacing` events apart. A refresh is a writer: when the cache
    /// already includes every file it returns at once without taking the write lock; otherwise it
    /// waits for another writer as `lockWait` says (`.noWait`: `StoreError.busy` at once, so a
    /// reader can compute its costs from the ledger rows instead). `progress` hears how many of the
    /// SKUs to reprice are done, after each chunk (the nightly run's progress bar).
    func refreshCostCache(
        rebuild: Bool, checkpointSpacing: Int, lockWait: LockWait, progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> CostCacheRefresh
    /// What a refresh shared by several workers is to do (nil: the cache includes every file).
    func costCacheRefreshPlan(rebuild: Bool) throws -> CostCacheRefreshPlan?
    /// Reprices one part of a shared refresh (see CostCache.swift).
    func refreshCostCachePart(_ plan: CostCacheRefreshPlan, part: Int, of parts: Int, checkpointSpacing: Int) throws
        -> CostCacheRefresh
    /// Ends a shared refresh once every part is repriced.
    func finishCostCacheRefresh(_ plan: CostCacheRefreshPlan) throws
    /// The last file the cost cache includes, or nil when there is no cache.
    func costCacheThroughFileID() throws -> Int64?
    /// Cached outflows with `from ≤ occurred_at < to`.
    func cachedCogs(from: Instant, to: Instant) throws -> PackedCogsLines
    /// How many there are (counted through the occurred_at index, none read).
    func cachedCogsCount(from: Instant, to: Instant) throws -> Int
    /// Cached outflows with units still pending and `occurred_at < before` (read without the rest).
    func cachedPendingCogs(before: Instant) throws -> [CogsLine]
    /// Cached positions through an instant (inclusive), optionally of one SKU.
    func cachedPositions(through: Instant, sku: String?) throws -> [StockPosition]
    /// Everything the cache holds.
    func cachedContents() throws -> CostCacheContents
    /// What the cache holds of the given SKUs (all when nil).
    func cachedContents(skus: Set<OpaqueID>?) throws -> CostCacheContents
    /// Every SKU with a stock row in the ledger or anything in the cost cache, in byte order (the
    /// SKUs `verify` rebuilds, a chunk at a time).
    func costSKUs() throws -> [String]
    /// How many stock rows the ledger holds (for sizing the chunks of a rebuild).
    func stockRowCount() throws -> Int64
    /// Every stock event's posting (what the journal books for it), by SKU and sequence.
    func cachedStockPostings() throws -> [StockPosting]
    /// The same, handed to `body` one at a time as they are read.
    func forEachCachedStockPosting(_ body: (StockPosting) throws -> Void) throws
    /// Engine runs over every row in files up to `throughFileID`, computed now, apart from the cache.
    func costRuns(skus: Set<OpaqueID>?, throughFileID: Int64) throws -> [SKUCostRun]
    /// The same, each SKU's run emitting checkpoints at the given boundaries (for `verify`).
    func costRuns(skus: Set<OpaqueID>?, throughFileID: Int64, checkpointBoundaries: [OpaqueID: Set<Instant>]) throws
        -> [SKUCostRun]
    /// Runs of some SKUs from their cached checkpoints at or before `notAfter`, stopping at their
    /// first at or after `until`, while the cache holds exactly the files up to `throughFileID`
    /// (nil otherwise; see `SQLLedgerStore`).
    func costRunsFromCheckpoints(skus: [String], notAfter: Instant, until: Instant, throughFileID: Int64) throws -> [StartedRun]?
    /// Every cached checkpoint and reference link, by SKU.
    func cachedCheckpoints() throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink])
    /// The same of the given SKUs (all when nil).
    func cachedCheckpoints(skus: Set<OpaqueID>?) throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink])
    /// On-hand units as plain signed sums in SQL (counts as observations).
    func plainOnHand(throughFileID: Int64) throws -> [SKULocation: Int64]

    // MARK: Closed periods (see PostedPeriods.swift)

    /// Every closed period with its posted entries, in period order.
    func closedPeriods() throws -> [ClosedPeriod]
    /// A file posted with a period's close, or nil.
    func postedFile(period: Period, name: String) throws -> PostedFile?
    /// Posts a close: the period, its entries and files, in one transaction. `filesKnown` is how
    /// many ingested files the close was computed from; if the ledger now has another number of
    /// files recorded by the close's time, nothing is posted (`PostedPeriodError.ledgerChanged`).
    func postClose(_ period: ClosedPeriod, files: [PostedFile], filesKnown: Int) throws

    // MARK: The nightly run (see RunRecords.swift and RunLock.swift)

    /// Appends a run's record (its `id` is ignored) and returns the id the store gave it: 1, 2, 3 …
    /// in append order. A writer of the runs table only: it waits for another run record being
    /// appended (up to the busy timeout), not for an ingest, a close or a cost refresh on PostgreSQL
    /// (SQLite has one writer lock for the whole file).
    func appendRun(_ record: RunRecord) throws -> Int64
    /// Every run's record, in id order.
    func runs() throws -> [RunRecord]
    /// The record of one run, or nil.
    func run(id: Int64) throws -> RunRecord?
    /// Takes the run lock, one `countinghouse run` at a time per ledger, without waiting:
    /// `StoreError.busy(lock: .run)` at once when another run holds it. The lock is independent of
    /// the write lock (a run holding it ingests, closes and refreshes as any writer does) and is held
    /// until `RunLock.release()`, the lock's deinit or the end of the process.
    func acquireRunLock() throws -> RunLock
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
    /// Brings the cost cache up to date with checkpoints at the usual spacing, waiting for another
    /// writer up to the busy timeout.
    public func refreshCostCache(rebuild: Bool) throws -> CostCacheRefresh {
        try refreshCostCache(rebuild: rebuild, checkpointSpacing: CostReplay.defaultSpacing, lockWait: .upToBusyTimeout)
    }

    /// The same, waiting for another writer as `lockWait` says.
    public func refreshCostCache(rebuild: Bool, lockWait: LockWait) throws -> CostCacheRefresh {
        try refreshCostCache(rebuild: rebuild, checkpointSpacing: CostReplay.defaultSpacing, lockWait: lockWait)
    }

    /// The same, with checkpoints at the given spacing, waiting up to the busy timeout.
    public func refreshCostCache(rebuild: Bool, checkpointSpacing: Int) throws -> CostCacheRefresh {
        try refreshCostCache(rebuild: rebuild, checkpointSpacing: checkpointSpacing, lockWait: .upToBusyTimeout)
    }

    /// The same, without telling anyone how far it got.
    public func refreshCostCache(rebuild: Bool, checkpointSpacing: Int, lockWait: LockWait) throws -> CostCacheRefresh {
        try refreshCostCache(rebuild: rebuild, checkpointSpacing: checkpointSpacing, lockWait: lockWait, progress: nil)
    }
}
