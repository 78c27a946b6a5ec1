// PostgreSQL ledgers partitioned by month of `recorded_at` (docs/SCALING.md): each ledger table a
// partitioned table with one partition per month in which files were recorded, its unique natural
// key kept in a side table, and a month's partition made when the first file of that month lands.
//
// Place in the pipeline: `PostgresStore.partitionByMonth` (`init --partition-by-month`) converts a
// ledger's tables, rows and all, in one transaction; a PostgreSQL ledger this program creates is
// made so from the start when COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned (`PostgresLayout`). The
// append engine (PostgresAppender.swift) makes the file's month partition before its rows
// (`preparePartition`); `verify`'s trigger check and `init --roles` take in the partitions and key
// tables (`layoutTables`, `keyTriggerProblems`).
// Invariants:
//  - Reads do not change: every statement names the parent table. A read "as known at T"
//    (`recorded_at <= T`, a constant in the statement) is pruned to the partitions up to T's month;
//    the store's paged read goes a month at a time (`monthsRecorded`, PostgresStore.swift).
//  - `seq` stays the program's dense counter, so the primary key is (seq, recorded_at) and the
//    hash chains run in seq order across partitions, as `verify` reads them.
//  - A row's natural key is unique across all months: PostgreSQL's unique indexes on a
//    partitioned table must hold the partition key, so the key is the primary key of
//    `<table>_keys (natural_key, seq)` (items, whose key repeats one row per version, have none).
//    The database fills it: a statement-level AFTER INSERT trigger on the parent
//    (`<table>_keep_keys`) inserts the statement's new rows' keys from its transition table, so a
//    COPY or INSERT that repeats a key fails as a unique index would fail it; `verify` checks the
//    trigger with the append-only ones. The append engine's duplicate and conflict checks stay as
//    they are, through the (now non-unique) natural-key index of each partition, once the key
//    table has said that some staged key is known.
//  - A partition is made only by `countinghouse_month_partition(table, year, month)`, a SECURITY
//    DEFINER function of the tables' owner: the writer role of `init --roles` may call it, and it
//    can make nothing but the month partition of a ledger table. It makes a table LIKE the parent
//    and attaches it (SHARE UPDATE EXCLUSIVE on the parent: readers and another COPY are not
//    blocked, as CREATE TABLE … PARTITION OF would block them), then gives it its own append-only
//    trigger: a statement-level trigger of the parent does not fire for a statement that names a
//    partition. Bounds are the nanoseconds of UTC month starts, computed by the function.
// Errors a user can see: `StoreError.badLocator` for an unknown COUNTINGHOUSE_POSTGRES_LAYOUT;
// `StoreError.sql` with the server's message (a conversion run by a role that does not own the
// tables, a recorded_at outside 1678–2261).
import CountinghouseCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a PostgreSQL ledger's tables are laid out.
public enum PostgresLayout: String, Sendable, CaseIterable {
    /// One table per ledger kind, as schema versions 1–9 create them.
    case plain
    /// Each ledger table partitioned by month of `recorded_at` (MonthPartitions.swift).
    case partitioned

    /// The layout of a PostgreSQL ledger this program creates: COUNTINGHOUSE_POSTGRES_LAYOUT
    /// (`plain` when unset or empty).
    static func forNewLedgers() throws -> PostgresLayout {
        guard let pointer = getenv("COUNTINGHOUSE_POSTGRES_LAYOUT") else { return .plain }
        let value = String(cString: pointer)
        if value.isEmpty { return .plain }
        guard let layout = PostgresLayout(rawValue: value) else {
            throw StoreError.badLocator(
                "COUNTINGHOUSE_POSTGRES_LAYOUT=\(value): the layout of a new PostgreSQL ledger is plain or partitioned")
        }
        return layout
    }
}

/// What `partitionByMonth` did.
public struct PartitionReport: Sendable, Hashable {
    /// The ledger tables converted by this call (empty when all already were).
    public var converted: [String]
    /// Every ledger table's partitions after the call, by table.
    public var partitions: [String: [String]]
}

