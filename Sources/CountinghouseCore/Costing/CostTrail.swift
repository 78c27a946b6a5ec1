// The trail of one item at one location: the bank statement an accountant reads to answer "why
// is this cost 12.34?". Every movement in sequence order with its units and value, the running
// units, value and pending units, under each outflow the layers it took from (document, file
// and row, units, value) and the units still pending at the provisional cost, and under a return
// that named only its order the sale line it resolved to.
//
// Place in the pipeline: pure; a cost run → `CostTrail.lines` → the report module's trail table.

/// One line of a trail.
public struct TrailLine: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A stock event at the location: its name (`SALE`, `PURCHASE_RECEIPT`, `TRANSFER_ARRIVED`, …).
        case movement(String)
        /// Units an outflow took from one layer.
        case fromLayer
        /// An outflow's units still waiting for stock.
        case pending
        /// An outflow's units cancelled by a customer return.
        case cancelledByReturn
        /// The sale line a customer return naming only its order resolved to (SEMANTICS §3.3), with
        /// the units counted against it (0 when they did not fit: the return is then unusable).
        case returnOfSaleLine
    }

    public var kind: Kind
    /// When the movement happened (movements only).
    public var occurredAt: Instant?
    /// The movement's document, or the layer's source document.
    public var documentID: String?
    public var lineNumber: Int64?
    /// Units (a movement: its signed change here).
    public var quantity: Int64
    /// The value moved (a movement: its signed change; a layer share: its value).
    public var value: Int64?
    /// After a movement: what the location holds — units, value, pending units.
    public var runningUnits: Int64?
    public var runningValue: Int64?
    public var runningPending: Int64?
    /// The inflow's flags, then the outflow's, then the layer's fallback source and
    /// PROVISIONAL_LAYER (each group in the order the engine records them).
    public var flags: [String]
    /// When the row behind the line was learnt, and where it is (`file.csv:12`).
    public var recordedAt: Instant?
    public var source: String?
}

/// What a location holds: units, value and pending units.
public struct StockFigures: Sendable, Hashable {
    public var units: Int64
    public var value: Int64
    public var pending: Int64

    public init(units: Int64 = 0, value: Int64 = 0, pending: Int64 = 0) {
        self.units = units
        self.value = value
        self.pending = pending
    }
}

/// A SKU's engine run that may begin at a cost cache checkpoint, with what each location held
/// where it begins (nothing for a run from the SKU's first event).
public struct StartedRun: Sendable {
    public var run: SKUCostRun
    public var start: [OpaqueID: StockFigures]

    public init(run: SKUCostRun, start: [OpaqueID: StockFigures] = [:]) {
        self.run = run
        self.start = start
    }
}

public enum CostTrail {
    /// The trail of `run`'s SKU at `location` (IN_TRANSIT for goods in transit), through `through`.
    public static func lines(_ run: SKUCostRun, location: String, through: Instant?) throws(OutOfRange) -> [TrailLine] {
        try lines(run, location: location, from: nil, through: through).lines
    }

