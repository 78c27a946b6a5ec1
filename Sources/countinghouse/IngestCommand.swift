import ArgumentParser
import CountinghouseApp
import CountinghouseCore

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Appends files to the ledger: one line per file; every bad row of a rejected file is listed.",
        discussion: """
            Exit status 0 when every file landed or was already ingested, 1 when any was rejected.
            A rejected file leaves nothing in the ledger; the other files still land.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The kind of every file (\(LedgerKind.allCases.map(\.rawValue).joined(separator: ", "))); detected from the header when omitted.")
    var kind: LedgerKind?

    @Option(name: .customLong("recorded-at"), help: "Knowledge time for a backfill (instant, or date = end of that day); refused if earlier than the latest ingest.")
    var recordedAt: String?

    @Argument(help: "CSV files to ingest, in order.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file to ingest") }
    }

    func run() throws {
        let context = try global.context()
        let recordedAt = try recordedAt.map { try context.knowledgeTime(typed: $0, option: "--recorded-at").instant }
        let session = try Session(context)
        let outcomes = try IngestJob.ingest(session, paths: files, kind: kind, recordedAt: recordedAt) { outcome in
            for line in outcome.lines(context: context) { print(line) }
        }
        if outcomes.contains(where: \.isRejected) { throw ExitCode(ExitStatus.rejected.rawValue) }
    }
}

extension LedgerKind: ExpressibleByArgument {}
