// Stock movements: the ledger's rows seen as units moving in and out of locations.
//
// Place in the pipeline: the quantity side of SEMANTICS §3.1–3.2, before any costing. Stock is
// never stored; `StockLedger` derives on-hand units from the movements every time. Goods shipped
// and not yet received sit at the reserved location `IN_TRANSIT` of their SKU.
// Invariants: movements of one SKU are processed in the order of §3.2; a count is an observation,
// its adjustment (counted − on hand at that moment) is derived, so it corrects itself when late
// movements arrive. Nothing here reads a database, a file or a clock.

/// The reserved location code for goods between two locations.
public let inTransitLocation = "IN_TRANSIT"

/// What moved stock, in the terms of SEMANTICS §3.1.
public enum StockEventKind: String, Sendable, Hashable {
    case purchaseReceipt = "PURCHASE_RECEIPT"
    case purchaseReturn = "PURCHASE_RETURN"
    case sale = "SALE"
    case complimentary = "COMP"
    case customerReturn = "CUSTOMER_RETURN"
    case transferShip = "TRANSFER_SHIP"
    case transferReceive = "TRANSFER_RECEIVE"
    case count = "COUNT"

    /// 0 for inflows, 1 for outflows, 2 for counts: the second sort key of §3.2.
    public var directionRank: Int {
        switch self {
        case .purchaseReceipt, .customerReturn, .transferReceive: return 0
        case .purchaseReturn, .sale, .complimentary, .transferShip: return 1
        case .count: return 2
        }
    }
}

/// Where a movement came from: the ledger row, its file and row number.
public struct SourceReference: Sendable, Hashable {
    public var kind: LedgerKind
    public var documentID: String
    public var lineNumber: Int64?
    public var receiptNumber: Int64?
    public var fileName: String
    public var fileRow: Int
    public var recordedAt: Instant

    public init(
        kind: LedgerKind, documentID: String, lineNumber: Int64?, receiptNumber: Int64?, fileName: String,
        fileRow: Int, recordedAt: Instant
    ) {
        self.kind = kind
        self.documentID = documentID
        self.lineNumber = lineNumber
        self.receiptNumber = receiptNumber
        self.fileName = fileName
        self.fileRow = fileRow
        self.recordedAt = recordedAt
    }

    /// `file.csv:12`, the place an accountant opens to see the row.
    public var fileLocation: String { "\(fileName):\(fileRow)" }
}

/// One stock event at one location: `quantityDelta` units in (+) or out (−), or, for a count, the
/// counted quantity.
public struct StockMovement: Sendable, Hashable {
    public var sku: String
    public var location: String
    public var occurredAt: Instant
    public var event: StockEventKind
    /// Signed units for movements; 0 for counts (see `countedQuantity`).
    public var quantityDelta: Int64
    /// The counted quantity, for counts only.
    public var countedQuantity: Int64?
    public var source: SourceReference

    /// The order of SEMANTICS §3.2 (see `SequenceKey`).
    public static func sequenceOrder(_ a: StockMovement, _ b: StockMovement) -> Bool {
        a.sequenceKey < b.sequenceKey
    }

    public var sequenceKey: SequenceKey {
        SequenceKey(
            occurredAt: occurredAt, directionRank: event.directionRank, sourceKind: source.kind,
            documentID: source.documentID, lineNumber: source.lineNumber, receiptNumber: source.receiptNumber,
            location: location)
    }
}

/// Where a stock event falls in its SKU's one sequence (SEMANTICS §3.2): the instant; at the same
/// instant inflows, then outflows, then counts; then source kind (purchases, transfers, pos_lines,
/// counts), document id (byte order), line number, receipt number, location (byte order).
public struct SequenceKey: Comparable, Sendable, Hashable {
    public var occurredAt: Instant
    public var directionRank: Int
    public var sourceKind: LedgerKind
    public var documentID: String
    public var lineNumber: Int64?
    public var receiptNumber: Int64?
    public var location: String

    public static func < (a: SequenceKey, b: SequenceKey) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if a.directionRank != b.directionRank { return a.directionRank < b.directionRank }
        let kindRankA = sourceKindRank(a.sourceKind)
        let kindRankB = sourceKindRank(b.sourceKind)
        if kindRankA != kindRankB { return kindRankA < kindRankB }
        if a.documentID != b.documentID { return a.documentID.utf8.lexicographicallyPrecedes(b.documentID.utf8) }
        if a.lineNumber != b.lineNumber { return (a.lineNumber ?? 0) < (b.lineNumber ?? 0) }
        if a.receiptNumber != b.receiptNumber { return (a.receiptNumber ?? 0) < (b.receiptNumber ?? 0) }
        return a.location.utf8.lexicographicallyPrecedes(b.location.utf8)
    }

    private static func sourceKindRank(_ kind: LedgerKind) -> Int {
        switch kind {
        case .purchases: return 0
        case .transfers: return 1
        case .posLines: return 2
        case .counts: return 3
        default: return 4
        }
    }
}

/// A ledger row with what the store knows about it, as the movement derivation needs it.
public struct SourcedRow: Sendable {
    public var row: LedgerRow
    public var fileName: String
    public var recordedAt: Instant

