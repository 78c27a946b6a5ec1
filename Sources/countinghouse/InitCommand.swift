import ArgumentParser

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Creates the ledger or brings its schema up to date (idempotent).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let environment = try CommandEnvironment(global)
        let store = try openLedgerStoreForCommand(environment)
        let version = try store.migrate().version
        print("ledger ready: \(environment.configuration.database) (schema version \(version))")
    }
}