enum MonthPartitionSQL {
    /// The function's identity, as `to_regprocedure` and GRANT name it.
    static let function = "countinghouse_month_partition(text, integer, integer)"

    /// The trigger function that copies a statement's new rows' keys into the key table.
    static let keepKeys = "countinghouse_keep_keys()"
    /// Its body, as `prosrc` holds it.
    static let keepKeysBody = """

        BEGIN
          EXECUTE format('INSERT INTO %I.%I (natural_key, seq) SELECT natural_key, seq FROM new_rows',
            TG_TABLE_SCHEMA, TG_TABLE_NAME || '_keys');
          RETURN NULL;
        END

        """

    /// The name of a keyed ledger table's trigger that fills its key table.
    static func keepKeysTrigger(_ table: String) -> String { "\(table)_keep_keys" }

    /// The statement that creates it.
    static func keepKeysTriggerStatement(_ table: String) -> String {
        "CREATE TRIGGER \(keepKeysTrigger(table)) AFTER INSERT ON \(table) REFERENCING NEW TABLE AS new_rows "
            + "FOR EACH STATEMENT EXECUTE FUNCTION \(keepKeys)"
    }

    /// `pg_trigger.tgtype` of that trigger: INSERT (4), AFTER (the BEFORE bit, 2, clear),
    /// statement-level (the row bit, 1, clear).
    static let keepKeysTriggerType: Int64 = 4

    /// The side table that holds a ledger table's unique natural keys.
    static func keysTable(_ table: String) -> String { "\(table)_keys" }

    /// Creates (or replaces) the function, pins its search path to the ledger's schema (a
    /// SECURITY DEFINER function must not resolve names through the caller's), and takes EXECUTE
    /// from PUBLIC.
    static func functionStatements(refuseChange: String) -> [String] {
        let tables = LedgerKind.allCases.map { "'\($0.schema.tableName)'" }.joined(separator: ", ")
        return [
            """
            CREATE OR REPLACE FUNCTION countinghouse_month_partition(parent text, year integer, month integer)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
            DECLARE
              first timestamptz;
              next timestamptz;
              part text;
            BEGIN
              IF parent NOT IN (\(tables)) THEN
                RAISE EXCEPTION 'countinghouse_month_partition: % is not a ledger table', parent;
              END IF;
              IF month NOT BETWEEN 1 AND 12 OR year NOT BETWEEN 1678 AND 2261 THEN
                RAISE EXCEPTION 'countinghouse_month_partition: no partition for month % of year % (recorded_at holds 1678 to 2261)', month, year;
              END IF;
              first := make_timestamptz(year, month, 1, 0, 0, 0, 'UTC');
              next := make_timestamptz(CASE WHEN month = 12 THEN year + 1 ELSE year END, month % 12 + 1, 1, 0, 0, 0, 'UTC');
              part := parent || '_' || to_char(first AT TIME ZONE 'UTC', 'YYYYMM');
              IF to_regclass(part) IS NOT NULL THEN
                RETURN;
              END IF;
              EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
              EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', parent, part,
                extract(epoch FROM first)::bigint * 1000000000, extract(epoch FROM next)::bigint * 1000000000);
              EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION \(refuseChange)',
                part || '_append_only', part);
            END
            $$
            """,
            "CREATE OR REPLACE FUNCTION \(keepKeys) RETURNS trigger LANGUAGE plpgsql AS $$\(keepKeysBody)$$",
            "DO $$ BEGIN EXECUTE format('ALTER FUNCTION \(function) SET search_path = %I, pg_temp', current_schema()); END $$",
            "REVOKE ALL ON FUNCTION \(function) FROM PUBLIC",
        ]
    }
}

