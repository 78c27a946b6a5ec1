// Checkpoints of the FIFO engine (SEMANTICS §3.6): one SKU's state at a day boundary, so that a
// late row replays its SKU from the last checkpoint before the row's occurred_at instead of from
// the SKU's first event.
//
// Place in the pipeline: a run with a checkpoint spacing emits checkpoints at UTC day boundaries
// where the SKU is *settled*: no location has an open deficit, and no layer before the boundary
// takes its value from an outflow after it (a return entered before its sale, a receipt before its
// shipment). At such a boundary nothing after it can change anything before it: every outflow
// before it took its units from layers before it, whose values depend only on events before it,
// and the fallback unit cost looks only backwards. A checkpoint keeps what the events after the
// boundary can see: the layers still open (units and value left, in queue order), and the latest
// purchase receipt per location and anywhere. What a return or a transfer receipt after the
// boundary names before it (a sale line, a shipment line) comes from the earlier run's results as
// a `PriorSource`, with the units earlier returns and receipts already counted against it (from
// the earlier run's `ReferenceLink`s).
// One case a checkpoint cannot see: an event after the boundary that is a sale or shipment line a
// return or receipt *before* the boundary names (a sale delivered later than the return that names
// it; or a second line with the same key, which wins the reference, §3.3), or a sale line of an
// order that a return before the boundary named alone and that it could have resolved to instead,
// which changes that earlier layer. `CostReplay.conflicts` finds it, and the caller replays the
// SKU whole.
// Invariant (tested against full runs on generated histories): a replay from a checkpoint gives
// the full run's outflows, deltas and postings for every event after the boundary, at the same
// sequence numbers, and the same later checkpoints.

/// One SKU's state at a day boundary: everything events after it need from events before it.
public struct CostCheckpoint: Sendable, Hashable {
    public var sku: String
    /// Events with occurred_at before this instant (a UTC midnight) come before the checkpoint.
    public var boundary: Instant
    /// How many of the SKU's events come before the boundary: the first event after it has this
    /// sequence number.
    public var sequenceOffset: Int64
    /// The layers with units left, per location in queue order (oldest first).
    public var layers: [OpeningLayer]
    /// The latest purchase receipt before the boundary at each location, and the latest anywhere.
    public var receipts: [OpeningReceipt]

    public init(sku: String, boundary: Instant, sequenceOffset: Int64, layers: [OpeningLayer], receipts: [OpeningReceipt]) {
        self.sku = sku
        self.boundary = boundary
        self.sequenceOffset = sequenceOffset
        self.layers = layers
        self.receipts = receipts
    }
}

/// A layer open at a checkpoint: what is left of it, and where it came from.
public struct OpeningLayer: Sendable, Hashable {
    public var location: String
    public var source: SourceReference
    /// A purchase receipt's layer (a purchase return naming its document takes from these first).
    public var isPurchase: Bool
    /// Units and value left: the remainder rule goes on from these exactly as in a full run.
    public var units: Int64
    public var value: Int64
    public var provisional: Bool
    public var fallback: FallbackSource?

    public init(
        location: String, source: SourceReference, isPurchase: Bool, units: Int64, value: Int64, provisional: Bool,
        fallback: FallbackSource?
    ) {
        self.location = location
        self.source = source
        self.isPurchase = isPurchase
        self.units = units
        self.value = value
        self.provisional = provisional
        self.fallback = fallback
    }
}

/// A purchase receipt before a checkpoint that the fallback unit cost may still pick.
public struct OpeningReceipt: Sendable, Hashable {
    public var location: String
    /// The latest receipt at any location (else the latest at `location`).
    public var latestAnywhere: Bool
    public var value: Int64
    public var quantity: Int64

    public init(location: String, latestAnywhere: Bool, value: Int64, quantity: Int64) {
        self.location = location
        self.latestAnywhere = latestAnywhere
        self.value = value
        self.quantity = quantity
    }
}

