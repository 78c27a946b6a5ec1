import ArgumentParser
import CountinghouseApp
import CountinghouseCore

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Appends files to the ledger: one line per file; every bad row of a rejected file is listed.",
        discussion: """
            A file lands whole or not at all: a rejected file leaves nothing in the ledger, and the other files \
            still land. What landed is said on standard output; a rejection and its reasons on standard error, \
            the first rows with a count of every error by column and reason (--format json lists them all). \
            Exit status 0 when every file landed or was already ingested, 1 when any was rejected.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The kind of every file; detected from the header when omitted.")
    var kind: LedgerKind?

    @Option(name: .customLong("recorded-at"), help: "Knowledge time for a backfill (instant, or date = end of that day); refused if earlier than the latest ingest.")
    var recordedAt: String?

    @Option(help: "text (a line per file; rejections on standard error) or json (every file and every error, on standard output).")
    var format: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

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
            guard format == .text else { return }
            let (output, errors) = outcome.lines(context: context)
            for line in output { print(line) }
            for line in errors { printError(line) }
        }
        if format == .json { print("[\n" + outcomes.map { $0.json(context: context) }.joined(separator: ",\n") + "\n]") }
        if outcomes.contains(where: \.isRejected) { throw ExitCode(ExitStatus.rejected.rawValue) }
    }
}

extension LedgerKind: ExpressibleByArgument {}
