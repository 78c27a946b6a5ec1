// The database driver: the few operations in which SQLite and PostgreSQL differ, behind one
// internal protocol, so that everything else a store does is written once (SQLLedgerStore and its
// extensions: the append frame, migrations, verify, the cost cache, closed periods).
//
// Place in the pipeline: `SQLiteDatabase` (SQLiteStore.swift) and `PostgresDatabase`
// (PostgresStore.swift) implement it on their connection; `SQLLedgerStore` holds one and is the
// only caller. Placeholders are `$1`, `$2`, … in both (SQLite reads them as `?1`, `?2`, …).
// Invariants: a driver only runs SQL its own database understands; the shared SQL passed to it is
// portable (plain tables, indexes, joins, `coalesce`, `ORDER BY … LIMIT`), so the PostgreSQL path
// stays open to PostgreSQL-compatible distributed engines.
// Errors a user can see: the `StoreError`s each driver maps its failures to.
import CountinghouseCore

/// The producer of a file's rows, as `LedgerStore.append` takes it.
typealias RowProducer = (_ emit: (LedgerRow) throws -> Void) throws -> Void

/// Which writers a write transaction keeps out. SQLite has one writer lock for the whole file, so
/// there every write transaction excludes every other; PostgreSQL takes one table lock per kind,
/// so an ingest and a cost refresh run side by side there (under READ COMMITTED each statement
/// sees what was committed when it began: a refresh reads only the files up to the last one it
/// covers, `file_id <= lastFile`, so a file landing meanwhile is left for the next refresh).
enum WriteLock {
    /// Appending a file or posting a close: the next file id, the chain heads and the count of
    /// files known are decided with no other file landing.
    case ledger
    /// Migrating the schema or restoring its triggers.
    case schema
    /// Migrating a ledger that holds files: the schema lock and the ledger's, so that no file lands
    /// while a migration fills rows derived from the files.
    case schemaAndLedger
    /// Refreshing the cost cache.
    case costCache
    /// Repricing one part of a shared refresh of the cost cache: beside the other parts, never
    /// beside a whole refresh.
    case costCachePart
    /// Appending a run's record: the next run id is decided with no other record landing.
    case runs
}

/// Where a file's rows start: decided by the shared append frame under the ledger lock.
struct AppendStart {
    var fileID: Int64
    /// The table's last seq (0 when it holds no row).
    var lastSequence: Int64
    /// The digest the first new row chains from (the last row's, or `HashChain.genesis`).
    var chainHead: [UInt8]
    var tableIsEmpty: Bool { lastSequence == 0 }
}

/// What a driver's append engine did with a file's rows (inside the transaction).
enum AppendedRows {
    /// Some rows were refused: the caller rolls back.
    case rejected([RowError])
    /// Every row is in (new rows inserted, duplicates skipped); the table's chain now ends at
    /// `chainHead`.
    case landed(accepted: Int, duplicates: Int, chainHead: [UInt8])
}

protocol LedgerDatabase: AnyObject {
    /// The ledger as messages name it (a SQLite path; a PostgreSQL locator, password redacted).
    var ledgerName: String { get }

    // MARK: SQL

