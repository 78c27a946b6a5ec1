// The ledger on a PostgreSQL server, through libpq: `SQLLedgerStore` over `PostgresDatabase`, the
// driver below, whose append engine is in PostgresAppender.swift.
//
// Place in the pipeline: `openLedgerStore` returns it for `postgres://…` locators and libpq
// conninfos; it passes the same test suite as `SQLiteStore` and creates the same tables.
// Invariants: writers serialise on locks taken at the start of their transaction (an ingest or a
// close on the ledger's transaction advisory lock, a run's record on its own, a migration on
// `schema_migrations`, a cost refresh on `cost_cache_state`; see `lockSteps`), so readers are never
// blocked (MVCC) and an ingest, a cost refresh and a run's record do not wait for each other; the
// run lock is a session advisory lock on a connection of its own (RunLock.swift). The store works
// as the writer role of `init --roles` (LeastPrivilege.swift): nothing but a migration or `init`
// needs more than SELECT and INSERT on what was recorded. Only portable SQL: plain tables and
// indexes, a PL/pgSQL trigger function, temp tables, COPY (and, on a ledger partitioned by month,
// partitioned tables and their functions: MonthPartitions.swift). Statements run only through
// `PGConnection` (the one file that touches `PGconn*`).
// Errors a user can see: `StoreError` (server unreachable, SQL failures, recorded_at going
// backwards, schema too new) and the `RowError`s of a rejected file.
import CountinghouseCore

public final class PostgresStore: SQLLedgerStore {
    let driver: PostgresDatabase
    /// The store's connection (tests read the catalog through it).
    var connection: PGConnection { driver.connection }

    /// Connects to the server named by a `postgres://…` URL or a libpq conninfo. The schema is not
    /// touched: `openLedgerStore` checks and migrates it (or call `migrate()`). A writer waits up to
    /// `busyTimeoutSeconds` for another writer's lock.
    /// `newLedgerLayout`: the layout `migrate()` gives a ledger it creates (nil: what
    /// COUNTINGHOUSE_POSTGRES_LAYOUT says, `PostgresLayout.forNewLedgers`).
    public init(
        conninfo: String, mode: LedgerOpenMode = .createOrMigrate,
        busyTimeoutSeconds: Double = defaultBusyTimeoutSeconds, newLedgerLayout: PostgresLayout? = nil
    ) throws {
        driver = try PostgresDatabase(conninfo: conninfo, busyTimeoutSeconds: busyTimeoutSeconds)
        driver.newLedgerLayout = newLedgerLayout
        super.init(database: driver, mode: mode)
    }
}

/// The PostgreSQL driver: the shared SQL run on one connection (parameters as text), transactions
/// that begin with their table lock, PL/pgSQL triggers, and the COPY append engine
/// (PostgresAppender.swift).
final class PostgresDatabase: LedgerDatabase {
    let connection: PGConnection
    /// The locator as given (the run lock opens a connection of its own with it).
    private let conninfo: String
    /// The layout of a ledger `migrate()` creates (nil: COUNTINGHOUSE_POSTGRES_LAYOUT's).
    var newLedgerLayout: PostgresLayout?

    var ledgerName: String { connection.locator }

    init(conninfo: String, busyTimeoutSeconds: Double) throws {
        self.conninfo = conninfo
        connection = try PGConnection(conninfo: conninfo)
        connection.busyTimeoutMilliseconds = Int(clamping: Int64((max(0, busyTimeoutSeconds) * 1000).rounded()))
        try connection.execute("SET client_min_messages = warning")
    }

    // MARK: SQL

