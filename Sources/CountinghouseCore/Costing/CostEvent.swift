// Stock events as the FIFO engine sees them (SEMANTICS §3.1), built from ledger rows.
//
// Place in the pipeline: the store hands ledger rows to `CostEvents.events(of:)`; the engine
// (`FIFOEngine`) runs over one SKU's events. Each event keeps its source reference so every cost
// can be explained down to the file and row.

public struct CostEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A goods receipt worth `value` minor units (total_cost, or round(quantity × unit_cost)).
        case purchaseReceipt(value: Int64)
        /// Goods sent back to the supplier, preferably from the layers of `originalDocumentID`.
        case purchaseReturn(originalDocumentID: String?)
        case sale
        case complimentary
        /// Goods a customer brought back, naming the sale line when the POS knew it.
        case customerReturn(originalOrderID: String?, originalLineNumber: Int64?)
        /// Goods leaving `location` for `destination`.
        case transferShip(destination: String)
        /// Goods arriving at `location` from `origin`.
        case transferReceive(origin: String)
        /// A count of `countedQuantity` (in `quantity`), with the unit cost of found units if known.
        case count(unitCost: Int64?)
    }

    public var kind: Kind
    public var sku: String
    /// Where the stock moves: the receiving location of a transfer receipt, the sending one of a
    /// shipment.
    public var location: String
    public var occurredAt: Instant
    /// Units (> 0); for a count, the counted quantity (≥ 0).
    public var quantity: Int64
    public var source: SourceReference

    public init(kind: Kind, sku: String, location: String, occurredAt: Instant, quantity: Int64, source: SourceReference) {
        self.kind = kind
        self.sku = sku
        self.location = location
        self.occurredAt = occurredAt
        self.quantity = quantity
        self.source = source
    }

    var directionRank: Int {
        switch kind {
        case .purchaseReceipt, .customerReturn, .transferReceive: return 0
        case .purchaseReturn, .sale, .complimentary, .transferShip: return 1
        case .count: return 2
        }
    }

    public var sequenceKey: SequenceKey {
        SequenceKey(
            occurredAt: occurredAt, directionRank: directionRank, sourceKind: source.kind,
            documentID: source.documentID, lineNumber: source.lineNumber, receiptNumber: source.receiptNumber,
            location: location)
    }
}

public enum CostEvents {
    /// The stock event one ledger row causes, or nil for rows that move no stock.
    public static func event(of sourced: SourcedRow) -> CostEvent? {
        let row = sourced.row
        guard let occurredAt = row.occurredAt, case .text(let sku) = row["sku"] else { return nil }
        let type = row["type"].textValue ?? ""
        let quantity = row["quantity"].integerValue ?? 0
        func source(document: String, line: Int64?, receipt: Int64? = nil) -> SourceReference {
            SourceReference(
                kind: row.kind, documentID: document, lineNumber: line, receiptNumber: receipt,
                fileName: sourced.fileName, fileRow: row.sourceRow, recordedAt: sourced.recordedAt)
        }
        switch row.kind {
        case .purchases:
            let reference = source(document: row["document_id"].description, line: row["line_no"].integerValue)
            let kind: CostEvent.Kind
            if type == "RETURN" {
                kind = .purchaseReturn(originalDocumentID: row["original_document_id"].textValue)
            } else {
                kind = .purchaseReceipt(value: receiptValue(row, quantity: quantity))
            }
            return CostEvent(
                kind: kind, sku: sku, location: row["location"].description, occurredAt: occurredAt,
                quantity: quantity, source: reference)
        case .posLines:
            let reference = source(document: row["order_id"].description, line: row["line_no"].integerValue)
            let kind: CostEvent.Kind
            switch type {
            case "RETURN":
                kind = .customerReturn(
                    originalOrderID: row["original_order_id"].textValue,
                    originalLineNumber: row["original_line_no"].integerValue)
            case "COMP": kind = .complimentary
            default: kind = .sale
            }
            return CostEvent(
                kind: kind, sku: sku, location: row["location"].description, occurredAt: occurredAt,
                quantity: quantity, source: reference)
        case .transfers:
            let reference = source(
                document: row["transfer_id"].description, line: row["line_no"].integerValue,
                receipt: row["receipt_no"].integerValue)
            let origin = row["from_location"].description
            let destination = row["to_location"].description
            if type == "SHIP" {
                return CostEvent(
                    kind: .transferShip(destination: destination), sku: sku, location: origin,
                    occurredAt: occurredAt, quantity: quantity, source: reference)
            }
            return CostEvent(
                kind: .transferReceive(origin: origin), sku: sku, location: destination, occurredAt: occurredAt,
                quantity: quantity, source: reference)
        case .counts:
            return CostEvent(
                kind: .count(unitCost: row["unit_cost"].integerValue), sku: sku, location: row["location"].description,
                occurredAt: occurredAt, quantity: row["counted_quantity"].integerValue ?? 0,
                source: source(document: row["count_id"].description, line: nil))
        default:
            return nil
        }
    }

    /// A receipt's value: total_cost, or quantity × unit_cost rounded to minor units (FORMATS §2).
    /// Both are minor units already, so the product is exact.
    static func receiptValue(_ row: LedgerRow, quantity: Int64) -> Int64 {
        if let total = row["total_cost"].integerValue { return total }
        let unitCost = row["unit_cost"].integerValue ?? 0
        return roundHalfAwayFromZero(Int128(quantity) * Int128(unitCost), 1)
    }
}