extension PostgresDatabase {
    /// Whether a ledger table is partitioned (read from the catalog each time: another process may
    /// have converted the ledger since this one opened it).
    func isPartitioned(_ table: String) throws -> Bool {
        try connection.query(
            "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1) AND relkind = 'p'", [table]
        ).int64(0, 0) == 1
    }

    /// A partitioned ledger table's partitions, by name.
    func partitions(of table: String) throws -> [String] {
        let result = try connection.query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = to_regclass($1) ORDER BY c.relname", [table])
        return (0..<result.rowCount).map { result.text($0, 0) }
    }

    /// The append-only tables the partitioned layout adds: each partitioned ledger table's key
    /// table (when its kind has a unique key) and partitions.
    func layoutTables() throws -> [String] {
        var tables: [String] = []
        for kind in LedgerKind.allCases {
            let table = kind.schema.tableName
            guard try isPartitioned(table) else { continue }
            if !kind.schema.versioned { tables.append(MonthPartitionSQL.keysTable(table)) }
            tables += try partitions(of: table)
        }
        return tables
    }

    /// The UTC months in which files were recorded, oldest first, as ranges of recorded_at
    /// (nanoseconds, the bounds of their partitions): every ledger row is in one of them.
    func monthsRecorded() throws -> [Range<Int64>] {
        let recorded = try connection.execute("SELECT DISTINCT recorded_at FROM files ORDER BY recorded_at")
        var months: [Range<Int64>] = []
        for row in 0..<recorded.rowCount {
            let day = Instant(nanosecondsSinceEpoch: try recorded.int64(row, 0)).civilDate()
            guard let first = CivilDate(year: day.year, month: day.month, day: 1),
                months.last.map({ $0.upperBound <= first.daysSinceEpoch * Self.nanosecondsPerDay }) ?? true
            else { continue }
            let next = first.adding(days: CivilDate.daysIn(month: first.month, year: first.year))
            months.append(first.daysSinceEpoch * Self.nanosecondsPerDay..<next.daysSinceEpoch * Self.nanosecondsPerDay)
        }
        return months
    }

    private static let nanosecondsPerDay: Int64 = 86_400 * Instant.nanosecondsPerSecond

    /// Before a file's rows go into a ledger table: when it is partitioned, the partition of the
    /// file's month (made when missing, in the ingest's transaction). Whether it is partitioned.
    func preparePartition(_ table: String, recordedAt: Instant) throws -> Bool {
        guard try isPartitioned(table) else { return false }
        try makeMonthPartition(table, month: recordedAt.civilDate())
        return true
    }

    private func makeMonthPartition(_ table: String, month: CivilDate) throws {
        try connection.query(
            "SELECT countinghouse_month_partition($1, $2::integer, $3::integer)",
            [table, String(month.year), String(month.month)])
    }

    /// Each partitioned keyed ledger table whose key-filling trigger (or its function) is missing,
    /// altered or disabled: its natural key would no longer be unique.
    func keyTriggerProblems() throws -> [AppendOnlyProblem] {
        var problems: [AppendOnlyProblem] = []
        var checkedFunction = false
        for kind in LedgerKind.allCases where !kind.schema.versioned {
            let table = kind.schema.tableName
            guard try isPartitioned(table) else { continue }
            if !checkedFunction {
                checkedFunction = true
                let function = try queryRows(
                    "SELECT p.prosrc FROM pg_proc p WHERE p.oid = to_regprocedure($1)",
                    [.text(MonthPartitionSQL.keepKeys)], integerColumns: [false]
                ).first
                if function?[0].description != MonthPartitionSQL.keepKeysBody {
                    problems.append(AppendOnlyProblem(
                        table: "every partitioned ledger table", trigger: "function \(MonthPartitionSQL.keepKeys)",
                        kind: function == nil ? .missing : .altered(detail: "its body was changed")))
                }
            }
            let name = MonthPartitionSQL.keepKeysTrigger(table)
            let found = try queryRows(
                "SELECT t.tgtype::int, t.tgenabled::text, CASE WHEN t.tgfoid = to_regprocedure($3) THEN 1 ELSE 0 END, "
                    + "coalesce(t.tgnewtable, '') FROM pg_trigger t WHERE t.tgrelid = to_regclass($1) AND t.tgname = $2",
                [.text(table), .text(name), .text(MonthPartitionSQL.keepKeys)],
                integerColumns: [true, false, true, false]
            ).first
            guard let found else {
                problems.append(AppendOnlyProblem(table: table, trigger: name, kind: .missing))
                continue
            }
            if found[0].integerValue != MonthPartitionSQL.keepKeysTriggerType || found[2].integerValue != 1
                || found[3].description != "new_rows"
            {
                problems.append(AppendOnlyProblem(
                    table: table, trigger: name, kind: .altered(detail: "it does not copy each inserted row's key")))
            } else if !["O", "A"].contains(found[1].description) {
                problems.append(AppendOnlyProblem(table: table, trigger: name, kind: .disabled))
            }
        }
        return problems
    }

