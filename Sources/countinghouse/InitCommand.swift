import ArgumentParser
import CountinghouseApp

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Creates the ledger or brings its schema up to date (idempotent).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try global.context()
        let migration = try LedgerAccess.initialise(context)
        for problem in migration.restoredTriggers { print("restored: \(problem)") }
        print("ledger ready: \(context.configuration.database) (schema version \(migration.version))")
    }
}
