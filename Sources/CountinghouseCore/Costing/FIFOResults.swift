// What a cost run produces (SEMANTICS §3.5): per outflow its cost and trail, per location at any
// instant its units, value and pending units, and goods in transit likewise.

/// One outflow's cost, as cogs.csv and the trail show it.
public struct OutflowCost: Sendable, Hashable {
    public var outflowID: String
    public var kind: OutflowKind
    public var occurredAt: Instant
    public var location: String
    public var sku: String
    public var documentID: String
    public var lineNumber: Int64?
    public var quantity: Int64
    public var costedQuantity: Int64
    public var cost: Int64
    public var pendingQuantity: Int64
    public var provisionalCost: Int64
    public var cancelledQuantity: Int64
    /// In byte order, as cogs.csv writes them.
    public var flags: [String]
    public var allocations: [AllocationDetail]
    public var source: SourceReference
    /// Where the outflow falls in its SKU's sequence (for sorting reports by §3.2).
    public var sequenceKey: SequenceKey
}

/// Units an outflow took from one layer, and the layer's source row.
public struct AllocationDetail: Sendable, Hashable {
    public var layerSource: SourceReference
    public var layerOrigin: LayerOrigin
    public var units: Int64
    public var value: Int64
    public var provisionalLayer: Bool
    public var selfDependent: Bool
}

/// Units, value and pending units of one SKU at one location (or in transit) at an instant.
public struct StockPosition: Sendable, Hashable {
    public var sku: String
    public var location: String
    public var quantityOnHand: Int64
    public var value: Int64
    public var pendingQuantity: Int64

    public var isZero: Bool { quantityOnHand == 0 && value == 0 && pendingQuantity == 0 }
}

extension SKUCostRun {
    /// A stable id for an outflow: its kind and source key.
    func outflowID(_ outflow: Outflow) -> String {
        let event = events[outflow.event]
        switch outflow.kind {
        case .shrinkage: return "SHRINKAGE:\(event.source.documentID):\(event.location)"
        default: return "\(outflow.kind.rawValue):\(event.source.documentID):\(event.source.lineNumber.map(String.init) ?? "")"
        }
    }

    public func outflowCost(_ index: Int) -> OutflowCost {
        let outflow = outflows[index]
        let event = events[outflow.event]
        var flags: [String] = []
        if outflow.cancelledQuantity > 0 { flags.append("CANCELLED_BY_RETURN") }
        if let fallback = outflow.fallback { flags.append(fallback.rawValue) }
        if outflow.fromProvisionalLayer { flags.append("FROM_PROVISIONAL_LAYER") }
        if outflow.selfDependent { flags.append("SELF_DEPENDENT") }
        flags.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let details = outflow.allocations.map { allocationIndex -> AllocationDetail in
            let allocation = allocations[allocationIndex]
            let layer = layers[allocation.layer]
            return AllocationDetail(
                layerSource: events[layer.event].source, layerOrigin: layer.origin, units: allocation.units,
                value: allocation.value, provisionalLayer: layer.provisional, selfDependent: allocation.selfDependent)
        }
        return OutflowCost(
            outflowID: outflowID(outflow), kind: outflow.kind, occurredAt: event.occurredAt,
            location: locations[outflow.location], sku: sku, documentID: event.source.documentID,
            lineNumber: outflow.kind == .shrinkage ? nil : event.source.lineNumber, quantity: outflow.quantity,
            costedQuantity: outflow.costedQuantity, cost: outflow.finalCost, pendingQuantity: outflow.pendingQuantity,
            provisionalCost: outflow.provisionalCost, cancelledQuantity: outflow.cancelledQuantity, flags: flags,
            allocations: details, source: event.source, sequenceKey: event.sequenceKey)
    }

    /// Every outflow's cost, in sequence order.
    public var outflowCosts: [OutflowCost] { outflows.indices.map(outflowCost) }

    /// Positions at every location with any event by `instant` (inclusive), then in transit
    /// (location `IN_TRANSIT`) when any transfer happened by then. `value` is the inflows' values
    /// less the outflows' costs (final + provisional), so negative stock has a negative value.
    public func positions(through instant: Instant) -> [StockPosition] {
        var units = Array(repeating: Int64(0), count: locations.count)
        var values = Array(repeating: Int64(0), count: locations.count)
        var deficits = Array(repeating: Int64(0), count: locations.count)
        var provisionalLayerUnits = Array(repeating: Int64(0), count: locations.count)
        var seen = Array(repeating: false, count: locations.count)
        var transitUnits: Int64 = 0
        var transitValue: Int64 = 0
        var transitSeen = false
        var inTransitByShipment: [Int: Int64] = [:]
        for (position, event) in events.enumerated() {
            guard event.occurredAt <= instant else { break }
            seen[locationIndex[event.location]!] = true
            for change in changes[position] {
                units[change.location] += change.units
                deficits[change.location] += change.deficitUnits
                if change.layer >= 0 && layers[change.layer].provisional {
                    provisionalLayerUnits[change.location] += change.layerUnits
                }
            }
            if layerOfEvent[position] >= 0 {
                let layer = layers[layerOfEvent[position]]
                values[layer.location] += layer.value
                if case .transferReceive = event.kind {
                    transitSeen = true
                    transitUnits -= event.quantity
                    transitValue -= layer.value
                    if case .transferReceipt(let ship) = layer.origin { inTransitByShipment[ship, default: 0] -= event.quantity }
                }
            }
            if outflowOfEvent[position] >= 0 {
                let outflow = outflows[outflowOfEvent[position]]
                values[outflow.location] -= outflow.finalCost + outflow.provisionalCost
                if case .transferShip = event.kind {
                    transitSeen = true
                    transitUnits += event.quantity
                    transitValue += outflow.finalCost + outflow.provisionalCost
                    inTransitByShipment[position, default: 0] += event.quantity
                }
            }
        }
        var result: [StockPosition] = []
        for index in locations.indices where seen[index] {
            result.append(StockPosition(
                sku: sku, location: locations[index], quantityOnHand: units[index], value: values[index],
                pendingQuantity: deficits[index] + provisionalLayerUnits[index]))
        }
        if transitSeen {
            var pending: Int64 = 0
            for (ship, unitsInTransit) in inTransitByShipment {
                let outflow = outflowOfEvent[ship]
                if outflow >= 0 && outflows[outflow].pendingQuantity > 0 { pending += unitsInTransit }
            }
            result.append(StockPosition(
                sku: sku, location: inTransitLocation, quantityOnHand: transitUnits, value: transitValue,
                pendingQuantity: pending))
        }
        return result.sorted { $0.location.utf8.lexicographicallyPrecedes($1.location.utf8) }
    }
}
