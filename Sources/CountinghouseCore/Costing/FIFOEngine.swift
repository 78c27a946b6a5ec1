// The FIFO costing engine of SEMANTICS §3, for one SKU across all its locations.
//
// Place in the pipeline: pure; ledger rows → `CostEvent`s → `FIFOEngine.run` → a `SKUCostRun`
// that answers every cost question about the SKU as known at the knowledge time of its events.
// Two phases, as §3.4 asks ("values resolve after quantities"):
//  1. quantity matching (§3.3), event by event in the order of §3.2: per location a queue of
//     layers and a queue of deficits; every match is an `Allocation` of a layer's units to an
//     outflow, recorded in the order it was made;
//  2. values: a graph where an outflow depends on the layers it took from and a derived layer on
//     its source outflow. The allocations of its cycles that §3.4 cuts (fills on a cycle, then
//     takes still on one) are self-dependent (their units are pending, valued at the provisional
//     cost); what remains is acyclic and is evaluated once, in topological order, without
//     iteration (FIFOValues.swift).
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
    /// A layer open at the checkpoint a replay starts from (`CostOpening`): `openingLayers[index]`.
    case opening(index: Int)
    /// A customer return, or a transfer receipt, against a line before the replay's checkpoint:
    /// `priorSources[source]`.
    case priorCustomerReturn(source: Int)
    case priorTransferReceipt(source: Int)
}

public struct FIFOEngine {
    /// Runs the engine over one SKU's events (any order; they are sorted by §3.2).
    /// `standardCost` is the catalogue's standard cost as known at the run's knowledge time.
    /// With an `opening`, the events are those from its checkpoint's boundary on, and the run
    /// starts from the checkpoint's state (see FIFOCheckpoint.swift). With a `checkpointSpacing`,
    /// the run emits checkpoints (`SKUCostRun.checkpoints`); with `checkpointBoundaries`, it emits
    /// them at those boundaries only, where the SKU is settled there (for `verify`).
    public static func run(
        sku: String, events unsorted: [CostEvent], standardCost: Int64?, opening: CostOpening? = nil,
        checkpointSpacing: Int? = nil, checkpointBoundaries: Set<Instant>? = nil
    ) -> SKUCostRun {
        var run = SKUCostRun(sku: sku, events: inSequenceOrder(unsorted), standardCost: standardCost, opening: opening)
        run.checkpointSpacing = checkpointSpacing
        run.checkpointDays = checkpointBoundaries.map { Set($0.map(SKUCostRun.day(of:))) }
        run.matchQuantities()
        run.resolveValues()
        run.makeCheckpoints()
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
        public var remainingUnits: Int64
        /// For derived layers: units of the source that became layers before and including this one.
        var cumulativeBefore: Int64 = 0
        var cumulativeAfter: Int64 = 0
        /// For fallback-valued layers: which fallback priced it.
        public var fallback: FallbackSource?
        /// Allocations from this layer in the order the matching made them, a list linked through
        /// `Allocation.nextOfLayer` (−1: none), so a layer needs no array of its own (a growing
        /// array per layer cost several heap allocations each). See `allocations(ofLayer:)`.
        var firstAllocation = -1
        var lastAllocation = -1
    }

    public struct Outflow: Sendable, Hashable {
        public var event: Int
        public var location: Int
        public var kind: OutflowKind
        public var quantity: Int64
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
        /// This outflow's allocations in the order the matching made them, a list linked through
        /// `Allocation.nextOfOutflow` (−1: none), so an outflow needs no array of its own. See
        /// `allocations(ofOutflow:)`.
        var firstAllocation = -1
        var lastAllocation = -1
    }

