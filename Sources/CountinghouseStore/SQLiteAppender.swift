// The SQLite driver's append engine: a file's rows streamed into its ledger table through
// statements prepared once per kind, each row decided by `AppendRules`.
//
// Place in the pipeline: `SQLLedgerStore.append` calls `appendRows` inside the BEGIN IMMEDIATE
// transaction, after deciding the file id and the chain head; it inserts the file's record after.
// How: while rows are new, 64 of them go per multi-row INSERT (one statement run per row opened and
// closed a cursor on the table and each of its indexes for every row; sqlite3_step's instructions
// fell by a fifth on a 30k-row pos_lines ingest and re-ingest); a batch that meets a taken key
// stops there (`OR FAIL`), and its rows from that one on go again one by one, each key taken looked
// up to tell a duplicate, a conflict and a key repeated in the file apart (`AppendRules.decide`).
// The file is read on a thread of its own (`RowPipeline`), which also works out each row's chained
// hash as if every row went in: on a million-row file, parsing, validating and hashing were a third
// of the ingest's time on the one thread that also runs SQLite. A row takes that hash only when the
// rows before it did go in (the chain it was worked out after is the ledger's); otherwise its hash
// is worked out again.
// Errors a user can see: the `RowError`s of a rejected file; `StoreError` for SQL failures.
import CountinghouseCore

/// A row read on the reading thread, with its hash worked out there after `previous`, the hash of
/// the row read before it (or the chain's head), as if every row of the file went in.
struct SpeculatedRow {
    let row: LedgerRow
    let previous: [UInt8]
    let digest: [UInt8]
}

/// Statements prepared once per kind and reused for every row.
struct SQLiteAppendStatements {
    let lookup: SQLiteStatement
    let insert: SQLiteStatement
    let transferLine: SQLiteStatement?
    /// For a kind with one version per key: `batchRows` rows in one INSERT (see `appendRows`).
    let batchInsert: SQLiteStatement?
    let batchRows: Int

    /// Rows per multi-row INSERT (see the file comment).
    static let rowsPerInsert = 64
}

