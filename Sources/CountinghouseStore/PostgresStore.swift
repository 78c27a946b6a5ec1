// The ledger on a PostgreSQL server, through libpq, with bulk appends by COPY.
//
// Place in the pipeline: `openLedgerStore(locator:)` returns it for `postgres://…` locators; it
// passes the same test suite as `SQLiteStore` and creates the same tables from `KindSchema`.
// How a file is appended, in one transaction and without a round trip per row:
//  1. `LOCK TABLE files IN SHARE ROW EXCLUSIVE MODE` serialises ingests (readers are not blocked),
//     so the recorded_at check, the next file id (max + 1), the next ledger seq (max + 1) and the
//     last row hash are decided with nobody else writing.
//     A ledger table with no row yet takes a shorter way (`appendToEmptyTable`): COPY straight
//     into it, its secondary indexes dropped and rebuilt in the same transaction.
//  2. The producer's rows stream by COPY (text format) into a temp staging table holding each row's
//     values, natural key, source row, a provisional seq and a provisional chained hash, computed in
//     Swift as if every row were new (the common case of a first ingest).
//  3. One join of staging with the ledger finds the rows whose key is there and whether their columns
//     are identical (`IS NOT DISTINCT FROM`: duplicates); only when some are not does a second list
//     the conflicts with both versions (for items, versioned: only the latest
//     version for the SKU counts, and a difference is a new version, not a conflict); for
//     transfers a third finds rows of the same transfer line with another SKU or locations.
//  4. Any error: ROLLBACK, `.rejected`. Otherwise the `files` row is inserted with its counts, and
//     the new rows go from staging into the ledger by one INSERT … SELECT: straight, when nothing
//     was a duplicate (the provisional seqs and hashes are the real ones); else the chain is
//     recomputed in Swift for the new rows only and COPYed as (staging seq, seq, hash) into a second
//     temp table that the INSERT … SELECT joins. Re-sending values is never needed.
// Only portable SQL: plain tables and indexes, a PL/pgSQL trigger function, temp tables, COPY.
// Errors a user can see: `StoreError` (server unreachable, SQL failures, recorded_at going
// backwards, schema too new) and the `RowError`s of a rejected file.
import CountinghouseCore

public final class PostgresStore: LedgerStore {
    let connection: PGConnection
    private var schemaReady = false

    /// Connects to the server named by a `postgres://…` URL or a libpq conninfo. The schema is
    /// migrated on first use.
    public init(conninfo: String) throws {
        connection = try PGConnection(conninfo: conninfo)
        try connection.execute("SET client_min_messages = warning")
    }

    /// Runs raw SQL on the store's connection (maintenance and tests; the triggers still apply).
    public func execute(_ sql: String) throws { try connection.execute(sql) }

    // MARK: Schema

    @discardableResult
    public func migrate() throws -> Int {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        try transaction {
            try connection.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            let current = Int(
                try connection.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").int64(0, 0))
            if current > ledgerSchemaVersion {
                throw StoreError.schemaTooNew(found: current, supported: ledgerSchemaVersion)
            }
            for version in stride(from: current + 1, through: ledgerSchemaVersion, by: 1) {
                for statement in Self.migration(version) { try connection.execute(statement) }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(version), \(wallClockNanoseconds()))")
            }
        }
        schemaReady = true
        return ledgerSchemaVersion
    }

    func ensureSchema() throws {
        if !schemaReady { try migrate() }
    }

