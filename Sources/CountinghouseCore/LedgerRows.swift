// Typed views over ledger rows: a POS line, a tender, a purchase line, a transfer line, a count, a
// settlement record, a catalogue item, an override — each read by property, its codes as enums.
//
// Place in the pipeline: the store hands out `LedgerRow`s (values in schema order); the rules read
// them through these views instead of looking columns up by name. Invariant: the ingest validator
// admits a row only when every required value is present and every code is one of its kind's, so a
// view of a row that lacks one is a bug (a precondition fails), never a silent default. Optional
// columns are optionals; the defaults FORMATS gives (discount and tax 0, the functional currency,
// receipt_no 1 on RECEIVE) were applied by ingest and are stored.

/// Reads one row's values by column index, asserting what the schema promises.
struct RowReader {
    let row: LedgerRow

    init(_ row: LedgerRow, _ kind: LedgerKind) {
        precondition(row.kind == kind, "a \(row.kind.rawValue) row read as \(kind.rawValue)")
        self.row = row
    }

    private func missing(_ index: Int) -> Never {
        preconditionFailure(
            "\(row.kind.rawValue) row \(row.sourceRow) lacks \(row.kind.schema.columns[index].name), which ingest requires")
    }

    func text(_ index: Int) -> String {
        guard case .text(let value) = row.values[index] else { missing(index) }
        return value
    }

    func optionalText(_ index: Int) -> String? { row.values[index].textValue }

    func integer(_ index: Int) -> Int64 {
        guard case .integer(let value) = row.values[index] else { missing(index) }
        return value
    }

    func optionalInteger(_ index: Int) -> Int64? { row.values[index].integerValue }

    func instant(_ index: Int) -> Instant { Instant(nanosecondsSinceEpoch: integer(index)) }

    func optionalInstant(_ index: Int) -> Instant? { optionalInteger(index).map(Instant.init(nanosecondsSinceEpoch:)) }

    func code<Code: LedgerCode>(_ index: Int, as: Code.Type) -> Code {
        guard let code = Code(rawValue: text(index)) else {
            preconditionFailure("\(row.kind.rawValue) row \(row.sourceRow): \(text(index)) is not a \(Code.self)")
        }
        return code
    }
}

/// Column positions of a kind, found once by name.
struct ColumnIndex {
    private let schema: KindSchema
    init(_ kind: LedgerKind) { schema = kind.schema }

    subscript(_ name: String) -> Int {
        guard let index = schema.index(of: name) else { preconditionFailure("\(schema.kind.rawValue) has no column \(name)") }
        return index
    }
}

/// A point-of-sale line: what was sold, returned or given away (FORMATS §2 pos_lines).
public struct POSLine: Sendable, Hashable {
    public var orderID: String
    public var lineNumber: Int64
    public var occurredAt: Instant
    public var location: String
    public var sku: String
    public var type: POSLineType
    public var quantity: Int64
    public var unitPrice: Int64
    public var discount: Int64
    public var tax: Int64
    public var currency: String
    /// For a return: the sale line it names (both, or the order alone, or neither).
    public var originalOrderID: String?
    public var originalLineNumber: Int64?
    public var fulfilledAt: Instant?

    private static let columns = Columns()
    private struct Columns {
        let order: Int
        let line: Int
        let occurred: Int
        let location: Int
        let sku: Int
        let type: Int
        let quantity: Int
        let price: Int
        let discount: Int
        let tax: Int
        let currency: Int
        let originalOrder: Int
        let originalLine: Int
        let fulfilled: Int

        init() {
            let index = ColumnIndex(.posLines)
            order = index["order_id"]
            line = index["line_no"]
            occurred = index["occurred_at"]
            location = index["location"]
            sku = index["sku"]
            type = index["type"]
            quantity = index["quantity"]
            price = index["unit_price"]
            discount = index["discount"]
            tax = index["tax"]
            currency = index["currency"]
            originalOrder = index["original_order_id"]
            originalLine = index["original_line_no"]
            fulfilled = index["fulfilled_at"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .posLines)
        let columns = Self.columns
        orderID = read.text(columns.order)
        lineNumber = read.integer(columns.line)
        occurredAt = read.instant(columns.occurred)
        location = read.text(columns.location)
        sku = read.text(columns.sku)
        type = read.code(columns.type, as: POSLineType.self)
        quantity = read.integer(columns.quantity)
        unitPrice = read.integer(columns.price)
        discount = read.integer(columns.discount)
        tax = read.integer(columns.tax)
        currency = read.text(columns.currency)
        originalOrderID = read.optionalText(columns.originalOrder)
        originalLineNumber = read.optionalInteger(columns.originalLine)
        fulfilledAt = read.optionalInstant(columns.fulfilled)
    }

