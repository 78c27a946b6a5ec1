// A second, deliberately simple implementation of SEMANTICS §3.2–3.5: the oracle the FIFO engine is
// checked against by `FIFOPropertyTests`.
//
// It shares no code with the engine beyond the public input types (`CostEvent`, `Instant`,
// `SourceReference`) and the one rounding function. Everything else is written again from the text
// of the spec, for clarity over speed:
//  - the order of §3.2 is its own comparator;
//  - quantity matching walks the events one by one over plain arrays: a location's layer queue is
//    "its layers in the order they were made, with units left", its deficit queue "its outflows in
//    the order they were made, with open deficit units";
//  - self-dependency is brute-force reachability in the value graph, one search per allocation,
//    in the two steps of §3.4: a fill is cut when its layer depends on its outflow in the whole
//    graph; a take when its layer still depends on its outflow with those fills removed;
//  - values are a memoised recursion over what remains of the graph (which is acyclic by
//    construction; a cycle would be an oracle bug and traps);
//  - positions at an instant read snapshots of every layer's and outflow's units taken after each
//    event, and sum the values of the inflows and outflows so far.
//
// Readings of the spec where its words leave a choice (each one agrees with the engine today):
//  - A return naming only its order names one line, the lowest-numbered SALE line of the order
//    with units left at the return's place; when its units do not fit that line it is unusable
//    (it is neither split over lines nor moved to a line it fits).
//  - Flags are cogs.csv's vocabulary (the spec names flags, not their spelling): CANCELLED_BY_RETURN,
//    FALLBACK_<which fallback> whenever unfilled or self-dependent units were priced at the
//    fallback, FROM_PROVISIONAL_LAYER, SELF_DEPENDENT. A purchase return naming an unknown receipt,
//    or one received elsewhere, is plain FIFO and not flagged (§3.3 says no flag there).
//  - An inflow valued at the fallback (count gain without unit_cost, return without a usable
//    reference, receipt without its shipment or over it) uses the fallback at its own location (the
//    receiving one) and occurred_at.
//  - A self-dependent allocation still shows the value the remainder rule gives it (the layer's
//    bookkeeping is unchanged), though the outflow is charged the fallback for its units.
//  - Pending units in transit at t: for each shipment with pending units in the run, its units
//    shipped by t less its receipts (not over-receipts) by t, which is negative for a shipment
//    that occurs after t when a receipt of it occurred earlier.

import CountinghouseCore

struct ReferenceModel {
    // MARK: - Results, in plain values for comparison

    struct Allocation: Hashable, CustomStringConvertible {
        var layerSource: SourceReference
        var units: Int64
        var value: Int64
        var provisionalLayer: Bool
        var selfDependent: Bool

        var description: String {
            "\(layerSource.documentID)/\(layerSource.lineNumber.map(String.init) ?? "-")"
                + "/\(layerSource.receiptNumber.map(String.init) ?? "-"): \(units)u \(value)"
                + (provisionalLayer ? " prov" : "") + (selfDependent ? " self" : "")
        }
    }

    struct OutflowResult: Hashable {
        var source: SourceReference
        var kind: String
        var location: String
        var quantity: Int64
        var costedQuantity: Int64
        var cost: Int64
        var pendingQuantity: Int64
        var provisionalCost: Int64
        var cancelledQuantity: Int64
        var flags: [String]
        var allocations: [Allocation]
    }

    struct LayerResult: Hashable {
        var source: SourceReference
        var location: String
        var units: Int64
        var value: Int64
        var provisional: Bool
    }

    struct Position: Hashable, CustomStringConvertible {
        var units: Int64 = 0
        var value: Int64 = 0
        var pending: Int64 = 0
        var description: String { "\(units)u \(value) pending \(pending)" }
    }

    // MARK: - The order of §3.2

    /// 0 inflows, 1 outflows, 2 counts (§3.2 rule 2).
    static func direction(_ kind: CostEvent.Kind) -> Int {
        switch kind {
        case .purchaseReceipt, .customerReturn, .transferReceive: return 0
        case .sale, .complimentary, .purchaseReturn, .transferShip: return 1
        case .count: return 2
        }
    }

