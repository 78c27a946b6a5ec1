// The explanation of one outflow's cost: the answer to "why is this cost 12.34?" for one line of
// cogs.csv. Each part of the outflow's units — taken from a layer, pending at the provisional cost,
// cancelled by a return — with its value and the rule that gave it: which layer (its source row and
// how the layer got its value: a purchase, a count, a return of a sale, a transfer of a shipment, a
// fallback), and for a layer's share the remainder rule's figures (what was left of the layer when
// this outflow took from it).
//
// Place in the pipeline: pure; a cost run → `CostExplanation.explain` → a heading and parts the
// report module turns into the table `explain` prints.

/// One part of an outflow's units: taken from a layer, pending, self-dependent or cancelled.
public struct ExplanationPart: Sendable, Hashable {
    /// `taken`, `pending`, `self-dependent` or `cancelled`.
    public var part: String
    public var units: Int64
    /// The part's value (none for self-dependent units, priced with the pending ones).
    public var value: Int64?
    /// Whether a unit cost is shown (value ÷ units).
    public var showsUnitCost: Bool
    /// The layer's source document and line (`GR-1:2`), its file and row, when it was learnt.
    public var layer: String?
    public var layerSource: String?
    public var recordedAt: Instant?
    /// How the value came about, in words and figures.
    public var how: String
}

public struct CostExplanation: Sendable {
    /// What the outflow is and what it cost, in a few sentences.
    public var heading: [String]
    /// One entry per part of the outflow's units.
    public var parts: [ExplanationPart]

    /// The explanation of the outflow with this cogs.csv id, or nil when the run has none.
    public static func explain(
        _ run: SKUCostRun, outflowID: String, exponent: Int, offset: OffsetAtInstant
    ) -> CostExplanation? {
        guard let index = run.outflows.indices.first(where: { CostRuns.sameBytes(run.outflowID(run.outflows[$0]), outflowID) }) else { return nil }
        let outflow = run.outflows[index]
        let cost = run.outflowCost(index)
        func money(_ amount: Int64) -> String { formatMinorUnits(amount, exponent: exponent) }
        func time(_ instant: Instant) -> String { instant.iso8601(offsetSeconds: offset(instant)) }
        let event = run.events[outflow.event]
        var heading = [
            "\(outflowID): \(outflow.quantity) × \(run.sku) \(outflow.kind.rawValue) at \(run.locations[outflow.location]), "
                + "\(time(event.occurredAt)), from \(event.source.fileLocation) (recorded \(time(event.source.recordedAt)))",
            "cost \(money(cost.cost)) for \(cost.costedQuantity) units"
                + (cost.pendingQuantity > 0 ? ", provisional \(money(cost.provisionalCost)) for \(cost.pendingQuantity) pending" : "")
                + (cost.cancelledQuantity > 0 ? ", \(cost.cancelledQuantity) cancelled by a return" : "")
                + (cost.flags.isEmpty ? "" : " [\(cost.flags.joined(separator: ";"))]"),
        ]
        if outflow.kind == .shrinkage {
            heading.append("a count found fewer units than the shelf held: the difference is this outflow")
        }
        var parts: [ExplanationPart] = []
        // Units without a cost of their own (an open deficit, self-dependent shares) are priced
        // together at the fallback, rounded once, as the engine does.
        var unpriced = outflow.openDeficit
        var next = outflow.firstAllocation
        while next >= 0 {
            let allocationIndex = next
            let allocation = run.allocations[allocationIndex]
            next = allocation.nextOfOutflow
            let layer = run.layers[allocation.layer]
            let source = run.layerSource(allocation.layer)
            // What was left of the layer when this outflow took from it (the remainder rule).
            var leftUnits = layer.units
            var leftValue = layer.value
            for earlier in run.allocations(ofLayer: allocation.layer) {
                if earlier == allocationIndex { break }
                leftUnits -= run.allocations[earlier].units
                leftValue -= run.allocations[earlier].value
            }
            var how = origin(run, allocation.layer, money: money)
            if allocation.selfDependent {
                unpriced += allocation.units
                how += "; the layer's value depends on this outflow itself (SELF_DEPENDENT): priced with the pending units below"
            } else {
                if layer.provisional { how += "; the layer is provisional, so these units are pending" }
                how += "; remainder rule: round(\(money(leftValue)) × \(allocation.units) / \(leftUnits)) = \(money(allocation.value))"
            }
            parts.append(
                ExplanationPart(
                    part: allocation.selfDependent ? "self-dependent" : layer.provisional ? "pending" : "taken",
                    units: allocation.units, value: allocation.selfDependent ? nil : allocation.value,
                    showsUnitCost: !allocation.selfDependent, layer: source.documentID + (source.lineNumber.map { ":\($0)" } ?? ""),
                    layerSource: source.fileLocation, recordedAt: source.recordedAt, how: how))
        }
        if unpriced > 0 {
            let (unit, fallback) = run.fallbackUnitCost(location: outflow.location, at: event.occurredAt)
            let value = unit.cost(of: unpriced)
            parts.append(
                ExplanationPart(
                    part: "pending", units: unpriced, value: value, showsUnitCost: true,
                    how: (outflow.openDeficit > 0 ? "no stock yet for \(outflow.openDeficit): " : "")
                        + "provisional at \(fallbackText(fallback)), \(money(unit.value)) for \(unit.quantity) units, "
                        + "until a later inflow gives them a cost"))
        }
        if outflow.cancelledQuantity > 0 {
            parts.append(
                ExplanationPart(
                    part: "cancelled", units: outflow.cancelledQuantity, value: 0, showsUnitCost: false,
                    how: "returned before any stock filled them: no cost"))
        }
        return CostExplanation(heading: heading, parts: parts)
    }