    /// quantity × unit_price (FORMATS §2: the line's gross). Ingest bounds the product.
    public var gross: Int64 { quantity * unitPrice }
    /// gross − discount.
    public var net: Int64 { gross - discount }
    /// net + tax: what the customer paid (or got back) for the line.
    public var collected: Int64 { net + tax }
}

/// How a ticket was paid or refunded (FORMATS §2 pos_tenders).
public struct POSTender: Sendable, Hashable {
    public var orderID: String
    public var tenderNumber: Int64
    public var occurredAt: Instant
    public var location: String
    public var tender: TenderKind
    public var type: TenderType
    public var amount: Int64
    public var currency: String
    /// For a card: the processor (a lower-case code), and its payment id.
    public var processor: String?
    public var paymentRef: String?

    private static let columns = Columns()
    private struct Columns {
        let order: Int
        let number: Int
        let occurred: Int
        let location: Int
        let tender: Int
        let type: Int
        let amount: Int
        let currency: Int
        let processor: Int
        let paymentRef: Int

        init() {
            let index = ColumnIndex(.posTenders)
            order = index["order_id"]
            number = index["tender_no"]
            occurred = index["occurred_at"]
            location = index["location"]
            tender = index["tender"]
            type = index["type"]
            amount = index["amount"]
            currency = index["currency"]
            processor = index["processor"]
            paymentRef = index["payment_ref"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .posTenders)
        let columns = Self.columns
        orderID = read.text(columns.order)
        tenderNumber = read.integer(columns.number)
        occurredAt = read.instant(columns.occurred)
        location = read.text(columns.location)
        tender = read.code(columns.tender, as: TenderKind.self)
        type = read.code(columns.type, as: TenderType.self)
        amount = read.integer(columns.amount)
        currency = read.text(columns.currency)
        processor = read.optionalText(columns.processor)
        paymentRef = read.optionalText(columns.paymentRef)
    }

    /// The amount as the tender accounts see it: a payment positive, a refund negative.
    public var signedAmount: Int64 { type == .refund ? -amount : amount }
}

/// A goods receipt or a return to the supplier (FORMATS §2 purchases).
public struct PurchaseLine: Sendable, Hashable {
    public var documentID: String
    public var lineNumber: Int64
    public var occurredAt: Instant
    public var location: String
    public var sku: String
    public var type: PurchaseType
    public var quantity: Int64
    public var unitCost: Int64?
    public var totalCost: Int64?
    public var currency: String
    public var supplier: String?
    /// For a return: the receipt the goods came from.
    public var originalDocumentID: String?

    private static let columns = Columns()
    private struct Columns {
        let document: Int
        let line: Int
        let occurred: Int
        let location: Int
        let sku: Int
        let type: Int
        let quantity: Int
        let unitCost: Int
        let totalCost: Int
        let currency: Int
        let supplier: Int
        let originalDocument: Int

        init() {
            let index = ColumnIndex(.purchases)
            document = index["document_id"]
            line = index["line_no"]
            occurred = index["occurred_at"]
            location = index["location"]
            sku = index["sku"]
            type = index["type"]
            quantity = index["quantity"]
            unitCost = index["unit_cost"]
            totalCost = index["total_cost"]
            currency = index["currency"]
            supplier = index["supplier"]
            originalDocument = index["original_document_id"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .purchases)
        let columns = Self.columns
        documentID = read.text(columns.document)
        lineNumber = read.integer(columns.line)
        occurredAt = read.instant(columns.occurred)
        location = read.text(columns.location)
        sku = read.text(columns.sku)
        type = read.code(columns.type, as: PurchaseType.self)
        quantity = read.integer(columns.quantity)
        unitCost = read.optionalInteger(columns.unitCost)
        totalCost = read.optionalInteger(columns.totalCost)
        currency = read.text(columns.currency)
        supplier = read.optionalText(columns.supplier)
        originalDocumentID = read.optionalText(columns.originalDocument)
        precondition(type != .receive || unitCost != nil || totalCost != nil, "a RECEIVE without a cost passed ingest")
    }

