import ArgumentParser
import CountinghouseCore
import CountinghouseStore
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Writes the journal, trial balance, cost and valuation files for a span, as known at a time.",
        discussion: """
            Files: journal.csv, trial_balance.csv, journal.ledger (hledger), cogs.csv, valuation.csv, run.json.
            A closed period's report is what was posted at its close, byte for byte; drift.csv then shows what
            would differ as known now. The same --as-known-at gives the same bytes every time.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var span: SpanOptions
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "The folder to write into (created if missing).") var out: String

    func run() throws {
        let environment = try CommandEnvironment(global)
        let span = try span.span()
        let knownAt = try knownAt.instant(environment) ?? environment.now
        let store = try openLedgerStoreForCommand(environment)
        let books = try BooksView(store, environment: environment, knownAt: knownAt)
        var files: ReportFiles
        var note = ""
        if let closed = books.closedPeriod(exactly: span) {
            // Posted figures, byte for byte; cost lines as known at the close (the same run that
            // priced the posted journal), and the drift as known now.
            files = ReportFiles()
            for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "journal.ledger"] {
                guard let posted = try store.postedFile(period: closed.period, name: name) else {
                    throw CommandFailure("\(closed.period) is closed but its posted \(name) is missing: run countinghouse verify")
                }
                files.add(name, posted.content)
            }
            let atClose = try BooksView(store, environment: environment, knownAt: closed.closedAt)
            files.add("cogs.csv", try cogsText(atClose.costs, span: span, environment: environment))
            let drift = Books.drift(of: closed, closed: books.closed, computed: books.computed)
            files.add("drift.csv", JournalOutputs.driftTable(drift, exponent: environment.currencyExponent).renderCSV())
            note = "; \(closed.period) is closed (as known at \(environment.display(closed.closedAt))): posted figures, "
                + (drift.isEmpty ? "no drift as known now" : "\(drift.count) accounts drift as known now (drift.csv)")
        } else if let endClosed = books.closed.first(where: { $0.span.firstDay <= span.lastDay && span.lastDay <= $0.span.lastDay }) {
            // A span ending inside a closed period: its journal is the posted one up to there, so
            // its valuation and cost lines are as known at that period's close (they then agree
            // with the trial balance, and do not change after the close).
            let atClose = try BooksView(store, environment: environment, knownAt: endClosed.closedAt, closesBefore: endClosed.span)
            files = try ReportFiles.books(books, span: span, environment: environment, costsAt: atClose)
            files.add("cogs.csv", try cogsText(atClose.costs, span: span, environment: environment))
            note = "; it ends in \(endClosed.period), which is closed: valuation and cost lines as known at its close (\(environment.display(endClosed.closedAt)))"
        } else {
            files = try ReportFiles.books(books, span: span, environment: environment)
            files.add("cogs.csv", try cogsText(books.costs, span: span, environment: environment))
        }
        files.add("run.json", runJSON(span: span, books: books, files: files, environment: environment))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for file in files.files {
            let path = (out as NSString).appendingPathComponent(file.name)
            guard FileManager.default.createFile(atPath: path, contents: Data(file.content.utf8)) else {
                throw CommandFailure("\(path): cannot write the file")
            }
        }
        let entryCount = JournalOutputs.entries(books.entries, in: span).count
        print("\(span): \(entryCount) journal entries and \(files.files.count) files in \(out) (as known at \(environment.display(knownAt)))\(note)")
    }

    func cogsText(_ costs: CostView, span: ReportSpan, environment: CommandEnvironment) throws -> String {
        let start = environment.zone.startOfDay(span.firstDay)
        let end = environment.zone.startOfDay(span.endDay)
        return CostTables.cogs(
            try costs.cogs(from: start, to: end), from: start, to: end, exponent: environment.currencyExponent,
            offset: environment.zone.offsetFunction
        ).renderCSV()
    }

    /// What produced the folder: no wall-clock time in it, so the same knowledge time gives the
    /// same bytes.
    func runJSON(span: ReportSpan, books: BooksView, files: ReportFiles, environment: CommandEnvironment) -> String {
        func quoted(_ text: String) -> String { Table.jsonString(text) }
        var json = "{\n"
        json += "  \"program\": \(quoted("countinghouse \(countinghouseVersion)")),\n"
        json += "  \"span\": \(quoted(span.description)),\n"
        json += "  \"first_day\": \(quoted(span.firstDay.description)),\n"
        json += "  \"last_day\": \(quoted(span.lastDay.description)),\n"
        json += "  \"as_known_at\": \(quoted(environment.display(books.knownAt))),\n"
        json += "  \"currency\": \(quoted(environment.configuration.currency)),\n"
        json += "  \"time_zone\": \(quoted(environment.configuration.timeZone)),\n"
        json += "  \"input_files\": \(books.fileCount),\n"
        json += "  \"inputs_sha256\": \(quoted(books.inputsDigest)),\n"
        json += "  \"closed_periods\": [" + books.closed.map { quoted($0.period) }.joined(separator: ", ") + "],\n"
        json += "  \"outputs\": {\n"
        json += files.files.map { "    \(quoted($0.name)): \(quoted("sha256:" + sha256Hex($0.content)))" }.joined(separator: ",\n")
        json += "\n  }\n}\n"
        return json
    }
}
