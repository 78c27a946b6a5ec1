// What every command shares: the global options, the context they make (configuration, clock,
// reporting time zone), times typed on the command line, and printing.
import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport
import Foundation

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger: a SQLite file path or a postgres:// URL (env COUNTINGHOUSE_DATABASE).")
    var database: String?

    @Option(name: .long, help: "The configuration file (env COUNTINGHOUSE_CONFIG; default ./countinghouse.toml).")
    var config: String?

    /// The configuration, clock and time zone these options and the environment name.
    func context() throws -> AppContext { try AppContext(configPath: config, database: database) }
}

extension AppContext {
    /// A time argument: an ISO 8601 instant with an offset, or a date meaning the end of that day.
    func instant(argument text: String, option: String) throws -> Instant {
        guard let instant = instant(typed: text) else {
            throw ValidationError(
                "\(option) \(text): expected a date (2026-10-31) or an instant with an offset (2026-10-31T18:00:00-05:00)")
        }
        return instant
    }
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension OutputFormat: ExpressibleByArgument {}