/// What a customer return or a transfer receipt names: a sale line or a shipment line; or, for a
/// return naming only its order, that order's sale lines, of which it resolved to one.
public enum ReferenceKind: String, Sendable, Hashable {
    case sale = "SALE"
    case shipment = "SHIPMENT"
    /// A return naming only its order: a link's `lineNumber` is the sale line it resolved to (0 when
    /// none had units left); in `CostReplay.namedLines`, line 0 stands for every sale line of the
    /// order.
    case saleOfOrder = "SALE_OF_ORDER"
}

/// A return naming a sale line (or only its order, resolved to a line), or a transfer receipt
/// naming a shipment line, and the units it counted against that line (0 when the reference was
/// not usable).
public struct ReferenceLink: Sendable, Hashable {
    public var sku: String
    /// The return's or receipt's place in its SKU's sequence.
    public var sequence: Int64
    public var kind: ReferenceKind
    public var documentID: String
    public var lineNumber: Int64
    /// Units counted against the named line (a return's whole quantity, a receipt's).
    public var countedUnits: Int64
    /// Of those, the units that became a layer (a return's units less those that cancelled a deficit).
    public var layerUnits: Int64

    public init(
        sku: String, sequence: Int64, kind: ReferenceKind, documentID: String, lineNumber: Int64, countedUnits: Int64,
        layerUnits: Int64
    ) {
        self.sku = sku
        self.sequence = sequence
        self.kind = kind
        self.documentID = documentID
        self.lineNumber = lineNumber
        self.countedUnits = countedUnits
        self.layerUnits = layerUnits
    }
}

/// A sale or shipment line before a checkpoint that an event after it names: its settled cost,
/// and what earlier returns or receipts counted against it.
public struct PriorSource: Sendable, Hashable {
    public var kind: ReferenceKind
    public var documentID: String
    public var lineNumber: Int64
    public var quantity: Int64
    public var cancelledQuantity: Int64
    /// Final and provisional cost together: what derived layers share out.
    public var cost: Int64
    /// Whether some of its units are pending (layers derived from it are then provisional).
    public var pending: Bool
    public var countedUnits: Int64
    public var layerUnits: Int64
}

/// Where a replay starts: a checkpoint, and the earlier lines the replayed events name.
public struct CostOpening: Sendable {
    public var checkpoint: CostCheckpoint
    public var priorSources: [PriorSource]

    public init(checkpoint: CostCheckpoint, priorSources: [PriorSource]) {
        self.checkpoint = checkpoint
        self.priorSources = priorSources
    }
}

public enum CostReplay {
    /// Checkpoints are emitted at settled day boundaries at least this many events apart (counted
    /// from the start of the run, or of the replay), so a SKU's checkpoints stay few. A replay
    /// covers the events after the late row and those back to the last checkpoint before it:
    /// usually fewer than this many, more while the SKU is not settled for long (a sale waiting
    /// weeks for stock holds checkpoints off).
    public static let defaultSpacing = 64

    /// The sale and shipment lines the events name: returns with both reference columns, and
    /// transfer receipts; a return naming only its order names all its sale lines, as
    /// (`saleOfOrder`, order, 0).
    public static func namedLines(_ events: [CostEvent]) -> Set<ReferencedLine> {
        var named = Set<ReferencedLine>()
        for event in events {
            switch event.kind {
            case .customerReturn(let order?, let line?): named.insert(ReferencedLine(kind: .sale, documentID: order, lineNumber: line))
            case .customerReturn(let order?, nil): named.insert(ReferencedLine(kind: .saleOfOrder, documentID: order, lineNumber: 0))
            case .transferReceive:
                named.insert(ReferencedLine(kind: .shipment, documentID: event.source.documentID, lineNumber: event.source.lineNumber ?? 0))
            default: break
            }
        }
        return named
    }

