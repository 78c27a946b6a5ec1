import ArgumentParser
import CountinghouseCore
import CountinghouseStore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explains one outflow's cost (a cogs.csv outflow_id): the layers it took and the rule behind each value.",
        discussion: """
            ID is a cogs.csv outflow_id, e.g. SALE:O-1001:2 or SHRINKAGE:C-7:S01:SKU-1. Each part of the outflow's
            units is listed: taken from a layer (its source row, how the layer got its value, and the remainder
            rule's figures), pending at the provisional cost (and why), or cancelled by a return.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var knownAt: KnownAtOption
    @Argument(help: "The outflow id (cogs.csv's outflow_id).") var id: String
    @Option(help: "Output format: table, csv or json.") var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let knownAt = try knownAt.instant(environment) ?? environment.now
        let store = try openLedgerStoreForCommand(environment)
        let shown = environment.display(knownAt)
        guard let sku = try sku(store, knownAt: knownAt) else {
            throw CommandFailure("no outflow \(id) as known at \(shown) (outflow ids are cogs.csv's outflow_id)")
        }
        let runs = try computeCosts(store, knownAt: knownAt, sku: sku)
        guard let run = runs.first,
            let explanation = CostExplanation.explain(
                run, outflowID: id, exponent: environment.currencyExponent, offset: environment.zone.offsetFunction)
        else {
            throw CommandFailure("no outflow \(id) as known at \(shown) (outflow ids are cogs.csv's outflow_id)")
        }
        if format == .table {
            for line in explanation.heading { print(line) }
            print("as known at \(shown)")
            print()
        }
        print(explanation.parts.render(format), terminator: "")
    }

    /// The SKU of the ledger row the id names: `KIND:DOCUMENT:LINE` (pos_lines, purchases or
    /// transfers), or `SHRINKAGE:COUNT:LOCATION:SKU` (counts). Documents may hold colons, so the
    /// id is compared whole with each candidate row's.
    func sku(_ store: any LedgerStore, knownAt: Instant) throws -> String? {
        let kind: LedgerKind
        let documentColumn: String
        switch id.split(separator: ":", maxSplits: 1).first.map(String.init) {
        case "SALE", "COMP": (kind, documentColumn) = (.posLines, "order_id")
        case "PURCHASE_RETURN": (kind, documentColumn) = (.purchases, "document_id")
        case "TRANSFER_SHIP": (kind, documentColumn) = (.transfers, "transfer_id")
        case "SHRINKAGE": (kind, documentColumn) = (.counts, "count_id")
        default: return nil
        }
        for stored in try store.rows(of: kind, knownAt: knownAt) {
            let row = stored.row
            guard let sku = row["sku"].textValue else { continue }
            let document = row[documentColumn].description
            let candidate = kind == .counts
                ? "SHRINKAGE:\(document):\(row["location"].description):\(sku)"
                : "\(id.split(separator: ":", maxSplits: 1)[0]):\(document):\(row["line_no"].integerValue.map(String.init) ?? "")"
            if candidate == id { return sku }
        }
        return nil
    }
}
