// The `countinghouse` command: a root command whose subcommands each live in their own file, parse
// their options, call the libraries and print. No accounting happens here.
//
// Exit status: 0 success; 1 when the work failed (a rejected file, an unreachable database, a bad
// configuration); 2 for usage errors (unknown options, bad arguments).
import ArgumentParser
import Foundation

@main
struct Countinghouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countinghouse",
        abstract: "Keeps a retail chain's books: an append-only ledger, FIFO costs, reconciliation, journal.",
        subcommands: [
            InitCommand.self, IngestCommand.self, FilesCommand.self, StockCommand.self, TrailCommand.self, CostCommand.self, ReportCommand.self, CloseCommand.self, EntryCommand.self, ExplainCommand.self, VerifyCommand.self,
            SampleCommand.self,
        ])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            printError("error: \(failure.description)")
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            if code == .success || code == .failure || error is ExitCode {
                exit(withError: error)
            }
            // Anything else (a database or I/O error) is a failure of the work, not of usage.
            printError("error: \(String(describing: error))")
            Foundation.exit(1)
        }
    }
}
