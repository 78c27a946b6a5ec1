// The ledger's schema, version by version, for both databases (each version's statements in the
// driver's dialect where the two differ: the integer primary key and the append-only triggers).
//
// Place in the pipeline: `SQLLedgerStore.migrate` applies the versions a ledger lacks, in one
// write transaction, and records each in `schema_migrations` (a version that also needs rows
// computed in Swift gets them there, in the same transaction: version 6's anchors). Invariants: a version's statements
// never change once released (a ledger migrated by an earlier program must end up identical);
// the tables that hold what was recorded (the ledger, `files`, the posted periods, the
// runs) are append-only from the version that creates them.
// Errors a user can see: none here (`StoreError.schemaTooNew` is thrown by the caller).
import CountinghouseCore

/// The schema version this program writes and understands.
public let ledgerSchemaVersion = 11

enum LedgerMigrations {
    /// The statements of one schema version, in the driver's dialect.
    static func statements(_ version: Int, _ database: any LedgerDatabase) -> [String] {
        switch version {
        case 1:
            var statements = database.appendOnlySetup
            statements += [
                """
                CREATE TABLE files (id \(database.integerPrimaryKey), name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL, byte_count BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
                rows_accepted BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL)
                """,
                "CREATE INDEX files_recorded_at ON files (recorded_at)",
            ]
            statements += database.appendOnlyTriggers("files")
            for kind in LedgerKind.allCases {
                let schema = kind.schema
                let columns =
                    ["seq \(database.integerPrimaryKey)"] + LedgerDDL.columnDefinitions(schema, atSchema: 1) + [
                        "natural_key TEXT NOT NULL", "recorded_at BIGINT NOT NULL", "file_id BIGINT NOT NULL",
                        "source_row BIGINT NOT NULL", "row_hash TEXT NOT NULL",
                    ]
                statements.append("CREATE TABLE \(schema.tableName) (\(columns.joined(separator: ", ")))")
                statements += LedgerDDL.indexes(schema)
                statements += database.appendOnlyTriggers(schema.tableName)
            }
            return statements
        case 2:
            return CostCacheSQL.migration
        case 3:
            return PostedPeriodSQL.migration + PostedPeriodSQL.tables.flatMap(database.appendOnlyTriggers)
        case 4:
            return CostCacheSQL.postingsMigration
        case 5:
            return CostCheckpointSQL.migration
        case 6:
            // Then `fillRows`: the anchors of the files already in the ledger.
            return FileAnchorSQL.migration + database.appendOnlyTriggers("file_anchors")
        case 7:
            // The reconciliation's columns: settlements' payment_method, overrides' processor,
            // tender_no and effective_on (FORMATS §2). Existing rows hold them empty.
            return LedgerDDL.addedColumns(atSchema: 7)
        case 8:
            // The nightly run's records (RunRecords.swift).
            return RunRecordSQL.migration(database) + database.appendOnlyTriggers("runs")
        case 9:
            // The ledger tables' recorded_at indexes, which no read needs (LedgerDDL.recordedAtIndex).
            // IF EXISTS: a ledger whose owner dropped one by hand still migrates.
            return LedgerKind.allCases.map { "DROP INDEX IF EXISTS \(LedgerDDL.recordedAtIndex($0.schema))" }
        case 10:
            // The cost cache's indexes for the positions and the pending outflows at an instant.
            return [CostCacheSQL.positionsIndex, CostCacheSQL.pendingIndex]
        case 11:
            // The ledger tables' occurred_at indexes, which no read goes through (LedgerDDL.occurredAtIndex).
            // IF EXISTS, as version 9's.
            return LedgerKind.allCases.filter { $0.schema.occurredAt != nil }.map {
                "DROP INDEX IF EXISTS \(LedgerDDL.occurredAtIndex($0.schema))"
            }
        default:
            preconditionFailure("no migration \(version)")
        }
    }

    /// After a version's statements, in the same transaction: the rows it needs computed in Swift.
    static func fillRows(_ version: Int, _ store: SQLLedgerStore) throws {
        if version == 6 { try store.fillAnchors() }
    }
}
