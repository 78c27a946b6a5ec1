import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Lists every ingested file: when, what kind, how many rows, its sha256.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "table, csv or json.")
    var format: OutputFormat = .table

    func run() throws {
        let session = try Session(try global.context())
        print(format.render(try CostJobs.files(session)), terminator: "")
    }
}
