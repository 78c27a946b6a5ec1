import ArgumentParser
import CountinghouseApp
import CountinghouseReport

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Lists the recorded runs of the nightly job, or shows one.",
        subcommands: [RunsList.self, RunsShow.self], defaultSubcommand: RunsList.self)
}

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every recorded run: when, for which business date, how it ended, its files.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        let session = try Session(try global.context())
        print(format.render(try RunJob.listing(session)), terminator: "")
    }
}

struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One run: its times, status, every input with its sha256 and fate, every output with its sha256, counts, phases.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run's id (countinghouse runs lists them).") var id: Int64

    func run() throws {
        let session = try Session(try global.context())
        print(try RunJob.describe(session, id: id), terminator: "")
    }
}
