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

    public init(sku: String, location: String, quantityOnHand: Int64, value: Int64, pendingQuantity: Int64) {
        self.sku = sku
        self.location = location
        self.quantityOnHand = quantityOnHand
        self.value = value
        self.pendingQuantity = pendingQuantity
    }

    public var isZero: Bool { quantityOnHand == 0 && value == 0 && pendingQuantity == 0 }
}

extension SKUCostRun {
    /// A stable id for an outflow: its kind and source key.
    func outflowID(_ outflow: Outflow) -> String {
        let position = outflow.event
        switch outflow.kind {
        // A count covers many SKUs at a location: the SKU makes the id unique in cogs.csv.
        case .shrinkage: return "SHRINKAGE:\(events[position].source.documentID):\(events[position].location):\(sku)"
        default:
            return Self.lineID(outflow.kind.rawValue, events[position].source.documentID, events[position].source.lineNumber)
        }
    }

    public func outflowCost(_ index: Int) -> OutflowCost {
        let outflow = outflows[index]
        let event = events[outflow.event]
        let flags = Self.flags(of: outflow)
        let details = allocations(ofOutflow: index).map { allocationIndex -> AllocationDetail in
            let allocation = allocations[allocationIndex]
            let layer = layers[allocation.layer]
            return AllocationDetail(
                layerSource: layerSource(allocation.layer), layerOrigin: layer.origin, units: allocation.units,
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

    /// cogs.csv's flags of an outflow, in byte order (the order they are listed in here).
    static func flags(of outflow: Outflow) -> [String] {
        var flags: [String] = []
        if outflow.cancelledQuantity > 0 { flags.append("CANCELLED_BY_RETURN") }
        if let fallback = outflow.fallback { flags.append(fallback.rawValue) }
        if outflow.fromProvisionalLayer { flags.append("FROM_PROVISIONAL_LAYER") }
        if outflow.selfDependent { flags.append("SELF_DEPENDENT") }
        return flags
    }

    /// The flags joined by `;`, as cogs.csv writes them; most outflows have none.
    static func flagsText(of outflow: Outflow) -> String {
        guard outflow.cancelledQuantity > 0 || outflow.fallback != nil || outflow.fromProvisionalLayer
            || outflow.selfDependent
        else { return "" }
        return flags(of: outflow).joined(separator: ";")
    }

    /// Every outflow's cost, in sequence order.
    public var outflowCosts: [OutflowCost] { outflows.indices.map(outflowCost) }

    /// What each event changed, per location (and in transit): units, value and pending units.
    /// Positions at any instant are sums of these, so a cache can answer them with one query.
    /// `value` is the inflows' values less the outflows' costs (final + provisional), so negative
    /// stock has a negative value. An event changes only its own location (its layer, outflow and
    /// fills are all there), and a transfer also changes `IN_TRANSIT`.
    public var deltas: [CostDelta] {
        var result: [CostDelta] = []
        result.reserveCapacity(events.count + events.count / 4)
        // The event's fields are read one at a time, and so are the layer's (binding a layer would
        // retain its allocations): copies retain every string and array in them. The sums are kept
        // in plain integers, and a delta is built once, where it is appended.
        for position in events.indices {
            let place = locationOfEvent[position]
            let quantity = events[position].quantity
            var units: Int64 = 0
            var value: Int64 = 0
            var pending: Int64 = 0
            for change in changes[changeStarts[position]..<changeStarts[position + 1]] {
                precondition(change.location == place, "an event changes its own location")
                units += change.units
                pending += change.deficitUnits
                if change.layer >= 0 && layers[change.layer].provisional { pending += change.layerUnits }
            }
            var transitUnits: Int64 = 0
            var transitValue: Int64 = 0
            var transitPending: Int64 = 0
            var isShip = false
            var isReceive = false
            switch events[position].kind {
            case .transferShip: isShip = true
            case .transferReceive: isReceive = true
            default: break
            }
            if layerOfEvent[position] >= 0 {
                let layer = layerOfEvent[position]
                precondition(layers[layer].location == place, "an event's layer is at its location")
                value += layers[layer].value
                if isReceive {
                    transitUnits -= quantity
                    transitValue -= layers[layer].value
                    if case .transferReceipt(let ship) = layers[layer].origin, outflowOfEvent[ship] >= 0,
                        outflows[outflowOfEvent[ship]].pendingQuantity > 0
                    {
                        transitPending -= quantity
                    }
                    if case .priorTransferReceipt(let source) = layers[layer].origin, priorSources[source].pending {
                        transitPending -= quantity
                    }
                }
            }
            if outflowOfEvent[position] >= 0 {
                let outflow = outflows[outflowOfEvent[position]]
                precondition(outflow.location == place, "an event's outflow is at its location")
                value -= outflow.finalCost + outflow.provisionalCost
                if isShip {
                    transitUnits += quantity
                    transitValue += outflow.finalCost + outflow.provisionalCost
                    if outflow.pendingQuantity > 0 { transitPending += quantity }
                }
            }
            let occurredAt = events[position].occurredAt
            result.append(CostDelta(
                sku: sku, location: locations[place], occurredAt: occurredAt, sequence: sequenceOffset + Int64(position), units: units,
                value: value, pending: pending))
            if isShip || isReceive {
                result.append(CostDelta(
                    sku: sku, location: inTransitLocation, occurredAt: occurredAt, sequence: sequenceOffset + Int64(position),
                    units: transitUnits, value: transitValue, pending: transitPending))
            }
        }
        return result
    }

    /// Positions at every location with any event by `instant` (inclusive), and in transit
    /// (location `IN_TRANSIT`) when any transfer happened by then.
    public func positions(through instant: Instant) throws(OutOfRange) -> [StockPosition] {
        try CostDelta.positions(deltas.filter { $0.occurredAt <= instant })
    }
}

/// What one stock event changed at one location (or `IN_TRANSIT`) of one SKU.
public struct CostDelta: Sendable, Hashable {
    public var sku: String
    public var location: String
    public var occurredAt: Instant
    /// The event's place in its SKU's sequence.
    public var sequence: Int64
    public var units: Int64
    public var value: Int64
    public var pending: Int64

    public init(sku: String, location: String, occurredAt: Instant, sequence: Int64, units: Int64, value: Int64, pending: Int64) {
        self.sku = sku
        self.location = location
        self.occurredAt = occurredAt
        self.sequence = sequence
        self.units = units
        self.value = value
        self.pending = pending
    }

    /// Sums deltas per SKU and location, sorted by SKU then location (byte order).
    /// Sums without overflow; a position beyond 64 bits is an error naming the SKU and location.
    public static func positions(_ deltas: [CostDelta]) throws(OutOfRange) -> [StockPosition] {
        var sums = StockPositionSums()
        for delta in deltas { sums.add(sku: delta.sku, location: delta.location, units: delta.units, value: delta.value, pending: delta.pending) }
        return try sums.positions()
    }
}

/// Stock deltas summed per SKU and location as they come (the engine's deltas; the cost cache's are
/// summed by the database, `CostCacheSQL.positionsQuery`): memory follows the positions, not the
/// deltas.
public struct StockPositionSums {
    private var sums: [SKULocation: (units: Sum, value: Sum, pending: Sum)] = [:]

    public init() {}

    public mutating func add(sku: String, location: String, units: Int64, value: Int64, pending: Int64) {
        let key = SKULocation(sku: sku, location: location)
        var sum = sums[key] ?? (Sum(), Sum(), Sum())
        sum.units += units
        sum.value += value
        sum.pending += pending
        sums[key] = sum
    }

    /// The positions, sorted by SKU then location (byte order). Summed without overflow; a
    /// position beyond 64 bits is an error naming the SKU and location.
    public func positions() throws(OutOfRange) -> [StockPosition] {
        var positions: [StockPosition] = []
        positions.reserveCapacity(sums.count)
        for key in sums.keys.sorted() {
            guard let sum = sums[key] else { continue }
            let what = "the stock of \(key.sku) at \(key.location)"
            positions.append(
                StockPosition(
                    sku: key.sku, location: key.location, quantityOnHand: try sum.units.value(what), value: try sum.value.value(what),
                    pendingQuantity: try sum.pending.value(what)))
        }
        return positions
    }
}

/// A SKU at a location, ordered by SKU then location in byte order (how every output sorts them).
public struct SKULocation: Hashable, Sendable, Comparable {
    public var sku: String
    public var location: String

    public init(sku: String, location: String) {
        self.sku = sku
        self.location = location
    }

    /// Equal when their bytes are: "E\u{301}" and "É" are two SKUs (String's `==`, canonical
    /// equivalence, would make them one position), as SQL's GROUP BY and the cost runs keep them.
    public static func == (a: SKULocation, b: SKULocation) -> Bool {
        a.sku.utf8.elementsEqual(b.sku.utf8) && a.location.utf8.elementsEqual(b.location.utf8)
    }

    /// Hashed as text: byte-equal strings are equal strings, so equal keys hash alike.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(sku)
        hasher.combine(location)
    }

    /// By the SKU's bytes, then the location's.
    public static func < (a: SKULocation, b: SKULocation) -> Bool {
        if !a.sku.utf8.elementsEqual(b.sku.utf8) { return a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8) }
        return a.location.utf8.lexicographicallyPrecedes(b.location.utf8)
    }
}
