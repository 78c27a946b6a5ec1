// Where stock events come from: the ledger rows that move stock, their source references, and
// the one order every SKU's events are processed in (SEMANTICS §3.1–3.2).
//
// Place in the pipeline: the costing engine (`CostEvent`, `FIFOEngine`) builds on these. Stock is
// never stored; on-hand units, values and pending units are derived from the events every time.
// Goods shipped and not yet received sit at the reserved location `IN_TRANSIT` of their SKU.

/// The reserved location code for goods between two locations.
public let inTransitLocation = "IN_TRANSIT"

/// The ledger kinds whose rows move stock.
public let stockKinds: [LedgerKind] = [.purchases, .transfers, .posLines, .counts]

/// Where a stock event came from: the ledger row, its file and row number.
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
        if !CostRuns.sameBytes(a.documentID, b.documentID) { return CostRuns.precedesInByteOrder(a.documentID, b.documentID) }
        if a.lineNumber != b.lineNumber { return (a.lineNumber ?? 0) < (b.lineNumber ?? 0) }
        if a.receiptNumber != b.receiptNumber { return (a.receiptNumber ?? 0) < (b.receiptNumber ?? 0) }
        return a.location.utf8.lexicographicallyPrecedes(b.location.utf8)
    }

    static func sourceKindRank(_ kind: LedgerKind) -> Int {
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
