// The `countinghouse` command: a root command whose subcommands each live in their own file, parse
// their options, call the libraries and print. No accounting happens here.
import ArgumentParser

@main
struct Countinghouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countinghouse",
        abstract: "Keeps a retail chain's books: an append-only ledger, FIFO costs, reconciliation, journal.",
        subcommands: [SampleCommand.self])
}
