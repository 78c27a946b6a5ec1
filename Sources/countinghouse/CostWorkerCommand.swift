import ArgumentParser
import CountinghouseApp
import CountinghouseStore

/// One worker of a shared cost refresh (`run --workers N` starts them; not listed in the help).
struct CostWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost-worker", abstract: "Reprices one part of a cost refresh shared by `run --workers N`.", shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Option(help: "This worker's part, 1 to --of.") var part: Int
    @Option(name: .customLong("of"), help: "How many parts.") var parts: Int
    @Option(help: "The last file the cache included when the refresh was planned, or none.") var cachedThrough: String
    @Option(help: "Reprice the SKUs with rows after this file, or none (every SKU).") var since: String
    @Option(help: "The last file the cache is to include.") var through: Int64

    func validate() throws {
        guard parts >= 1, (1...parts).contains(part) else { throw ValidationError("--part \(part) --of \(parts): expected 1 ≤ part ≤ of") }
        for (name, value) in [("--cached-through", cachedThrough), ("--since", since)] where value != "none" && Int64(value) == nil {
            throw ValidationError("\(name) \(value): expected a file id or none")
        }
    }

    func run() throws {
        let context = try global.context()
        let plan = CostCacheRefreshPlan(cachedThrough: Int64(cachedThrough), since: Int64(since), lastFile: through)
        let refresh = try CostWorkers.refreshPart(try Session(context), plan: plan, part: part, of: parts)
        // The run adds these up: SKUs repriced, from a checkpoint, events replayed.
        print("\(refresh.skusRepriced) \(refresh.skusFromCheckpoint) \(refresh.eventsReplayed)")
    }
}
