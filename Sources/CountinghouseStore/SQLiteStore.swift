// The ledger in one SQLite file (WAL journal, nothing to start): the default store.
//
// Place in the pipeline: `openLedgerStore` returns a `SQLiteStore` for a file path (default
// `./countinghouse.sqlite`); it is `SQLLedgerStore` over `SQLiteDatabase`, the driver below, whose
// append engine is in SQLiteAppender.swift. Invariants: every write transaction is BEGIN
// IMMEDIATE, holding SQLite's single writer lock from its start, so the recorded_at check, the hash
// chain and the file id are decided with nobody else writing; triggers refuse UPDATE and DELETE on
// ledger tables and `files` (SQLite has no TRUNCATE; DELETE covers it). Statements run only through
// `SQLiteConnection` (the one file that touches `sqlite3*`).
// Errors a user can see: `StoreError` (cannot open the file, SQL failures, recorded_at going
// backwards, a schema newer than this program) and the `RowError`s of a rejected file.
import CountinghouseCore

public final class SQLiteStore: SQLLedgerStore {
    public let path: String
    let driver: SQLiteDatabase
    /// The store's connection (tests read the catalog through it).
    var connection: SQLiteConnection { driver.connection }

    /// Opens (creating when absent) the SQLite file at `path` in WAL mode. The schema is migrated on
    /// first use.
    public init(path: String) throws {
        self.path = path
        driver = try SQLiteDatabase(path: path)
        super.init(database: driver)
    }
}

/// The SQLite driver: the shared SQL run on one connection, BEGIN IMMEDIATE transactions, SQLite's
/// triggers, and the append engine (SQLiteAppender.swift).
final class SQLiteDatabase: LedgerDatabase {
    let connection: SQLiteConnection
    /// Statements prepared once per kind and reused for every row of every file (SQLiteAppender).
    var appendStatements: [LedgerKind: SQLiteAppendStatements] = [:]

    init(path: String) throws {
        connection = try SQLiteConnection(path: path)
        do {
            // A page cache of up to 256 MiB (allocated only as pages are used): a large file's inserts
            // touch every index of its table at scattered places, and with SQLite's default 2 MiB the
            // transaction spills dirty pages to the WAL and reads them back many times over.
            try connection.execute(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; "
                    + "PRAGMA temp_store=MEMORY")
        } catch {
            throw StoreError.cannotOpen("\(path) is not a usable SQLite database: \(error)")
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

    func storedRows(of kind: LedgerKind, where conditions: [String]) throws -> [StoredRow] {
        let schema = kind.schema
        let query = try connection.prepare(LedgerDDL.selectStored(schema, where: conditions))
        var result: [StoredRow] = []
        while try query.step() { result.append(Self.readStored(query, schema)) }
        return result
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

    /// Every write takes SQLite's one writer lock at its start, whatever it writes.
    func beginWrite(_ lock: WriteLock) throws {
        try connection.execute("BEGIN IMMEDIATE")
    }

    func commit() throws { try connection.execute("COMMIT") }

    func rollback() { try? connection.execute("ROLLBACK") }

    // MARK: Dialect

    /// An alias of the rowid: the row's number in the table's B-tree, so inserts in seq order append.
    let integerPrimaryKey = "INTEGER PRIMARY KEY"

    let appendOnlySetup: [String] = []

    /// One trigger per refused operation (SQLite's triggers fire per row; DELETE covers TRUNCATE).
    func appendOnlyTriggers(_ table: String) -> [String] {
        ["UPDATE", "DELETE"].map { operation in
            "CREATE TRIGGER \(table)_no_\(operation.lowercased()) BEFORE \(operation) ON \(table) "
                + "BEGIN SELECT RAISE(ABORT, '\(table) is append-only: \(operation) refused'); END"
        }
    }
}
