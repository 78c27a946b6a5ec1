// The ledger in one SQLite file (WAL journal, nothing to start): the default store.
//
// Place in the pipeline: `openLedgerStore` returns a `SQLiteStore` for a file path (default
// `./countinghouse.sqlite`); it is `SQLLedgerStore` over `SQLiteDatabase`, the driver below, whose
// append engine is in SQLiteAppender.swift. Invariants: every write transaction is BEGIN
// IMMEDIATE, holding SQLite's single writer lock from its start, so the recorded_at check, the hash
// chain and the file id are decided with nobody else writing; a second writer waits up to the busy
// timeout for it (or not at all, for a no-wait cost refresh) and then fails with
// `StoreError.busy`. Readers never wait for a writer: in WAL mode a read sees the last committed
// snapshot without any lock a writer holds (the busy timeout only covers the rare moments another
// connection recovers or restarts the WAL). Triggers refuse UPDATE and DELETE on ledger tables and
// `files` (SQLite has no TRUNCATE; DELETE covers it). The run lock is a flock(2) on
// `<path>.run-lock` (RunLock.swift). Statements run only through
// `SQLiteConnection` (the one file that touches `sqlite3*`).
// Errors a user can see: `StoreError` (no such file for a command other than init, cannot open the
// file, busy, read-only, SQL failures, recorded_at going backwards, a schema newer than this
// program) and the `RowError`s of a rejected file.
import CountinghouseCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class SQLiteStore: SQLLedgerStore {
    public let path: String
    let driver: SQLiteDatabase
    /// The store's connection (tests read the catalog through it).
    var connection: SQLiteConnection { driver.connection }

    /// Opens the SQLite file at `path` in WAL mode: with `.createOrMigrate`, creating it when absent;
    /// with `.existingOnly`, refusing a missing file (`StoreError.ledgerMissing`) without creating it.
    /// The schema is not touched: `openLedgerStore` checks and migrates it (or call `migrate()`).
    public init(
        path: String, mode: LedgerOpenMode = .createOrMigrate, busyTimeoutSeconds: Double = defaultBusyTimeoutSeconds
    ) throws {
        self.path = path
        driver = try SQLiteDatabase(path: path, mode: mode, busyTimeoutSeconds: busyTimeoutSeconds)
        super.init(database: driver, mode: mode)
    }
}

/// The SQLite driver: the shared SQL run on one connection, BEGIN IMMEDIATE transactions, SQLite's
/// triggers, and the append engine (SQLiteAppender.swift).
final class SQLiteDatabase: LedgerDatabase {
    let connection: SQLiteConnection
    /// Statements prepared once per kind and reused for every row of every file (SQLiteAppender).
    var appendStatements: [LedgerKind: SQLiteAppendStatements] = [:]
    /// The run lock of a temporary or in-memory database, which only this connection sees.
    private let privateRunLock = PrivateRunLock()

    var ledgerName: String { connection.path }

