// The `countinghouse` command: a root command whose subcommands each live in their own file, parse
// their options, call the application library and print. No accounting happens here.
import ArgumentParser
import CountinghouseApp
import Foundation

@main
struct Countinghouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countinghouse",
        abstract: "Keeps a retail chain's books: an append-only ledger, FIFO costs, a double-entry journal with closed periods.",
        discussion: """
            Every command takes --database and --config (or COUNTINGHOUSE_DATABASE and COUNTINGHOUSE_CONFIG); \
            COUNTINGHOUSE_NOW replaces the clock.

            Exit status, the same for every command:
            \(ExitStatus.table)
            """,
        version: countinghouseVersion,
        subcommands: [
            InitCommand.self, IngestCommand.self, FilesCommand.self, StockCommand.self, TrailCommand.self, CostCommand.self, ReportCommand.self, ReconcileCommand.self, PaymentCommand.self, CloseCommand.self, EntryCommand.self, ExplainCommand.self, VerifyCommand.self, RunCommand.self, RunsCommand.self,
            CostWorkerCommand.self,
            SampleCommand.self,
        ])

    static func main() {
        FreedMemory.giveBack()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            // A failure of the work: its message on standard error, its status for the scheduler.
            let failure = AppFailure.from(error)
            printError("error: \(failure.message)")
            Foundation.exit(failure.status.rawValue)
        }
    }
}
