// The codes of FORMATS §2, one enum per code column, each listing its values once, in the order
// FORMATS lists them. The validator accepts exactly these (case-insensitively), the schema names
// them per column, and the rules switch over them instead of comparing strings.

/// A code column's values: the raw value is the code as files and outputs write it.
public protocol LedgerCode: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {}

extension LedgerCode {
    /// Every code, in FORMATS' order.
    public static var codes: [String] { allCases.map(\.rawValue) }
}

/// pos_lines `type`.
public enum POSLineType: String, LedgerCode {
    case sale = "SALE"
    /// A customer brings goods back.
    case customerReturn = "RETURN"
    /// Given away.
    case complimentary = "COMP"
}

/// pos_tenders `tender`: how a ticket was paid.
public enum TenderKind: String, LedgerCode {
    case card = "CARD"
    case cash = "CASH"
    case giftCard = "GIFT_CARD"
    case other = "OTHER"
}

/// pos_tenders `type`.
public enum TenderType: String, LedgerCode {
    case payment = "PAYMENT"
    case refund = "REFUND"
}

/// purchases `type`.
public enum PurchaseType: String, LedgerCode {
    case receive = "RECEIVE"
    /// Goods sent back to the supplier.
    case supplierReturn = "RETURN"
}

/// transfers `type`: the side of a transfer line.
public enum TransferType: String, LedgerCode {
    case ship = "SHIP"
    case receive = "RECEIVE"
}

/// settlements `type`: what the processor did with the money (SEMANTICS §5–§6).
public enum SettlementType: String, LedgerCode {
    case capture = "CAPTURE"
    case refund = "REFUND"
    case refundFailure = "REFUND_FAILURE"
    case chargeback = "CHARGEBACK"
    case chargebackReversal = "CHARGEBACK_REVERSAL"
    case fee = "FEE"
    case payout = "PAYOUT"
    case payoutFailure = "PAYOUT_FAILURE"
    case adjustment = "ADJUSTMENT"

    /// Money leaving for the bank, or coming back from it: the record belongs to a payout.
    public var isPayout: Bool { self == .payout || self == .payoutFailure }
}

/// overrides `action` (SEMANTICS §6.6).
public enum OverrideAction: String, LedgerCode {
    case match = "MATCH"
    case writeOff = "WRITE_OFF"
    case ignore = "IGNORE"
}