    /// Runs a query and returns its rows; `integerColumns` says how to read each column.
    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]]
    /// The same, one row at a time, without holding them all: `body` sees each row (its array is
    /// reused for the next one).
    func forEachRow(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool], _ body: ([FieldValue]) throws -> Void) throws
    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ parameters: [FieldValue]) throws
    /// Runs raw SQL, possibly several statements, without parameters.
    func execute(_ sql: String) throws
    /// Inserts many rows into a table in one go (prepared statement on SQLite, COPY on PostgreSQL).
    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws
    /// Ledger rows of a kind matching SQL conditions on the ledger alias `l` (their placeholders
    /// bound to `parameters`), in ledger order.
    func storedRows(of kind: LedgerKind, where conditions: [String], _ parameters: [FieldValue]) throws -> [StoredRow]
    /// The same rows handed to `body` one at a time as they are read, in ledger order: memory
    /// follows one row (SQLite's cursor) or one page of `pageSize` rows (PostgreSQL, whose client
    /// library holds a whole result: pages by `seq` ranges), not the table. (Its conditions are
    /// on knowledge times only: nothing to bind.)
    func forEachStoredRow(of kind: LedgerKind, where conditions: [String], pageSize: Int, _ body: (StoredRow) throws -> Void) throws
    /// Whether a table of this name exists where the store's unqualified names resolve.
    func tableExists(_ table: String) throws -> Bool

    // MARK: Transactions (only `SQLLedgerStore.inWriteTransaction` and `readingOneSnapshot` call these)

    /// Starts a write transaction holding `lock`, waiting for another writer's lock as `wait`
    /// says; `StoreError.busy` when the lock is not obtained.
    func beginWrite(_ lock: WriteLock, wait: LockWait) throws
    /// Starts a read-only transaction whose reads all see one snapshot (ended by `rollback`).
    func beginReadSnapshot() throws
    func commit() throws
    /// Rolls back the open transaction, if any (never throws: it runs on the way out of a failure).
    func rollback()

    // MARK: Dialect

    /// The type of an integer primary key that numbers rows in insert order (`seq`, `files.id`).
    var integerPrimaryKey: String { get }
    /// What follows a text expression in ORDER BY to order it by its bytes, as SEMANTICS §3.2 orders
    /// document ids (SQLite's default; PostgreSQL's default follows the database's locale).
    var byteOrder: String { get }
    /// Statements run once before the first append-only trigger is created.
    var appendOnlySetup: [String] { get }
    /// The statements that make a table append-only (refuse UPDATE, DELETE and, where the database
    /// has it, TRUNCATE).
    func appendOnlyTriggers(_ table: String) -> [String]
    /// What differs, for each of these tables, from what `appendOnlySetup` and
    /// `appendOnlyTriggers` create (read from the database's catalog).
    func appendOnlyProblems(_ tables: [String]) throws -> [AppendOnlyProblem]
    /// The statements that re-create what these problems name (dropping what is there first).
    func restoringAppendOnly(_ problems: [AppendOnlyProblem]) -> [String]
    /// The append-only tables beside `AppendOnlyTables.all` that this ledger's layout adds (a
    /// partitioned PostgreSQL ledger's partitions and key tables; none on SQLite).
    func layoutTables() throws -> [String]
    /// After the migrations that created a new ledger, in their transaction: the layout the
    /// driver gives a new ledger (PostgreSQL: `PostgresLayout.forNewLedgers`).
    func shapeNewLedger() throws

    // MARK: Appending

    /// Streams a file's rows into its ledger table after `start`, deciding each row with
    /// `AppendRules`; called inside the ledger write transaction, before the file's record exists.
    func appendRows(_ file: IngestFileInfo, after start: AppendStart, _ produceRows: RowProducer) throws -> AppendedRows

    // MARK: The run lock (RunLock.swift)

    /// Takes the run lock without waiting (`StoreError.busy(lock: .run)` when another run holds
    /// it); the lock is held until the holder is released or deinitialised.
    func acquireRunLock() throws -> sending any RunLockHolder
}

extension String {
    /// `$1` → `?1` for SQLite, outside quoted text: a string literal ('PROMO$1') and quoted
    /// identifiers stay as they are, as do comments
    /// (`--` to the end of the line, `/* … */`), which may hold an apostrophe.
    func replacingDollarPlaceholders() -> String {
        let scalars = Array(unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        func isDigit(_ at: Int) -> Bool { at < scalars.count && scalars[at] >= "0" && scalars[at] <= "9" }
        /// Copies from `index` up to and including the end of the quoted text, comment or line.
        func copy(through end: (Int) -> Bool) {
            while index < scalars.count {
                result.append(scalars[index])
                index += 1
                if end(index - 1) { return }
            }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar == "'" || scalar == "\"" {
                // The quote itself, then up to its closing quote (a doubled quote closes and
                // reopens, which copies it the same).
                result.append(scalar)
                index += 1
                copy { scalars[$0] == scalar }
            } else if scalar == "-" && next == "-" {
                copy { scalars[$0] == "\n" }
            } else if scalar == "/" && next == "*" {
                let opened = index
                copy { $0 >= opened + 3 && scalars[$0 - 1] == "*" && scalars[$0] == "/" }
            } else if scalar == "$" && isDigit(index + 1) {
                result.append("?")
                index += 1
            } else {
                result.append(scalar)
                index += 1
            }
        }
        return String(result)
    }
}
