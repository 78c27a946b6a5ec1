// Least privilege on PostgreSQL (`init --roles`, LeastPrivilege.swift): the writer role does all a
// nightly job does through the store (append to an empty and a non-empty table, refresh the cost
// cache, append a run's record, take the run lock, verify), and cannot alter what was recorded even
// with the program's own code: UPDATE, DELETE, TRUNCATE, ALTER TABLE, DROP TRIGGER and disabling
// triggers are each refused by the server on every append-only table, and it cannot create in the
// schema. Every table of the ledger has exactly the rights the privilege table gives it; setting
// the roles up again (as the superuser or as the owner) changes nothing.
import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseStore

@Suite("Least privilege", .enabled(if: StoreFlavor.postgresURL != nil))
struct LeastPrivilegeTests {
    /// A locator for the same ledger (database and search path) as another role.
    static func locator(_ locator: String, as role: String) -> String {
        locator + (locator.contains("?") ? "&" : "?") + "user=\(role)"
    }

    static func uniquePrefix() -> String {
        "ch_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
    }

    /// Runs `body` with a fresh ledger whose roles are set up (its locator, the roles), then drops
    /// what the roles own and the roles themselves.
    static func withRoles(_ body: (String, LedgerRoles) throws -> Void) throws {
        try withFreshDatabase(.postgres) { locator in
            let admin = try #require(try openLedgerStore(locator: locator, mode: .createOrMigrate) as? PostgresStore)
            let prefix = uniquePrefix()
            let roles = try admin.setUpRoles(prefix: prefix)
            defer {
                // The schema goes with withFreshDatabase; the roles' grants on the database first.
                try? admin.execute("DROP OWNED BY \(roles.owner), \(roles.writer) CASCADE")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.owner)")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.writer)")
            }
            #expect(roles.owner == prefix + "_owner" && roles.writer == prefix + "_writer")
            #expect(roles.created == [roles.owner, roles.writer])
            try body(locator, roles)
        }
    }

    /// Whether a statement was refused for want of a right (not, say, by the append-only trigger).
    static func refusedForWantOfRights(_ error: any Error) -> Bool {
        guard case StoreError.readOnly(_, let detail) = error else { return false }
        return detail.hasPrefix("the server refused for want of rights (")
            && (detail.contains("permission denied") || detail.contains("must be owner"))
    }

    @Test func theWriterAppendsReadsAndVerifiesButCannotAlterWhatWasRecorded() throws {
        try Self.withRoles { locator, roles in
            let writer = try openLedgerStore(locator: Self.locator(locator, as: roles.writer), mode: .existingOnly)
            let sql = try #require(writer as? SQLLedgerStore)
            #expect(try sql.scalar("SELECT CASE WHEN current_user = $1 THEN 1 ELSE 0 END", [.text(roles.writer)]) == 1)
            // What the nightly job does: the first file of a table (the empty table's way), more files,
            // a cost refresh, a run's record under the run lock, verify.
            try LedgerIntegrityTests.fill(writer)
            try append(writer, fileInfo("c.csv", at: 4), [posLine("C1", 1, row: 2), posLine("A1", 1, row: 3)])
            #expect(try writer.refreshCostCache(rebuild: false).skusRepriced == 1)
            #expect(try writer.refreshCostCache(rebuild: true).rebuiltFromNothing)
            let lock = try writer.acquireRunLock()
            #expect(try writer.appendRun(RunRecord(
                startedAt: instant(5), endedAt: instant(5), status: "done", exitStatus: 0,
                businessDate: try #require(CivilDate(text: "2026-09-22")), knowledgeTime: instant(5), message: "ok",
                details: "{}")) == 1)
            lock.release()
            #expect(try LedgerVerifier.verify(writer).passed)
            let before = try writer.rows(of: .posLines, knownAt: nil)
            #expect(before.count == 6)

            // Every change to what was recorded, and every way around the triggers, refused for want
            // of the right, through the program's own connection.
            for table in AppendOnlyTables.all {
                let column = try #require(try sql.queryRows(
                    "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum = 1", [.text(table)],
                    integerColumns: [false]).first?[0].description)
                for statement in [
                    "UPDATE \(table) SET \(column) = \(column)", "DELETE FROM \(table)", "TRUNCATE \(table)",
                    "ALTER TABLE \(table) ADD COLUMN note TEXT", "ALTER TABLE \(table) DISABLE TRIGGER ALL",
                    "ALTER TABLE \(table) DISABLE TRIGGER \(table)_append_only", "DROP TRIGGER \(table)_append_only ON \(table)",
                    "DROP TABLE \(table)", "ALTER TABLE \(table) OWNER TO \(roles.writer)",
                ] {
                    #expect(performing: { try sql.execute(statement) }, throws: Self.refusedForWantOfRights)
                }
            }
            for statement in [
                "CREATE TABLE ledger_pos_lines_copy (x TEXT)", "DROP FUNCTION countinghouse_refuse_change()",
                "CREATE OR REPLACE FUNCTION countinghouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)",
            ] {
                #expect(performing: { try sql.execute(statement) }, throws: Self.refusedForWantOfRights)
            }
            #expect(try writer.rows(of: .posLines, knownAt: nil) == before)
            #expect(try LedgerVerifier.verify(writer).passed)
        }
    }

    /// The privilege table: every table in the ledger's schema is one the roles know, and the
    /// writer holds exactly its rights on it; the owner owns each.
    @Test func everyTableHasTheRightsOfThePrivilegeTable() throws {
        try Self.withRoles { locator, roles in
            let admin = try #require(try openLedgerStore(locator: locator, mode: .existingOnly) as? SQLLedgerStore)
            // A partitioned ledger's partitions and key tables too (MonthPartitions.swift).
            let layoutTables = try #require(admin as? PostgresStore).driver.layoutTables()
            let tables = try admin.queryRows(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relkind IN ('r', 'p') "
                    + "AND c.relnamespace = to_regnamespace($1) ORDER BY c.relname", [.text(roles.schema)],
                integerColumns: [false, false])
            #expect(Set(tables.map { $0[0].description }) == Set(LeastPrivilegeSQL.allTables + layoutTables))
            #expect(tables.allSatisfy { $0[1].description == roles.owner })
            // And every function the program made (the trigger functions, the partition function).
            let functionOwners = try admin.queryRows(
                "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = to_regnamespace($1)",
                [.text(roles.schema)], integerColumns: [false])
            #expect(functionOwners.map(\.[0].description) == [roles.owner])
            for table in tables.map({ $0[0].description }) {
                let held = try ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"].filter { right in
                    try admin.scalar(
                        "SELECT CASE WHEN has_table_privilege($1, $2, $3) THEN 1 ELSE 0 END",
                        [.text(roles.writer), .text("\(roles.schema).\(table)"), .text(right)]) == 1
                }
                #expect(held.joined(separator: ", ") == LeastPrivilegeSQL.writerRights(table, layoutTables: layoutTables), "\(table)")
            }
            #expect(try admin.scalar(
                "SELECT CASE WHEN has_schema_privilege($1, $2, 'CREATE') THEN 1 ELSE 0 END", [.text(roles.writer), .text(roles.schema)]) == 0)
        }
    }

    /// Again as the superuser, then as the owner (who may not create roles): nothing created, the
    /// same rights; the owner runs init (a migration's owner) and restores a dropped trigger.
    @Test func settingTheRolesUpAgainChangesNothing() throws {
        try Self.withRoles { locator, roles in
            let again = try #require(try openLedgerStore(locator: locator, mode: .createOrMigrate) as? PostgresStore)
            let prefix = String(roles.owner.dropLast("_owner".count))
            #expect(try again.setUpRoles(prefix: prefix).created.isEmpty)
            let ownerLocator = Self.locator(locator, as: roles.owner)
            let owner = try #require(try openLedgerStore(locator: ownerLocator, mode: .createOrMigrate) as? PostgresStore)
            #expect(try owner.setUpRoles(prefix: prefix) == LedgerRoles(
                owner: roles.owner, writer: roles.writer, created: [], schema: roles.schema, database: roles.database))
            try owner.execute("DROP TRIGGER files_append_only ON files")
            #expect(try openLedgerStore(locator: ownerLocator, mode: .createOrMigrate).migrate().restoredTriggers.count == 1)
            let writer = try openLedgerStore(locator: Self.locator(locator, as: roles.writer), mode: .existingOnly)
            try LedgerIntegrityTests.fill(writer)
            #expect(try LedgerVerifier.verify(writer).passed)
        }
    }

    /// After an upgrade, the writer does not migrate: it says the owner must run init; the owner's
    /// migration creates a table the writer may SELECT and INSERT on by default.
    @Test func theWriterLeavesAnUpgradeToTheOwner() throws {
        try Self.withRoles { locator, roles in
            let admin = try openLedgerStore(locator: locator, mode: .existingOnly)
            try LedgerIntegrityTests.revertSchema8(admin)
            let writerLocator = Self.locator(locator, as: roles.writer)
            #expect {
                try openLedgerStore(locator: writerLocator, mode: .existingOnly)
            } throws: { error in
                guard case StoreError.readOnly = error, Self.refusedForWantOfRights(error) else { return false }
                return "\(error)".contains("permission denied for table schema_migrations")
                    && "\(error)".contains("(run `countinghouse init` as the owner role); nothing was written")
            }
            #expect(try openLedgerStore(locator: Self.locator(locator, as: roles.owner), mode: .createOrMigrate).migrate()
                .appliedVersions == [8, 9, 10, 11])
            let writer = try openLedgerStore(locator: writerLocator, mode: .existingOnly)
            #expect(try writer.appendRun(RunRecord(
                startedAt: instant(1), endedAt: instant(1), status: "done", exitStatus: 0,
                businessDate: try #require(CivilDate(text: "2026-09-22")), knowledgeTime: instant(1), message: "ok",
                details: "{}")) == 1)
            let sql = try #require(writer as? SQLLedgerStore)
            #expect(performing: { try sql.execute("DELETE FROM runs") }, throws: Self.refusedForWantOfRights)
        }
    }

    @Test func aRolePrefixThatIsNotAPlainIdentifierIsRefused() throws {
        try withFreshDatabase(.postgres) { locator in
            let store = try #require(try openLedgerStore(locator: locator, mode: .createOrMigrate) as? PostgresStore)
            for prefix in ["", "Ledger", "1ledger", "a-b", "x\"; DROP ROLE postgres; --", String(repeating: "a", count: 57)] {
                #expect(performing: { try store.setUpRoles(prefix: prefix) }, throws: { error in
                    guard case StoreError.badLocator(let message) = error else { return false }
                    return message.hasPrefix("--role-prefix \(prefix): a role prefix is a lower-case letter or _")
                })
            }
            #expect(LedgerRoles.validPrefix(String(repeating: "a", count: 56)))
            #expect(LedgerRoles.derivedPrefix(database: "Books-2026", schema: "public") == "books_2026")
            #expect(LedgerRoles.derivedPrefix(database: "shop", schema: "East") == "shop_east")
            #expect(LedgerRoles.derivedPrefix(database: "9shop", schema: "public") == "_9shop")
        }
    }
}