    public struct Allocation: Sendable, Hashable {
        public var layer: Int
        public var outflow: Int
        public var units: Int64
        /// The event at which the match was made (the outflow's, or the inflow's for a fill).
        public var event: Int
        public var value: Int64 = 0
        public var selfDependent = false
        /// The next allocation of the same outflow (−1: none).
        var nextOfOutflow = -1
        /// The next allocation from the same layer (−1: none).
        var nextOfLayer = -1
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
    /// The sequence number of `events[0]`: 0, or the checkpoint's offset in a replay.
    public let sequenceOffset: Int64
    /// The layers open at the replay's checkpoint and the earlier lines its events name.
    public let openingLayers: [OpeningLayer]
    public let priorSources: [PriorSource]
    let openingReceipts: [OpeningReceipt]
    /// Emit checkpoints at settled day boundaries at least this many events apart (nil: none), or
    /// at the boundaries of these UTC days only.
    var checkpointSpacing: Int?
    var checkpointDays: Set<Int64>?
    /// The checkpoints this run emitted, and the boundaries found in phase 1 (made into
    /// checkpoints once values are known).
    public internal(set) var checkpoints: [CostCheckpoint] = []
    var checkpointCaptures: [CheckpointCapture] = []
    /// Each return naming a sale line and each transfer receipt: what it counted against the line.
    public internal(set) var links: [ReferenceLink] = []
    public internal(set) var locations: [String] = []
    public internal(set) var layers: [Layer] = []
    public internal(set) var outflows: [Outflow] = []
    public internal(set) var allocations: [Allocation] = []
    /// The layer or outflow each event made (counts make one or none).
    public internal(set) var layerOfEvent: [Int]
    public internal(set) var outflowOfEvent: [Int]
    /// Flags of inflows (unusable return reference, receipt without shipment, over-receipt).
    public internal(set) var inflowFlags: [Int: [String]] = [:]
    /// What each event changed: event p's changes are `changes[changeStarts[p]..<changeStarts[p + 1]]`
    /// (one flat array, not an array per event).
    var changes: [Change] = []
    var changeStarts: [Int]
    /// The index in `locations` of each event's location.
    var locationOfEvent: [Int]
    /// Positions of purchase receipts (with units), in sequence order: all, and per location.
    var receiptPositions: [Int] = []
    var receiptPositionsByLocation: [[Int]] = []
    var locationIndex: [OpaqueID: Int] = [:]

    init(sku: String, events: [CostEvent], standardCost: Int64?, opening: CostOpening? = nil) {
        self.sku = sku
        self.events = events
        self.standardCost = standardCost
        self.sequenceOffset = opening?.checkpoint.sequenceOffset ?? 0
        self.openingLayers = opening?.checkpoint.layers ?? []
        self.openingReceipts = opening?.checkpoint.receipts ?? []
        self.priorSources = opening?.priorSources ?? []
        self.layerOfEvent = Array(repeating: -1, count: events.count)
        self.outflowOfEvent = Array(repeating: -1, count: events.count)
        self.changeStarts = Array(repeating: 0, count: events.count + 1)
        self.locationOfEvent = Array(repeating: 0, count: events.count)
    }

    /// The indices in `allocations` of a layer's allocations, in the order they were made.
    public func allocations(ofLayer index: Int) -> [Int] {
        var result: [Int] = []
        var next = layers[index].firstAllocation
        while next >= 0 {
            result.append(next)
            next = allocations[next].nextOfLayer
        }
        return result
    }

    /// The indices in `allocations` of an outflow's allocations, in the order they were made.
    public func allocations(ofOutflow index: Int) -> [Int] {
        var result: [Int] = []
        var next = outflows[index].firstAllocation
        while next >= 0 {
            result.append(next)
            next = allocations[next].nextOfOutflow
        }
        return result
    }

    mutating func location(_ code: String) -> Int {
        // An SKU sits at a handful of locations: comparing codes beats hashing them.
        if locations.count <= 8 {
            for index in locations.indices where CostRuns.sameBytes(locations[index], code) { return index }
        } else if let index = locationIndex[OpaqueID(code)] {
            return index
        }
        locations.append(code)
        locationIndex[OpaqueID(code)] = locations.count - 1
        return locations.count - 1
    }

    // MARK: - Phase 1: quantities (§3.3)

    /// The queues of one location: layer indices with units left, and outflow indices with open
    /// deficit units, each consumed from `head` (entries before it are used up).
    struct LocationQueues {
        var layers: [Int] = []
        var layerHead = 0
        var deficits: [Int] = []
        var deficitHead = 0
        var layerUnits: Int64 = 0
        var deficitUnits: Int64 = 0
    }

    /// A sale or shipment line of this SKU, by document and line number.
    struct LineKey: Hashable {
        /// By its bytes (FORMATS §1).
        var document: OpaqueID
        var line: Int64
        init(_ document: String, _ line: Int64?) {
            self.document = OpaqueID(document)
            self.line = line ?? 0
        }
    }