    /// Makes every ledger table that is not yet partitioned a table partitioned by month of
    /// recorded_at, with the same rows (seq, content and hashes unchanged), indexes, append-only
    /// trigger and grants. Inside a write transaction that keeps ingests out. Returns the tables
    /// converted.
    func partitionLedgerTables() throws -> [String] {
        for statement in MonthPartitionSQL.functionStatements(refuseChange: Self.refuseChange) {
            try connection.execute(statement)
        }
        // What the program makes belongs to whoever owns the ledger (the owner role of `init
        // --roles`, though a superuser runs this): the partition function attaches partitions as
        // its owner, who must own the tables.
        let owner = try connection.query(
            "SELECT quote_ident(pg_get_userbyid(relowner)), CASE WHEN pg_get_userbyid(relowner) = current_user "
                + "THEN 1 ELSE 0 END FROM pg_class WHERE oid = to_regclass('files')", [])
        let ownsLedger = owner.rowCount == 1 ? try owner.int64(0, 1) == 1 : true
        let newOwner = ownsLedger ? nil : owner.text(0, 0)
        if let newOwner {
            for function in [MonthPartitionSQL.function, MonthPartitionSQL.keepKeys] {
                try connection.execute("ALTER FUNCTION \(function) OWNER TO \(newOwner)")
            }
        }
        var converted: [String] = []
        for kind in LedgerKind.allCases where try !isPartitioned(kind.schema.tableName) {
            try partition(kind, owner: newOwner)
            converted.append(kind.schema.tableName)
        }
        return converted
    }

