import ArgumentParser
import CountinghouseCore

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Lists every ingested file: when, what kind, how many rows, its sha256.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "table, csv or json.")
    var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let store = try openLedgerStoreForCommand(environment)
        var table = Table(columns: ["id", "recorded_at", "kind", "rows_accepted", "rows_duplicate", "bytes", "sha256", "name"])
        for file in try store.files() {
            table.append([
                .integer(file.id), .text(environment.display(file.recordedAt)), .text(file.kind.rawValue),
                .integer(Int64(file.rowsAccepted)), .integer(Int64(file.rowsDuplicate)), .integer(file.byteCount),
                .text(file.sha256), .text(file.name),
            ])
        }
        print(table.render(format), terminator: "")
    }
}
