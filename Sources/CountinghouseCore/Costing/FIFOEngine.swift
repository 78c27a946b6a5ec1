// The FIFO costing engine of SEMANTICS §3, for one SKU across all its locations.
//
// Place in the pipeline: pure; ledger rows → `CostEvent`s → `FIFOEngine.run` → a `SKUCostRun`
// that answers every cost question about the SKU as known at the knowledge time of its events.
// Two phases, as §3.4 asks ("values resolve after quantities"):
//  1. quantity matching (§3.3), event by event in the order of §3.2: per location a queue of
//     layers and a queue of deficits; every match is an `Allocation` of a layer's units to an
//     outflow, recorded in the order it was made;
//  2. values: a graph where an outflow depends on the layers it took from and a derived layer on
//     its source outflow. Allocations inside a strongly connected component are self-dependent
//     (their units are pending, valued at the provisional cost); what remains is acyclic and is
//     evaluated once, in topological order, without iteration.
// Invariants (asserted): a layer never hands out more units than it has; a used-up layer has
// handed out exactly its value (the remainder rule); quantity = costed + pending + cancelled.

/// An exact unit cost: `value` minor units for `quantity` units.
public struct UnitCost: Sendable, Hashable {
    public var value: Int64
    public var quantity: Int64

    public init(value: Int64, quantity: Int64) {
        precondition(quantity > 0, "a unit cost needs a positive quantity")
        self.value = value
        self.quantity = quantity
    }

    /// round(units × value / quantity), half away from zero.
    public func cost(of units: Int64) -> Int64 {
        roundHalfAwayFromZero(Int128(units) * Int128(value), Int128(quantity))
    }
}

/// Which fallback priced units that had no cost of their own (SEMANTICS §3.4).
public enum FallbackSource: String, Sendable, Hashable {
    case purchaseHere = "FALLBACK_PURCHASE_HERE"
    case purchaseElsewhere = "FALLBACK_PURCHASE_ELSEWHERE"
    case standardCost = "FALLBACK_STANDARD_COST"
    case zero = "FALLBACK_ZERO"
}

/// The kind of an outflow, as cogs.csv names it.
public enum OutflowKind: String, Sendable, Hashable {
    case sale = "SALE"
    case complimentary = "COMP"
    case purchaseReturn = "PURCHASE_RETURN"
    case transferShip = "TRANSFER_SHIP"
    case shrinkage = "SHRINKAGE"
}

/// Where a layer's value comes from.
public enum LayerOrigin: Sendable, Hashable {
    case purchase
    case countGain
    /// The layer part of a customer return against the sale at event `saleEvent`.
    case customerReturn(saleEvent: Int)
    /// A transfer receipt of the shipment at event `shipEvent`.
    case transferReceipt(shipEvent: Int)
    /// A customer return without a usable reference, valued at the fallback unit cost.
    case unusableReturn
    /// A transfer receipt without a known shipment, or over what was shipped: at the fallback,
    /// provisional until a correction arrives.
    case unmatchedTransferReceipt(overReceipt: Bool)
}

public struct FIFOEngine {
    /// Runs the engine over one SKU's events (any order; they are sorted by §3.2).
    /// `standardCost` is the catalogue's standard cost as known at the run's knowledge time.
    public static func run(sku: String, events unsorted: [CostEvent], standardCost: Int64?) -> SKUCostRun {
        var run = SKUCostRun(sku: sku, events: unsorted.sorted { $0.sequenceKey < $1.sequenceKey }, standardCost: standardCost)
        run.matchQuantities()
        run.resolveValues()
        return run
    }
}

public struct SKUCostRun: Sendable {
    public struct Layer: Sendable, Hashable {
        public var event: Int
        public var location: Int
        public var origin: LayerOrigin
        /// Units the inflow brought as a layer (after any cancellation of its sale's deficit).
        public var units: Int64
        /// The layer's value (phase 2).
        public var value: Int64 = 0
        public var provisional = false
        /// Allocations from this layer, in the order the matching made them.
        public var allocations: [Int] = []
        public var remainingUnits: Int64
        /// For derived layers: units of the source that became layers before and including this one.
        var cumulativeBefore: Int64 = 0
        var cumulativeAfter: Int64 = 0
        /// For fallback-valued layers: which fallback priced it.
        public var fallback: FallbackSource?
    }

