// The ledger in one SQLite file (WAL journal, nothing to start): the default store.
//
// Place in the pipeline: the CLI opens it with `openLedgerStore(locator:)` (default
// `./countinghouse.sqlite`); ingest appends files through `append`, reports read `rows`.
// Invariants: one write transaction (BEGIN IMMEDIATE) per file, holding SQLite's single writer lock,
// so recorded_at checks, the hash chain and the file id are decided with nobody else writing; rows
// are checked and inserted as they stream from the producer through statements prepared once (64
// rows per INSERT while they are new, one by one where a key is taken); the
// `files` row is inserted last, in the same transaction, once the counts are known (the ledger rows
// name its id, taken as max(id)+1 under the lock; no foreign key is declared, in either store, as a
// per-row check would slow bulk appends: the store keeps the link, and the hash chain covers it,
// since each row's hash includes its file's sha256). Triggers refuse UPDATE and DELETE on
// ledger tables and `files` (SQLite has no TRUNCATE; DELETE covers it).
// Errors a user can see: `StoreError` (cannot open the file, SQL failures, recorded_at going
// backwards, a schema newer than this program) and the `RowError`s of a rejected file.
import CountinghouseCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class SQLiteStore: LedgerStore {
    let connection: SQLiteConnection
    public let path: String
    private var schemaReady = false
    private var statements: [LedgerKind: KindStatements] = [:]

    /// Statements prepared once per kind and reused for every row.
    private struct KindStatements {
        let lookup: SQLiteStatement
        let insert: SQLiteStatement
        let transferLine: SQLiteStatement?
        /// For a kind with one version per key: `batchRows` rows in one INSERT (see `appendInTransaction`).
        let batchInsert: SQLiteStatement?
        let batchRows: Int
    }

    /// Rows per multi-row INSERT. Why: one statement run per row opened and closed a cursor on the
    /// table and each of its indexes for every row; 64 rows per run pay that once (sqlite3_step's
    /// instructions fell by a fifth on a 30k-row pos_lines ingest and re-ingest, see the commit).
    static let rowsPerInsert = 64

    /// Opens (creating when absent) the SQLite file at `path` in WAL mode. The schema is migrated on
    /// first use.
    public init(path: String) throws {
        self.path = path
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

    /// Runs raw SQL on the store's connection (maintenance and tests; the triggers still apply).
    public func execute(_ sql: String) throws { try connection.execute(sql) }

    // MARK: Schema

    @discardableResult
    public func migrate() throws -> Int {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let current = try currentVersion()
            if current > ledgerSchemaVersion {
                throw StoreError.schemaTooNew(found: current, supported: ledgerSchemaVersion)
            }
            for version in stride(from: current + 1, through: ledgerSchemaVersion, by: 1) {
                for statement in Self.migration(version) { try connection.execute(statement) }
                let record = try connection.prepare(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)")
                try record.bind(Int64(version), at: 1)
                try record.bind(wallClockNanoseconds(), at: 2)
                try record.run()
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        schemaReady = true
        return ledgerSchemaVersion
    }

    private func currentVersion() throws -> Int {
        let query = try connection.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations")
        _ = try query.step()
        return Int(query.int64(0))
    }

    func ensureSchema() throws {
        if !schemaReady { try migrate() }
    }

    /// The statements of one schema version.
    static func migration(_ version: Int) -> [String] {
        switch version {
        case 1:
            var statements = [
                """
                CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL, byte_count BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
                rows_accepted BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL)
                """,
                "CREATE INDEX files_recorded_at ON files (recorded_at)",
            ]
            statements += appendOnlyTriggers("files")
            for kind in LedgerKind.allCases {
                let schema = kind.schema
                let columns =
                    ["seq INTEGER PRIMARY KEY"] + LedgerDDL.columnDefinitions(schema) + [
                        "natural_key TEXT NOT NULL", "recorded_at BIGINT NOT NULL",
                        "file_id BIGINT NOT NULL", "source_row BIGINT NOT NULL",
                        "row_hash TEXT NOT NULL",
                    ]
                statements.append(
                    "CREATE TABLE \(schema.tableName) (\(columns.joined(separator: ", ")))")
                statements += LedgerDDL.indexes(schema)
                statements += appendOnlyTriggers(schema.tableName)
            }
            return statements
        case 2:
            return CostCacheSQL.migration
        case 3:
            return PostedPeriodSQL.migration + PostedPeriodSQL.tables.flatMap(appendOnlyTriggers)
        case 4:
            return CostCacheSQL.postingsMigration
        case 5:
            return CostCheckpointSQL.migration
        default:
            preconditionFailure("no migration \(version)")
        }
    }

    private static func appendOnlyTriggers(_ table: String) -> [String] {
        ["UPDATE", "DELETE"].map { operation in
            "CREATE TRIGGER \(table)_no_\(operation.lowercased()) BEFORE \(operation) ON \(table) "
                + "BEGIN SELECT RAISE(ABORT, '\(table) is append-only: \(operation) refused'); END"
        }
    }

    // MARK: Reading

    public func latestRecordedAt() throws -> Instant? {
        try ensureSchema()
        let query = try connection.prepare("SELECT max(recorded_at) FROM files")
        guard try query.step(), !query.isNull(0) else { return nil }
        return Instant(nanosecondsSinceEpoch: query.int64(0))
    }

    public func files() throws -> [IngestedFile] {
        try ensureSchema()
        let query = try connection.prepare(
            "SELECT id, name, sha256, kind, byte_count, recorded_at, rows_accepted, rows_duplicate FROM files "
                + "ORDER BY id")
        var result: [IngestedFile] = []
        while try query.step() { result.append(try readFile(query)) }
        return result
    }

    private func readFile(_ query: SQLiteStatement) throws -> IngestedFile {
        let kindName = query.text(3)
        guard let kind = LedgerKind(rawValue: kindName) else {
            throw StoreError.sql(statement: query.sql, message: "files holds an unknown kind \(kindName)")
        }
        return IngestedFile(
            id: query.int64(0), name: query.text(1), sha256: query.text(2), kind: kind,
            byteCount: query.int64(4), recordedAt: Instant(nanosecondsSinceEpoch: query.int64(5)),
            rowsAccepted: Int(query.int64(6)), rowsDuplicate: Int(query.int64(7)))
    }

    private func file(sha256: String) throws -> IngestedFile? {
        let query = try connection.prepare(
            "SELECT id, name, sha256, kind, byte_count, recorded_at, rows_accepted, rows_duplicate FROM files "
                + "WHERE sha256 = ?1")
        try query.bind(sha256, at: 1)
        return try query.step() ? try readFile(query) : nil
    }

    public func rows(of kind: LedgerKind, knownAt: Instant?) throws -> [StoredRow] {
        try rows(of: kind, knownAt: knownAt, occurredAtOrBefore: nil)
    }

    public func rows(of kind: LedgerKind, knownAt: Instant?, occurredAtOrBefore: Instant?) throws
        -> [StoredRow]
    {
        try storedRows(of: kind, where: LedgerDDL.knowledgeConditions(kind.schema, knownAt, occurredAtOrBefore))
    }

    /// Rows of a kind matching SQL conditions on the ledger alias `l` (built from numbers and
    /// escaped literals only), in ledger order.
    func storedRows(of kind: LedgerKind, where conditions: [String]) throws -> [StoredRow] {
        try ensureSchema()
        let schema = kind.schema
        let query = try connection.prepare(
            LedgerDDL.selectStored(schema, where: conditions))
        var result: [StoredRow] = []
        while try query.step() { result.append(Self.readStored(query, schema)) }
        return result
    }


    private static func readStored(_ query: SQLiteStatement, _ schema: KindSchema) -> StoredRow {
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

    // MARK: Appending

    private func kindStatements(_ kind: LedgerKind) throws -> KindStatements {
        if let prepared = statements[kind] { return prepared }
        let schema = kind.schema
        let table = schema.tableName
        let selectStored = "SELECT \(LedgerDDL.storedColumns(schema)) FROM \(table) l LEFT JOIN files f ON f.id = l.file_id"
        let lookup = try connection.prepare(
            selectStored + " WHERE l.natural_key = ?1"
                + (schema.versioned ? " ORDER BY l.seq DESC LIMIT 1" : ""))
        let count = schema.columns.count
        let placeholders = (1...(count + 5)).map { "?\($0)" }.joined(separator: ", ")
        // A natural key is unique in a table that keeps one version per key: the insert is tried first
        // and the unique index itself says whether the key was there (then the row is looked up).
        let insert = try connection.prepare(
            "INSERT INTO \(table) (\(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, source_row, "
                + "row_hash) VALUES (\(placeholders))"
                + (schema.versioned ? "" : " ON CONFLICT (natural_key) DO NOTHING"))
        var transferLine: SQLiteStatement?
        if kind == .transfers {
            transferLine = try connection.prepare(
                selectStored
                    + " WHERE l.transfer_id = ?1 AND l.line_no = ?2 AND l.natural_key <> ?3 AND l.file_id <> ?4"
                    + " AND (l.sku <> ?5 OR l.from_location <> ?6 OR l.to_location <> ?7) ORDER BY l.seq LIMIT 1")
        }
        var batchInsert: SQLiteStatement?
        var batchRows = 1
        if !schema.versioned {
            // No ON CONFLICT: a key already taken aborts the statement, SQLite undoes its rows, and the
            // batch goes again row by row through `insert`.
            batchRows = max(1, min(Self.rowsPerInsert, connection.variableLimit / (count + 5)))
            let tuples = (0..<batchRows).map { row in
                "(" + (1...(count + 5)).map { "?\(row * (count + 5) + $0)" }.joined(separator: ", ") + ")"
            }
            batchInsert = try connection.prepare(
                "INSERT INTO \(table) (\(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, "
                    + "source_row, row_hash) VALUES " + tuples.joined(separator: ", "))
        }
        let prepared = KindStatements(
            lookup: lookup, insert: insert, transferLine: transferLine, batchInsert: batchInsert, batchRows: batchRows)
        statements[kind] = prepared
        return prepared
    }

    public func append(
        _ file: IngestFileInfo, rows produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        try ensureSchema()
        let prepared = try kindStatements(file.kind)
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let outcome = try appendInTransaction(file, prepared, produceRows)
            if case .appended = outcome {
                try connection.execute("COMMIT")
            } else {
                try connection.execute("ROLLBACK")
            }
            return outcome
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func appendInTransaction(
        _ file: IngestFileInfo, _ prepared: KindStatements,
        _ produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        if let known = try self.file(sha256: file.sha256) { return .knownFile(known) }
        if let latest = try latestRecordedAtUnchecked(), file.recordedAt < latest {
            throw StoreError.recordedAtBackwards(latest: latest, requested: file.recordedAt)
        }
        let schema = file.kind.schema
        let fileID = try scalar("SELECT coalesce(max(id), 0) + 1 FROM files") ?? 1
        var previous = HashChain.genesis
        let last = try connection.prepare("SELECT row_hash FROM \(schema.tableName) ORDER BY seq DESC LIMIT 1")
        if try last.step(), let digest = HashChain.bytes(hex: last.text(0)) { previous = digest }

        let recordedAt = file.recordedAt.nanosecondsSinceEpoch
        let columnCount = schema.columns.count
        var errors: [RowError] = []
        var accepted = 0
        var duplicates = 0
        let lookup = prepared.lookup
        let insert = prepared.insert

        // Each row's key, content and hash are encoded once into reused buffers (LedgerRowEncoder).
        var encoder = LedgerRowEncoder(kind: file.kind, recordedAt: recordedAt, fileSHA256: file.sha256)
        var hexDigest: [UInt8] = []
        hexDigest.reserveCapacity(64)

        /// Binds a new row (encoded by `encoder`) with its chained hash as the `slot`th row of a
        /// statement's VALUES.
        func bindRow(_ row: LedgerRow, digest: [UInt8], into statement: SQLiteStatement, slot: Int) throws {
            let first = Int32(slot * (columnCount + 5))
            for index in 0..<columnCount { try statement.bind(row.values[index], at: first + Int32(index + 1)) }
            let base = first + Int32(columnCount)
            try statement.bind(utf8: encoder.key, at: base + 1)
            try statement.bind(recordedAt, at: base + 2)
            try statement.bind(fileID, at: base + 3)
            try statement.bind(Int64(row.sourceRow), at: base + 4)
            hexDigest.removeAll(keepingCapacity: true)
            HashChain.appendHex(digest, to: &hexDigest)
            try statement.bind(utf8: hexDigest, at: base + 5)
        }

        /// Binds a new row and runs the one-row insert; true when the row went in (false only for an
        /// upsert that found its natural key taken).
        func insertRow(_ row: LedgerRow, digest: [UInt8]) throws -> Bool {
            insert.rewind()
            try bindRow(row, digest: digest, into: insert, slot: 0)
            let before = connection.totalChanges
            try insert.run()
            return connection.totalChanges != before
        }

        /// Whether the row read by `statement` (at the front of its columns) has this row's content.
        func identical(_ statement: SQLiteStatement, _ row: LedgerRow) -> Bool {
            for index in 0..<columnCount where !statement.equals(Int32(index + 1), row.values[index]) {
                return false
            }
            return true
        }

        /// For transfers: a row of the same transfer line in an earlier file with another SKU or
        /// other locations (SEMANTICS §3.3).
        func checkTransferLine(_ row: LedgerRow, key: String) throws {
            guard let transferLine = prepared.transferLine else { return }
            transferLine.reset()
            try transferLine.bind(row["transfer_id"], at: 1)
            try transferLine.bind(row["line_no"], at: 2)
            try transferLine.bind(key, at: 3)
            try transferLine.bind(fileID, at: 4)
            try transferLine.bind(row["sku"], at: 5)
            try transferLine.bind(row["from_location"], at: 6)
            try transferLine.bind(row["to_location"], at: 7)
            if try transferLine.step() {
                let existing = Self.readStored(transferLine, schema)
                errors.append(
                    LedgerMessages.transferMismatch(fileName: file.name, incoming: row, existing: existing))
            }
            transferLine.reset()
        }

        if !schema.versioned {
            // One version per key: every row is inserted at once, as if new (the common case), and only
            // a row whose key the unique index finds taken is looked up. The taken key is this file's
            // (a repeated key), or the ledger's with the same content (a duplicate, skipped) or with
            // other content (a conflict). Rows keep going in after a row error, for the unique index to
            // keep finding repeats; the rollback discards them. `skippedRows` holds the keys that did
            // not go in, so that a repeat of a duplicate or a conflict is still found.
            let baseColumn = Int32(columnCount + 1)
            var skippedRows = RepeatedKeyFinder(expectedKeys: 0)
            // While rows keep being skipped (a re-sent file), probing first is cheaper than an insert
            // that the index refuses; the first new row switches back to inserting first.
            var probeFirst = false

            /// Handles a row whose key is taken, the lookup positioned on the row holding it.
            func skip(_ row: LedgerRow) {
                if lookup.int64(baseColumn + 1) == fileID {
                    errors.append(
                        LedgerMessages.repeatedKey(
                            fileName: file.name, row: row, firstRow: Int(lookup.int64(baseColumn + 3))))
                    return
                }
                skippedRows.remember(encoder.key, row: row.sourceRow)
                if identical(lookup, row) {
                    duplicates += 1
                } else {
                    let existing = Self.readStored(lookup, schema)
                    errors.append(LedgerMessages.conflict(fileName: file.name, incoming: row, existing: existing))
                }
            }

            /// One row by itself (encoded by `encoder`): the insert first, or the probe first while
            /// rows keep being skipped.
            func appendSingly(_ row: LedgerRow) throws {
                if let first = skippedRows.row(of: encoder.key) {
                    errors.append(LedgerMessages.repeatedKey(fileName: file.name, row: row, firstRow: first))
                    return
                }
                if probeFirst {
                    lookup.reset()
                    defer { lookup.reset() }
                    try lookup.bind(utf8: encoder.key, at: 1)
                    if try lookup.step() {
                        skip(row)
                        return
                    }
                }
                let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                if try insertRow(row, digest: digest) {
                    previous = digest
                    accepted += 1
                    probeFirst = false
                    if prepared.transferLine != nil { try checkTransferLine(row, key: encoder.keyString) }
                    return
                }
                probeFirst = true
                lookup.reset()
                defer { lookup.reset() }
                try lookup.bind(utf8: encoder.key, at: 1)
                guard try lookup.step() else {
                    throw StoreError.sql(
                        statement: lookup.sql,
                        message: "the natural key \(encoder.keyString) is taken but no row holds it")
                }
                skip(row)
            }

            // While rows are inserted first, they gather into one multi-row INSERT (`batchInsert`),
            // bound as they arrive with the hashes they chain to if all of them are new. When the
            // statement runs, either every row went in (the chain stands) or a taken key aborted it and
            // SQLite undid its rows; then the same rows go again one by one, in order, each checked as
            // above, and the chain is taken up from before the batch.
            var batch: [LedgerRow] = []
            batch.reserveCapacity(prepared.batchRows)
            var batchChain = previous

            func flushBatch() throws {
                guard !batch.isEmpty else { return }
                if let batchInsert = prepared.batchInsert, batch.count == prepared.batchRows {
                    if try batchInsert.runUnlessConstraintFails() {
                        previous = batchChain
                        accepted += batch.count
                        if prepared.transferLine != nil {
                            for row in batch {
                                encoder.encode(row)
                                try checkTransferLine(row, key: encoder.keyString)
                            }
                        }
                        batch.removeAll(keepingCapacity: true)
                        return
                    }
                }
                let rows = batch
                batch.removeAll(keepingCapacity: true)
                for row in rows {
                    encoder.encode(row)
                    try appendSingly(row)
                }
            }

            try produceRows { row in
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encode(row)
                guard let batchInsert = prepared.batchInsert, !probeFirst else {
                    // (The batch is empty here: probing starts only inside `appendSingly`.)
                    try appendSingly(row)
                    return
                }
                if let first = skippedRows.row(of: encoder.key) {
                    errors.append(LedgerMessages.repeatedKey(fileName: file.name, row: row, firstRow: first))
                    return
                }
                if batch.isEmpty {
                    batchChain = previous
                    batchInsert.rewind()
                }
                let digest = encoder.digest(previous: batchChain, sourceRow: Int64(row.sourceRow))
                try bindRow(row, digest: digest, into: batchInsert, slot: batch.count)
                batchChain = digest
                batch.append(row)
                if batch.count == prepared.batchRows { try flushBatch() }
            }
            try flushBatch()
        } else {
            // Versioned (items): a row whose key is in the ledger is compared with the latest version;
            // the same content is a duplicate, other content a new version.
            var repeatedKeys = RepeatedKeyFinder(expectedKeys: Int(min(file.byteCount / 64, 4_000_000)))
            try produceRows { row in
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encode(row)
                if let first = repeatedKeys.earlierRow(of: encoder.key, row: row.sourceRow) {
                    errors.append(LedgerMessages.repeatedKey(fileName: file.name, row: row, firstRow: first))
                    return
                }

                lookup.reset()
                try lookup.bind(utf8: encoder.key, at: 1)
                let latestIdentical = try lookup.step() && identical(lookup, row)
                lookup.reset()
                if latestIdentical {
                    duplicates += 1
                    return
                }
                if prepared.transferLine != nil { try checkTransferLine(row, key: encoder.keyString) }
                // Once the file is doomed, only keep checking: nothing more is written.
                guard errors.isEmpty else { return }

                let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest
                _ = try insertRow(row, digest: digest)
                accepted += 1
            }
        }

        if !errors.isEmpty {
            return .rejected(errors.sorted { ($0.row ?? 0) < ($1.row ?? 0) })
        }
        let record = try connection.prepare(
            "INSERT INTO files (id, name, sha256, kind, byte_count, recorded_at, rows_accepted, rows_duplicate) "
                + "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        try record.bind(fileID, at: 1)
        try record.bind(file.name, at: 2)
        try record.bind(file.sha256, at: 3)
        try record.bind(file.kind.rawValue, at: 4)
        try record.bind(file.byteCount, at: 5)
        try record.bind(recordedAt, at: 6)
        try record.bind(Int64(accepted), at: 7)
        try record.bind(Int64(duplicates), at: 8)
        try record.run()
        return .appended(
            IngestedFile(
                id: fileID, name: file.name, sha256: file.sha256, kind: file.kind, byteCount: file.byteCount,
                recordedAt: file.recordedAt, rowsAccepted: accepted, rowsDuplicate: duplicates))
    }

    private func latestRecordedAtUnchecked() throws -> Instant? {
        let query = try connection.prepare("SELECT max(recorded_at) FROM files")
        guard try query.step(), !query.isNull(0) else { return nil }
        return Instant(nanosecondsSinceEpoch: query.int64(0))
    }

    private func scalar(_ sql: String) throws -> Int64? {
        let query = try connection.prepare(sql)
        guard try query.step(), !query.isNull(0) else { return nil }
        return query.int64(0)
    }

    // MARK: Verifying

    public func verifyHashChains() throws -> [ChainBreak] {
        try ensureSchema()
        var breaks: [ChainBreak] = []
        for kind in LedgerKind.allCases {
            let schema = kind.schema
            let query = try connection.prepare(
                "SELECT l.seq, \(LedgerDDL.columnList(schema, prefix: "l.")), l.recorded_at, "
                    + "coalesce(f.sha256, ''), l.source_row, l.row_hash FROM \(schema.tableName) l "
                    + "LEFT JOIN files f ON f.id = l.file_id ORDER BY l.seq")
            var verifier = ChainVerifier(table: schema.tableName)
            let count = schema.columns.count
            while try query.step() {
                var values: [FieldValue] = []
                values.reserveCapacity(count)
                for (index, column) in schema.columns.enumerated() {
                    values.append(query.value(Int32(index + 1), integer: column.type.isInteger))
                }
                let base = Int32(count + 1)
                let row = LedgerRow(kind: kind, values: values, sourceRow: Int(query.int64(base + 2)))
                verifier.check(
                    sequence: query.int64(0), row: row, recordedAt: query.int64(base),
                    fileSHA256: query.text(base + 1), storedHash: query.text(base + 3))
            }
            breaks += verifier.breaks
        }
        return breaks
    }
}

/// The wall clock in nanoseconds since the epoch (for `schema_migrations.applied_at` only; ledger
/// knowledge times come from the caller).
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * Instant.nanosecondsPerSecond + Int64(now.tv_nsec)
}