    mutating func matchQuantities() {
        // Fields are read one at a time here and below: binding a whole event would copy (and
        // retain) every string in it, once per event per loop.
        var needsLines = false
        for layer in openingLayers { _ = location(layer.location) }
        for receipt in openingReceipts { _ = location(receipt.location) }
        for position in events.indices {
            locationOfEvent[position] = location(events[position].location)
            switch events[position].kind {
            case .customerReturn, .transferReceive: needsLines = true
            case .purchaseReceipt where events[position].quantity > 0: receiptPositions.append(position)
            default: break
            }
        }
        receiptPositionsByLocation = Array(repeating: [], count: locations.count)
        for position in receiptPositions { receiptPositionsByLocation[locationOfEvent[position]].append(position) }
        var queues = Array(repeating: LocationQueues(), count: locations.count)
        for index in openingLayers.indices {
            let place = location(openingLayers[index].location)
            let units = openingLayers[index].units
            layers.append(Layer(event: -1, location: place, origin: .opening(index: index), units: units, remainingUnits: units))
            queues[place].layers.append(layers.count - 1)
            queues[place].layerUnits += units
        }
        layers.reserveCapacity(events.count / 4)
        outflows.reserveCapacity(events.count)
        allocations.reserveCapacity(events.count)
        changes.reserveCapacity(events.count + events.count / 2)

        // Sources of derived layers, known up front: the sale lines and shipment lines of this
        // SKU that a return or a receipt names (a later line with the same key wins), and every
        // sale line of an order that a return names without a line.
        var saleByLine: [LineKey: Int] = [:]
        var shipByLine: [LineKey: Int] = [:]
        var saleLinesOfOrder: [OpaqueID: [Int64]] = [:]
        if needsLines {
            var namedSales = Set<LineKey>()
            var namedShipments = Set<LineKey>()
            var namedOrders = Set<OpaqueID>()
            // Most sales are never returned: a bit per fingerprint of the named sale lines lets
            // them skip hashing their key into `namedSales` (and of the named orders, taken as
            // line 0, which no line has, into `namedOrders`).
            var namedSaleBits = [UInt64](repeating: 0, count: 64)
            var namedOrderBits = [UInt64](repeating: 0, count: 64)
            for index in events.indices {
                switch events[index].kind {
                case .customerReturn(let order?, let line?):
                    namedSales.insert(LineKey(order, line))
                    let bit = Self.fingerprint(order, line)
                    namedSaleBits[bit >> 6] |= 1 << UInt64(bit & 63)
                case .customerReturn(let order?, nil):
                    namedOrders.insert(OpaqueID(order))
                    let bit = Self.fingerprint(order, 0)
                    namedOrderBits[bit >> 6] |= 1 << UInt64(bit & 63)
                case .transferReceive:
                    namedShipments.insert(LineKey(events[index].source.documentID, events[index].source.lineNumber))
                default: break
                }
            }
            for index in events.indices {
                switch events[index].kind {
                case .sale where !namedSales.isEmpty || !namedOrders.isEmpty:
                    let document = events[index].source.documentID
                    let line = events[index].source.lineNumber ?? 0
                    if !namedSales.isEmpty {
                        let bit = Self.fingerprint(document, line)
                        if namedSaleBits[bit >> 6] & (1 << UInt64(bit & 63)) != 0 {
                            let key = LineKey(document, line)
                            if namedSales.contains(key) { saleByLine[key] = index }
                        }
                    }
                    if !namedOrders.isEmpty {
                        let bit = Self.fingerprint(document, 0)
                        if namedOrderBits[bit >> 6] & (1 << UInt64(bit & 63)) != 0 && namedOrders.contains(OpaqueID(document)) {
                            saleByLine[LineKey(document, line)] = index
                            saleLinesOfOrder[OpaqueID(document), default: []].append(line)
                        }
                    }
                case .transferShip where !namedShipments.isEmpty:
                    let key = LineKey(events[index].source.documentID, events[index].source.lineNumber)
                    if namedShipments.contains(key) { shipByLine[key] = index }
                default: break
                }
            }
        }
        var returnedUnits: [Int: Int64] = [:]  // usable returns against a sale, so far
        var returnLayerUnits: [Int: Int64] = [:]  // of which became layers
        var receivedUnits: [Int: Int64] = [:]  // receipts against a shipment, so far
        // Lines before the replay's checkpoint, and what has been counted against them so far.
        var priorByLine: [ReferencedLine: Int] = [:]
        var priorCounted = priorSources.map(\.countedUnits)
        var priorLayerUnits = priorSources.map(\.layerUnits)
        for index in priorSources.indices {
            let source = priorSources[index]
            priorByLine[ReferencedLine(kind: source.kind, documentID: source.documentID, lineNumber: source.lineNumber)] = index
            // A sale line before the checkpoint is a candidate for the returns that name only its order.
            if source.kind == .sale { saleLinesOfOrder[OpaqueID(source.documentID), default: []].append(source.lineNumber) }
        }
        // Each order's candidate lines in the order a return naming only the order tries them:
        // lowest number first, each once (a line both in this run and before the checkpoint is
        // this run's, as for a return naming it).
        for order in saleLinesOfOrder.keys { saleLinesOfOrder[order] = Array(Set(saleLinesOfOrder[order] ?? [])).sorted() }
        // The latest event whose value a layer made so far depends on (a return entered before
        // its sale, a receipt before its shipment): the SKU is not settled before it.
        var dependsUntil = -1
        var lastDay = events.first.map { Self.day(of: $0.occurredAt) } ?? 0
        var lastCheckpoint = 0

        for position in events.indices {
            let place = locationOfEvent[position]
            let quantity = events[position].quantity
            changeStarts[position] = changes.count
            if checkpointSpacing != nil || checkpointDays != nil {
                let day = Self.day(of: events[position].occurredAt)
                let wanted = checkpointDays?.contains(day) ?? (position - lastCheckpoint >= checkpointSpacing ?? 0)
                if day != lastDay && wanted && dependsUntil < position && queues.allSatisfy({ $0.deficitUnits == 0 }) {
                    capture(at: position, day: day, queues: queues)
                    lastCheckpoint = position
                }
                lastDay = day
            }
            switch events[position].kind {
            case .purchaseReceipt:
                let layer = newLayer(position, place, .purchase, units: quantity)
                fill(layer, at: position, queues: &queues[place])
            case .sale:
                take(newOutflow(position, place, .sale, quantity: quantity), preferring: nil, at: position, queues: &queues[place])
            case .complimentary:
                take(
                    newOutflow(position, place, .complimentary, quantity: quantity), preferring: nil, at: position,
                    queues: &queues[place])
            case .transferShip:
                take(
                    newOutflow(position, place, .transferShip, quantity: quantity), preferring: nil, at: position,
                    queues: &queues[place])
            case .purchaseReturn(let original):
                take(
                    newOutflow(position, place, .purchaseReturn, quantity: quantity), preferring: original,
                    at: position, queues: &queues[place])
            case .customerReturn(let originalOrder, let namedLine):
                var units = quantity
                var origin = LayerOrigin.unusableReturn
                var before: Int64 = 0
                // A return naming only its order (FORMATS §2: Square refunds) names, here in the
                // sequence, the lowest-numbered SALE line of that order (of this SKU) that still
                // has units not returned by the usable returns before it; from here on it is a
                // return naming that line. Reading of the spec: the reference names one line, so
                // when q is more than that line has left it is unusable (too many units), even if
                // a later line of the order has units: it is not split across lines, nor does it
                // skip to a line q fits.
                var originalLine = namedLine
                if let originalOrder, namedLine == nil {
                    for line in saleLinesOfOrder[OpaqueID(originalOrder)] ?? [] {
                        let left: Int64
                        if let sale = saleByLine[LineKey(originalOrder, line)] {
                            left = events[sale].quantity - returnedUnits[sale, default: 0]
                        } else if let prior = priorByLine[ReferencedLine(kind: .sale, documentID: originalOrder, lineNumber: line)] {
                            left = priorSources[prior].quantity - priorCounted[prior]
                        } else {
                            continue
                        }
                        if left > 0 {
                            originalLine = line
                            break
                        }
                    }
                }
                // A sale line among this run's events wins; else one before the replay's checkpoint.
                var prior: Int?
                if let originalOrder, let originalLine, saleByLine[LineKey(originalOrder, originalLine)] == nil {
                    prior = priorByLine[ReferencedLine(kind: .sale, documentID: originalOrder, lineNumber: originalLine)]
                }
                if let prior, priorCounted[prior] + units <= priorSources[prior].quantity {
                    // A sale before the checkpoint: settled, so it has no deficit left to cancel.
                    priorCounted[prior] += units
                    origin = .priorCustomerReturn(source: prior)
                    before = priorLayerUnits[prior]
                    priorLayerUnits[prior] += units
                } else if let originalOrder, let originalLine,
                    let sale = saleByLine[LineKey(originalOrder, originalLine)],
                    returnedUnits[sale, default: 0] + units <= events[sale].quantity
                {
                    if sale > position { dependsUntil = max(dependsUntil, sale) }
                    returnedUnits[sale, default: 0] += units
                    origin = .customerReturn(saleEvent: sale)
                    let saleOutflow = outflowOfEvent[sale]
                    if saleOutflow >= 0 && outflows[saleOutflow].location == place {
                        let cancelled = min(units, outflows[saleOutflow].openDeficit)
                        if cancelled > 0 {
                            outflows[saleOutflow].openDeficit -= cancelled
                            outflows[saleOutflow].cancelledQuantity += cancelled
                            queues[place].deficitUnits -= cancelled
                            units -= cancelled
                            changes.append(Change(location: place, units: cancelled, deficitUnits: -cancelled))
                        }
                    }
                    before = returnLayerUnits[sale, default: 0]
                    returnLayerUnits[sale, default: 0] += units
                } else {
                    inflowFlags[position, default: []].append("UNUSABLE_RETURN_REFERENCE")
                }
                if let originalOrder {
                    // A return naming only its order links the line it resolved to (0: none), so a
                    // replay can count it against that line and see when a later sale line of the
                    // order could change what it resolved to (`CostReplay.conflicts`).
                    let usable = inflowFlags[position] == nil
                    links.append(ReferenceLink(
                        sku: sku, sequence: sequenceOffset + Int64(position), kind: namedLine == nil ? .saleOfOrder : .sale,
                        documentID: originalOrder, lineNumber: originalLine ?? 0, countedUnits: usable ? quantity : 0,
                        layerUnits: usable ? units : 0))
                }
                if units > 0 {
                    let layer = newLayer(position, place, origin, units: units)
                    layers[layer].cumulativeBefore = before
                    layers[layer].cumulativeAfter = before + units
                    fill(layer, at: position, queues: &queues[place])
                }
            case .transferReceive:
                let document = events[position].source.documentID
                let lineNumber = events[position].source.lineNumber ?? 0
                let ship = shipByLine[LineKey(document, lineNumber)]
                let prior = ship == nil ? priorByLine[ReferencedLine(kind: .shipment, documentID: document, lineNumber: lineNumber)] : nil
                let origin: LayerOrigin
                var before: Int64 = 0
                if let prior, priorCounted[prior] + quantity <= priorSources[prior].quantity {
                    before = priorCounted[prior]
                    priorCounted[prior] += quantity
                    origin = .priorTransferReceipt(source: prior)
                } else if let ship, receivedUnits[ship, default: 0] + quantity <= events[ship].quantity {
                    if ship > position { dependsUntil = max(dependsUntil, ship) }
                    before = receivedUnits[ship, default: 0]
                    receivedUnits[ship, default: 0] += quantity
                    origin = .transferReceipt(shipEvent: ship)
                } else {
                    origin = .unmatchedTransferReceipt(overReceipt: ship != nil || prior != nil)
                    inflowFlags[position, default: []].append(ship == nil && prior == nil ? "RECEIPT_WITHOUT_SHIPMENT" : "OVER_RECEIPT")
                }
                let matched: Bool
                switch origin {
                case .unmatchedTransferReceipt: matched = false
                default: matched = true
                }
                links.append(ReferenceLink(
                    sku: sku, sequence: sequenceOffset + Int64(position), kind: .shipment, documentID: document,
                    lineNumber: lineNumber, countedUnits: matched ? quantity : 0, layerUnits: matched ? quantity : 0))
                let layer = newLayer(position, place, origin, units: quantity)
                layers[layer].cumulativeBefore = before
                layers[layer].cumulativeAfter = before + quantity
                fill(layer, at: position, queues: &queues[place])
            case .count:
                let onHand = queues[place].layerUnits - queues[place].deficitUnits
                if quantity > onHand {
                    let layer = newLayer(position, place, .countGain, units: quantity - onHand)
                    fill(layer, at: position, queues: &queues[place])
                } else if quantity < onHand {
                    let outflow = newOutflow(position, place, .shrinkage, quantity: onHand - quantity)
                    take(outflow, preferring: nil, at: position, queues: &queues[place])
                }
            }
        }
        changeStarts[events.count] = changes.count
    }

