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
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "PostgreSQL: also create the owner and writer roles and give each its rights.")
    var roles = false

    @Option(name: .long, help: "With --roles: the roles' prefix (default: the database's name, and the schema's unless public).")
    var rolePrefix: String?

    func validate() throws {
        if rolePrefix != nil && !roles { throw ValidationError("--role-prefix goes with --roles") }
    }

    func run() throws {
        let context = try global.context()
        guard roles else {
            let migration = try LedgerAccess.initialise(context)
            for problem in migration.restoredTriggers { print("restored: \(problem)") }
            print("ledger ready: \(context.configuration.database) (schema version \(migration.version))")
            return
        }
        let (migration, roles) = try LedgerAccess.initialise(context, rolePrefix: rolePrefix)
        for problem in migration.restoredTriggers { print("restored: \(problem)") }
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