    public struct Outflow: Sendable, Hashable {
        public var event: Int
        public var location: Int
        public var kind: OutflowKind
        public var quantity: Int64
        public var allocations: [Int] = []
        /// Deficit units not (yet) filled by a later inflow.
        public var openDeficit: Int64 = 0
        public var cancelledQuantity: Int64 = 0
        // Phase 2:
        public var costedQuantity: Int64 = 0
        public var finalCost: Int64 = 0
        public var pendingQuantity: Int64 = 0
        public var provisionalCost: Int64 = 0
        public var fallback: FallbackSource?
        public var fromProvisionalLayer = false
        public var selfDependent = false
    }

    public struct Allocation: Sendable, Hashable {
        public var layer: Int
        public var outflow: Int
        public var units: Int64
        /// The event at which the match was made (the outflow's, or the inflow's for a fill).
        public var event: Int
        public var value: Int64 = 0
        public var selfDependent = false
    }

    /// What one event changed at its location, for positions at any instant.
    struct Change: Sendable, Hashable {
        var location: Int
        var units: Int64
        var deficitUnits: Int64
        /// A layer whose remaining units changed (for pending units of provisional layers).
        var layer: Int = -1
        var layerUnits: Int64 = 0
    }

    public let sku: String
    public let events: [CostEvent]
    public let standardCost: Int64?
    public internal(set) var locations: [String] = []
    public internal(set) var layers: [Layer] = []
    public internal(set) var outflows: [Outflow] = []
    public internal(set) var allocations: [Allocation] = []
    /// The layer or outflow each event made (counts make one or none).
    public internal(set) var layerOfEvent: [Int]
    public internal(set) var outflowOfEvent: [Int]
    /// Flags of inflows (unusable return reference, receipt without shipment, over-receipt).
    public internal(set) var inflowFlags: [Int: [String]] = [:]
    var changes: [[Change]]
    /// Positions of purchase receipts (with units), in sequence order: all, and per location.
    var receiptPositions: [Int] = []
    var receiptPositionsByLocation: [[Int]] = []
    var locationIndex: [String: Int] = [:]

    init(sku: String, events: [CostEvent], standardCost: Int64?) {
        self.sku = sku
        self.events = events
        self.standardCost = standardCost
        self.layerOfEvent = Array(repeating: -1, count: events.count)
        self.outflowOfEvent = Array(repeating: -1, count: events.count)
        self.changes = Array(repeating: [], count: events.count)
    }

    private mutating func location(_ code: String) -> Int {
        if let index = locationIndex[code] { return index }
        locations.append(code)
        locationIndex[code] = locations.count - 1
        return locations.count - 1
    }

    // MARK: - Phase 1: quantities (§3.3)

