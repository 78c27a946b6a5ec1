// The PostgreSQL driver's append engine: a file's rows by COPY, without a round trip per row.
//
// Place in the pipeline: `SQLLedgerStore.append` calls `appendRows` inside the transaction that
// holds the ledger lock (a transaction advisory lock: ingests serialise, readers are not blocked), after deciding the file id, the next seq and the chain head; it inserts the
// file's record after. How:
//  1. A ledger table with no row yet takes a shorter way (`appendToEmptyTable`): COPY straight
//     into it, its secondary indexes dropped and rebuilt in the same transaction when the role owns
//     the table (the writer role of `init --roles` may not drop an index: it COPYs with them).
//  2. The producer's rows stream by COPY (text format) into a temp staging table holding each row's
//     values, natural key, source row, a provisional seq and a provisional chained hash, computed in
//     Swift as if every row were new (the common case of a first ingest).
//  3. One join of staging with the ledger finds the rows whose key is there and whether their columns
//     are identical (`IS NOT DISTINCT FROM`: duplicates); only when some are not does a second list
//     the conflicts with both versions (for items, versioned: only the latest
//     version for the SKU counts, and a difference is a new version, not a conflict); for
//     transfers a third finds rows of the same transfer line with another SKU or locations. Each
//     refusal is decided by `AppendRules.decide` from what the joins found. On a table partitioned
//     by month (MonthPartitions.swift) the key table first says whether any staged key is known:
//     when none is, the join with every month's partition is skipped.
//  4. Any error: `.rejected` (the caller rolls back). Otherwise the new rows go from staging into
//     the ledger by one INSERT … SELECT: straight, when nothing was a duplicate (the provisional seqs
//     and hashes are the real ones); else the chain is recomputed in Swift for the new rows only and
//     COPYed as (staging seq, seq, hash) into a second temp table that the INSERT … SELECT joins.
//     Re-sending values is never needed.
// Errors a user can see: the `RowError`s of a rejected file; `StoreError` for SQL failures.
import CountinghouseCore

extension PostgresDatabase {
    func appendRows(_ file: IngestFileInfo, after start: AppendStart, _ produceRows: RowProducer) throws
        -> AppendedRows
    {
        // A partitioned ledger (MonthPartitions.swift): the file's month partition first.
        let partitioned = try preparePartition(file.kind.schema.tableName, recordedAt: file.recordedAt)
        return start.tableIsEmpty
            ? try appendToEmptyTable(file, fileID: start.fileID, produceRows)
            : try appendToTable(file, after: start, partitioned: partitioned, produceRows)
    }