    static func migration(_ version: Int) -> [String] {
        switch version {
        case 1:
            var statements = [
                """
                CREATE OR REPLACE FUNCTION countinghouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
                END
                $$
                """,
                """
                CREATE TABLE files (id BIGINT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL, byte_count BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
                rows_accepted BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL)
                """,
                "CREATE INDEX files_recorded_at ON files (recorded_at)",
                appendOnlyTrigger("files"),
            ]
            for kind in LedgerKind.allCases {
                let schema = kind.schema
                let columns =
                    ["seq BIGINT PRIMARY KEY"] + LedgerDDL.columnDefinitions(schema) + [
                        "natural_key TEXT NOT NULL", "recorded_at BIGINT NOT NULL", "file_id BIGINT NOT NULL",
                        "source_row BIGINT NOT NULL", "row_hash TEXT NOT NULL",
                    ]
                statements.append("CREATE TABLE \(schema.tableName) (\(columns.joined(separator: ", ")))")
                statements += LedgerDDL.indexes(schema)
                statements.append(appendOnlyTrigger(schema.tableName))
            }
            return statements
        case 2:
            return CostCacheSQL.migration
        case 3:
            return PostedPeriodSQL.migration + PostedPeriodSQL.tables.map(appendOnlyTrigger)
        case 4:
            return CostCacheSQL.postingsMigration
        case 5:
            return CostCheckpointSQL.migration
        default:
            preconditionFailure("no migration \(version)")
        }
    }

    /// Statement-level, so even an UPDATE or DELETE that matches no row is refused.
    private static func appendOnlyTrigger(_ table: String) -> String {
        "CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON \(table) "
            + "FOR EACH STATEMENT EXECUTE FUNCTION countinghouse_refuse_change()"
    }

