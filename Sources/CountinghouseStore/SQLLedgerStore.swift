// The ledger store over a SQL database, written once for both databases.
//
// Place in the pipeline: `SQLiteStore` and `PostgresStore` are this class with their driver
// (`LedgerDatabase`: the SQL, transactions, dialect and bulk append engine of one database). Every
// `LedgerStore` method is implemented here or in an extension of this class (CostCache.swift,
// PostedPeriods.swift, PlainStock.swift), over the driver: no store repeats it and no forwarding
// line per method. Why a base class and not protocol extensions: the protocol's methods are
// public and the driver is internal, and a public method cannot be a default implementation
// constrained on an internal protocol; a public class holding an internal driver can.
// Invariants: every write runs in `inWriteTransaction` (the one place that begins, commits and
// rolls back); an append's file record and its anchor (FileAnchors.swift) are inserted in the same
// transaction as its rows, last, once the counts and the chain head are known (the ledger rows
// name the file's id, taken as max(id)+1 under the ledger lock; no foreign key is declared, in
// either store, as a per-row check would slow bulk appends: the store keeps the link, and the hash
// chain covers it, since each row's hash includes its file's sha256).
// Errors a user can see: `StoreError` (recorded_at going backwards, a schema newer than this
// program, and what the drivers map database failures to) and the `RowError`s of a rejected file.
import CountinghouseCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public class SQLLedgerStore: LedgerStore {
    let database: any LedgerDatabase
    /// How the store was opened: `.createOrMigrate` (init) may create and repair the ledger.
    let mode: LedgerOpenMode
    /// The schema versions this store applied since it was opened, and the append-only triggers it
    /// restored (what `migrate()` reports).
    private var appliedVersions: [Int] = []
    private var restoredTriggers: [AppendOnlyProblem] = []

    init(database: any LedgerDatabase, mode: LedgerOpenMode) {
        self.database = database
        self.mode = mode
    }

    /// Runs raw SQL on the store's connection (maintenance and tests; the triggers still apply).
    public func execute(_ sql: String) throws { try database.execute(sql) }

    // MARK: SQL helpers

    func queryRows(_ sql: String, _ parameters: [FieldValue] = [], integerColumns: [Bool]) throws -> [[FieldValue]] {
        try database.queryRows(sql, parameters, integerColumns: integerColumns)
    }

    func run(_ sql: String, _ parameters: [FieldValue] = []) throws { try database.run(sql, parameters) }

    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws {
        try database.bulkInsert(table: table, columns: columns, rows: rows)
    }

    /// The first column of the first row as an integer; nil for no row or NULL.
    func scalar(_ sql: String, _ parameters: [FieldValue] = []) throws -> Int64? {
        try queryRows(sql, parameters, integerColumns: [true]).first?[0].integerValue
    }

    // MARK: Transactions

    /// A read-only snapshot, ended by a rollback (it wrote nothing to keep).
    public func readingOneSnapshot<T>(_ body: () throws -> T) throws -> T {
        try database.beginReadSnapshot()
        return try ending(commitWhen: { _ in false }, body)
    }

    /// Runs `body` in one write transaction holding `lock`: committed when `body` returns and
    /// `commitWhen` accepts its result, rolled back otherwise and whenever `body` throws.
    func inWriteTransaction<T>(
        _ lock: WriteLock, wait: LockWait = .upToBusyTimeout, commitWhen: (T) -> Bool = { _ in true },
        _ body: () throws -> T
    ) throws -> T {
        try database.beginWrite(lock, wait: wait)
        return try ending(commitWhen: commitWhen, body)
    }

    /// Runs `body` in the transaction just begun, then commits it when `commitWhen` accepts the
    /// result, rolls it back otherwise and whenever `body` or the commit throws.
    private func ending<T>(commitWhen: (T) -> Bool, _ body: () throws -> T) throws -> T {
        let result: T
        do {
            result = try body()
        } catch {
            database.rollback()
            throw error
        }
        if commitWhen(result) {
            do {
                try database.commit()
            } catch {
                database.rollback()
                throw error
            }
        } else {
            database.rollback()
        }
        return result
    }

    // MARK: Schema

    /// What opening needs of the schema (`openLedgerStore` calls it): a ledger opened existing-only
    /// must have the ledger's schema; an older schema is migrated; a current one is only read (no
    /// write lock, no write), so opening never waits for a writer.
    func prepareSchema() throws {
        if mode == .existingOnly {
            guard try tableExists("schema_migrations"), try schemaVersion() > 0 else {
                throw StoreError.ledgerMissing(ledger: database.ledgerName, reason: .noSchema)
            }
        }
        try migrateSchema()
    }

    /// Applies the versions the ledger lacks; on a store opened for `init` (`.createOrMigrate`),
    /// also re-creates the append-only triggers that are missing, altered or disabled. Nothing is
    /// written, and no lock taken, when there is nothing to do.
    @discardableResult
    public func migrate() throws -> MigrationReport {
        try migrateSchema()
        if mode == .createOrMigrate { restoredTriggers += try restoreAppendOnlyTriggers() }
        return MigrationReport(
            version: ledgerSchemaVersion, appliedVersions: appliedVersions, restoredTriggers: restoredTriggers)
    }

    /// Applies the versions the ledger lacks. The version is read first without a lock; only a
    /// ledger that lacks some takes the write lock, and reads it again under the lock (another
    /// process may have migrated meanwhile).
    private func migrateSchema() throws {
        let exists = try tableExists("schema_migrations")
        let found = exists ? try schemaVersion() : 0
        if found > ledgerSchemaVersion { throw StoreError.schemaTooNew(found: found, supported: ledgerSchemaVersion) }
        guard found < ledgerSchemaVersion else { return }
        if !exists {
            try database.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        }
        let holdsFiles = try tableExists("files")
        let applied = try inWriteTransaction(holdsFiles ? .schemaAndLedger : .schema) { () -> [Int] in
            let current = try schemaVersion()
            if current > ledgerSchemaVersion {
                throw StoreError.schemaTooNew(found: current, supported: ledgerSchemaVersion)
            }
            var applied: [Int] = []
            for version in stride(from: current + 1, through: ledgerSchemaVersion, by: 1) {
                for statement in LedgerMigrations.statements(version, database) { try database.execute(statement) }
                try LedgerMigrations.fillRows(version, self)
                try run(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    [.integer(Int64(version)), .integer(wallClockNanoseconds())])
                applied.append(version)
            }
            if current == 0 { try database.shapeNewLedger() }
            return applied
        }
        appliedVersions += applied
    }

    /// The schema version the ledger records (0 when it records none).
    func schemaVersion() throws -> Int {
        Int(try scalar("SELECT coalesce(max(version), 0) FROM schema_migrations") ?? 0)
    }

    func tableExists(_ table: String) throws -> Bool {
        try database.tableExists(table)
    }

    // MARK: Reading

    public func latestRecordedAt() throws -> Instant? {
        try scalar("SELECT max(recorded_at) FROM files").map(Instant.init(nanosecondsSinceEpoch:))
    }

    private static let fileColumns = "id, name, sha256, kind, byte_count, recorded_at, rows_accepted, rows_duplicate"
    private static let fileIntegerColumns = [true, false, false, false, true, true, true, true]

    public func files() throws -> [IngestedFile] {
        try queryRows("SELECT \(Self.fileColumns) FROM files ORDER BY id", integerColumns: Self.fileIntegerColumns)
            .map(Self.ingestedFile)
    }

    private func file(sha256: String) throws -> IngestedFile? {
        try queryRows(
            "SELECT \(Self.fileColumns) FROM files WHERE sha256 = $1", [.text(sha256)],
            integerColumns: Self.fileIntegerColumns
        ).first.map(Self.ingestedFile)
    }

    private static func ingestedFile(_ row: [FieldValue]) throws -> IngestedFile {
        let kindName = row[3].description
        guard let kind = LedgerKind(rawValue: kindName) else {
            throw StoreError.sql(statement: "SELECT … FROM files", message: "files holds an unknown kind \(kindName)")
        }
        return IngestedFile(
            id: row[0].integerValue ?? 0, name: row[1].description, sha256: row[2].description, kind: kind,
            byteCount: row[4].integerValue ?? 0, recordedAt: Instant(nanosecondsSinceEpoch: row[5].integerValue ?? 0),
            rowsAccepted: Int(row[6].integerValue ?? 0), rowsDuplicate: Int(row[7].integerValue ?? 0))
    }

    public func rows(of kind: LedgerKind, knownAt: Instant?) throws -> [StoredRow] {
        try rows(of: kind, knownAt: knownAt, occurredAtOrBefore: nil)
    }

    public func rows(of kind: LedgerKind, knownAt: Instant?, occurredAtOrBefore: Instant?) throws -> [StoredRow] {
        try storedRows(of: kind, where: LedgerDDL.knowledgeConditions(kind.schema, knownAt, occurredAtOrBefore))
    }

    public func forEachRow(of kind: LedgerKind, knownAt: Instant?, _ body: (StoredRow) throws -> Void) throws {
        try forEachRow(of: kind, knownAt: knownAt, pageSize: 20_000, body)
    }

    /// `pageSize`: rows per query on PostgreSQL (tests make it small to cross pages).
    func forEachRow(of kind: LedgerKind, knownAt: Instant?, pageSize: Int, _ body: (StoredRow) throws -> Void) throws {
        try database.forEachStoredRow(of: kind, where: LedgerDDL.knowledgeConditions(kind.schema, knownAt, nil), pageSize: pageSize, body)
    }

    /// Rows of a kind matching SQL conditions on the ledger alias `l` (built from identifiers and
    /// numbers, text only through the placeholders of `values`), in ledger order.
    func storedRows(of kind: LedgerKind, where conditions: [String], _ values: SQLValues = SQLValues()) throws -> [StoredRow] {
        try database.storedRows(of: kind, where: conditions, values.values)
    }

    // MARK: Appending

    public func append(
        _ file: IngestFileInfo, rows produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        try inWriteTransaction(.ledger, commitWhen: \.landed) {
            if let known = try self.file(sha256: file.sha256) { return .knownFile(known) }
            let state = try queryRows(
                "SELECT max(recorded_at), coalesce(max(id), 0) + 1 FROM files", integerColumns: [true, true])[0]
            if let latest = state[0].integerValue.map(Instant.init(nanosecondsSinceEpoch:)), file.recordedAt < latest {
                throw StoreError.recordedAtBackwards(latest: latest, requested: file.recordedAt)
            }
            let fileID = state[1].integerValue ?? 1
            let last = try queryRows(
                "SELECT seq, row_hash FROM \(file.kind.schema.tableName) ORDER BY seq DESC LIMIT 1",
                integerColumns: [true, false]
            ).first
            let start = AppendStart(
                fileID: fileID, lastSequence: last?[0].integerValue ?? 0,
                chainHead: last.flatMap { HashChain.bytes(hex: $0[1].description) } ?? HashChain.genesis)
            switch try database.appendRows(file, after: start, produceRows) {
            case .rejected(let errors):
                return .rejected(errors.sorted { ($0.row ?? 0) < ($1.row ?? 0) })
            case .landed(let accepted, let duplicates, let chainHead):
                try run(
                    "INSERT INTO files (\(Self.fileColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    [
                        .integer(fileID), .text(file.name), .text(file.sha256), .text(file.kind.rawValue),
                        .integer(file.byteCount), .integer(file.recordedAt.nanosecondsSinceEpoch),
                        .integer(Int64(accepted)), .integer(Int64(duplicates)),
                    ])
                try insertAnchor(fileID: fileID, kind: file.kind, rowsAccepted: accepted, chainHead: chainHead)
                return .appended(
                    IngestedFile(
                        id: fileID, name: file.name, sha256: file.sha256, kind: file.kind, byteCount: file.byteCount,
                        recordedAt: file.recordedAt, rowsAccepted: accepted, rowsDuplicate: duplicates))
            }
        }
    }

    // MARK: Verifying

    /// Rows per page when a table's chain is walked (keyset pages keep memory flat on a large table).
    static let chainPage = 50_000

    public func verifyHashChains() throws -> [ChainBreak] {
        var breaks: [ChainBreak] = []
        for kind in LedgerKind.allCases {
            let schema = kind.schema
            let count = schema.columns.count
            var verifier = ChainVerifier(table: schema.tableName)
            let integerColumns = [true] + schema.columns.map(\.type.isInteger) + [true, false, true, false, false]
            var after = Int64.min
            while true {
                let page = try queryRows(
                    "SELECT l.seq, \(LedgerDDL.columnList(schema, prefix: "l.")), l.recorded_at, "
                        + "coalesce(f.sha256, ''), l.source_row, l.row_hash, coalesce(f.name, '(unknown file)') FROM \(schema.tableName) l "
                        + "LEFT JOIN files f ON f.id = l.file_id WHERE l.seq > $1 ORDER BY l.seq LIMIT \(Self.chainPage)",
                    [.integer(after)], integerColumns: integerColumns)
                for row in page {
                    after = row[0].integerValue ?? after
                    let ledgerRow = LedgerRow(
                        kind: kind, values: Array(row[1...count]), sourceRow: Int(row[count + 3].integerValue ?? 0))
                    verifier.check(
                        sequence: after, row: ledgerRow, recordedAt: row[count + 1].integerValue ?? 0,
                        fileSHA256: row[count + 2].description, fileName: row[count + 5].description,
                        storedHash: row[count + 4].description)
                }
                if page.count < Self.chainPage { break }
            }
            breaks += verifier.breaks
        }
        return breaks
    }
}

extension AppendOutcome {
    /// Whether the file entered the ledger (the transaction commits).
    var landed: Bool {
        if case .appended = self { return true }
        return false
    }
}

/// The wall clock in nanoseconds since the epoch (for `schema_migrations.applied_at` only; ledger
/// knowledge times come from the caller).
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * Instant.nanosecondsPerSecond + Int64(now.tv_nsec)
}