    public init(row: LedgerRow, fileName: String, recordedAt: Instant) {
        self.row = row
        self.fileName = fileName
        self.recordedAt = recordedAt
    }
}

public enum StockMovements {
    /// The kinds whose rows move stock.
    public static let kinds: [LedgerKind] = [.purchases, .transfers, .posLines, .counts]

    /// The movements one ledger row causes (none for kinds that do not move stock). A transfer
    /// moves its units through `IN_TRANSIT`: a SHIP takes them from the sender into transit, a
    /// RECEIVE from transit into the receiver.
    public static func movements(of sourced: SourcedRow) -> [StockMovement] {
        let row = sourced.row
        guard let occurredAt = row.occurredAt, case .text(let sku) = row["sku"] else { return [] }
        let type = row["type"].textValue ?? ""
        func source(document: String, line: Int64?, receipt: Int64? = nil) -> SourceReference {
            SourceReference(
                kind: row.kind, documentID: document, lineNumber: line, receiptNumber: receipt,
                fileName: sourced.fileName, fileRow: row.sourceRow, recordedAt: sourced.recordedAt)
        }
        func movement(_ location: String, _ event: StockEventKind, _ delta: Int64, _ reference: SourceReference)
            -> StockMovement
        {
            StockMovement(
                sku: sku, location: location, occurredAt: occurredAt, event: event, quantityDelta: delta,
                countedQuantity: nil, source: reference)
        }
        switch row.kind {
        case .purchases:
            let quantity = row["quantity"].integerValue ?? 0
            let reference = source(document: row["document_id"].description, line: row["line_no"].integerValue)
            let location = row["location"].description
            return type == "RETURN"
                ? [movement(location, .purchaseReturn, -quantity, reference)]
                : [movement(location, .purchaseReceipt, quantity, reference)]
        case .posLines:
            let quantity = row["quantity"].integerValue ?? 0
            let reference = source(document: row["order_id"].description, line: row["line_no"].integerValue)
            let location = row["location"].description
            switch type {
            case "RETURN": return [movement(location, .customerReturn, quantity, reference)]
            case "COMP": return [movement(location, .complimentary, -quantity, reference)]
            default: return [movement(location, .sale, -quantity, reference)]
            }
        case .transfers:
            let quantity = row["quantity"].integerValue ?? 0
            let reference = source(
                document: row["transfer_id"].description, line: row["line_no"].integerValue,
                receipt: row["receipt_no"].integerValue)
            if type == "SHIP" {
                return [
                    movement(row["from_location"].description, .transferShip, -quantity, reference),
                    movement(inTransitLocation, .transferShip, quantity, reference),
                ]
            }
            return [
                movement(inTransitLocation, .transferReceive, -quantity, reference),
                movement(row["to_location"].description, .transferReceive, quantity, reference),
            ]
        case .counts:
            var count = movement(
                row["location"].description, .count, 0, source(document: row["count_id"].description, line: nil))
            count.countedQuantity = row["counted_quantity"].integerValue ?? 0
            return [count]
        default:
            return []
        }
    }
}

/// One line of an item's trail: the movement, the units it changed (a count's derived adjustment
/// included) and the running units after it.
public struct TrailLine: Sendable, Hashable {
    public var movement: StockMovement
    public var quantityChange: Int64
    public var quantityAfter: Int64
}

/// On-hand units per SKU and location, derived from movements in sequence order.
public struct StockLedger: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var sku: String
        public var location: String

        public static func < (a: Key, b: Key) -> Bool {
            if a.sku != b.sku { return a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8) }
            return a.location.utf8.lexicographicallyPrecedes(b.location.utf8)
        }
    }

    /// Movements per key, in sequence order.
    public private(set) var movementsByKey: [Key: [StockMovement]] = [:]

    public init(movements: [StockMovement]) {
        for movement in movements {
            movementsByKey[Key(sku: movement.sku, location: movement.location), default: []].append(movement)
        }
        for key in movementsByKey.keys { movementsByKey[key]!.sort(by: StockMovement.sequenceOrder) }
    }

    /// Every movement of one SKU at one location up to `asOf` (inclusive; all when nil), with the
    /// running units. A count sets the units to what was counted; its change is the difference.
    public func trail(sku: String, location: String, asOf: Instant? = nil) -> [TrailLine] {
        var running: Int64 = 0
        var lines: [TrailLine] = []
        for movement in movementsByKey[Key(sku: sku, location: location)] ?? [] {
            if let asOf, movement.occurredAt > asOf { break }
            let change = movement.countedQuantity.map { $0 - running } ?? movement.quantityDelta
            running += change
            lines.append(TrailLine(movement: movement, quantityChange: change, quantityAfter: running))
        }
        return lines
    }

    /// On-hand units per key at `asOf` (inclusive; everything when nil), for keys with any movement
    /// by then, sorted by SKU then location.
    public func onHand(asOf: Instant? = nil) -> [(key: Key, quantity: Int64)] {
        movementsByKey.keys.sorted().compactMap { key in
            let lines = trail(sku: key.sku, location: key.location, asOf: asOf)
            guard let last = lines.last else { return nil }
            return (key, last.quantityAfter)
        }
    }
}