    /// A new layer first fills the oldest deficits at its location; what is left joins the queue.
    private mutating func fill(_ layer: Int, at position: Int, queues: inout LocationQueues) {
        let place = layers[layer].location
        while layers[layer].remainingUnits > 0 && queues.deficitHead < queues.deficits.count {
            let outflow = queues.deficits[queues.deficitHead]
            let open = outflows[outflow].openDeficit
            if open == 0 {
                queues.deficitHead += 1
                continue
            }
            let units = min(open, layers[layer].remainingUnits)
            allocate(layer: layer, outflow: outflow, units: units, event: position)
            outflows[outflow].openDeficit -= units
            queues.deficitUnits -= units
            changes.append(Change(location: place, units: 0, deficitUnits: -units))
        }
        if layers[layer].remainingUnits > 0 {
            queues.layers.append(layer)
            queues.layerUnits += layers[layer].remainingUnits
        }
        changes.append(
            Change(location: place, units: layers[layer].units, deficitUnits: 0, layer: layer,
                   layerUnits: layers[layer].remainingUnits))
    }

    /// An outflow takes from the oldest layers at its location (from `document`'s layers first,
    /// for a purchase return naming it); what is missing becomes a deficit.
    private mutating func take(_ outflow: Int, preferring document: String?, at position: Int, queues: inout LocationQueues) {
        let place = outflows[outflow].location
        var wanted = outflows[outflow].quantity
        func takeFrom(_ layer: Int, _ run: inout SKUCostRun, _ queues: inout LocationQueues) {
            let units = min(wanted, run.layers[layer].remainingUnits)
            guard units > 0 else { return }
            run.allocate(layer: layer, outflow: outflow, units: units, event: position)
            queues.layerUnits -= units
            wanted -= units
            run.changes.append(Change(location: place, units: 0, deficitUnits: 0, layer: layer, layerUnits: -units))
        }
        if let document {
            for queueIndex in queues.layerHead..<queues.layers.count where wanted > 0 {
                let layer = queues.layers[queueIndex]
                if isPurchaseLayer(layer, of: document) { takeFrom(layer, &self, &queues) }
            }
        }
        while wanted > 0 && queues.layerHead < queues.layers.count {
            let layer = queues.layers[queues.layerHead]
            if layers[layer].remainingUnits == 0 {
                queues.layerHead += 1
                continue
            }
            takeFrom(layer, &self, &queues)
        }
        if wanted > 0 {
            outflows[outflow].openDeficit = wanted
            queues.deficits.append(outflow)
            queues.deficitUnits += wanted
        }
        changes.append(Change(location: place, units: -outflows[outflow].quantity, deficitUnits: wanted))
    }

