import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explains one outflow's cost (a cogs.csv outflow_id): the layers it took and the rule behind each value.",
        discussion: """
            ID is a cogs.csv outflow_id, e.g. SALE:O-1001:2 or SHRINKAGE:C-7:S01:SKU-1. Each part of the outflow's \
            units is listed: taken from a layer (its source row, how the layer got its value, and the remainder \
            rule's figures), pending at the provisional cost (and why), or cancelled by a return.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var knownAt: KnownAtOption
    @Argument(help: "The outflow id (cogs.csv's outflow_id).") var id: String
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        let context = try global.context()
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let explanation = try CostJobs.explain(session, outflowID: id, knownAt: knownAt)
        if format == .table {
            for line in explanation.heading { print(line) }
            print("as known at \(context.describe(knownAt))")
            print()
        }
        print(format.render(explanation.parts), terminator: "")
    }
}