    /// Whether a replay from the checkpoint would differ from a full run: an event after the
    /// boundary is a sale or shipment line that a return or receipt before it names; or a sale
    /// line of an order that a return before it named alone, numbered no higher than the line that
    /// return resolved to (or any, when it resolved to none), which the return could have named
    /// instead. (A higher-numbered line never changes what such a return resolved to: it tries
    /// the lowest numbers first. A lower one may have had no units left for it; a whole replay
    /// is then merely not needed.)
    public static func conflicts(events: [CostEvent], priorLinks: [ReferenceLink]) -> Bool {
        guard !priorLinks.isEmpty else { return false }
        var named = Set<ReferencedLine>()
        var highestLineOfOrder: [OpaqueID: Int64] = [:]
        for link in priorLinks {
            if link.kind == .saleOfOrder {
                let highest = link.lineNumber == 0 ? Int64.max : link.lineNumber
                highestLineOfOrder[OpaqueID(link.documentID)] = max(highestLineOfOrder[OpaqueID(link.documentID)] ?? 0, highest)
            } else {
                named.insert(ReferencedLine(kind: link.kind, documentID: link.documentID, lineNumber: link.lineNumber))
            }
        }
        for event in events {
            let kind: ReferenceKind
            switch event.kind {
            case .sale: kind = .sale
            case .transferShip: kind = .shipment
            default: continue
            }
            let line = event.source.lineNumber ?? 0
            if named.contains(ReferencedLine(kind: kind, documentID: event.source.documentID, lineNumber: line)) {
                return true
            }
            if kind == .sale, let highest = highestLineOfOrder[OpaqueID(event.source.documentID)], line <= highest { return true }
        }
        return false
    }

    /// The earlier lines that the replayed events name (every sale line of an order named alone),
    /// from the earlier run's cogs lines before the boundary (the latest line with a key wins, as
    /// in a full run) and its links (a return naming only its order counts against the line it
    /// resolved to).
    public static func priorSources(named: Set<ReferencedLine>, priorLines: [CogsLine], priorLinks: [ReferenceLink]) -> [PriorSource] {
        var latest: [ReferencedLine: CogsLine] = [:]
        for line in priorLines {
            let kind: ReferenceKind
            switch line.kind {
            case .sale: kind = .sale
            case .transferShip: kind = .shipment
            default: continue
            }
            let key = ReferencedLine(kind: kind, documentID: line.documentID, lineNumber: line.lineNumber ?? 0)
            guard named.contains(key)
                || kind == .sale && named.contains(ReferencedLine(kind: .saleOfOrder, documentID: line.documentID, lineNumber: 0))
            else { continue }
            if let known = latest[key], known.sequence > line.sequence { continue }
            latest[key] = line
        }
        var counted: [ReferencedLine: (units: Int64, layer: Int64)] = [:]
        for link in priorLinks {
            let key = ReferencedLine(
                kind: link.kind == .saleOfOrder ? .sale : link.kind, documentID: link.documentID, lineNumber: link.lineNumber)
            guard latest[key] != nil else { continue }
            counted[key, default: (0, 0)].units += link.countedUnits
            counted[key, default: (0, 0)].layer += link.layerUnits
        }
        return latest.keys.sorted().map { key in
            let line = latest[key]!
            return PriorSource(
                kind: key.kind, documentID: key.documentID, lineNumber: key.lineNumber, quantity: line.quantity,
                cancelledQuantity: line.cancelledQuantity, cost: line.cost + line.provisionalCost,
                pending: line.pendingQuantity > 0, countedUnits: counted[key]?.units ?? 0, layerUnits: counted[key]?.layer ?? 0)
        }
    }
}

/// A sale or shipment line as a return or a receipt names it.
public struct ReferencedLine: Sendable, Hashable, Comparable {
    public var kind: ReferenceKind
    public var documentID: String
    public var lineNumber: Int64

    public init(kind: ReferenceKind, documentID: String, lineNumber: Int64) {
        self.kind = kind
        self.documentID = documentID
        self.lineNumber = lineNumber
    }

    /// The document's bytes (FORMATS §1), not canonical equivalence.
    public static func == (a: ReferencedLine, b: ReferencedLine) -> Bool {
        a.kind == b.kind && a.lineNumber == b.lineNumber && CostRuns.sameBytes(a.documentID, b.documentID)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(bytesOf: documentID)
        hasher.combine(lineNumber)
    }

    public static func < (a: ReferencedLine, b: ReferencedLine) -> Bool {
        if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
        if !CostRuns.sameBytes(a.documentID, b.documentID) { return CostRuns.precedesInByteOrder(a.documentID, b.documentID) }
        return a.lineNumber < b.lineNumber
    }
}

