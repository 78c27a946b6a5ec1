// Least privilege on PostgreSQL (`countinghouse init --roles`): an owner role that owns the ledger's
// schema, tables and trigger function and runs `init` and migrations, and a writer role the
// nightly job runs as, which may read everything and only append to what was recorded.
//
// Place in the pipeline: `init --roles` calls `PostgresStore.setUpRoles` after the schema is
// current; nothing else reads or changes roles. What the writer may do, per table:
//  - what was recorded (the ledger tables, `files`, `file_anchors`, the posted periods, `runs`:
//    `AppendOnlyTables.all`): SELECT and INSERT only (COPY FROM needs INSERT). No UPDATE, DELETE or
//    TRUNCATE, and as it owns nothing, no ALTER, DROP, or disabling of a trigger: the append-only
//    triggers are a second wall, no longer the only one;
//  - the cost cache (`cost_cache_state` and `CostCacheSQL.tables`): SELECT, INSERT, UPDATE, DELETE.
//    It is derived, rebuilt by every refresh, and `verify` compares it with a rebuild from the
//    ledger, so a rewrite by the writer can mislead nothing that verify would not catch;
//  - `schema_migrations`: SELECT (migrations are the owner's: after an upgrade the owner runs
//    `init`);
//  - on a ledger partitioned by month (MonthPartitions.swift), each partition and key table: SELECT
//    and INSERT, as the table it belongs to; the partition function: EXECUTE (it makes a month's
//    partition as the owner, and nothing else);
//  - the schema: USAGE, never CREATE (also revoked from PUBLIC, which had it on `public` before
//    PostgreSQL 15); the database: CONNECT and TEMPORARY (the append engine stages a file's rows in
//    a temp table), granted only when missing.
// There are no sequences: ids and seqs are assigned by the program under its write locks. The
// writer takes advisory locks (any role may), never a table lock stronger than its rights allow.
// Tables a later migration creates get SELECT and INSERT for the writer by default (ALTER DEFAULT
// PRIVILEGES); rerunning `init --roles` as the owner sets every table's rights again.
// Roles are created with LOGIN and no password: the DBA sets passwords (`\password` in psql) or
// uses peer or certificate authentication; no password passes through this program.
// Invariants: idempotent (a role that exists is kept, ownership moved only when it differs, each
// table's rights for the writer revoked and granted again in one transaction); role names are
// quoted identifiers and validated (`LedgerRoles.validPrefix`).
// Errors a user can see: `StoreError.sql` with the server's message (a role that may not create
// roles or change owners: run it as a superuser or the DBA); `StoreError.badLocator` for role names
// that are not plain lower-case identifiers.
import CountinghouseCore

/// The two roles of a ledger and what `setUpRoles` did.
public struct LedgerRoles: Sendable, Hashable {
    public var owner: String
    public var writer: String
    /// The roles this call created (empty when both existed).
    public var created: [String] = []
    /// The schema that holds the ledger, and its database.
    public var schema: String = ""
    public var database: String = ""

    /// The longest prefix: PostgreSQL's identifiers hold 63 bytes, and `_writer` follows it.
    static let longestPrefix = 63 - "_writer".count

    /// Whether a prefix makes plain role names: a lower-case letter or `_`, then lower-case letters,
    /// digits and `_`.
    public static func validPrefix(_ prefix: String) -> Bool {
        guard let first = prefix.unicodeScalars.first, prefix.utf8.count <= longestPrefix else { return false }
        func lower(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || scalar == "_" }
        return lower(first) && prefix.unicodeScalars.allSatisfy { lower($0) || ("0"..."9").contains($0) }
    }

    /// The prefix named after the ledger: its database, then its schema unless that is `public`,
    /// lower-cased, with anything else than letters, digits and `_` as `_`.
    static func derivedPrefix(database: String, schema: String) -> String {
        let name = schema == "public" ? database : "\(database)_\(schema)"
        var prefix = String(String.UnicodeScalarView(name.lowercased().unicodeScalars.map { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? scalar : "_"
        }))
        if let first = prefix.unicodeScalars.first, ("0"..."9").contains(first) { prefix = "_" + prefix }
        return String(prefix.prefix(longestPrefix))
    }
}

enum LeastPrivilegeSQL {
    /// What was recorded: the writer may SELECT and INSERT only.
    static let appendOnlyTables = AppendOnlyTables.all
    /// The derived cache the writer rewrites.
    static let cacheTables = ["cost_cache_state"] + CostCacheSQL.tables
    /// Read only for the writer.
    static let readOnlyTables = ["schema_migrations"]
    static var allTables: [String] { readOnlyTables + appendOnlyTables + cacheTables }

    /// The writer's rights on a table of the ledger (`layoutTables`: the partitions and key tables
    /// of a partitioned ledger, MonthPartitions.swift, append-only as the tables they belong to).
    static func writerRights(_ table: String, layoutTables: [String] = []) -> String {
        if cacheTables.contains(table) { return "SELECT, INSERT, UPDATE, DELETE" }
        if appendOnlyTables.contains(table) || layoutTables.contains(table) { return "SELECT, INSERT" }
        return "SELECT"
    }

