import ArgumentParser
import CountinghouseApp
import CountinghouseCore

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Lists every ingested file: when, what kind, how many rows, its sha256.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "table, csv or json.")
    var format: Table.Format = .table

    func run() throws {
        let session = try Session(try global.context())
        print(try CostJobs.files(session).render(format), terminator: "")
    }
}
