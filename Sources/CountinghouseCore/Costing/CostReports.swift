// Cost runs over the whole ledger and what they feed (FORMATS §4: cogs.csv, valuation.csv).
//
// Place in the pipeline: rows → `CostRuns.run` (one engine run per SKU; SKUs never affect each
// other) → outflows and deltas → tables. A period's report *selects* from the run over everything
// known (§3.2): it never cuts the sequence at the period end. The grouping's fast paths (SKU
// numbering, byte order, the parallel hand-out of each SKU's events) are in FastPaths.swift.

public enum CostRuns {
    /// The catalogue's standard cost per SKU as known: the latest items row of each SKU wins
    /// whole (an empty standard_cost clears it). `items` must be in ledger order.
    public static func standardCosts(items: [LedgerRow]) -> [OpaqueID: Int64?] {
        var costs: [OpaqueID: Int64?] = [:]
        for row in items {
            let item = CatalogueItem(row)
            costs[OpaqueID(item.sku)] = .some(item.standardCost)
        }
        return costs
    }

    /// Groups events by SKU and runs the engine for each, in SKU byte order.
    /// With `checkpointBoundaries`, each SKU's run emits checkpoints at its listed boundaries.
    public static func run(
        events: [CostEvent], standardCosts: [OpaqueID: Int64?], checkpointBoundaries: [OpaqueID: Set<Instant>] = [:]
    ) throws(OutOfRange) -> [SKUCostRun] {
        try perSKU(events: events, standardCosts: standardCosts, checkpointBoundaries: checkpointBoundaries) { $0 }
    }

    /// The same, a SKU with an opening replayed from its checkpoint (its events those from the
    /// checkpoint's boundary on).
    public static func run(
        events: [CostEvent], standardCosts: [OpaqueID: Int64?], openings: [OpaqueID: CostOpening]
    ) throws(OutOfRange) -> [SKUCostRun] {
        try perSKU(events: events, standardCosts: standardCosts, openings: openings) { $0 }
    }

    /// Each SKU's cogs lines, deltas and stock postings, in SKU byte order: what the cost cache stores. The rows
    /// are built on the thread that ran the SKU, and the run itself (events, layers, allocations)
    /// is dropped there, so the rows are all a caller holds. A caller that writes one chunk of
    /// SKUs' rows before costing the next (the cost cache refresh) holds one chunk at a time.
    /// With `openings`, a SKU that has one is replayed from its checkpoint (its events are those
    /// from the checkpoint's boundary on); with a `checkpointSpacing`, the runs emit checkpoints.
    public static func rows(
        events: [CostEvent], standardCosts: [OpaqueID: Int64?], openings: [OpaqueID: CostOpening] = [:],
        checkpointSpacing: Int? = nil
    ) throws(OutOfRange) -> [SKUCostRows] {
        try perSKU(events: events, standardCosts: standardCosts, openings: openings, checkpointSpacing: checkpointSpacing) { run in
            SKUCostRows(
                sku: run.sku, eventCount: run.events.count, cogsLines: run.cogsLines, deltas: run.deltas,
                postings: run.stockPostings, checkpoints: run.checkpoints, links: run.links,
                replayedFrom: openings[OpaqueID(run.sku)]?.checkpoint.boundary)
        }
    }

    /// Groups events by SKU, runs the engine for each and hands each run to `body` (on the thread
    /// that ran it), returning what `body` made in SKU byte order. A SKU whose values could leave
    /// 64 bits (`CostBounds`) is not run, and the first such SKU is thrown.
    static func perSKU<Result: Sendable>(
        events: [CostEvent], standardCosts: [OpaqueID: Int64?], openings: [OpaqueID: CostOpening] = [:],
        checkpointSpacing: Int? = nil, checkpointBoundaries: [OpaqueID: Set<Instant>] = [:],
        _ body: @escaping @Sendable (SKUCostRun) -> Result
    ) throws(OutOfRange) -> [Result] {
        // Number the SKUs and count their events, then copy each event once into its SKU's
        // array, reading the ledger in order: writing to a couple of thousand growing arrays
        // stays in cache, where gathering one SKU's events from all over the ledger would not.
        var skuNumbers = SKUNumbering()
        var skuOfEvent = [Int](repeating: 0, count: events.count)
        var counts: [Int] = []
        var lastSKU: String?
        var lastNumber = 0
        // Only the SKU is read here: binding the whole event would copy every field.
        for index in events.indices {
            let sku = events[index].sku
            if lastSKU.map({ !sameBytes($0, sku) }) ?? true {
                lastNumber = skuNumbers.number(of: sku)
                if lastNumber == counts.count { counts.append(0) }
                lastSKU = sku
            }
            skuOfEvent[index] = lastNumber
            counts[lastNumber] += 1
        }
        let skus = skuNumbers.skus
        var bySKU = counts.map { count -> [CostEvent] in
            var events: [CostEvent] = []
            events.reserveCapacity(count)
            return events
        }
        for (index, event) in events.enumerated() { bySKU[skuOfEvent[index]].append(event) }
        let order = skus.indices.sorted { precedesInByteOrder(skus[$0], skus[$1]) }
        var orderedEvents = order.map { bySKU[$0] }
        bySKU = []
        let orderedSKUs = order.map { skus[$0] }
        // SKUs never affect each other (§3.2): a large run spreads them over the cores. Each SKU's
        // events are taken out of the array for its run, so that they are freed on the thread that
        // ran it (freeing every event of a parallel run afterwards was serial work). Each SKU is
        // checked against `CostBounds` on its thread before its run; a SKU out of range is not run,
        // and the first (in SKU byte order) is thrown once every thread is done.
        let parallel = orderedSKUs.count > 1 && events.count >= parallelThreshold
        let outcomes = takingEach(of: &orderedEvents, leaving: [], parallel: parallel) { index, skuEvents -> RunOutcome<Result> in
            let sku = orderedSKUs[index]
            let key = OpaqueID(sku)
            let standardCost = standardCosts[key] ?? nil
            do throws(OutOfRange) {
                try CostBounds.check(sku: sku, events: skuEvents, standardCost: standardCost, opening: openings[key])
            } catch {
                return .refused(error)
            }
            return .ran(body(FIFOEngine.run(
                sku: sku, events: skuEvents, standardCost: standardCost, opening: openings[key],
                checkpointSpacing: checkpointSpacing,
                checkpointBoundaries: checkpointBoundaries.isEmpty ? nil : checkpointBoundaries[key] ?? [])))
        }
        var results: [Result] = []
        results.reserveCapacity(outcomes.count)
        for outcome in outcomes {
            switch outcome {
            case .ran(let result): results.append(result)
            case .refused(let error): throw error
            }
        }
        return results
    }