    private static func text(_ parameters: [FieldValue]) -> [String?] {
        parameters.map { value in
            switch value {
            case .null: return nil
            case .integer(let number): return String(number)
            case .text(let text): return text
            }
        }
    }

    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]] {
        let result = try connection.query(sql, Self.text(parameters))
        return try (0..<result.rowCount).map { row in
            try integerColumns.enumerated().map { try result.value(row, $0.offset, integer: $0.element) }
        }
    }

    func forEachRow(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool], _ body: ([FieldValue]) throws -> Void) throws {
        // Row by row from the server (single-row mode): neither libpq nor this process holds the
        // whole result.
        var values: [FieldValue] = []
        values.reserveCapacity(integerColumns.count)
        try connection.streamQuery(sql, Self.text(parameters)) { result in
            values.removeAll(keepingCapacity: true)
            for (index, integer) in integerColumns.enumerated() { values.append(try result.value(0, index, integer: integer)) }
            try body(values)
        }
    }

    func run(_ sql: String, _ parameters: [FieldValue]) throws {
        try connection.query(sql, Self.text(parameters))
    }

    func execute(_ sql: String) throws { try connection.execute(sql) }

    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws {
        guard !rows.isEmpty else { return }
        try connection.copyIn("COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN") { writer in
            for row in rows {
                for (index, value) in row.enumerated() {
                    if index > 0 { writer.separator() }
                    writer.field(value)
                }
                try writer.endLine()
            }
        }
    }

    func storedRows(of kind: LedgerKind, where conditions: [String], _ parameters: [FieldValue]) throws -> [StoredRow] {
        let schema = kind.schema
        let result = try connection.query(LedgerDDL.selectStored(schema, where: conditions), Self.text(parameters))
        var names = FileNames()
        return try (0..<result.rowCount).map { names.shared(try Self.readStored(result, $0, schema, from: 1)) }
    }

    /// libpq holds a whole result in memory, so the rows are read a page at a time by `seq` (the
    /// primary key's order), each page dropped before the next.
    ///
    /// A table partitioned by month (MonthPartitions.swift) is read a month at a time, oldest
    /// first, each page's statement pruned to that month's partition, rather than each page
    /// planned over every partition and merged from all of them (on three years' 36 partitions, a
    /// month's report read its rows in 16.2–16.3 s against 17.0–18.5 s). The order is the same:
    /// files land in recorded_at order and take seqs in that order, so a month's rows follow the
    /// months before it in seq order.
    func forEachStoredRow(of kind: LedgerKind, where conditions: [String], pageSize: Int, _ body: (StoredRow) throws -> Void) throws {
        precondition(pageSize > 0)
        let schema = kind.schema
        var names = FileNames()
        let months: [Range<Int64>?] = try isPartitioned(schema.tableName) ? try monthsRecorded().map { $0 } : [nil]
        for month in months {
            let inMonth = month.map { ["l.recorded_at >= \($0.lowerBound)", "l.recorded_at < \($0.upperBound)"] } ?? []
            var after: Int64 = 0
            while true {
                let page = try connection.execute(
                    LedgerDDL.selectStored(schema, where: conditions + inMonth + ["l.seq > \(after)"], limit: pageSize))
                for row in 0..<page.rowCount { try body(names.shared(try Self.readStored(page, row, schema, from: 1))) }
                guard page.rowCount == pageSize else { break }
                after = try page.int64(page.rowCount - 1, 0)
            }
        }
    }

    /// Whether the name resolves to a table through the search path, as the store's statements do.
    func tableExists(_ table: String) throws -> Bool {
        try queryRows(
            "SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 ELSE 1 END", [.text(table)], integerColumns: [true]
        ).first?[0] == .integer(1)
    }

    /// Reads what `LedgerDDL.storedColumns` selects, its first schema column at `first`.
    static func readStored(_ result: PGResult, _ row: Int, _ schema: KindSchema, from first: Int) throws(StoreError) -> StoredRow {
        let values = try readValues(result, row, schema, from: first)
        let base = first + schema.columns.count
        return StoredRow(
            row: LedgerRow(kind: schema.kind, values: values, sourceRow: Int(try result.int64(row, base + 3))),
            recordedAt: Instant(nanosecondsSinceEpoch: try result.int64(row, base)),
            fileID: try result.int64(row, base + 1),
            fileName: result.isNull(row, base + 2) ? "(unknown file)" : result.text(row, base + 2))
    }

    static func readValues(_ result: PGResult, _ row: Int, _ schema: KindSchema, from first: Int) throws(StoreError) -> [FieldValue] {
        var values: [FieldValue] = []
        values.reserveCapacity(schema.columns.count)
        for (index, column) in schema.columns.enumerated() {
            values.append(try result.value(row, first + index, integer: column.type.isInteger))
        }
        return values
    }

    // MARK: Transactions

    /// What each kind of writer locks. An ingest or a close, and a run's record, serialise on a
    /// transaction-level advisory lock of their own (`ledgerLockKey`), which any role may take: the
    /// writer role of `init --roles` may only SELECT and INSERT on `files` and `runs`, and PostgreSQL
    /// lets a role that may only insert take no table lock stronger than ROW EXCLUSIVE, which does not
    /// exclude another writer. A migration locks `schema_migrations` (the owner runs it), and one that
    /// fills rows from the files also takes the ledger's lock and `files` itself; a cost refresh locks
    /// `cost_cache_state` (the writer may rewrite the cache). EXCLUSIVE lets readers of those tables
    /// read their snapshot; an advisory lock blocks no reader.
    private enum LockStep {
        case table(String)
        case advisory(purpose: String)
    }

    private static func lockSteps(_ lock: WriteLock) -> [LockStep] {
        switch lock {
        // Then ROW EXCLUSIVE, which the writer's INSERT right allows: it excludes no writer of this
        // program (the advisory lock does) but waits for, and keeps out, an earlier program's
        // writer, which locked the table itself in SHARE ROW EXCLUSIVE mode.
        case .ledger: return [.advisory(purpose: "ledger"), .table("files IN ROW EXCLUSIVE MODE")]
        case .schema: return [.table("schema_migrations IN EXCLUSIVE MODE")]
        // A migration that fills rows from the files (the anchors of version 6) also keeps out
        // ingests, those of processes that opened the ledger before it and those of an earlier
        // program (which locked `files`).
        case .schemaAndLedger:
            return [
                .table("schema_migrations IN EXCLUSIVE MODE"), .advisory(purpose: "ledger"),
                .table("files IN SHARE ROW EXCLUSIVE MODE"),
            ]
        case .costCache: return [.table("cost_cache_state IN EXCLUSIVE MODE")]
        // ROW SHARE: parts together, and a whole refresh's EXCLUSIVE waits for them (and they for it).
        case .costCachePart: return [.table("cost_cache_state IN ROW SHARE MODE")]
        case .runs: return [.advisory(purpose: "runs"), .table("runs IN ROW EXCLUSIVE MODE")]
        }
    }

    /// The advisory lock key of a writer's lock on the ledger whose tables are in `schema`: the first
    /// eight bytes, big-endian, of the SHA-256 of "countinghouse ", the purpose, a NUL and the
    /// schema's name (advisory locks are per database; each ledger of a database has its schema).
    static func ledgerLockKey(purpose: String, schema: String) -> Int64 {
        PostgresRunLock.key(name: "countinghouse \(purpose)", schema: schema)
    }

    /// The schema that holds the ledger's tables, as the store's unqualified names resolve (read
    /// once, when a writer first needs it).
    private var ledgerSchema: String?

    private func schemaHoldingLedger() throws -> String {
        if let ledgerSchema { return ledgerSchema }
        let found = try queryRows(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE c.oid = coalesce(to_regclass('files'), to_regclass('schema_migrations'))", [],
            integerColumns: [false]
        ).first?[0].description
        guard let found else { throw StoreError.ledgerMissing(ledger: ledgerName, reason: .noSchema) }
        ledgerSchema = found
        return found
    }

    /// BEGIN, then the writer's locks: waited for up to the busy timeout (`lock_timeout`, only for
    /// these statements: later statements of the transaction wait as the server is configured), or
    /// not at all (NOWAIT, `pg_try_advisory_xact_lock`); `StoreError.busy` when one is not obtained
    /// (SQLSTATE 55P03, which the connection reports as such, or a try that returned false).
    func beginWrite(_ lock: WriteLock, wait: LockWait) throws {
        try connection.execute("BEGIN")
        let configured = connection.busyTimeoutMilliseconds
        do {
            let noWait = wait == .noWait || configured == 0
            // (lock_timeout = 0 would mean waiting for ever.)
            if !noWait { try connection.execute("SET LOCAL lock_timeout = '\(configured)ms'") }
            for step in Self.lockSteps(lock) {
                switch step {
                case .table(let what):
                    if noWait {
                        connection.busyTimeoutMilliseconds = 0
                        defer { connection.busyTimeoutMilliseconds = configured }
                        try connection.execute("LOCK TABLE \(what) NOWAIT")
                    } else {
                        try connection.execute("LOCK TABLE \(what)")
                    }
                case .advisory(let purpose):
                    let key = String(Self.ledgerLockKey(purpose: purpose, schema: try schemaHoldingLedger()))
                    if noWait {
                        let taken = try connection.query(
                            "SELECT CASE WHEN pg_try_advisory_xact_lock($1::bigint) THEN 1 ELSE 0 END", [key])
                        if try taken.int64(0, 0) != 1 { throw StoreError.busy(ledger: ledgerName, waitedSeconds: 0) }
                    } else {
                        try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [key])
                    }
                }
            }
            if !noWait { try connection.execute("SET LOCAL lock_timeout TO DEFAULT") }
        } catch {
            rollback()
            throw error
        }
    }

    /// REPEATABLE READ: every statement of the transaction sees the snapshot of its first.
    func beginReadSnapshot() throws { try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") }

    func commit() throws { try connection.execute("COMMIT") }

    func rollback() { _ = try? connection.execute("ROLLBACK") }

    // MARK: Dialect

    let integerPrimaryKey = "BIGINT PRIMARY KEY"

    let byteOrder = " COLLATE \"C\""

    /// The body of the trigger function every append-only table's trigger runs (as `prosrc` holds it).
    static let refuseChangeBody = """

        BEGIN
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END

        """
    static let refuseChange = "countinghouse_refuse_change()"

    var appendOnlySetup: [String] {
        ["CREATE OR REPLACE FUNCTION \(Self.refuseChange) RETURNS trigger LANGUAGE plpgsql AS $$\(Self.refuseChangeBody)$$"]
    }

    /// Statement-level, so even an UPDATE or DELETE that matches no row is refused.
    func appendOnlyTriggers(_ table: String) -> [String] {
        [
            "CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON \(table) "
                + "FOR EACH STATEMENT EXECUTE FUNCTION \(Self.refuseChange)"
        ]
    }

    /// `pg_trigger.tgtype` of the program's trigger: BEFORE (2) | DELETE (8) | UPDATE (16) | TRUNCATE
    /// (32), statement-level (the row bit, 1, clear).
    private static let appendOnlyTriggerType: Int64 = 58

    /// The trigger function is compared by its body and language; each table's trigger by what it
    /// fires on, when, for which function, whether it has a condition, a column list or arguments,
    /// and whether it is enabled (the catalog's fields rather than `pg_get_triggerdef`'s text, which
    /// qualifies names by the search path).
    func appendOnlyProblems(_ tables: [String]) throws -> [AppendOnlyProblem] {
        var problems: [AppendOnlyProblem] = []
        let function = try queryRows(
            "SELECT p.prosrc, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                + "WHERE p.oid = to_regprocedure($1)", [.text(Self.refuseChange)], integerColumns: [false, false]
        ).first
        if let function {
            if function[0].description != Self.refuseChangeBody || function[1].description != "plpgsql" {
                problems.append(AppendOnlyProblem(
                    table: "every append-only table", trigger: "function \(Self.refuseChange)",
                    kind: .altered(detail: "its body was changed")))
            }
        } else {
            problems.append(AppendOnlyProblem(
                table: "every append-only table", trigger: "function \(Self.refuseChange)", kind: .missing))
        }
        for table in tables {
            let name = "\(table)_append_only"
            let found = try queryRows(
                "SELECT t.tgtype::int, t.tgenabled::text, CASE WHEN t.tgqual IS NULL THEN 0 ELSE 1 END, t.tgnargs::int, "
                    + "t.tgattr::text, CASE WHEN t.tgfoid = to_regprocedure($3) THEN 1 ELSE 0 END "
                    + "FROM pg_trigger t WHERE t.tgrelid = to_regclass($1) AND t.tgname = $2 AND NOT t.tgisinternal",
                [.text(table), .text(name), .text(Self.refuseChange)],
                integerColumns: [true, false, true, true, false, true]
            ).first
            guard let found else {
                problems.append(AppendOnlyProblem(table: table, trigger: name, kind: .missing))
                continue
            }
            var altered: [String] = []
            if found[0].integerValue != Self.appendOnlyTriggerType {
                altered.append("it fires on other operations, at another time or per row")
            }
            if found[2].integerValue != 0 { altered.append("it has a WHEN condition") }
            if found[3].integerValue != 0 { altered.append("it passes arguments") }
            if !found[4].description.isEmpty { altered.append("it fires on UPDATE of some columns only") }
            if found[5].integerValue != 1 { altered.append("it runs another function") }
            if !altered.isEmpty {
                problems.append(AppendOnlyProblem(
                    table: table, trigger: name, kind: .altered(detail: altered.joined(separator: "; "))))
            } else if !["O", "A"].contains(found[1].description) {
                problems.append(AppendOnlyProblem(table: table, trigger: name, kind: .disabled))
            }
        }
        return problems + (try keyTriggerProblems())
    }

    /// A new ledger partitioned by month when COUNTINGHOUSE_POSTGRES_LAYOUT says so
    /// (MonthPartitions.swift).
    func shapeNewLedger() throws {
        if try newLedgerLayout ?? PostgresLayout.forNewLedgers() == .partitioned { _ = try partitionLedgerTables() }
    }

    // MARK: The run lock

    /// A session advisory lock on a connection opened for it alone (RunLock.swift).
    func acquireRunLock() throws -> sending any RunLockHolder {
        try PostgresRunLock(conninfo: conninfo)
    }

    /// The function first (a trigger needs it), then each table's trigger, dropped and created again.
    func restoringAppendOnly(_ problems: [AppendOnlyProblem]) -> [String] {
        var statements: [String] = []
        if problems.contains(where: { $0.trigger == "function \(Self.refuseChange)" }) { statements += appendOnlySetup }
        for problem in problems where problem.trigger == "\(problem.table)_append_only" {
            statements.append("DROP TRIGGER IF EXISTS \(problem.trigger) ON \(problem.table)")
            statements += appendOnlyTriggers(problem.table)
        }
        // A partitioned ledger's key triggers (MonthPartitions.swift).
        if problems.contains(where: { $0.trigger == "function \(MonthPartitionSQL.keepKeys)" }) {
            statements += MonthPartitionSQL.functionStatements(refuseChange: Self.refuseChange)
        }
        for problem in problems where problem.trigger == MonthPartitionSQL.keepKeysTrigger(problem.table) {
            statements.append("DROP TRIGGER IF EXISTS \(problem.trigger) ON \(problem.table)")
            statements.append(MonthPartitionSQL.keepKeysTriggerStatement(problem.table))
        }
        return statements
    }
}