    mutating func matchQuantities() {
        for event in events { _ = location(event.location) }
        receiptPositionsByLocation = Array(repeating: [], count: locations.count)
        for (position, event) in events.enumerated() {
            if case .purchaseReceipt = event.kind, event.quantity > 0 {
                receiptPositions.append(position)
                receiptPositionsByLocation[locationIndex[event.location]!].append(position)
            }
        }
        var layerQueues = Array(repeating: [Int](), count: locations.count)
        var layerHeads = Array(repeating: 0, count: locations.count)
        var deficitQueues = Array(repeating: [Int](), count: locations.count)
        var deficitHeads = Array(repeating: 0, count: locations.count)
        var layerUnits = Array(repeating: Int64(0), count: locations.count)
        var deficitUnits = Array(repeating: Int64(0), count: locations.count)

        // Sources of derived layers, known up front: sale lines and shipment lines of this SKU.
        var saleByLine: [String: Int] = [:]
        var shipByLine: [String: Int] = [:]
        for (index, event) in events.enumerated() {
            switch event.kind {
            case .sale: saleByLine[Self.lineKey(event.source.documentID, event.source.lineNumber)] = index
            case .transferShip: shipByLine[Self.lineKey(event.source.documentID, event.source.lineNumber)] = index
            default: break
            }
        }
        var returnedUnits: [Int: Int64] = [:]  // usable returns against a sale, so far
        var returnLayerUnits: [Int: Int64] = [:]  // of which became layers
        var receivedUnits: [Int: Int64] = [:]  // receipts against a shipment, so far

        func fill(_ layer: Int, at position: Int, into run: inout SKUCostRun) {
            let place = run.layers[layer].location
            while run.layers[layer].remainingUnits > 0 && deficitHeads[place] < deficitQueues[place].count {
                let outflow = deficitQueues[place][deficitHeads[place]]
                let open = run.outflows[outflow].openDeficit
                if open == 0 {
                    deficitHeads[place] += 1
                    continue
                }
                let units = min(open, run.layers[layer].remainingUnits)
                run.allocate(layer: layer, outflow: outflow, units: units, event: position)
                run.outflows[outflow].openDeficit -= units
                deficitUnits[place] -= units
                run.changes[position].append(Change(location: place, units: 0, deficitUnits: -units))
            }
            if run.layers[layer].remainingUnits > 0 {
                layerQueues[place].append(layer)
                layerUnits[place] += run.layers[layer].remainingUnits
            }
            run.changes[position].append(
                Change(location: place, units: run.layers[layer].units, deficitUnits: 0, layer: layer,
                       layerUnits: run.layers[layer].remainingUnits))
        }

        func take(_ outflow: Int, preferring document: String?, at position: Int, into run: inout SKUCostRun) {
            let place = run.outflows[outflow].location
            var wanted = run.outflows[outflow].quantity
            func takeFrom(_ layer: Int) {
                let units = min(wanted, run.layers[layer].remainingUnits)
                guard units > 0 else { return }
                run.allocate(layer: layer, outflow: outflow, units: units, event: position)
                layerUnits[place] -= units
                wanted -= units
                run.changes[position].append(Change(location: place, units: 0, deficitUnits: 0, layer: layer, layerUnits: -units))
            }
            if let document {
                for queueIndex in layerHeads[place]..<layerQueues[place].count where wanted > 0 {
                    let layer = layerQueues[place][queueIndex]
                    let source = run.events[run.layers[layer].event]
                    if case .purchaseReceipt = source.kind, source.source.documentID == document { takeFrom(layer) }
                }
            }
            while wanted > 0 && layerHeads[place] < layerQueues[place].count {
                let layer = layerQueues[place][layerHeads[place]]
                if run.layers[layer].remainingUnits == 0 {
                    layerHeads[place] += 1
                    continue
                }
                takeFrom(layer)
            }
            if wanted > 0 {
                run.outflows[outflow].openDeficit = wanted
                deficitQueues[place].append(outflow)
                deficitUnits[place] += wanted
            }
            run.changes[position].append(Change(location: place, units: -run.outflows[outflow].quantity, deficitUnits: wanted))
        }

        for (position, event) in events.enumerated() {
            let place = locationIndex[event.location]!
            switch event.kind {
            case .purchaseReceipt:
                let layer = newLayer(position, place, .purchase, units: event.quantity)
                fill(layer, at: position, into: &self)
            case .sale, .complimentary, .purchaseReturn, .transferShip:
                let kind: OutflowKind
                var document: String?
                switch event.kind {
                case .sale: kind = .sale
                case .complimentary: kind = .complimentary
                case .transferShip: kind = .transferShip
                case .purchaseReturn(let original):
                    kind = .purchaseReturn
                    document = original
                default: preconditionFailure("not an outflow")
                }
                let outflow = newOutflow(position, place, kind, quantity: event.quantity)
                take(outflow, preferring: document, at: position, into: &self)
            case .customerReturn(let originalOrder, let originalLine):
                var units = event.quantity
                var origin = LayerOrigin.unusableReturn
                var before: Int64 = 0
                if let originalOrder, let originalLine,
                    let sale = saleByLine[Self.lineKey(originalOrder, originalLine)],
                    returnedUnits[sale, default: 0] + units <= events[sale].quantity
                {
                    returnedUnits[sale, default: 0] += units
                    origin = .customerReturn(saleEvent: sale)
                    let saleOutflow = outflowOfEvent[sale]
                    if saleOutflow >= 0 && outflows[saleOutflow].location == place {
                        let cancelled = min(units, outflows[saleOutflow].openDeficit)
                        if cancelled > 0 {
                            outflows[saleOutflow].openDeficit -= cancelled
                            outflows[saleOutflow].cancelledQuantity += cancelled
                            deficitUnits[place] -= cancelled
                            units -= cancelled
                            changes[position].append(Change(location: place, units: cancelled, deficitUnits: -cancelled))
                        }
                    }
                    before = returnLayerUnits[sale, default: 0]
                    returnLayerUnits[sale, default: 0] += units
                } else {
                    inflowFlags[position, default: []].append("UNUSABLE_RETURN_REFERENCE")
                }
                if units > 0 {
                    let layer = newLayer(position, place, origin, units: units)
                    layers[layer].cumulativeBefore = before
                    layers[layer].cumulativeAfter = before + units
                    fill(layer, at: position, into: &self)
                }
            case .transferReceive:
                let ship = shipByLine[Self.lineKey(event.source.documentID, event.source.lineNumber)]
                let origin: LayerOrigin
                var before: Int64 = 0
                if let ship, receivedUnits[ship, default: 0] + event.quantity <= events[ship].quantity {
                    before = receivedUnits[ship, default: 0]
                    receivedUnits[ship, default: 0] += event.quantity
                    origin = .transferReceipt(shipEvent: ship)
                } else {
                    origin = .unmatchedTransferReceipt(overReceipt: ship != nil)
                    inflowFlags[position, default: []].append(ship == nil ? "RECEIPT_WITHOUT_SHIPMENT" : "OVER_RECEIPT")
                }
                let layer = newLayer(position, place, origin, units: event.quantity)
                layers[layer].cumulativeBefore = before
                layers[layer].cumulativeAfter = before + event.quantity
                fill(layer, at: position, into: &self)
            case .count:
                let onHand = layerUnits[place] - deficitUnits[place]
                if event.quantity > onHand {
                    let layer = newLayer(position, place, .countGain, units: event.quantity - onHand)
                    fill(layer, at: position, into: &self)
                } else if event.quantity < onHand {
                    let outflow = newOutflow(position, place, .shrinkage, quantity: onHand - event.quantity)
                    take(outflow, preferring: nil, at: position, into: &self)
                }
            }
        }
    }

