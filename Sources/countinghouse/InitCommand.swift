import ArgumentParser
import CountinghouseApp

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Creates the ledger or brings its schema up to date (idempotent).",
        discussion: """
            With --roles (PostgreSQL), also creates the roles <prefix>_owner, which owns the ledger and runs \
            init, and <prefix>_writer, which the nightly job runs as: it may only read and append to what was \
            recorded (and rewrite the cost cache). Run it as a superuser or the DBA; again as the owner, it \
            sets the rights again. The roles get LOGIN and no password: set one with \\password in psql, or \
            use peer or certificate authentication.

            With --partition-by-month (PostgreSQL), makes every ledger table a table partitioned by month \
            of recorded_at, copying the rows a ledger already holds (one transaction; run it as the tables' \
            owner). A new month's partition is then made as its first file lands. \
            COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned makes every PostgreSQL ledger init creates so.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "PostgreSQL: also create the owner and writer roles and give each its rights.")
    var roles = false

    @Option(name: .long, help: "With --roles: the roles' prefix (default: the database's name, and the schema's unless public).")
    var rolePrefix: String?

    @Flag(name: .long, help: "PostgreSQL: partition the ledger tables by month of recorded_at (rows kept).")
    var partitionByMonth = false

    func validate() throws {
        if rolePrefix != nil && !roles { throw ValidationError("--role-prefix goes with --roles") }
    }

    func run() throws {
        let context = try global.context()
        guard roles || partitionByMonth else {
            let migration = try LedgerAccess.initialise(context)
            for problem in migration.restoredTriggers { print("restored: \(problem)") }
            print("ledger ready: \(context.configuration.database) (schema version \(migration.version))")
            return
        }
        let (migration, partitions, roles) = try LedgerAccess.initialise(
            context, partitionByMonth: partitionByMonth, roles: roles, rolePrefix: rolePrefix)
        for problem in migration.restoredTriggers { print("restored: \(problem)") }
        if let partitions {
            for (table, months) in partitions.partitions.sorted(by: { $0.key < $1.key }) {
                let what = partitions.converted.contains(table) ? "partitioned by month" : "already partitioned by month"
                print("\(table): \(what), \(months.count) partition\(months.count == 1 ? "" : "s")")
            }
        }
        guard let roles else {
            print("ledger ready: \(context.configuration.database) (schema version \(migration.version))")
            return
        }
        for (role, what) in [
            (roles.owner, "owns schema \(roles.schema) and its tables; runs init after an upgrade"),
            (roles.writer, "may read, and only append to what was recorded (the nightly job runs as it)"),
        ] {
            print("role \(role) (\(roles.created.contains(role) ? "created" : "kept")): \(what)")
        }
        if !roles.created.isEmpty {
            print("the new roles may log in but have no password: set one with \\password in psql, or use peer or certificate authentication")
        }
        print("ledger ready: \(context.configuration.database) (schema version \(migration.version))")
    }
}