    /// A receipt's value (FORMATS §2): total_cost, or quantity × unit_cost (both minor units, so
    /// the product is exact; ingest bounds it). Nil for a return.
    public var receiptValue: Int64? {
        guard type == .receive else { return nil }
        if let totalCost { return totalCost }
        return unitCost.map { quantity * $0 }
    }
}

/// A transfer line's shipment or one receipt of it (FORMATS §2 transfers).
public struct TransferLine: Sendable, Hashable {
    public var transferID: String
    public var lineNumber: Int64
    public var type: TransferType
    public var occurredAt: Instant
    public var fromLocation: String
    public var toLocation: String
    public var sku: String
    public var quantity: Int64
    /// For a RECEIVE: which part of the line (1, 2, …); nil on a SHIP.
    public var receiptNumber: Int64?

    private static let columns = Columns()
    private struct Columns {
        let transfer: Int
        let line: Int
        let type: Int
        let occurred: Int
        let from: Int
        let to: Int
        let sku: Int
        let quantity: Int
        let receipt: Int

        init() {
            let index = ColumnIndex(.transfers)
            transfer = index["transfer_id"]
            line = index["line_no"]
            type = index["type"]
            occurred = index["occurred_at"]
            from = index["from_location"]
            to = index["to_location"]
            sku = index["sku"]
            quantity = index["quantity"]
            receipt = index["receipt_no"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .transfers)
        let columns = Self.columns
        transferID = read.text(columns.transfer)
        lineNumber = read.integer(columns.line)
        type = read.code(columns.type, as: TransferType.self)
        occurredAt = read.instant(columns.occurred)
        fromLocation = read.text(columns.from)
        toLocation = read.text(columns.to)
        sku = read.text(columns.sku)
        quantity = read.integer(columns.quantity)
        receiptNumber = read.optionalInteger(columns.receipt)
    }
}

/// A physical stock take of one SKU at one location (FORMATS §2 counts).
public struct StockCount: Sendable, Hashable {
    public var countID: String
    public var occurredAt: Instant
    public var location: String
    public var sku: String
    public var countedQuantity: Int64
    /// The value of one found unit, when known.
    public var unitCost: Int64?

    private static let columns = Columns()
    private struct Columns {
        let count: Int
        let occurred: Int
        let location: Int
        let sku: Int
        let counted: Int
        let unitCost: Int

        init() {
            let index = ColumnIndex(.counts)
            count = index["count_id"]
            occurred = index["occurred_at"]
            location = index["location"]
            sku = index["sku"]
            counted = index["counted_quantity"]
            unitCost = index["unit_cost"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .counts)
        let columns = Self.columns
        countID = read.text(columns.count)
        occurredAt = read.instant(columns.occurred)
        location = read.text(columns.location)
        sku = read.text(columns.sku)
        countedQuantity = read.integer(columns.counted)
        unitCost = read.optionalInteger(columns.unitCost)
    }
}

/// A processor's balance change (FORMATS §2 settlements).
public struct SettlementRecord: Sendable, Hashable {
    public var processor: String
    public var recordID: String
    public var type: SettlementType
    public var occurredAt: Instant
    public var currency: String
    /// Signed, money into the processor balance positive; net = gross − fee.
    public var gross: Int64
    public var fee: Int64
    public var net: Int64
    public var paymentRef: String?
    public var orderID: String?
    public var availableOn: CivilDate?
    public var payoutID: String?
    /// The processor's own category of the record (Stripe reporting_category, Adyen Type).
    public var vendorCategory: String?
    /// The card scheme or method, lower case (`visa`, `mc`): chooses the fee schedule entry.
    public var paymentMethod: String?

    private static let columns = Columns()
    private struct Columns {
        let processor: Int
        let record: Int
        let type: Int
        let occurred: Int
        let currency: Int
        let gross: Int
        let fee: Int
        let net: Int
        let paymentRef: Int
        let order: Int
        let available: Int
        let payout: Int
        let category: Int
        let method: Int

