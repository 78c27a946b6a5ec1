import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The nightly job: ingests the inbox, brings the costs up to date, reconciles, writes the day's reports, records the run.",
        discussion: """
            For the business date (default: yesterday in the reporting time zone) every file of --inbox is ingested \
            (any canonical kind or processor export) and moved to INBOX/processed/DATE/, or with every reason in \
            NAME.error.txt to INBOX/rejected/DATE/. Then the costs are refreshed, the card money reconciled, and the \
            day's report and the period-to-date report (CSV files, journal.ledger, report.xlsx, run.json) written to \
            OUTBOX/DATE/day/ and OUTBOX/DATE/period-to-date/ — built beside it and swapped into place whole. The run is \
            recorded in the ledger (countinghouse runs). Rerun it safely: what is left to do is found from the ledger \
            and the inbox. One run at a time: a second one exits with 75 (after [run] lock_wait_seconds). A lost \
            database connection is retried ([run] retries, retry_wait_seconds, retry_max_wait_seconds), then 69. \
            --inbox and --outbox default to [run] inbox and outbox in countinghouse.toml.

            On a terminal each long step shows a progress bar on standard error; otherwise one timestamped log line per \
            step. Exit status: 0 done; 3 done but something needs a person (only with --strict: a rejected file, an \
            empty inbox, a day without a run, a reconciliation exception); 75 another run holds the ledger; 69 the \
            ledger unreachable after the retries; 1, 73, 77, 78 as for every command (nothing half-written).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The folder the day's files are delivered to.") var inbox: String?
    @Option(help: "The folder the reports go to (OUTBOX/DATE/).") var outbox: String?
    @Option(help: "The business date, YYYY-MM-DD (default: yesterday in the reporting time zone).") var date: String?
    @Flag(help: "Exit with 3 when something needs a person.") var strict = false
    @Option(help: "Processes sharing the cost refresh, by SKU (PostgreSQL ledgers only).") var workers = 1

    func validate() throws {
        if !(1...64).contains(workers) { throw ValidationError("--workers \(workers): expected 1 to 64") }
        if let date, CivilDate(text: date) == nil { throw ValidationError("--date \(date): expected a date YYYY-MM-DD") }
    }

    func run() throws {
        let context = try global.context()
        guard let inbox = inbox ?? context.configuration.run.inbox else {
            throw ValidationError("no inbox: give --inbox DIR or set inbox in [run] of countinghouse.toml")
        }
        guard let outbox = outbox ?? context.configuration.run.outbox else {
            throw ValidationError("no outbox: give --outbox DIR or set outbox in [run] of countinghouse.toml")
        }
        let observer: RunObserver = isatty(STDERR_FILENO) == 1 ? TerminalProgress() : LogLines()
        // A worker is this program again (Linux: /proc/self/exe) running the hidden cost-worker
        // command, with this configuration file and, in its environment, this ledger.
        let request = RunRequest(
            inbox: inbox, outbox: outbox, date: date.flatMap { CivilDate(text: $0) }, strict: strict, workers: workers,
            workerLauncher: CostWorkers.Launcher(
                executable: "/proc/self/exe", arguments: ["cost-worker"] + (global.config.map { ["--config", $0] } ?? [])))
        let outcome = try RunJob.run(context, request, observer: observer)
        for line in outcome.summary { print(line) }
        if outcome.status != .done { throw ExitCode(outcome.status.rawValue) }
    }
}