    init(path: String, mode: LedgerOpenMode, busyTimeoutSeconds: Double) throws {
        // Checked first, because SQLite would otherwise create the file (or say only "unable to open").
        if mode == .existingOnly && access(path, F_OK) != 0 && errno == ENOENT {
            throw StoreError.ledgerMissing(ledger: path, reason: .noFile)
        }
        connection = try SQLiteConnection(
            path: path, create: mode == .createOrMigrate,
            busyTimeoutMilliseconds: Int32(clamping: Int64((max(0, busyTimeoutSeconds) * 1000).rounded())))
        do {
            // Before the journal mode is set (switching a file to WAL writes to it): a file that is
            // not a ledger is refused as it is.
            if mode == .existingOnly, try !tableExists("schema_migrations") {
                throw StoreError.ledgerMissing(ledger: path, reason: .noSchema)
            }
            try connection.execute(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \(Self.readingCacheSize); PRAGMA temp_store=MEMORY")
        } catch let error as StoreError {
            if case .sql = error { throw StoreError.cannotOpen("\(path) is not a usable SQLite database: \(error)") }
            throw error
        }
    }

    // MARK: SQL

    private func prepared(_ sql: String, _ parameters: [FieldValue]) throws -> SQLiteStatement {
        let statement = try connection.prepare(sql.replacingDollarPlaceholders())
        for (index, parameter) in parameters.enumerated() { try statement.bind(parameter, at: Int32(index + 1)) }
        return statement
    }

    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]] {
        let statement = try prepared(sql, parameters)
        var rows: [[FieldValue]] = []
        while try statement.step() {
            rows.append(integerColumns.enumerated().map { statement.value(Int32($0.offset), integer: $0.element) })
        }
        return rows
    }

    func forEachRow(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool], _ body: ([FieldValue]) throws -> Void) throws {
        let statement = try prepared(sql, parameters)
        var row: [FieldValue] = []
        row.reserveCapacity(integerColumns.count)
        while try statement.step() {
            row.removeAll(keepingCapacity: true)
            for (index, integer) in integerColumns.enumerated() { row.append(statement.value(Int32(index), integer: integer)) }
            try body(row)
        }
    }

    func run(_ sql: String, _ parameters: [FieldValue]) throws {
        try prepared(sql, parameters).run()
    }

    func execute(_ sql: String) throws { try connection.execute(sql) }

    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws {
        guard !rows.isEmpty else { return }
        let placeholders = columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
        let insert = try connection.prepare(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
        for row in rows {
            for (index, value) in row.enumerated() { try insert.bind(value, at: Int32(index + 1)) }
            try insert.run()
        }
    }

    func storedRows(of kind: LedgerKind, where conditions: [String], _ parameters: [FieldValue]) throws -> [StoredRow] {
        let schema = kind.schema
        let query = try prepared(LedgerDDL.selectStored(schema, where: conditions), parameters)
        var result: [StoredRow] = []
        var names = FileNames()
        while try query.step() { result.append(names.shared(Self.readStored(query, schema))) }
        return result
    }

    /// A cursor: no pages (`pageSize` is PostgreSQL's).
    func forEachStoredRow(of kind: LedgerKind, where conditions: [String], pageSize: Int, _ body: (StoredRow) throws -> Void) throws {
        let schema = kind.schema
        let query = try connection.prepare(LedgerDDL.selectStored(schema, where: conditions))
        var names = FileNames()
        while try query.step() { try body(names.shared(Self.readStored(query, schema))) }
    }

    func tableExists(_ table: String) throws -> Bool {
        try !queryRows(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", [.text(table)], integerColumns: [true]
        ).isEmpty
    }

    /// Reads what `LedgerDDL.storedColumns` selects.
    static func readStored(_ query: SQLiteStatement, _ schema: KindSchema) -> StoredRow {
        let count = schema.columns.count
        var values: [FieldValue] = []
        values.reserveCapacity(count)
        for (index, column) in schema.columns.enumerated() {
            values.append(query.value(Int32(index + 1), integer: column.type.isInteger))
        }
        let base = Int32(count + 1)
        return StoredRow(
            row: LedgerRow(kind: schema.kind, values: values, sourceRow: Int(query.int64(base + 3))),
            recordedAt: Instant(nanosecondsSinceEpoch: query.int64(base)), fileID: query.int64(base + 1),
            fileName: query.isNull(base + 2) ? "(unknown file)" : query.text(base + 2))
    }

    // MARK: Transactions

    /// Every write takes SQLite's one writer lock at its start, whatever it writes: BEGIN IMMEDIATE
    /// waits for it up to the busy timeout (no time at all with `.noWait`), then SQLITE_BUSY, which
    /// the connection reports as `StoreError.busy`.
    func beginWrite(_ lock: WriteLock, wait: LockWait) throws {
        switch lock {
        case .costCache, .costCachePart: try connection.execute(Self.costWritingCacheSize)
        default: try connection.execute(Self.writingCacheSize)
        }
        switch wait {
        case .upToBusyTimeout:
            try connection.execute("BEGIN IMMEDIATE")
        case .noWait:
            try connection.withBusyTimeout(milliseconds: 0) { try connection.execute("BEGIN IMMEDIATE") }
        }
    }

    /// A deferred transaction: in WAL mode its first read fixes the snapshot every later read of
    /// it sees, and it takes no write lock.
    func beginReadSnapshot() throws { try connection.execute("BEGIN DEFERRED") }

    func commit() throws {
        try connection.execute("COMMIT")
        try connection.execute(Self.readingCacheSize)
    }

    func rollback() {
        try? connection.execute("ROLLBACK")
        try? connection.execute(Self.readingCacheSize)
    }

    /// The page cache while writing: up to 256 MiB (allocated only as pages are used). A large
    /// file's inserts touch every index of its table at scattered places, and with SQLite's default
    /// 2 MiB the transaction spills dirty pages to the WAL and reads them back many times over.
    static let writingCacheSize = "PRAGMA cache_size=-262144"
    /// The page cache while the cost cache is refreshed: 32 MiB. Its rows come a SKU at a time,
    /// appended in their tables' key order; only their occurred_at indexes take scattered inserts,
    /// and measured, 32 MiB writes a rebuild as fast as 256 MiB did (the year: 16.5 s both), where
    /// the larger cache was half the rebuild's memory (the year: 449 → 211 MB; three years: 531 →
    /// 287 MB).
    static let costWritingCacheSize = "PRAGMA cache_size=-32768"
    /// The page cache otherwise: 16 MiB. Reads scan the ledger in order (the operating system's
    /// cache serves a second reading as well), and a large cache would only make a report's memory
    /// grow with the length of the history it reads.
    static let readingCacheSize = "PRAGMA cache_size=-16384"

    // MARK: Dialect

    /// An alias of the rowid: the row's number in the table's B-tree, so inserts in seq order append.
    let integerPrimaryKey = "INTEGER PRIMARY KEY"

    /// BINARY, SQLite's default collation, compares bytes.
    let byteOrder = ""

    let appendOnlySetup: [String] = []

    /// One trigger per refused operation (SQLite's triggers fire per row; DELETE covers TRUNCATE).
    func appendOnlyTriggers(_ table: String) -> [String] { Self.triggers(table).map(\.sql) }

    private static func triggers(_ table: String) -> [(name: String, sql: String)] {
        ["UPDATE", "DELETE"].map { operation in
            let name = "\(table)_no_\(operation.lowercased())"
            return (
                name,
                "CREATE TRIGGER \(name) BEFORE \(operation) ON \(table) "
                    + "BEGIN SELECT RAISE(ABORT, '\(table) is append-only: \(operation) refused'); END"
            )
        }
    }

    /// SQLite keeps each trigger's CREATE statement as it was given: a trigger is in place when
    /// its name is there, on its table, with exactly the program's statement.
    func appendOnlyProblems(_ tables: [String]) throws -> [AppendOnlyProblem] {
        var present: [String: (table: String, sql: String)] = [:]
        for row in try queryRows(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'", [], integerColumns: [false, false, false])
        {
            present[row[0].description] = (row[1].description, row[2].description)
        }
        var problems: [AppendOnlyProblem] = []
        for table in tables {
            for expected in Self.triggers(table) {
                guard let found = present[expected.name] else {
                    problems.append(AppendOnlyProblem(table: table, trigger: expected.name, kind: .missing))
                    continue
                }
                if found.table != table {
                    problems.append(AppendOnlyProblem(
                        table: table, trigger: expected.name, kind: .altered(detail: "it is on \(found.table)")))
                } else if found.sql != expected.sql {
                    problems.append(AppendOnlyProblem(
                        table: table, trigger: expected.name, kind: .altered(detail: "it reads: \(found.sql.prefix(200))")))
                }
            }
        }
        return problems
    }

    func restoringAppendOnly(_ problems: [AppendOnlyProblem]) -> [String] {
        problems.flatMap { problem -> [String] in
            guard let expected = Self.triggers(problem.table).first(where: { $0.name == problem.trigger }) else { return [] }
            return ["DROP TRIGGER IF EXISTS \(problem.trigger)", expected.sql]
        }
    }

    /// One table per kind: the layout adds nothing.
    func layoutTables() throws -> [String] { [] }

    func shapeNewLedger() throws {}

    // MARK: The run lock

    /// flock(2) on `<path>.run-lock` beside the file; a flag of this store for a temporary (`""`) or
    /// in-memory database, which no other connection shares (RunLock.swift).
    func acquireRunLock() throws -> sending any RunLockHolder {
        let path = connection.path
        if path.isEmpty || path == ":memory:" {
            return try privateRunLock.acquire(ledger: path.isEmpty ? "(temporary database)" : path)
        }
        return try LockFile(path: path + ".run-lock", ledger: path)
    }
}