extension SQLiteDatabase {
    private func statements(_ kind: LedgerKind) throws -> SQLiteAppendStatements {
        if let prepared = appendStatements[kind] { return prepared }
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
            // OR FAIL: a key already taken stops the statement at its row, keeping the rows before it,
            // and the rest of the batch goes row by row through `insert`. Why not the default (ABORT,
            // which undoes the statement): to undo it, SQLite copies every page the statement changes
            // that was there before it into a statement journal (1 KiB pieces in memory); on a
            // million-row ingest, every 64 rows, the right edges of the table and its indexes and a
            // leaf of the SKU index per row. A statement that cannot abort keeps no such journal.
            batchRows = max(1, min(SQLiteAppendStatements.rowsPerInsert, connection.variableLimit / (count + 5)))
            let tuples = (0..<batchRows).map { row in
                "(" + (1...(count + 5)).map { "?\(row * (count + 5) + $0)" }.joined(separator: ", ") + ")"
            }
            batchInsert = try connection.prepare(
                "INSERT OR FAIL INTO \(table) (\(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, "
                    + "source_row, row_hash) VALUES " + tuples.joined(separator: ", "))
        }
        let prepared = SQLiteAppendStatements(
            lookup: lookup, insert: insert, transferLine: transferLine, batchInsert: batchInsert, batchRows: batchRows)
        appendStatements[kind] = prepared
        return prepared
    }

    func appendRows(_ file: IngestFileInfo, after start: AppendStart, _ produceRows: RowProducer) throws
        -> AppendedRows
    {
        let prepared = try statements(file.kind)
        let schema = file.kind.schema
        let fileID = start.fileID
        var previous = start.chainHead

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
            for index in 0..<columnCount { try statement.bindHeld(row.values[index], at: first + Int32(index + 1)) }
            let base = first + Int32(columnCount)
            try statement.bindHeld(utf8: encoder.key, at: base + 1)
            try statement.bind(recordedAt, at: base + 2)
            try statement.bind(fileID, at: base + 3)
            try statement.bind(Int64(row.sourceRow), at: base + 4)
            hexDigest.removeAll(keepingCapacity: true)
            HashChain.appendHex(digest, to: &hexDigest)
            try statement.bindHeld(utf8: hexDigest, at: base + 5)
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

        /// Records the row error of a refused row.
        func refuse(_ row: LedgerRow, _ decision: AppendDecision) {
            if let error = decision.rowError(fileName: file.name, incoming: row) { errors.append(error) }
        }

        /// A row's hash after `previous`: the one worked out on the reading thread when it was worked
        /// out after `previous` (every row before it went in), or else worked out here.
        func chainedDigest(_ item: SpeculatedRow, after previous: [UInt8]) -> [UInt8] {
            if item.previous == previous { return item.digest }
            encoder.encodeContent(item.row)
            return encoder.digest(previous: previous, sourceRow: Int64(item.row.sourceRow))
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
                // The row went in already (its batch or insert ran first); the refusal rolls it back.
                let facts = AppendFacts(transferLineMismatch: Self.readStored(transferLine, schema))
                refuse(row, AppendRules.decide(versioned: false, facts))
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
                let facts: AppendFacts
                if lookup.int64(baseColumn + 1) == fileID {
                    facts = AppendFacts(earlierRowInFile: Int(lookup.int64(baseColumn + 3)))
                } else {
                    skippedRows.remember(encoder.key, row: row.sourceRow)
                    facts = AppendFacts(
                        ledger: identical(lookup, row) ? .identical : .different(Self.readStored(lookup, schema)))
                }
                let decision = AppendRules.decide(versioned: false, facts)
                if decision == .duplicate { duplicates += 1 } else { refuse(row, decision) }
            }

            /// One row by itself (its key encoded by `encoder`): the insert first, or the probe first
            /// while rows keep being skipped.
            func appendSingly(_ item: SpeculatedRow) throws {
                let row = item.row
                if let first = skippedRows.row(of: encoder.key) {
                    refuse(row, AppendRules.decide(versioned: false, AppendFacts(earlierRowInFile: first)))
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
                let digest = chainedDigest(item, after: previous)
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
                        message: "\(file.name):\(row.sourceRow): the natural key \(encoder.keyString) is taken in "
                            + "\(schema.tableName) but no row holds it (the table's key index disagrees with its rows: run "
                            + "countinghouse verify)")
                }
                skip(row)
            }

            // While rows are inserted first, they gather into one multi-row INSERT (`batchInsert`),
            // bound as they arrive with the hashes they chain to if all of them are new. When the
            // statement runs, the rows before the first whose key is taken go in (all of them, when
            // none is), each with the hash it was bound with: the chain stands up to there. The rows
            // from the first refused one on go again one by one, in order, each checked as above, and
            // the chain is taken up from the last row that went in.
            var batch: [SpeculatedRow] = []
            batch.reserveCapacity(prepared.batchRows)
            // The hash each row of the batch was bound with; the batch's chain is the last of them.
            var batchDigests: [[UInt8]] = []
            batchDigests.reserveCapacity(prepared.batchRows)

            func flushBatch() throws {
                guard !batch.isEmpty else { return }
                var wentIn = 0
                if let batchInsert = prepared.batchInsert, batch.count == prepared.batchRows {
                    let before = connection.totalChanges
                    wentIn = try batchInsert.runUnlessConstraintFails() ? batch.count : connection.totalChanges - before
                    guard (0...batch.count).contains(wentIn) else {
                        throw StoreError.sql(
                            statement: batchInsert.sql,
                            message: "\(file.name): SQLite counted \(wentIn) rows inserted by a \(batch.count)-row "
                                + "insert (0 to \(batch.count) expected); nothing of the file was kept")
                    }
                    if wentIn > 0 {
                        previous = batchDigests[wentIn - 1]
                        accepted += wentIn
                        if prepared.transferLine != nil {
                            for item in batch[..<wentIn] {
                                encoder.encodeKey(item.row)
                                try checkTransferLine(item.row, key: encoder.keyString)
                            }
                        }
                    }
                }
                let rest = batch[wentIn...]
                batch.removeAll(keepingCapacity: true)
                batchDigests.removeAll(keepingCapacity: true)
                for item in rest {
                    encoder.encodeKey(item.row)
                    try appendSingly(item)
                }
            }

            func append(_ item: SpeculatedRow) throws {
                let row = item.row
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encodeKey(row)
                guard let batchInsert = prepared.batchInsert, !probeFirst else {
                    // (The batch is empty here: probing starts only inside `appendSingly`.)
                    try appendSingly(item)
                    return
                }
                if let first = skippedRows.row(of: encoder.key) {
                    refuse(row, AppendRules.decide(versioned: false, AppendFacts(earlierRowInFile: first)))
                    return
                }
                if batch.isEmpty { batchInsert.rewind() }
                let digest = chainedDigest(item, after: batchDigests.last ?? previous)
                try bindRow(row, digest: digest, into: batchInsert, slot: batch.count)
                batch.append(item)
                batchDigests.append(digest)
                if batch.count == prepared.batchRows { try flushBatch() }
            }

            // The rows are read, and their hashes worked out as if every row went in, on the reading
            // thread (RowPipeline); `chainedDigest` takes such a hash whenever the chain it was
            // worked out after is the one the row goes in after.
            var readingEncoder = LedgerRowEncoder(kind: file.kind, recordedAt: recordedAt, fileSHA256: file.sha256)
            var readingChain = previous
            try RowPipeline.run(
                produceRows,
                newChunk: { () -> [SpeculatedRow] in
                    var chunk: [SpeculatedRow] = []
                    chunk.reserveCapacity(RowPipeline.chunkRows)
                    return chunk
                },
                add: { chunk, row in
                    readingEncoder.encodeContent(row)
                    let digest = readingEncoder.digest(previous: readingChain, sourceRow: Int64(row.sourceRow))
                    chunk.append(SpeculatedRow(row: row, previous: readingChain, digest: digest))
                    readingChain = digest
                    return chunk.count
                }
            ) { chunk in
                for item in chunk { try append(item) }
            }
            try flushBatch()
        } else {
            // Versioned (items): a row whose key is in the ledger is compared with the latest version;
            // the same content is a duplicate, other content a new version.
            var repeatedKeys = RepeatedKeyFinder(expectedKeys: Int(min(file.byteCount / 64, 4_000_000)))
            try RowPipeline.forEachRow(produceRows) { row in
                precondition(row.kind == file.kind, "a \(row.kind.rawValue) row in a \(file.kind.rawValue) file")
                encoder.encode(row)
                if let first = repeatedKeys.earlierRow(of: encoder.key, row: row.sourceRow) {
                    refuse(row, AppendRules.decide(versioned: true, AppendFacts(earlierRowInFile: first)))
                    return
                }

                lookup.reset()
                try lookup.bind(utf8: encoder.key, at: 1)
                var latest = LedgerMatch.absent
                if try lookup.step() {
                    latest = identical(lookup, row) ? .identical : .different(Self.readStored(lookup, schema))
                }
                lookup.reset()
                let decision = AppendRules.decide(versioned: true, AppendFacts(ledger: latest))
                if decision == .duplicate {
                    duplicates += 1
                    return
                }
                // (Only items are versioned, and they have no transfer lines to check.)
                // Once the file is doomed, only keep checking: nothing more is written.
                guard errors.isEmpty else { return }

                let digest = encoder.digest(previous: previous, sourceRow: Int64(row.sourceRow))
                previous = digest
                _ = try insertRow(row, digest: digest)
                accepted += 1
            }
        }

        if !errors.isEmpty { return .rejected(errors) }
        return .landed(accepted: accepted, duplicates: duplicates, chainHead: previous)
    }
}