    /// purchases, transfers, pos_lines, counts (§3.2 rule 3).
    static func sourceRank(_ kind: LedgerKind) -> Int {
        switch kind {
        case .purchases: return 0
        case .transfers: return 1
        case .posLines: return 2
        case .counts: return 3
        default: return 9
        }
    }

    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        for i in 0..<min(x.count, y.count) where x[i] != y[i] { return x[i] < y[i] }
        return x.count < y.count
    }

    /// Whether `a` comes before `b` in the one sequence of their SKU. Absent line or receipt
    /// numbers (counts, shipments) only ever meet each other, so they compare as equal.
    static func precedes(_ a: CostEvent, _ b: CostEvent) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if direction(a.kind) != direction(b.kind) { return direction(a.kind) < direction(b.kind) }
        if sourceRank(a.source.kind) != sourceRank(b.source.kind) {
            return sourceRank(a.source.kind) < sourceRank(b.source.kind)
        }
        if a.source.documentID != b.source.documentID { return bytesPrecede(a.source.documentID, b.source.documentID) }
        if let x = a.source.lineNumber, let y = b.source.lineNumber, x != y { return x < y }
        if let x = a.source.receiptNumber, let y = b.source.receiptNumber, x != y { return x < y }
        return bytesPrecede(a.location, b.location)
    }

    // MARK: - State

    enum LayerKind: Hashable {
        case purchase(value: Int64)
        case countGain(unitCost: Int64?)
        /// The layer part of a usable customer return against the sale at this event.
        case returnOfSale(saleEvent: Int)
        /// A receipt of the shipment at this event.
        case receiptOfShipment(shipEvent: Int)
        /// A return without a usable reference: fallback, final.
        case returnAtFallback
        /// A receipt without a known shipment, or over it: fallback, provisional.
        case receiptAtFallback
    }

    struct Layer {
        var event: Int
        var location: String
        var kind: LayerKind
        var units: Int64
        var remaining: Int64
        /// For derived layers: units of the source that became layers in the earlier returns or
        /// receipts (Q(k−1)) and with this one (Qk).
        var cumulativeBefore: Int64 = 0
        var cumulativeAfter: Int64 = 0
    }

    struct Outflow {
        var event: Int
        var location: String
        var kind: String
        var quantity: Int64
        var openDeficit: Int64 = 0
        var cancelled: Int64 = 0
    }

    struct Match {
        var layer: Int
        var outflow: Int
        var units: Int64
        /// Made when the inflow arrived and filled the outflow's deficit (else the outflow took
        /// units from a layer already there).
        var isFill: Bool
    }

    let events: [CostEvent]
    let standardCost: Int64?
    private(set) var layers: [Layer] = []
    private(set) var outflows: [Outflow] = []
    /// Every allocation in the order the matching made it.
    private(set) var matches: [Match] = []
    private(set) var layerOfEvent: [Int?]
    private(set) var outflowOfEvent: [Int?]
    /// After event i: every layer's remaining units and every outflow's open deficit (by index;
    /// entries not yet made are absent).
    private(set) var remainingAfter: [[Int64]] = []
    private(set) var deficitAfter: [[Int64]] = []

    // Phase 2
    private(set) var selfDependent: [Bool] = []
    private(set) var layerValue: [Int64] = []
    private(set) var layerProvisional: [Bool] = []
    private(set) var matchValue: [Int64] = []
    private(set) var outflowResults: [OutflowResult] = []

    init(events unsorted: [CostEvent], standardCost: Int64?) {
        // Insertion sort: obviously a sort by `precedes`, and independent of the input order
        // whenever no two events tie (natural keys make them distinct).
        var sorted: [CostEvent] = []
        for event in unsorted {
            var at = sorted.count
            while at > 0 && Self.precedes(event, sorted[at - 1]) { at -= 1 }
            sorted.insert(event, at: at)
        }
        self.events = sorted
        self.standardCost = standardCost
        self.layerOfEvent = Array(repeating: nil, count: sorted.count)
        self.outflowOfEvent = Array(repeating: nil, count: sorted.count)
        matchQuantities()
        findSelfDependency()
        computeValues()
    }

    // MARK: - §3.3 Quantity matching

    private mutating func matchQuantities() {
        var usableReturnedUnits: [Int: Int64] = [:]  // per sale event: units of usable returns so far
        var layeredUnits: [Int: Int64] = [:]  // per sale event: of those, units that became layers
        var receivedUnits: [Int: Int64] = [:]  // per ship event: units of its receipts so far

        for (i, event) in events.enumerated() {
            switch event.kind {
            case .purchaseReceipt(let value):
                addInflow(i, kind: .purchase(value: value), units: event.quantity)
            case .sale:
                addOutflow(i, kind: "SALE", units: event.quantity, preferring: nil)
            case .complimentary:
                addOutflow(i, kind: "COMP", units: event.quantity, preferring: nil)
            case .transferShip:
                addOutflow(i, kind: "TRANSFER_SHIP", units: event.quantity, preferring: nil)
            case .purchaseReturn(let original):
                addOutflow(i, kind: "PURCHASE_RETURN", units: event.quantity, preferring: original)
            case .count(let unitCost):
                let onHand = unitsOnHand(at: event.location)
                if event.quantity > onHand {
                    addInflow(i, kind: .countGain(unitCost: unitCost), units: event.quantity - onHand)
                } else if event.quantity < onHand {
                    addOutflow(i, kind: "SHRINKAGE", units: onHand - event.quantity, preferring: nil)
                }
            case .customerReturn(let order, let namedLine):
                func isSale(_ j: Int, of order: String?) -> Bool {
                    if case .sale = events[j].kind, let order {
                        return events[j].sku == event.sku && events[j].source.kind == .posLines
                            && events[j].source.documentID == order
                    }
                    return false
                }
                // Only the order named: the lowest-numbered SALE line of it with units not yet
                // returned by the usable returns before this one (FORMATS §2); none, unusable.
                var line = namedLine
                if namedLine == nil {
                    let lines = events.indices.filter { isSale($0, of: order) }
                        .filter { events[$0].quantity - usableReturnedUnits[$0, default: 0] > 0 }
                        .compactMap { events[$0].source.lineNumber }
                    line = lines.min()
                }
                let sale = events.indices.first { j in isSale(j, of: order) && events[j].source.lineNumber == line && line != nil }
                if let sale, event.quantity <= events[sale].quantity - usableReturnedUnits[sale, default: 0] {
                    usableReturnedUnits[sale, default: 0] += event.quantity
                    var rest = event.quantity
                    if let saleOutflow = outflowOfEvent[sale], outflows[saleOutflow].location == event.location {
                        let cancel = min(rest, outflows[saleOutflow].openDeficit)
                        outflows[saleOutflow].openDeficit -= cancel
                        outflows[saleOutflow].cancelled += cancel
                        rest -= cancel
                    }
                    if rest > 0 {
                        let before = layeredUnits[sale, default: 0]
                        layeredUnits[sale] = before + rest
                        addInflow(i, kind: .returnOfSale(saleEvent: sale), units: rest, before: before)
                    }
                } else {
                    addInflow(i, kind: .returnAtFallback, units: event.quantity)
                }
            case .transferReceive:
                let ship = events.indices.first { j in
                    if case .transferShip = events[j].kind {
                        return events[j].source.kind == .transfers && events[j].source.documentID == event.source.documentID
                            && events[j].source.lineNumber == event.source.lineNumber
                    }
                    return false
                }
                if let ship, receivedUnits[ship, default: 0] + event.quantity <= events[ship].quantity {
                    let before = receivedUnits[ship, default: 0]
                    receivedUnits[ship] = before + event.quantity
                    addInflow(i, kind: .receiptOfShipment(shipEvent: ship), units: event.quantity, before: before)
                } else {
                    addInflow(i, kind: .receiptAtFallback, units: event.quantity)
                }
            }
            remainingAfter.append(layers.map(\.remaining))
            deficitAfter.append(outflows.map(\.openDeficit))
        }
    }

    private func unitsOnHand(at location: String) -> Int64 {
        var units: Int64 = 0
        for layer in layers where layer.location == location { units += layer.remaining }
        for outflow in outflows where outflow.location == location { units -= outflow.openDeficit }
        return units
    }

    /// A new layer first fills the location's oldest deficits; the rest stays in the layer.
    private mutating func addInflow(_ event: Int, kind: LayerKind, units: Int64, before: Int64 = 0) {
        let location = events[event].location
        let layer = layers.count
        layers.append(Layer(
            event: event, location: location, kind: kind, units: units, remaining: units,
            cumulativeBefore: before, cumulativeAfter: before + units))
        layerOfEvent[event] = layer
        for outflow in outflows.indices where outflows[outflow].location == location {
            let units = min(outflows[outflow].openDeficit, layers[layer].remaining)
            if units > 0 {
                matches.append(Match(layer: layer, outflow: outflow, units: units, isFill: true))
                outflows[outflow].openDeficit -= units
                layers[layer].remaining -= units
            }
        }
    }

    /// A new outflow takes from the preferred receipt's layers, then the oldest layers; what is
    /// missing becomes its open deficit.
    private mutating func addOutflow(_ event: Int, kind: String, units: Int64, preferring document: String?) {
        let location = events[event].location
        let outflow = outflows.count
        outflows.append(Outflow(event: event, location: location, kind: kind, quantity: units))
        outflowOfEvent[event] = outflow
        var wanted = units
        func take(_ layer: Int) {
            let units = min(wanted, layers[layer].remaining)
            if units > 0 {
                matches.append(Match(layer: layer, outflow: outflow, units: units, isFill: false))
                layers[layer].remaining -= units
                wanted -= units
            }
        }
        if let document {
            for layer in layers.indices where layers[layer].location == location {
                if case .purchase = layers[layer].kind, events[layers[layer].event].source.documentID == document {
                    take(layer)
                }
            }
        }
        for layer in layers.indices where layers[layer].location == location { take(layer) }
        outflows[outflow].openDeficit = wanted
    }

    // MARK: - §3.4 Self-dependency

    /// The outflow a derived layer takes its value from.
    func sourceOutflow(ofLayer layer: Int) -> Int? {
        switch layers[layer].kind {
        case .returnOfSale(let sale): return outflowOfEvent[sale]!
        case .receiptOfShipment(let ship): return outflowOfEvent[ship]!
        default: return nil
        }
    }

    /// Whether the layer's value depends, directly or through other layers and outflows, on the
    /// outflow: a plain search over "layer → its source outflow → the layers it took from", not
    /// through the matches marked in `removed`.
    func layer(_ start: Int, dependsOn target: Int, without removed: [Bool]? = nil) -> Bool {
        var layersToVisit = [start]
        var visitedOutflows = Set<Int>()
        var visitedLayers: Set<Int> = [start]
        while let layer = layersToVisit.popLast() {
            guard let source = sourceOutflow(ofLayer: layer) else { continue }
            if source == target { return true }
            guard visitedOutflows.insert(source).inserted else { continue }
            for (index, match) in matches.enumerated()
            where match.outflow == source && removed?[index] != true && visitedLayers.insert(match.layer).inserted {
                layersToVisit.append(match.layer)
            }
        }
        return false
    }

    /// §3.4: "first every fill whose layer lies on a cycle with the filling outflow (in the whole
    /// graph); then every take that still lies on a cycle once those fills are cut. Nothing else."
    /// A match from L to O lies on a cycle exactly when L depends on O.
    private mutating func findSelfDependency() {
        let cutFills = matches.map { $0.isFill && layer($0.layer, dependsOn: $0.outflow) }
        selfDependent = matches.indices.map { index in
            if matches[index].isFill { return cutFills[index] }
            return layer(matches[index].layer, dependsOn: matches[index].outflow, without: cutFills)
        }
    }

    // MARK: - §3.4 Values

    /// The fallback unit cost (value, quantity) at a location and instant, and the flag naming it.
    func fallback(at location: String, _ instant: Instant) -> (value: Int64, quantity: Int64, flag: String) {
        var here: Int?
        var anywhere: Int?
        for i in events.indices where events[i].occurredAt <= instant {
            guard case .purchaseReceipt = events[i].kind, events[i].quantity > 0 else { continue }
            anywhere = i  // events are in sequence order: the last one is the latest
            if events[i].location == location { here = i }
        }
        func unitCost(_ i: Int) -> (Int64, Int64) {
            guard case .purchaseReceipt(let value) = events[i].kind else { fatalError("not a receipt") }
            return (value, events[i].quantity)
        }
        if let here { return (unitCost(here).0, unitCost(here).1, "FALLBACK_PURCHASE_HERE") }
        if let anywhere { return (unitCost(anywhere).0, unitCost(anywhere).1, "FALLBACK_PURCHASE_ELSEWHERE") }
        if let standardCost { return (standardCost, 1, "FALLBACK_STANDARD_COST") }
        return (0, 1, "FALLBACK_ZERO")
    }

    private mutating func computeValues() {
        var layerMemo: [Int: (value: Int64, provisional: Bool)] = [:]
        var outflowMemo: [Int: OutflowResult] = [:]
        var allocationMemo: [Int: [Int: Int64]] = [:]
        var layerInProgress = Array(repeating: false, count: layers.count)
        var outflowInProgress = Array(repeating: false, count: outflows.count)
        let model = self

        func allocationValues(ofLayer layer: Int) -> [Int: Int64] {
            // The remainder rule, over the layer's allocations in the order they were made.
            if let known = allocationMemo[layer] { return known }
            var remainingValue = Int128(layerInfo(layer).value)
            var remainingUnits = Int128(model.layers[layer].units)
            var values: [Int: Int64] = [:]
            for (index, match) in model.matches.enumerated() where match.layer == layer {
                let value = roundHalfAwayFromZero(remainingValue * Int128(match.units), remainingUnits)
                values[index] = value
                remainingValue -= Int128(value)
                remainingUnits -= Int128(match.units)
            }
            allocationMemo[layer] = values
            return values
        }

        func layerInfo(_ layer: Int) -> (value: Int64, provisional: Bool) {
            if let known = layerMemo[layer] { return known }
            precondition(!layerInProgress[layer], "oracle: a cycle survived self-dependency")
            layerInProgress[layer] = true
            let info = model.layers[layer]
            let event = model.events[info.event]
            let result: (Int64, Bool)
            switch info.kind {
            case .purchase(let value):
                result = (value, false)
            case .countGain(let unitCost?):
                result = (info.units * unitCost, false)
            case .countGain(nil), .returnAtFallback:
                let f = model.fallback(at: info.location, event.occurredAt)
                result = (roundHalfAwayFromZero(Int128(info.units) * Int128(f.value), Int128(f.quantity)), false)
            case .receiptAtFallback:
                let f = model.fallback(at: info.location, event.occurredAt)
                result = (roundHalfAwayFromZero(Int128(info.units) * Int128(f.value), Int128(f.quantity)), true)
            case .returnOfSale, .receiptOfShipment:
                let source = model.sourceOutflow(ofLayer: layer)!
                let cost = outflowResult(source)
                let v = Int128(cost.cost) + Int128(cost.provisionalCost)
                // Q: a sale's quantity less all its cancelled units; a shipment's units shipped.
                let q = Int128(cost.quantity - cost.cancelledQuantity)
                let c = { (k: Int64) in roundHalfAwayFromZero(v * Int128(k), q) }
                result = (c(info.cumulativeAfter) - c(info.cumulativeBefore), cost.pendingQuantity > 0)
            }
            layerInProgress[layer] = false
            layerMemo[layer] = result
            return result
        }

        func outflowResult(_ outflow: Int) -> OutflowResult {
            if let known = outflowMemo[outflow] { return known }
            precondition(!outflowInProgress[outflow], "oracle: a cycle survived self-dependency")
            outflowInProgress[outflow] = true
            let info = model.outflows[outflow]
            let event = model.events[info.event]
            var result = OutflowResult(
                source: event.source, kind: info.kind, location: info.location, quantity: info.quantity,
                costedQuantity: 0, cost: 0, pendingQuantity: 0, provisionalCost: 0, cancelledQuantity: info.cancelled,
                flags: [], allocations: [])
            var flags = Set<String>()
            var unpriced = info.openDeficit
            for (index, match) in model.matches.enumerated() where match.outflow == outflow {
                let provisionalLayer: Bool
                let value: Int64
                if model.selfDependent[index] {
                    // The layer's bookkeeping is unchanged; only its value is not this outflow's.
                    unpriced += match.units
                    flags.insert("SELF_DEPENDENT")
                    provisionalLayer = layerMemo[match.layer]?.provisional ?? true
                    value = -1  // filled in after the recursion (the layer depends on this outflow)
                } else {
                    provisionalLayer = layerInfo(match.layer).provisional
                    value = allocationValues(ofLayer: match.layer)[index]!
                    if provisionalLayer {
                        result.pendingQuantity += match.units
                        result.provisionalCost += value
                        flags.insert("FROM_PROVISIONAL_LAYER")
                    } else {
                        result.costedQuantity += match.units
                        result.cost += value
                    }
                }
                result.allocations.append(Allocation(
                    layerSource: model.events[model.layers[match.layer].event].source, units: match.units, value: value,
                    provisionalLayer: provisionalLayer, selfDependent: model.selfDependent[index]))
            }
            if unpriced > 0 {
                let f = model.fallback(at: info.location, event.occurredAt)
                result.pendingQuantity += unpriced
                result.provisionalCost += roundHalfAwayFromZero(Int128(unpriced) * Int128(f.value), Int128(f.quantity))
                flags.insert(f.flag)
            }
            if info.cancelled > 0 { flags.insert("CANCELLED_BY_RETURN") }
            result.flags = flags.sorted { Self.bytesPrecede($0, $1) }
            outflowInProgress[outflow] = false
            outflowMemo[outflow] = result
            return result
        }

        for outflow in outflows.indices { _ = outflowResult(outflow) }
        for layer in layers.indices { _ = layerInfo(layer) }
        layerValue = layers.indices.map { layerMemo[$0]!.value }
        layerProvisional = layers.indices.map { layerMemo[$0]!.provisional }
        matchValue = Array(repeating: 0, count: matches.count)
        for layer in layers.indices {
            for (index, value) in allocationValues(ofLayer: layer) { matchValue[index] = value }
        }
        // Self-dependent allocations: now that every layer is valued, fill in their values and
        // their layers' provisional marks.
        outflowResults = outflows.indices.map { outflow in
            var result = outflowMemo[outflow]!
            let indices = matches.indices.filter { matches[$0].outflow == outflow }
            for (position, index) in indices.enumerated() {
                result.allocations[position].value = matchValue[index]
                result.allocations[position].provisionalLayer = layerProvisional[matches[index].layer]
            }
            return result
        }
    }

    // MARK: - §3.5 Results

    var layerResults: [LayerResult] {
        layers.indices.map { layer in
            LayerResult(
                source: events[layers[layer].event].source, location: layers[layer].location, units: layers[layer].units,
                value: layerValue[layer], provisional: layerProvisional[layer])
        }
    }

    /// Units, value and pending units per location, and in transit under `IN_TRANSIT`, after every
    /// event with occurred_at ≤ `instant`. Locations without events by then are absent (zero).
    func positions(through instant: Instant) -> [String: Position] {
        guard let last = events.lastIndex(where: { $0.occurredAt <= instant }) else { return [:] }
        var result: [String: Position] = [:]
        for i in 0...last { result[events[i].location, default: Position()] = result[events[i].location] ?? Position() }
        let remaining = remainingAfter[last]
        let deficit = deficitAfter[last]
        for layer in remaining.indices {
            let location = layers[layer].location
            result[location, default: Position()].units += remaining[layer]
            result[location, default: Position()].value += layerValue[layer]
            if layerProvisional[layer] { result[location, default: Position()].pending += remaining[layer] }
        }
        for outflow in deficit.indices {
            let location = outflows[outflow].location
            let cost = outflowResults[outflow]
            result[location, default: Position()].units -= deficit[outflow]
            result[location, default: Position()].value -= cost.cost + cost.provisionalCost
            result[location, default: Position()].pending += deficit[outflow]
        }
        // In transit: shipped − received; shipments' cost − receipts' values; pending = units still
        // in transit of shipments with pending units.
        var transit = Position()
        var anyTransfer = false
        var inTransitByShipment: [Int: Int64] = [:]
        for i in 0...last {
            switch events[i].kind {
            case .transferShip:
                anyTransfer = true
                let cost = outflowResults[outflowOfEvent[i]!]
                transit.units += events[i].quantity
                transit.value += cost.cost + cost.provisionalCost
                inTransitByShipment[i, default: 0] += events[i].quantity
            case .transferReceive:
                anyTransfer = true
                let layer = layerOfEvent[i]!
                transit.units -= events[i].quantity
                transit.value -= layerValue[layer]
                if case .receiptOfShipment(let ship) = layers[layer].kind {
                    inTransitByShipment[ship, default: 0] -= events[i].quantity
                }
            default: break
            }
        }
        for (ship, units) in inTransitByShipment where outflowResults[outflowOfEvent[ship]!].pendingQuantity > 0 {
            transit.pending += units
        }
        if anyTransfer { result[inTransitLocation] = transit }
        return result
    }
}