    /// An identifier quoted for SQL (`"` doubled).
    static func identifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

extension PostgresStore {
    /// `init --roles`: creates the owner and writer roles when missing (LOGIN, no password), makes
    /// the owner own the ledger's schema, tables and trigger function, and gives the writer exactly
    /// its rights (see the file comment), in one transaction under the schema lock. `prefix` names
    /// the roles `<prefix>_owner` and `<prefix>_writer`; nil derives it from the database and schema.
    /// Run it as a superuser or a role that may create roles and is a member of the owner role; run
    /// again as the owner, with the roles in place, it only sets the rights again.
    public func setUpRoles(prefix: String?) throws -> LedgerRoles {
        if let prefix, !LedgerRoles.validPrefix(prefix) {
            throw StoreError.badLocator(
                "--role-prefix \(prefix): a role prefix is a lower-case letter or _ and then lower-case letters, digits "
                    + "and _, at most \(LedgerRoles.longestPrefix) characters")
        }
        return try inWriteTransaction(.schema) {
            let place = try queryRows(
                "SELECT n.nspname, current_database() FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE c.oid = to_regclass('schema_migrations')", integerColumns: [false, false])
            guard let schema = place.first?[0].description, let databaseName = place.first?[1].description else {
                throw StoreError.ledgerMissing(ledger: database.ledgerName, reason: .noSchema)
            }
            let chosen = prefix ?? LedgerRoles.derivedPrefix(database: databaseName, schema: schema)
            var roles = LedgerRoles(
                owner: chosen + "_owner", writer: chosen + "_writer", schema: schema, database: databaseName)
            let quote = LeastPrivilegeSQL.identifier
            let (owner, writer, inSchema) = (quote(roles.owner), quote(roles.writer), quote(schema))

            for role in [roles.owner, roles.writer] where try scalar("SELECT count(*) FROM pg_roles WHERE rolname = $1", [.text(role)]) == 0 {
                try execute("CREATE ROLE \(quote(role)) LOGIN")
                roles.created.append(role)
            }

            // The owner owns the schema, the ledger's tables (their indexes and triggers go with
            // them) and the trigger function; moved only when another role owns them.
            if try scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1 AND nspowner <> to_regrole($2)",
                          [.text(schema), .text(quote(roles.owner))]) == 1 {
                try execute("ALTER SCHEMA \(inSchema) OWNER TO \(owner)")
            }
            // A partitioned ledger's partitions and key tables (MonthPartitions.swift): append-only.
            let layoutTables = try driver.layoutTables()
            let tables = LeastPrivilegeSQL.allTables + layoutTables
            for table in tables
            where try scalar(
                "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1) AND relowner <> to_regrole($2)",
                [.text("\(inSchema).\(quote(table))"), .text(quote(roles.owner))]) == 1
            {
                try execute("ALTER TABLE \(inSchema).\(quote(table)) OWNER TO \(owner)")
            }
            // The trigger functions; the partition function makes partitions as its owner, who must
            // own the tables.
            for name in [PostgresDatabase.refuseChange, MonthPartitionSQL.keepKeys, MonthPartitionSQL.function] {
                let function = "\(inSchema).\(name)"
                if try scalar("SELECT count(*) FROM pg_proc WHERE oid = to_regprocedure($1) AND proowner <> to_regrole($2)",
                              [.text(function), .text(quote(roles.owner))]) == 1 {
                    try execute("ALTER FUNCTION \(function) OWNER TO \(owner)")
                }
            }

            // The writer: into the database and the schema, never creating in it.
            for right in ["CONNECT", "TEMPORARY"]
            where try scalar("SELECT CASE WHEN has_database_privilege($1, current_database(), $2) THEN 0 ELSE 1 END",
                             [.text(roles.writer), .text(right)]) == 1 {
                try execute("GRANT \(right) ON DATABASE \(quote(databaseName)) TO \(writer)")
            }
            try execute("GRANT USAGE ON SCHEMA \(inSchema) TO \(writer)")
            try execute("REVOKE CREATE ON SCHEMA \(inSchema) FROM PUBLIC, \(writer)")
            for table in tables {
                let name = "\(inSchema).\(quote(table))"
                try execute("REVOKE ALL ON \(name) FROM PUBLIC, \(writer)")
                try execute("GRANT \(LeastPrivilegeSQL.writerRights(table, layoutTables: layoutTables)) ON \(name) TO \(writer)")
            }
            // The writer makes a new month's partitions through the owner's function, and nothing else.
            let partitionFunction = "\(inSchema).\(MonthPartitionSQL.function)"
            if try scalar("SELECT count(*) FROM pg_proc WHERE oid = to_regprocedure($1)", [.text(partitionFunction)]) == 1 {
                try execute("REVOKE ALL ON FUNCTION \(partitionFunction) FROM PUBLIC")
                try execute("GRANT EXECUTE ON FUNCTION \(partitionFunction) TO \(writer)")
            }
            try execute(
                "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(inSchema) GRANT SELECT, INSERT ON TABLES TO \(writer)")
            return roles
        }
    }
}