    /// A SKU's run, or why it was not run.
    private enum RunOutcome<Result: Sendable>: Sendable {
        case ran(Result)
        case refused(OutOfRange)
    }

    /// Below this many events a run stays on one thread (the hand-off costs more than it saves).
    static let parallelThreshold = 20_000

}

/// One SKU's results as the cost cache stores them: its outflows as cogs lines and what each event
/// changed (`SKUCostRun.cogsLines` and `.deltas`), without the run that made them.
public struct SKUCostRows: Sendable {
    public var sku: String
    public var eventCount: Int
    public var cogsLines: [CogsLine]
    public var deltas: [CostDelta]
    /// Each event's change of its location's stock value, with its kind and source: what the
    /// journal posts (see `StockPosting`).
    public var postings: [StockPosting]
    /// The checkpoints the run emitted, and its returns' and receipts' references.
    public var checkpoints: [CostCheckpoint] = []
    public var links: [ReferenceLink] = []
    /// The boundary of the checkpoint the run was replayed from (nil: it ran from the SKU's first event).
    public var replayedFrom: Instant?
}

/// The reporting time zone as the core needs it: the offset from UTC at an instant.
public typealias OffsetAtInstant = @Sendable (Instant) -> Int64

extension CogsLine {
    /// The outflows with `from ≤ occurred_at < to`, in cogs.csv's order: occurred_at, SKU, then
    /// §3.2 (the outflow's place in its SKU's sequence).
    public static func occurring(_ lines: [CogsLine], from: Instant, to: Instant) -> [CogsLine] {
        func precedes(_ a: CogsLine, _ b: CogsLine) -> Bool {
            if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
            if !CostRuns.sameBytes(a.sku, b.sku) { return CostRuns.precedesInByteOrder(a.sku, b.sku) }
            return a.sequence < b.sequence
        }
        // Lines already selected and in order (a report's, once made) are returned as they are:
        // the same array, not a copy of a year's lines.
        if lines.allSatisfy({ $0.occurredAt >= from && $0.occurredAt < to })
            && zip(lines, lines.dropFirst()).allSatisfy({ !precedes($1, $0) })
        {
            return lines
        }
        return lines.filter { $0.occurredAt >= from && $0.occurredAt < to }.sorted(by: precedes)
    }
}

/// One outflow as cogs.csv lists it and the cost cache stores it.
public struct CogsLine: Sendable, Hashable {
    public var sku: String
    /// The outflow's event's place in its SKU's sequence (§3.2).
    public var sequence: Int64
    public var outflowID: String
    public var kind: OutflowKind
    public var occurredAt: Instant
    public var location: String
    public var documentID: String
    public var lineNumber: Int64?
    public var quantity: Int64
    public var costedQuantity: Int64
    public var cost: Int64
    public var pendingQuantity: Int64
    public var provisionalCost: Int64
    public var cancelledQuantity: Int64
    /// `;`-separated, in byte order.
    public var flags: String

    public init(
        sku: String, sequence: Int64, outflowID: String, kind: OutflowKind, occurredAt: Instant, location: String,
        documentID: String, lineNumber: Int64?, quantity: Int64, costedQuantity: Int64, cost: Int64,
        pendingQuantity: Int64, provisionalCost: Int64, cancelledQuantity: Int64, flags: String
    ) {
        self.sku = sku
        self.sequence = sequence
        self.outflowID = outflowID
        self.kind = kind
        self.occurredAt = occurredAt
        self.location = location
        self.documentID = documentID
        self.lineNumber = lineNumber
        self.quantity = quantity
        self.costedQuantity = costedQuantity
        self.cost = cost
        self.pendingQuantity = pendingQuantity
        self.provisionalCost = provisionalCost
        self.cancelledQuantity = cancelledQuantity
        self.flags = flags
    }
}

extension SKUCostRun {
    /// Every outflow as a cogs line, in sequence order.
    public var cogsLines: [CogsLine] {
        // The event's fields are read one at a time: copying the whole event would retain each of its strings.
        outflows.map { outflow in
            let position = outflow.event
            return CogsLine(
                sku: sku, sequence: sequenceOffset + Int64(position), outflowID: outflowID(outflow), kind: outflow.kind,
                occurredAt: events[position].occurredAt, location: locations[outflow.location],
                documentID: events[position].source.documentID,
                lineNumber: outflow.kind == .shrinkage ? nil : events[position].source.lineNumber, quantity: outflow.quantity,
                costedQuantity: outflow.costedQuantity, cost: outflow.finalCost, pendingQuantity: outflow.pendingQuantity,
                provisionalCost: outflow.provisionalCost, cancelledQuantity: outflow.cancelledQuantity,
                flags: Self.flagsText(of: outflow))
        }
    }
}