    static func lineKey(_ document: String, _ line: Int64?) -> String { document + "\u{1F}" + String(line ?? 0) }

    private mutating func newLayer(_ event: Int, _ location: Int, _ origin: LayerOrigin, units: Int64) -> Int {
        layers.append(Layer(event: event, location: location, origin: origin, units: units, remainingUnits: units))
        layerOfEvent[event] = layers.count - 1
        return layers.count - 1
    }

    private mutating func newOutflow(_ event: Int, _ location: Int, _ kind: OutflowKind, quantity: Int64) -> Int {
        outflows.append(Outflow(event: event, location: location, kind: kind, quantity: quantity))
        outflowOfEvent[event] = outflows.count - 1
        return outflows.count - 1
    }

    private mutating func allocate(layer: Int, outflow: Int, units: Int64, event: Int) {
        precondition(units > 0 && units <= layers[layer].remainingUnits, "a layer handed out more units than it had")
        allocations.append(Allocation(layer: layer, outflow: outflow, units: units, event: event))
        layers[layer].remainingUnits -= units
        layers[layer].allocations.append(allocations.count - 1)
        outflows[outflow].allocations.append(allocations.count - 1)
    }
}

/// The version of the engine's rules: a cost cache made by another version is rebuilt.
public let costEngineVersion = 2