        init() {
            let index = ColumnIndex(.settlements)
            processor = index["processor"]
            record = index["record_id"]
            type = index["type"]
            occurred = index["occurred_at"]
            currency = index["currency"]
            gross = index["gross"]
            fee = index["fee"]
            net = index["net"]
            paymentRef = index["payment_ref"]
            order = index["order_id"]
            available = index["available_on"]
            payout = index["payout_id"]
            category = index["vendor_category"]
            method = index["payment_method"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .settlements)
        let columns = Self.columns
        processor = read.text(columns.processor)
        recordID = read.text(columns.record)
        type = read.code(columns.type, as: SettlementType.self)
        occurredAt = read.instant(columns.occurred)
        currency = read.text(columns.currency)
        gross = read.integer(columns.gross)
        fee = read.integer(columns.fee)
        net = read.integer(columns.net)
        paymentRef = read.optionalText(columns.paymentRef)
        orderID = read.optionalText(columns.order)
        availableOn = read.optionalText(columns.available).flatMap(CivilDate.init(text:))
        payoutID = read.optionalText(columns.payout)
        vendorCategory = read.optionalText(columns.category)
        paymentMethod = read.optionalText(columns.method)
    }

    /// The payout this record belongs to: a PAYOUT's own (its record_id when payout_id is empty),
    /// else the one that paid it out, if any.
    public var payout: String? { type == .payout ? (payoutID ?? recordID) : payoutID }
}

/// A catalogue row (FORMATS §2 items): a later row for a SKU supersedes the earlier one whole.
public struct CatalogueItem: Sendable, Hashable {
    public var sku: String
    public var name: String?
    public var category: String?
    public var standardCost: Int64?
    public var reorderPoint: Int64?
    public var reorderQuantity: Int64?

    private static let columns = Columns()
    private struct Columns {
        let sku: Int
        let name: Int
        let category: Int
        let standardCost: Int
        let reorderPoint: Int
        let reorderQuantity: Int

        init() {
            let index = ColumnIndex(.items)
            sku = index["sku"]
            name = index["name"]
            category = index["category"]
            standardCost = index["standard_cost"]
            reorderPoint = index["reorder_point"]
            reorderQuantity = index["reorder_quantity"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .items)
        let columns = Self.columns
        sku = read.text(columns.sku)
        name = read.optionalText(columns.name)
        category = read.optionalText(columns.category)
        standardCost = read.optionalInteger(columns.standardCost)
        reorderPoint = read.optionalInteger(columns.reorderPoint)
        reorderQuantity = read.optionalInteger(columns.reorderQuantity)
    }
}

/// A decision a person made about reconciliation exceptions (FORMATS §2 overrides).
public struct Override: Sendable, Hashable {
    public var overrideID: String
    public var action: OverrideAction
    public var paymentRef: String?
    public var orderID: String?
    public var recordID: String?
    public var note: String
    public var author: String
    /// Narrows what the other columns name to this processor (lower case).
    public var processor: String?
    /// With `orderID`: that one tender of the ticket.
    public var tenderNumber: Int64?
    /// A WRITE_OFF's day, when given (SEMANTICS §6.3).
    public var effectiveOn: CivilDate?

    private static let columns = Columns()
    private struct Columns {
        let id: Int
        let action: Int
        let paymentRef: Int
        let order: Int
        let record: Int
        let note: Int
        let author: Int
        let processor: Int
        let tender: Int
        let effective: Int

        init() {
            let index = ColumnIndex(.overrides)
            id = index["override_id"]
            action = index["action"]
            paymentRef = index["payment_ref"]
            order = index["order_id"]
            record = index["record_id"]
            note = index["note"]
            author = index["author"]
            processor = index["processor"]
            tender = index["tender_no"]
            effective = index["effective_on"]
        }
    }

    public init(_ row: LedgerRow) {
        let read = RowReader(row, .overrides)
        let columns = Self.columns
        overrideID = read.text(columns.id)
        action = read.code(columns.action, as: OverrideAction.self)
        paymentRef = read.optionalText(columns.paymentRef)
        orderID = read.optionalText(columns.order)
        recordID = read.optionalText(columns.record)
        note = read.text(columns.note)
        author = read.text(columns.author)
        processor = read.optionalText(columns.processor)
        tenderNumber = read.optionalInteger(columns.tender)
        effectiveOn = read.optionalText(columns.effective).flatMap(CivilDate.init(text:))
    }
}