extension SKUCostRun {
    /// A settled boundary found in phase 1: the event after it, its UTC day, and the layers open
    /// there with their units left (values are known only after phase 2).
    struct CheckpointCapture {
        var position: Int
        var day: Int64
        var layers: [(layer: Int, units: Int64)]
    }

    static let nanosecondsPerDay = 86_400 * Instant.nanosecondsPerSecond

    /// The UTC day of an instant (days since 1970-01-01, rounded down).
    static func day(of instant: Instant) -> Int64 {
        let nanoseconds = instant.nanosecondsSinceEpoch
        let day = nanoseconds / nanosecondsPerDay
        return nanoseconds % nanosecondsPerDay < 0 ? day - 1 : day
    }

    /// Records the open layers before `position`, per location in queue order.
    /// Locations in byte order, so that a checkpoint reads the same whichever run made it.
    mutating func capture(at position: Int, day: Int64, queues: [LocationQueues]) {
        var open: [(layer: Int, units: Int64)] = []
        let places = locations.indices.sorted { locations[$0].utf8.lexicographicallyPrecedes(locations[$1].utf8) }
        for queue in places.map({ queues[$0] }) {
            for index in queue.layerHead..<queue.layers.count where layers[queue.layers[index]].remainingUnits > 0 {
                open.append((queue.layers[index], layers[queue.layers[index]].remainingUnits))
            }
        }
        checkpointCaptures.append(CheckpointCapture(position: position, day: day, layers: open))
    }

    /// Turns phase 1's captures into checkpoints, with each open layer's value left: its value less
    /// what its allocations before the boundary took.
    mutating func makeCheckpoints() {
        checkpoints = checkpointCaptures.map { capture in
            let layers = capture.layers.map { entry -> OpeningLayer in
                let layer = self.layers[entry.layer]
                var value = layer.value
                var next = layer.firstAllocation
                while next >= 0 {
                    if allocations[next].event < capture.position { value -= allocations[next].value }
                    next = allocations[next].nextOfLayer
                }
                let isPurchase: Bool
                switch layer.origin {
                case .purchase: isPurchase = true
                case .opening(let index): isPurchase = openingLayers[index].isPurchase
                default: isPurchase = false
                }
                return OpeningLayer(
                    location: locations[layer.location], source: layerSource(entry.layer), isPurchase: isPurchase,
                    units: entry.units, value: value, provisional: layer.provisional, fallback: layer.fallback)
            }
            var receipts: [OpeningReceipt] = []
            for place in locations.indices.sorted(by: { locations[$0].utf8.lexicographicallyPrecedes(locations[$1].utf8) }) {
                if let receipt = latestReceipt(before: capture.position, at: place) {
                    receipts.append(OpeningReceipt(
                        location: locations[place], latestAnywhere: false, value: receipt.value, quantity: receipt.quantity))
                }
            }
            if let latest = latestReceipt(before: capture.position, at: nil) {
                receipts.append(latest)
            }
            return CostCheckpoint(
                sku: sku, boundary: Instant(nanosecondsSinceEpoch: capture.day * Self.nanosecondsPerDay),
                sequenceOffset: sequenceOffset + Int64(capture.position), layers: layers, receipts: receipts)
        }
        checkpointCaptures = []
    }

    /// The latest purchase receipt before event `position` at a location (nil: at any location),
    /// counting the opening's receipts as earlier than every event.
    func latestReceipt(before position: Int, at place: Int?) -> OpeningReceipt? {
        let positions = place.map { receiptPositionsByLocation[$0] } ?? receiptPositions
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] < position { low = middle + 1 } else { high = middle }
        }
        if low > 0 {
            let event = positions[low - 1]
            guard case .purchaseReceipt(let value) = events[event].kind else { preconditionFailure("not a receipt") }
            return OpeningReceipt(
                location: events[event].location, latestAnywhere: place == nil, value: value, quantity: events[event].quantity)
        }
        if let place {
            return openingReceipts.first { !$0.latestAnywhere && CostRuns.sameBytes($0.location, locations[place]) }
        }
        return openingReceipts.first { $0.latestAnywhere }
    }
}