    private func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        do {
            let result = try body()
            try connection.execute("COMMIT")
            return result
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: Reading

    public func latestRecordedAt() throws -> Instant? {
        try ensureSchema()
        let result = try connection.execute("SELECT max(recorded_at) FROM files")
        return result.isNull(0, 0) ? nil : Instant(nanosecondsSinceEpoch: result.int64(0, 0))
    }

    private static let fileColumns =
        "id, name, sha256, kind, byte_count, recorded_at, rows_accepted, rows_duplicate"

    public func files() throws -> [IngestedFile] {
        try ensureSchema()
        let result = try connection.execute("SELECT \(Self.fileColumns) FROM files ORDER BY id")
        return try (0..<result.rowCount).map { try Self.readFile(result, $0) }
    }

    private static func readFile(_ result: PGResult, _ row: Int) throws -> IngestedFile {
        let kindName = result.text(row, 3)
        guard let kind = LedgerKind(rawValue: kindName) else {
            throw StoreError.sql(statement: "SELECT … FROM files", message: "files holds an unknown kind \(kindName)")
        }
        return IngestedFile(
            id: result.int64(row, 0), name: result.text(row, 1), sha256: result.text(row, 2), kind: kind,
            byteCount: result.int64(row, 4), recordedAt: Instant(nanosecondsSinceEpoch: result.int64(row, 5)),
            rowsAccepted: Int(result.int64(row, 6)), rowsDuplicate: Int(result.int64(row, 7)))
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
        let result = try connection.execute(
            LedgerDDL.selectStored(schema, where: conditions))
        return (0..<result.rowCount).map { Self.readStored(result, $0, schema, from: 1) }
    }


    /// Reads what `storedColumns` selects, its first schema column at `first`.
    private static func readStored(_ result: PGResult, _ row: Int, _ schema: KindSchema, from first: Int)
        -> StoredRow
    {
        let values = readValues(result, row, schema, from: first)
        let base = first + schema.columns.count
        return StoredRow(
            row: LedgerRow(kind: schema.kind, values: values, sourceRow: Int(result.int64(row, base + 3))),
            recordedAt: Instant(nanosecondsSinceEpoch: result.int64(row, base)),
            fileID: result.int64(row, base + 1),
            fileName: result.isNull(row, base + 2) ? "(unknown file)" : result.text(row, base + 2))
    }

    private static func readValues(_ result: PGResult, _ row: Int, _ schema: KindSchema, from first: Int)
        -> [FieldValue]
    {
        schema.columns.enumerated().map { index, column in
            result.value(row, first + index, integer: column.type.isInteger)
        }
    }

    // MARK: Appending

    public func append(
        _ file: IngestFileInfo, rows produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        try ensureSchema()
        try connection.execute("BEGIN")
        do {
            let outcome = try appendInTransaction(file, produceRows)
            try connection.execute(outcome.landed ? "COMMIT" : "ROLLBACK")
            return outcome
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func appendInTransaction(
        _ file: IngestFileInfo, _ produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        try connection.execute("LOCK TABLE files IN SHARE ROW EXCLUSIVE MODE")
        let known = try connection.query("SELECT \(Self.fileColumns) FROM files WHERE sha256 = $1", [file.sha256])
        if known.rowCount > 0 { return .knownFile(try Self.readFile(known, 0)) }
        let latest = try connection.execute("SELECT max(recorded_at), coalesce(max(id), 0) + 1 FROM files")
        if !latest.isNull(0, 0) {
            let latestAt = Instant(nanosecondsSinceEpoch: latest.int64(0, 0))
            if file.recordedAt < latestAt {
                throw StoreError.recordedAtBackwards(latest: latestAt, requested: file.recordedAt)
            }
        }
        let fileID = latest.int64(0, 1)
        let schema = file.kind.schema
        let table = schema.tableName
        let last = try connection.execute("SELECT seq, row_hash FROM \(table) ORDER BY seq DESC LIMIT 1")
        let baseSeq = last.rowCount > 0 ? last.int64(0, 0) : 0
        let chainStart = last.rowCount > 0 ? (HashChain.bytes(hex: last.text(0, 1)) ?? HashChain.genesis)
            : HashChain.genesis
        let recordedAt = file.recordedAt.nanosecondsSinceEpoch
        let columns = LedgerDDL.columnList(schema)
        if last.rowCount == 0 {
            return try appendToEmptyTable(file, fileID: fileID, produceRows)
        }

        // 2. Stream into staging with provisional seqs and hashes.
        let stagingColumns = LedgerDDL.columnDefinitions(schema)
        try connection.execute(
            "CREATE TEMP TABLE ch_staging (seq BIGINT NOT NULL, \(stagingColumns.joined(separator: ", ")), "
                + "natural_key TEXT NOT NULL, source_row BIGINT NOT NULL, row_hash TEXT NOT NULL) ON COMMIT DROP")
        var errors: [RowError] = []
        // Sized up front from the file's bytes (a ledger row is rarely under 64 bytes of CSV): growing
        // a table of a million keys rehashes every key several times over.
        var repeatedKeys = RepeatedKeyFinder(expectedKeys: Int(min(file.byteCount / 64, 4_000_000)))
        var canonicalArena: [UInt8] = []
        var canonicalEnds: [Int] = []
        var sourceRows: [Int64] = []
        var previous = chainStart
        var encoder = LedgerRowEncoder(kind: file.kind, recordedAt: recordedAt, fileSHA256: file.sha256)
        try connection.copyIn(
            "COPY ch_staging (seq, \(columns), natural_key, source_row, row_hash) FROM STDIN"
        ) { writer in
            try produceRows { row in
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encode(row)
                if let first = repeatedKeys.earlierRow(of: encoder.key, row: row.sourceRow) {
                    errors.append(LedgerMessages.repeatedKey(fileName: file.name, row: row, firstRow: first))
                    return
                }
                canonicalArena.append(contentsOf: encoder.canonical)
                canonicalEnds.append(canonicalArena.count)
                sourceRows.append(Int64(row.sourceRow))
                let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest

                writer.field(baseSeq + Int64(sourceRows.count))
                for value in row.values {
                    writer.separator()
                    writer.field(value)
                }
                writer.separator()
                writer.field(bytes: encoder.key)
                writer.separator()
                writer.field(Int64(row.sourceRow))
                writer.separator()
                writer.hexField(digest)
                try writer.endLine()
            }
        }

        // 3. Duplicates, conflicts and transfer-line mismatches, by joins. Statistics on the staging
        // table let the planner choose index probes (small file, large ledger) or a hash join.
        var duplicates = Set<Int64>()
        let stagedColumns = LedgerDDL.columnList(schema, prefix: "s.")
        // (An empty ledger table never gets here: `appendToEmptyTable` loads it.)
        if last.rowCount > 0 {
            // A hash join of a large file with a large table spilled to disk in many batches with the
            // default 4 MB of work memory (ingests are serialised by the lock above: one at a time).
            try connection.execute("SET LOCAL work_mem = '256MB'")
            // Statistics on the join columns only: the other columns' cost most of a full ANALYZE
            // (0.6 s of a 200k-row re-ingest) and no plan depends on them.
            try connection.execute(
                "ANALYZE ch_staging (natural_key\(file.kind == .transfers ? ", transfer_id, line_no" : ""))")
            let identical = schema.columns.map { "s.\($0.name) IS NOT DISTINCT FROM l.\($0.name)" }
                .joined(separator: " AND ")
            let detail = "s.seq, \(stagedColumns), s.source_row, \(LedgerDDL.storedColumns(schema))"
            let count = schema.columns.count
            var refused = Set<Int64>()
            if schema.versioned {
                let latestVersion =
                    " AND l.seq = (SELECT max(v.seq) FROM \(table) v WHERE v.natural_key = s.natural_key)"
                let duplicateResult = try connection.execute(
                    "SELECT s.seq FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key\(latestVersion) "
                        + "WHERE \(identical)")
                duplicates.reserveCapacity(duplicateResult.rowCount)
                for index in 0..<duplicateResult.rowCount { duplicates.insert(duplicateResult.int64(index, 0)) }
            } else {
                // One join counts, among the staged rows whose key the ledger holds, those with the
                // same content (duplicates) and those without (conflicts); only when a file mixes new
                // rows and duplicates are the duplicates' seqs fetched, and only when some differ does a
                // second join fetch both versions for the messages. A re-sent file (all duplicates) and
                // a new one (no match) pay one join and read back one row, not one per staged row.
                let counts = try connection.execute(
                    "SELECT count(*) FILTER (WHERE \(identical)), count(*) FILTER (WHERE NOT (\(identical))) "
                        + "FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key")
                let identicalCount = counts.int64(0, 0)
                let anyConflict = counts.int64(0, 1) > 0
                if identicalCount == Int64(sourceRows.count) {
                    // The natural key is unique in the ledger, so every staged row is a duplicate.
                    duplicates.reserveCapacity(sourceRows.count)
                    for ordinal in 0..<sourceRows.count { duplicates.insert(baseSeq + Int64(ordinal + 1)) }
                } else if identicalCount > 0 {
                    let duplicateResult = try connection.execute(
                        "SELECT s.seq FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key "
                            + "WHERE \(identical)")
                    duplicates.reserveCapacity(duplicateResult.rowCount)
                    for index in 0..<duplicateResult.rowCount { duplicates.insert(duplicateResult.int64(index, 0)) }
                }
                if anyConflict {
                    let conflicts = try connection.execute(
                        "SELECT \(detail) FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key "
                            + "LEFT JOIN files f ON f.id = l.file_id WHERE NOT (\(identical)) ORDER BY s.seq")
                    for index in 0..<conflicts.rowCount {
                        let incoming = LedgerRow(
                            kind: file.kind, values: Self.readValues(conflicts, index, schema, from: 1),
                            sourceRow: Int(conflicts.int64(index, count + 1)))
                        let existing = Self.readStored(conflicts, index, schema, from: count + 3)
                        refused.insert(conflicts.int64(index, 0))
                        errors.append(
                            LedgerMessages.conflict(fileName: file.name, incoming: incoming, existing: existing))
                    }
                }
            }
            if file.kind == .transfers {
                let mismatches = try connection.execute(
                    "SELECT \(detail) FROM ch_staging s JOIN \(table) l ON l.transfer_id = s.transfer_id "
                        + "AND l.line_no = s.line_no AND l.natural_key <> s.natural_key "
                        + "LEFT JOIN files f ON f.id = l.file_id "
                        + "WHERE l.sku <> s.sku OR l.from_location <> s.from_location OR l.to_location <> s.to_location "
                        + "ORDER BY s.seq, l.seq")
                for index in 0..<mismatches.rowCount {
                    let stagingSeq = mismatches.int64(index, 0)
                    if duplicates.contains(stagingSeq) || refused.contains(stagingSeq) { continue }
                    refused.insert(stagingSeq)
                    let incoming = LedgerRow(
                        kind: file.kind, values: Self.readValues(mismatches, index, schema, from: 1),
                        sourceRow: Int(mismatches.int64(index, count + 1)))
                    let existing = Self.readStored(mismatches, index, schema, from: count + 3)
                    errors.append(
                        LedgerMessages.transferMismatch(fileName: file.name, incoming: incoming, existing: existing))
                }
            }
        }
        if !errors.isEmpty {
            return .rejected(errors.sorted { ($0.row ?? 0) < ($1.row ?? 0) })
        }

        // 4. The file record, then the new rows.
        let accepted = sourceRows.count - duplicates.count
        try connection.query(
            "INSERT INTO files (\(Self.fileColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                String(fileID), file.name, file.sha256, file.kind.rawValue, String(file.byteCount),
                String(recordedAt), String(accepted), String(duplicates.count),
            ])
        let target = "INSERT INTO \(table) (seq, \(columns), natural_key, recorded_at, file_id, source_row, row_hash)"
        if duplicates.isEmpty {
            if accepted > 0 {
                try connection.execute(
                    target + " SELECT seq, \(columns), natural_key, \(recordedAt), \(fileID), source_row, row_hash "
                        + "FROM ch_staging")
            }
        } else if accepted > 0 {
            try connection.execute(
                "CREATE TEMP TABLE ch_renumber (staging_seq BIGINT NOT NULL, seq BIGINT NOT NULL, "
                    + "row_hash TEXT NOT NULL) ON COMMIT DROP")
            try connection.copyIn("COPY ch_renumber (staging_seq, seq, row_hash) FROM STDIN") { writer in
                var previous = chainStart
                var nextSeq = baseSeq
                var start = 0
                for (ordinal, end) in canonicalEnds.enumerated() {
                    defer { start = end }
                    let stagingSeq = baseSeq + Int64(ordinal + 1)
                    if duplicates.contains(stagingSeq) { continue }
                    let digest = HashChain.digest(
                        previous: previous, canonicalContent: canonicalArena[start..<end], recordedAt: recordedAt,
                        fileSHA256: file.sha256, sourceRow: sourceRows[ordinal])
                    previous = digest
                    nextSeq += 1
                    writer.field(stagingSeq)
                    writer.separator()
                    writer.field(nextSeq)
                    writer.separator()
                    writer.hexField(digest)
                    try writer.endLine()
                }
            }
            try connection.execute(
                target + " SELECT r.seq, \(stagedColumns), s.natural_key, \(recordedAt), \(fileID), s.source_row, "
                    + "r.row_hash FROM ch_staging s JOIN ch_renumber r ON r.staging_seq = s.seq")
        }
        return .appended(
            IngestedFile(
                id: fileID, name: file.name, sha256: file.sha256, kind: file.kind, byteCount: file.byteCount,
                recordedAt: file.recordedAt, rowsAccepted: accepted, rowsDuplicate: duplicates.count))
    }

    /// A file into a ledger table that holds no row yet (a first load): nothing can be a duplicate,
    /// a conflict or a transfer mismatch, so the rows go by COPY straight into the ledger table with
    /// their final seqs and hashes, and only a key repeated inside the file (found in the client) can
    /// reject it.
    ///
    /// Why the secondary indexes are dropped and rebuilt: maintaining them row by row was most of the
    /// server's time (a 200k-row load spent ~1.5 s with the primary key alone and ~3.5 s once the
    /// natural-key index was added; building an index from the loaded rows sorts once). The
    /// definitions are read from the catalog, so an index a later migration adds is rebuilt as well.
    /// It is all one transaction: a failure or a kill -9 rolls the drop back with the rows. The price:
    /// DROP INDEX holds an ACCESS EXCLUSIVE lock on this (empty) table until the commit, so readers of
    /// it wait for the first load to finish.
    private func appendToEmptyTable(
        _ file: IngestFileInfo, fileID: Int64, _ produceRows: (_ emit: (LedgerRow) throws -> Void) throws -> Void
    ) throws -> AppendOutcome {
        let schema = file.kind.schema
        let table = schema.tableName
        let recordedAt = file.recordedAt.nanosecondsSinceEpoch
        // Indexes that no constraint owns (the primary key stays: its seqs arrive in order).
        let indexes = try connection.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                + "WHERE x.indrelid = '\(table)'::regclass AND NOT EXISTS "
                + "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname")
        var definitions: [String] = []
        for index in 0..<indexes.rowCount {
            definitions.append(indexes.text(index, 1))
            try connection.execute("DROP INDEX \(indexes.text(index, 0))")
        }

        var errors: [RowError] = []
        var repeatedKeys = RepeatedKeyFinder(expectedKeys: Int(min(file.byteCount / 64, 4_000_000)))
        var previous = HashChain.genesis
        var accepted: Int64 = 0
        var encoder = LedgerRowEncoder(kind: file.kind, recordedAt: recordedAt, fileSHA256: file.sha256)
        try connection.copyIn(
            "COPY \(table) (seq, \(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, source_row, "
                + "row_hash) FROM STDIN"
        ) { writer in
            try produceRows { row in
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encode(row)
                if let first = repeatedKeys.earlierRow(of: encoder.key, row: row.sourceRow) {
                    errors.append(LedgerMessages.repeatedKey(fileName: file.name, row: row, firstRow: first))
                    return
                }
                // Once the file is doomed, only keep finding repeats: nothing more is sent.
                guard errors.isEmpty else { return }
                let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest
                accepted += 1
                writer.field(accepted)
                for value in row.values {
                    writer.separator()
                    writer.field(value)
                }
                writer.separator()
                writer.field(bytes: encoder.key)
                writer.separator()
                writer.field(recordedAt)
                writer.separator()
                writer.field(fileID)
                writer.separator()
                writer.field(Int64(row.sourceRow))
                writer.separator()
                writer.hexField(digest)
                try writer.endLine()
            }
        }
        if !errors.isEmpty {
            return .rejected(errors.sorted { ($0.row ?? 0) < ($1.row ?? 0) })
        }
        // Each build sorts the whole table: with the default 64 MB a million rows' sort spilled to disk.
        try connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions { try connection.execute(definition) }
        try connection.query(
            "INSERT INTO files (\(Self.fileColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                String(fileID), file.name, file.sha256, file.kind.rawValue, String(file.byteCount),
                String(recordedAt), String(accepted), "0",
            ])
        return .appended(
            IngestedFile(
                id: fileID, name: file.name, sha256: file.sha256, kind: file.kind, byteCount: file.byteCount,
                recordedAt: file.recordedAt, rowsAccepted: Int(accepted), rowsDuplicate: 0))
    }

