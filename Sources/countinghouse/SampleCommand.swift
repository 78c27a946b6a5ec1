// `countinghouse sample`: writes the generated sample chain (day folders), or one big file of a
// kind for benchmarks. All of it is `CountinghouseSample`; this file only parses and prints.
import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseSample

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Writes generated sample data: day folders of source files, or one big file of a kind.",
        discussion: """
            Day folders (default): OUT/YYYY-MM-DD/<kind>.csv for each business day, only the kinds \
            with rows that day; the first day's folder also holds items.csv. Beside them, the card \
            processors' statements in their own layouts (Stripe payout reconciliation and payouts \
            reports, Adyen Settlement details reports) and, with three stores or more, the Square \
            pop-up's Items Detail and Transactions exports. The defaults give the committed \
            sample-data/.
            Bulk: --bulk KIND --rows N --out FILE writes one file of KIND (pos_lines, pos_tenders, \
            purchases, transfers, counts, settlements, items) with exactly N data rows.
            The same parameters always give the same bytes.
            """)

    @Option(name: .long, help: "Output directory (day folders) or file (with --bulk).")
    var out: String

    @Option(name: .long, help: "Stores besides the warehouse.")
    var stores: Int = SampleChain.Parameters.standard.storeCount

    @Option(name: .long, help: "SKUs in the catalogue.")
    var skus: Int = SampleChain.Parameters.standard.skuCount

    @Option(name: .long, help: "Business days to generate (ignored with --bulk).")
    var days: Int = SampleChain.Parameters.standard.dayCount

    @Option(name: .long, help: "POS lines per day over all stores, about.")
    var linesPerDay: Int = SampleChain.Parameters.standard.linesPerDay

    @Option(name: .long, help: "Seed of the generator's random numbers.")
    var seed: UInt64 = SampleChain.Parameters.standard.seed

    @Option(name: .long, help: "First business day, YYYY-MM-DD.")
    var start: String = SampleChain.Parameters.standard.startDate.description

    @Option(name: .long, help: "Write one file of this kind instead of day folders.")
    var bulk: String?

    @Option(name: .long, help: "Data rows of the --bulk file.")
    var rows: Int?

    @Flag(name: .long, help: "Remove day folders already in --out before writing (other files stay).")
    var replace = false

    func validate() throws {
        if let problem = try parameters().problem { throw ValidationError(problem) }
        if let bulk {
            guard let kind = LedgerKind(rawValue: bulk), SampleChain.bulkKinds.contains(kind) else {
                let kinds = SampleChain.bulkKinds.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--bulk must be one of \(kinds) (got \(bulk))")
            }
            guard let rows, rows >= 0 else { throw ValidationError("--bulk needs --rows N (N ≥ 0)") }
        } else if rows != nil {
            throw ValidationError("--rows only goes with --bulk")
        }
    }

    func run() throws {
        let parameters = try parameters()
        // A file or folder that cannot be written is exit status 73, like a report's.
        do {
            if let bulk, let kind = LedgerKind(rawValue: bulk), let rows {
                let bytes = try SampleFileWriter.writeBulkFile(kind: kind, rows: rows, parameters: parameters, to: out)
                print("wrote \(out): \(rows) \(kind.rawValue) rows, \(bytes) bytes")
            } else {
                let written = try SampleFileWriter.writeDailyFolders(parameters, to: out, replacingDays: replace)
                print("wrote \(out): \(parameters.dayCount) days, \(written.files) files, \(written.bytes) bytes")
            }
        } catch let error as SampleFileWriter.WriteError {
            throw AppFailure(.cannotWrite, error.description)
        }
    }

    private func parameters() throws -> SampleChain.Parameters {
        guard let startDate = CivilDate(text: start) else {
            throw ValidationError("--start must be a date YYYY-MM-DD (got \(start))")
        }
        return SampleChain.Parameters(
            seed: seed, storeCount: stores, skuCount: skus, dayCount: days, linesPerDay: linesPerDay,
            startDate: startDate)
    }
}