    static func fallbackText(_ fallback: FallbackSource) -> String {
        switch fallback {
        case .purchaseHere: return "the latest purchase here"
        case .purchaseElsewhere: return "the latest purchase at another location"
        case .standardCost: return "the catalogue's standard cost"
        case .zero: return "zero (no purchase and no standard cost known)"
        }
    }

    /// How a layer got its value.
    static func origin(_ run: SKUCostRun, _ index: Int, money: (Int64) -> String) -> String {
        let layer = run.layers[index]
        func units(_ count: Int64) -> String { count == 1 ? "1 unit" : "\(count) units" }
        let fallback = layer.fallback.map { " at \(fallbackText($0))" } ?? ""
        switch layer.origin {
        case .purchase:
            return "purchase: \(units(layer.units)) for \(money(layer.value))"
        case .countGain:
            return "count found \(units(layer.units)) more than the shelf held, valued \(money(layer.value))\(fallback)"
        case .customerReturn(let sale), .transferReceipt(let sale):
            let isReturn: Bool
            if case .customerReturn = layer.origin { isReturn = true } else { isReturn = false }
            let source = run.sourceOutflow(of: layer).map { run.outflowCost($0) }
            let name = source?.outflowID ?? run.events[sale].source.documentID
            let total = (source?.cost ?? 0) + (source?.provisionalCost ?? 0)
            let quantity = isReturn ? (source.map { $0.quantity - $0.cancelledQuantity } ?? 0) : run.events[sale].quantity
            return (isReturn ? "customer return of \(name)" : "transfer receipt of \(name)") + orderOnly(run, layer)
                + ": its cost \(money(total)) shared over \(units(quantity)), units \(layer.cumulativeBefore + 1)–\(layer.cumulativeAfter) "
                + "of them = \(money(layer.value))"
        case .unusableReturn:
            return "customer return without a usable sale reference\(orderOnly(run, layer)): \(units(layer.units)) valued "
                + "\(money(layer.value))\(fallback)"
        case .unmatchedTransferReceipt(let over):
            return (over ? "received more than was shipped" : "received without a known shipment")
                + ": \(units(layer.units)) valued \(money(layer.value))\(fallback), provisional until the shipment is known"
        case .opening:
            return "open at a checkpoint: \(units(layer.units)) worth \(money(layer.value))"
        case .priorCustomerReturn(let source), .priorTransferReceipt(let source):
            let prior = run.priorSources[source]
            return "\(prior.kind == .sale ? "customer return" : "transfer receipt") of \(prior.documentID):\(prior.lineNumber) "
                + "(before a checkpoint)\(orderOnly(run, layer)): \(money(layer.value))"
        }
    }

    /// For the layer of a return that named only its order: which sale line that resolved to, and
    /// why (SEMANTICS §3.3); empty for any other layer.
    static func orderOnly(_ run: SKUCostRun, _ layer: SKUCostRun.Layer) -> String {
        guard layer.event >= 0, case .customerReturn(let order?, nil) = run.events[layer.event].kind else { return "" }
        let sequence = run.sequenceOffset + Int64(layer.event)
        guard let link = run.links.first(where: { $0.sequence == sequence }), link.lineNumber > 0 else {
            return " (it named only order \(order), which had no SALE line of \(run.sku) with units not yet returned)"
        }
        if link.countedUnits == 0 {
            return " (it named only order \(order); its first SALE line of \(run.sku) with units not yet returned, line "
                + "\(link.lineNumber), had fewer units left than it brought back)"
        }
        return " (it named only order \(order): line \(link.lineNumber) is its first SALE line of \(run.sku) with units not yet "
            + "returned)"
    }
}