    /// `owner`: the role to give the new tables to (nil: the role running this owns the ledger).
    private func partition(_ kind: LedgerKind, owner: String?) throws {
        let schema = kind.schema
        let table = schema.tableName
        let old = "\(table)_unpartitioned"
        // What the table has beside its rows: its secondary indexes (as the catalog defines them,
        // so that an index a later migration adds comes along), its primary key's name, and what
        // other roles were granted on it.
        let indexes = try connection.query(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                + "WHERE x.indrelid = to_regclass($1) AND NOT x.indisprimary ORDER BY i.relname", [table])
        let primaryKey = try connection.query(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'", [table])
        let grants = try connection.query(
            "SELECT a.grantee::regrole::text, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
                + "WHERE c.oid = to_regclass($1) AND a.grantee <> c.relowner AND a.grantee <> 0 ORDER BY 1, 2", [table])

        try connection.execute("ALTER TABLE \(table) RENAME TO \(old)")
        if primaryKey.rowCount == 1 {
            try connection.execute("ALTER TABLE \(old) RENAME CONSTRAINT \(primaryKey.text(0, 0)) TO \(old)_pkey")
        }
        for index in 0..<indexes.rowCount { try connection.execute("DROP INDEX \(indexes.text(index, 0))") }

        let columns =
            ["seq BIGINT NOT NULL"] + LedgerDDL.columnDefinitions(schema) + [
                "natural_key TEXT NOT NULL", "recorded_at BIGINT NOT NULL", "file_id BIGINT NOT NULL",
                "source_row BIGINT NOT NULL", "row_hash TEXT NOT NULL", "PRIMARY KEY (seq, recorded_at)",
            ]
        try connection.execute(
            "CREATE TABLE \(table) (\(columns.joined(separator: ", "))) PARTITION BY RANGE (recorded_at)")
        if let owner { try connection.execute("ALTER TABLE \(table) OWNER TO \(owner)") }
        for index in 0..<indexes.rowCount {
            // The natural key's uniqueness moves to the key table.
            var definition = indexes.text(index, 1)
            if definition.hasPrefix("CREATE UNIQUE INDEX ") {
                definition = "CREATE INDEX " + definition.dropFirst("CREATE UNIQUE INDEX ".count)
            }
            try connection.execute(definition)
        }
        var protected = [table]
        if !schema.versioned {
            // The key table and the trigger that fills it, before the rows come over.
            let keys = MonthPartitionSQL.keysTable(table)
            try connection.execute("CREATE TABLE \(keys) (natural_key TEXT PRIMARY KEY, seq BIGINT NOT NULL)")
            if let owner { try connection.execute("ALTER TABLE \(keys) OWNER TO \(owner)") }
            try connection.execute(MonthPartitionSQL.keepKeysTriggerStatement(table))
            protected.append(keys)
        }

        // A partition for every month in which a file of this kind was recorded, then the rows.
        let months = try connection.query(
            "SELECT DISTINCT recorded_at FROM files WHERE kind = $1 ORDER BY recorded_at", [kind.rawValue])
        var made = Set<CivilDate>()
        for row in 0..<months.rowCount {
            let month = Instant(nanosecondsSinceEpoch: try months.int64(row, 0)).civilDate()
            guard let first = CivilDate(year: month.year, month: month.month, day: 1), made.insert(first).inserted else {
                continue
            }
            try makeMonthPartition(table, month: first)
        }
        let names = "seq, \(LedgerDDL.columnList(schema)), natural_key, recorded_at, file_id, source_row, row_hash"
        try connection.execute("INSERT INTO \(table) (\(names)) SELECT \(names) FROM \(old)")
        try connection.execute("DROP TABLE \(old)")

        for name in protected {
            for statement in appendOnlyTriggers(name) { try connection.execute(statement) }
            for grant in 0..<grants.rowCount {
                try connection.execute("GRANT \(grants.text(grant, 1)) ON \(name) TO \(grants.text(grant, 0))")
            }
        }
        // Whoever could append to the table may make its month partitions.
        for grant in 0..<grants.rowCount where grants.text(grant, 1) == "INSERT" {
            try connection.execute("GRANT EXECUTE ON FUNCTION \(MonthPartitionSQL.function) TO \(grants.text(grant, 0))")
        }
    }
}

extension PostgresStore {
    /// `init --partition-by-month`: makes every ledger table partitioned by month of recorded_at
    /// (MonthPartitions.swift), copying the rows of a ledger that holds some, in one transaction
    /// that keeps ingests out; idempotent. Run it as the role that owns the ledger's tables.
    public func partitionByMonth() throws -> PartitionReport {
        let converted = try inWriteTransaction(.schemaAndLedger) { try driver.partitionLedgerTables() }
        var partitions: [String: [String]] = [:]
        for kind in LedgerKind.allCases {
            partitions[kind.schema.tableName] = try driver.partitions(of: kind.schema.tableName)
        }
        return PartitionReport(converted: converted, partitions: partitions)
    }

    /// The layout of this ledger's tables: partitioned when every ledger table is.
    public func layout() throws -> PostgresLayout {
        for kind in LedgerKind.allCases where try !driver.isPartitioned(kind.schema.tableName) { return .plain }
        return .partitioned
    }
}