    /// Whether a layer is a purchase receipt's of `document`.
    func isPurchaseLayer(_ layer: Int, of document: String) -> Bool {
        if case .opening(let index) = layers[layer].origin {
            return openingLayers[index].isPurchase && CostRuns.sameBytes(openingLayers[index].source.documentID, document)
        }
        let event = layers[layer].event
        if case .purchaseReceipt = events[event].kind { return CostRuns.sameBytes(events[event].source.documentID, document) }
        return false
    }

    /// Where a layer came from: its event's source, or the opening layer's.
    public func layerSource(_ layer: Int) -> SourceReference {
        if case .opening(let index) = layers[layer].origin { return openingLayers[index].source }
        return events[layers[layer].event].source
    }

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
        let index = allocations.count
        allocations.append(Allocation(layer: layer, outflow: outflow, units: units, event: event))
        layers[layer].remainingUnits -= units
        if layers[layer].lastAllocation >= 0 {
            allocations[layers[layer].lastAllocation].nextOfLayer = index
        } else {
            layers[layer].firstAllocation = index
        }
        layers[layer].lastAllocation = index
        if outflows[outflow].lastAllocation >= 0 {
            allocations[outflows[outflow].lastAllocation].nextOfOutflow = index
        } else {
            outflows[outflow].firstAllocation = index
        }
        outflows[outflow].lastAllocation = index
    }
}

/// The version of the engine's rules: a cost cache made by another version is rebuilt.
/// 4: a return naming only its order resolves to a sale line, and its link (`SALE_OF_ORDER`) is
/// one a program of version 3 cannot read.
public let costEngineVersion = 4