    // MARK: Verifying

    public func verifyHashChains() throws -> [ChainBreak] {
        try ensureSchema()
        var breaks: [ChainBreak] = []
        let page = 50_000
        for kind in LedgerKind.allCases {
            let schema = kind.schema
            let count = schema.columns.count
            var verifier = ChainVerifier(table: schema.tableName)
            var after: Int64 = Int64.min
            while true {
                // Keyset pages keep memory flat on a large table.
                let result = try connection.execute(
                    "SELECT l.seq, \(LedgerDDL.columnList(schema, prefix: "l.")), l.recorded_at, "
                        + "coalesce(f.sha256, ''), l.source_row, l.row_hash FROM \(schema.tableName) l "
                        + "LEFT JOIN files f ON f.id = l.file_id WHERE l.seq > \(after) ORDER BY l.seq LIMIT \(page)")
                for index in 0..<result.rowCount {
                    let base = count + 1
                    let row = LedgerRow(
                        kind: kind, values: Self.readValues(result, index, schema, from: 1),
                        sourceRow: Int(result.int64(index, base + 2)))
                    after = result.int64(index, 0)
                    verifier.check(
                        sequence: after, row: row, recordedAt: result.int64(index, base),
                        fileSHA256: result.text(index, base + 1), storedHash: result.text(index, base + 3))
                }
                if result.rowCount < page { break }
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
