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
        func source(document: String, line: Int64?, receipt: Int64? = nil) -> SourceReference {
            SourceReference(
                kind: row.kind, documentID: document, lineNumber: line, receiptNumber: receipt,
                fileName: sourced.fileName, fileRow: row.sourceRow, recordedAt: sourced.recordedAt)
        }
        switch row.kind {
        case .purchases:
            let line = PurchaseLine(row)
            let kind: CostEvent.Kind
            switch line.type {
            case .supplierReturn: kind = .purchaseReturn(originalDocumentID: line.originalDocumentID)
            case .receive:
                guard let value = line.receiptValue else { preconditionFailure("a RECEIVE has a value") }
                kind = .purchaseReceipt(value: value)
            }
            return CostEvent(
                kind: kind, sku: line.sku, location: line.location, occurredAt: line.occurredAt, quantity: line.quantity,
                source: source(document: line.documentID, line: line.lineNumber))
        case .posLines:
            let line = POSLine(row)
            let kind: CostEvent.Kind
            switch line.type {
            case .customerReturn:
                kind = .customerReturn(originalOrderID: line.originalOrderID, originalLineNumber: line.originalLineNumber)
            case .complimentary: kind = .complimentary
            case .sale: kind = .sale
            }
            return CostEvent(
                kind: kind, sku: line.sku, location: line.location, occurredAt: line.occurredAt, quantity: line.quantity,
                source: source(document: line.orderID, line: line.lineNumber))
        case .transfers:
            let line = TransferLine(row)
            let reference = source(document: line.transferID, line: line.lineNumber, receipt: line.receiptNumber)
            switch line.type {
            case .ship:
                return CostEvent(
                    kind: .transferShip(destination: line.toLocation), sku: line.sku, location: line.fromLocation,
                    occurredAt: line.occurredAt, quantity: line.quantity, source: reference)
            case .receive:
                return CostEvent(
                    kind: .transferReceive(origin: line.fromLocation), sku: line.sku, location: line.toLocation,
                    occurredAt: line.occurredAt, quantity: line.quantity, source: reference)
            }
        case .counts:
            let count = StockCount(row)
            return CostEvent(
                kind: .count(unitCost: count.unitCost), sku: count.sku, location: count.location, occurredAt: count.occurredAt,
                quantity: count.countedQuantity, source: source(document: count.countID, line: nil))
        case .posTenders, .settlements, .items, .overrides:
            return nil
        }
    }
}