    private func appendToTable(
        _ file: IngestFileInfo, after start: AppendStart, partitioned: Bool, _ produceRows: RowProducer
    ) throws -> AppendedRows {
        let schema = file.kind.schema
        let table = schema.tableName
        let fileID = start.fileID
        let baseSeq = start.lastSequence
        let chainStart = start.chainHead
        let recordedAt = file.recordedAt.nanosecondsSinceEpoch
        let columns = LedgerDDL.columnList(schema)

        // 2. Stream into staging with provisional seqs and hashes.
        let stagingColumns = LedgerDDL.columnDefinitions(schema)
        try connection.execute(
            "CREATE TEMP TABLE ch_staging (seq BIGINT NOT NULL, \(stagingColumns.joined(separator: ", ")), "
                + "natural_key TEXT NOT NULL, source_row BIGINT NOT NULL, row_hash TEXT NOT NULL) ON COMMIT DROP")
        var errors: [RowError] = []
        // Sized up front from the file's bytes (a ledger row is rarely under 64 bytes of CSV): growing
        // a table of a million keys rehashes every key several times over.
        var stream = StreamedRows(file: file, recordedAt: recordedAt, versioned: schema.versioned)
        var canonicalArena: [UInt8] = []
        var canonicalEnds: [Int] = []
        var sourceRows: [Int64] = []
        var previous = chainStart
        try connection.copyIn(
            "COPY ch_staging (seq, \(columns), natural_key, source_row, row_hash) FROM STDIN"
        ) { writer in
            try RowPipeline.forEachRow(produceRows) { row in
                guard stream.admit(row, errors: &errors) else { return }
                canonicalArena.append(contentsOf: stream.encoder.canonical)
                canonicalEnds.append(canonicalArena.count)
                sourceRows.append(Int64(row.sourceRow))
                let digest = stream.encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest

                try writer.ledgerLine(
                    seq: baseSeq + Int64(sourceRows.count), row: row, key: stream.encoder.key, file: nil, digest: digest)
            }
        }

        // 3. Duplicates, conflicts and transfer-line mismatches, by joins. Statistics on the staging
        // table let the planner choose index probes (small file, large ledger) or a hash join.
        var duplicates = Set<Int64>()
        let stagedColumns = LedgerDDL.columnList(schema, prefix: "s.")
        // (An empty ledger table never gets here: `appendToEmptyTable` loads it.)
        // A hash join of a large file with a large table spilled to disk in many batches with the
        // default 4 MB of work memory (ingests are serialised by the ledger lock: one at a time).
        try connection.execute("SET LOCAL work_mem = '256MB'")
        // Statistics on the join columns only: the other columns' cost most of a full ANALYZE
        // (0.6 s of a 200k-row re-ingest) and no plan depends on them.
        try connection.execute(
            "ANALYZE ch_staging (natural_key\(file.kind == .transfers ? ", transfer_id, line_no" : ""))")
        let identical = schema.columns.map { "s.\($0.storedName) IS NOT DISTINCT FROM l.\($0.storedName)" }
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
            for index in 0..<duplicateResult.rowCount { duplicates.insert(try duplicateResult.int64(index, 0)) }
        } else {
            // One join counts, among the staged rows whose key the ledger holds, those with the
            // same content (duplicates) and those without (conflicts); only when a file mixes new
            // rows and duplicates are the duplicates' seqs fetched, and only when some differ does a
            // second join fetch both versions for the messages. A re-sent file (all duplicates) and
            // a new one (no match) pay one join and read back one row, not one per staged row.
            //
            // On a partitioned table that join probes every month's partition for each staged row
            // (0.1 s a file on five months, 1 s on three years): its key table first says, with one
            // probe of its primary key per staged row, whether the ledger holds any staged key at
            // all; a new file's (a nightly's) holds none, and the join is not needed.
            let anyKnown =
                try !partitioned
                || connection.execute(
                    "SELECT count(*) FROM ch_staging s JOIN \(MonthPartitionSQL.keysTable(table)) k "
                        + "ON k.natural_key = s.natural_key"
                ).int64(0, 0) > 0
            let counts =
                anyKnown
                ? try connection.execute(
                    "SELECT count(*) FILTER (WHERE \(identical)), count(*) FILTER (WHERE NOT (\(identical))) "
                        + "FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key")
                : nil
            let identicalCount = try counts?.int64(0, 0) ?? 0
            let anyConflict = try (counts?.int64(0, 1) ?? 0) > 0
            if identicalCount == Int64(sourceRows.count) {
                // The natural key is unique in the ledger, so every staged row is a duplicate.
                duplicates.reserveCapacity(sourceRows.count)
                for ordinal in 0..<sourceRows.count { duplicates.insert(baseSeq + Int64(ordinal + 1)) }
            } else if identicalCount > 0 {
                let duplicateResult = try connection.execute(
                    "SELECT s.seq FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key "
                        + "WHERE \(identical)")
                duplicates.reserveCapacity(duplicateResult.rowCount)
                for index in 0..<duplicateResult.rowCount { duplicates.insert(try duplicateResult.int64(index, 0)) }
            }
            if anyConflict {
                let conflicts = try connection.execute(
                    "SELECT \(detail) FROM ch_staging s JOIN \(table) l ON l.natural_key = s.natural_key "
                        + "LEFT JOIN files f ON f.id = l.file_id WHERE NOT (\(identical)) ORDER BY s.seq")
                for index in 0..<conflicts.rowCount {
                    let incoming = LedgerRow(
                        kind: file.kind, values: try Self.readValues(conflicts, index, schema, from: 1),
                        sourceRow: Int(try conflicts.int64(index, count + 1)))
                    let existing = try Self.readStored(conflicts, index, schema, from: count + 3)
                    refused.insert(try conflicts.int64(index, 0))
                    let decision = AppendRules.decide(versioned: false, AppendFacts(ledger: .different(existing)))
                    if let error = decision.rowError(fileName: file.name, incoming: incoming) { errors.append(error) }
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
                let stagingSeq = try mismatches.int64(index, 0)
                // A conflict is reported once, as a conflict.
                if refused.contains(stagingSeq) { continue }
                let incoming = LedgerRow(
                    kind: file.kind, values: try Self.readValues(mismatches, index, schema, from: 1),
                    sourceRow: Int(try mismatches.int64(index, count + 1)))
                let facts = AppendFacts(
                    ledger: duplicates.contains(stagingSeq) ? .identical : .absent,
                    transferLineMismatch: try Self.readStored(mismatches, index, schema, from: count + 3))
                if let error = AppendRules.decide(versioned: false, facts).rowError(fileName: file.name, incoming: incoming) {
                    refused.insert(stagingSeq)
                    errors.append(error)
                }
            }
        }
        if !errors.isEmpty { return .rejected(errors) }

        // 4. The new rows (the caller inserts the file's record).
        let accepted = sourceRows.count - duplicates.count
        var chainHead = accepted == 0 ? chainStart : previous
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
                defer { chainHead = previous }
                var nextSeq = baseSeq
                var contentStart = 0
                for (ordinal, end) in canonicalEnds.enumerated() {
                    defer { contentStart = end }
                    let stagingSeq = baseSeq + Int64(ordinal + 1)
                    if duplicates.contains(stagingSeq) { continue }
                    let digest = HashChain.digest(
                        previous: previous, canonicalContent: canonicalArena[contentStart..<end], recordedAt: recordedAt,
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
        return .landed(accepted: accepted, duplicates: duplicates.count, chainHead: chainHead)
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
    private func appendToEmptyTable(_ file: IngestFileInfo, fileID: Int64, _ produceRows: RowProducer) throws
        -> AppendedRows
    {
        let schema = file.kind.schema
        let table = schema.tableName
        let recordedAt = file.recordedAt.nanosecondsSinceEpoch
        // Indexes that no constraint owns (the primary key stays: its seqs arrive in order), when
        // this role has the table owner's rights (none for the writer role: it loads with them).
        let indexes = try connection.query(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                + "JOIN pg_class t ON t.oid = x.indrelid WHERE x.indrelid = to_regclass($1) "
                + "AND pg_has_role(t.relowner, 'USAGE') AND NOT EXISTS "
                + "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname", [table])
        var definitions: [String] = []
        for index in 0..<indexes.rowCount {
            // A partitioned table's index reads `ON ONLY table`, which would make it for the parent
            // alone (invalid until each partition's is attached): made again, it is for them all.
            definitions.append(indexes.text(index, 1).replacingFirst(" ON ONLY ", with: " ON "))
            try connection.execute("DROP INDEX \(indexes.text(index, 0))")
        }

        var errors: [RowError] = []
        var stream = StreamedRows(file: file, recordedAt: recordedAt, versioned: schema.versioned)
        var previous = HashChain.genesis
        var accepted: Int64 = 0
        try connection.copyIn(
            "COPY \(table) (seq, \(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, source_row, "
                + "row_hash) FROM STDIN"
        ) { writer in
            try RowPipeline.forEachRow(produceRows) { row in
                guard stream.admit(row, errors: &errors) else { return }
                // Once the file is doomed, only keep finding repeats: nothing more is sent.
                guard errors.isEmpty else { return }
                let digest = stream.encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest
                accepted += 1
                try writer.ledgerLine(
                    seq: accepted, row: row, key: stream.encoder.key, file: (recordedAt, fileID), digest: digest)
            }
        }
        if !errors.isEmpty { return .rejected(errors) }
        // Each build sorts the whole table: with the default 64 MB a million rows' sort spilled to disk.
        try connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions { try connection.execute(definition) }
        return .landed(accepted: Int(accepted), duplicates: 0, chainHead: previous)
    }
}

/// A file's rows as they stream into a COPY: each encoded once (key, content, chain suffix) and
/// refused with its row error when its natural key repeats an earlier row of the same file.
struct StreamedRows {
    /// The last admitted row's key, content and hash (`digest` is the encoder's, for its buffers).
    var encoder: LedgerRowEncoder
    private var repeatedKeys: RepeatedKeyFinder
    private let file: IngestFileInfo
    private let versioned: Bool

    init(file: IngestFileInfo, recordedAt: Int64, versioned: Bool) {
        self.file = file
        self.versioned = versioned
        encoder = LedgerRowEncoder(kind: file.kind, recordedAt: recordedAt, fileSHA256: file.sha256)
        // Sized up front from the file's bytes (a ledger row is rarely under 64 bytes of CSV): growing
        // a table of a million keys rehashes every key several times over.
        repeatedKeys = RepeatedKeyFinder(expectedKeys: Int(min(file.byteCount / 64, 4_000_000)))
    }

    /// Encodes the row; false (with its error) when its key repeats an earlier row of the file.
    mutating func admit(_ row: LedgerRow, errors: inout [RowError]) -> Bool {
        precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
        encoder.encode(row)
        guard let first = repeatedKeys.earlierRow(of: encoder.key, row: row.sourceRow) else { return true }
        let decision = AppendRules.decide(versioned: versioned, AppendFacts(earlierRowInFile: first))
        if let error = decision.rowError(fileName: file.name, incoming: row) { errors.append(error) }
        return false
    }
}

extension PGCopyWriter {
    /// One row as both COPYs send it: seq, the row's values, its natural key, then recorded_at and
    /// file_id when the target is the ledger table itself (the staging table leaves them out), the
    /// source row and the row hash.
    mutating func ledgerLine(
        seq: Int64, row: LedgerRow, key: [UInt8], file: (recordedAt: Int64, id: Int64)?, digest: [UInt8]
    ) throws {
        field(seq)
        for value in row.values {
            separator()
            field(value)
        }
        separator()
        field(bytes: key)
        if let file {
            separator()
            field(file.recordedAt)
            separator()
            field(file.id)
        }
        separator()
        field(Int64(row.sourceRow))
        separator()
        hexField(digest)
        try endLine()
    }
}

extension String {
    /// The text with the first occurrence of `target` replaced (the text itself when there is none).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var replaced = self
        replaced.replaceSubrange(range, with: replacement)
        return replaced
    }
}