    /// The running figures of an item at a location just before `from` (units, value, pending),
    /// and its trail lines from `from` through `through` (nil: from the first, through the last):
    /// a span's part of the trail, its running figures as the whole trail has them.
    /// `start`: what the location held where the run begins (a run replayed from a checkpoint:
    /// the figures there; a whole run: nothing).
    public static func lines(
        _ run: SKUCostRun, location: String, from: Instant?, through: Instant?, start: StockFigures = StockFigures()
    ) throws(OutOfRange) -> (opening: StockFigures, lines: [TrailLine]) {
        var lines: [TrailLine] = []
        // Checked like every other sum of positions (CostBounds already keeps a run's values far
        // below 64 bits; the running sums must not trap if that ever changes).
        var units = Sum(start.units)
        var value = Sum(start.value)
        var pending = Sum(start.pending)
        var opening = start
        var linkOfSequence: [Int64: ReferenceLink] = [:]
        for link in run.links where link.kind == .saleOfOrder && link.lineNumber > 0 { linkOfSequence[link.sequence] = link }
        for delta in run.deltas where CostRuns.sameBytes(delta.location, location) {
            if let through, delta.occurredAt > through { break }
            let position = Int(delta.sequence - run.sequenceOffset)
            let event = run.events[position]
            units += delta.units
            value += delta.value
            pending += delta.pending
            if let from, delta.occurredAt < from {
                opening = StockFigures(
                    units: try units.value("the units of \(run.sku) at \(location)"),
                    value: try value.value("the value of \(run.sku) at \(location)"),
                    pending: try pending.value("the pending units of \(run.sku) at \(location)"))
                continue
            }
            var flags = run.inflowFlags[position] ?? []
            let outflowIndex = run.outflowOfEvent[position]
            let outflow = outflowIndex >= 0 && run.locations[run.outflows[outflowIndex].location] == location
                ? run.outflowCost(outflowIndex) : nil
            if let outflow { flags += outflow.flags }
            let layerIndex = run.layerOfEvent[position]
            if layerIndex >= 0, let fallback = run.layers[layerIndex].fallback { flags.append(fallback.rawValue) }
            if layerIndex >= 0 && run.layers[layerIndex].provisional { flags.append("PROVISIONAL_LAYER") }
            lines.append(
                TrailLine(
                    kind: .movement(eventName(run, position, location: location)), occurredAt: event.occurredAt,
                    documentID: event.source.documentID, lineNumber: event.source.lineNumber, quantity: delta.units,
                    value: delta.value, runningUnits: try units.value("the units of \(run.sku) at \(location)"),
                    runningValue: try value.value("the value of \(run.sku) at \(location)"),
                    runningPending: try pending.value("the pending units of \(run.sku) at \(location)"), flags: flags,
                    recordedAt: event.source.recordedAt, source: event.source.fileLocation))
            if let link = linkOfSequence[delta.sequence] {
                lines.append(
                    TrailLine(kind: .returnOfSaleLine, documentID: link.documentID, lineNumber: link.lineNumber,
                              quantity: link.countedUnits, flags: []))
            }
            guard let outflow else { continue }
            for allocation in outflow.allocations {
                var notes: [String] = []
                if allocation.selfDependent { notes.append("SELF_DEPENDENT") } else if allocation.provisionalLayer {
                    notes.append("PROVISIONAL_LAYER")
                }
                lines.append(
                    TrailLine(
                        kind: .fromLayer, documentID: allocation.layerSource.documentID, lineNumber: allocation.layerSource.lineNumber,
                        quantity: allocation.units, value: allocation.value, flags: notes,
                        recordedAt: allocation.layerSource.recordedAt, source: allocation.layerSource.fileLocation))
            }
            let unfilled = run.outflows[outflowIndex].openDeficit
            if unfilled > 0 {
                lines.append(TrailLine(kind: .pending, quantity: unfilled, flags: outflow.flags.filter { $0.hasPrefix("FALLBACK_") }))
            }
            if outflow.cancelledQuantity > 0 {
                lines.append(TrailLine(kind: .cancelledByReturn, quantity: outflow.cancelledQuantity, flags: []))
            }
        }
        return (opening, lines)
    }

    static func eventName(_ run: SKUCostRun, _ position: Int, location: String) -> String {
        switch run.events[position].kind {
        case .purchaseReceipt: return "PURCHASE_RECEIPT"
        case .purchaseReturn: return "PURCHASE_RETURN"
        case .sale: return "SALE"
        case .complimentary: return "COMP"
        case .customerReturn: return "CUSTOMER_RETURN"
        case .transferShip: return location == inTransitLocation ? "TRANSFER_IN_TRANSIT" : "TRANSFER_SHIP"
        case .transferReceive: return location == inTransitLocation ? "TRANSFER_ARRIVED" : "TRANSFER_RECEIVE"
        case .count:
            if run.layerOfEvent[position] >= 0 { return "COUNT_GAIN" }
            if run.outflowOfEvent[position] >= 0 { return "SHRINKAGE" }
            return "COUNT"
        }
    }
}
