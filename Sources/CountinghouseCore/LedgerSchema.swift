// The ledger's shape: one table per input kind, each a list of typed columns.
//
// Place in the pipeline: the ingest library validates CSV rows into `LedgerRow`s of these kinds;
// the stores create one append-only table per kind from the same description, so SQLite and
// PostgreSQL hold exactly the same columns. Invariants: a row's values are in schema order; money
// is minor units, instants nanoseconds, dates `YYYY-MM-DD` text; an absent optional value is
// `.null` (its default already applied by ingest, so identical content means identical values).

/// The canonical input kinds of FORMATS §2.
public enum LedgerKind: String, CaseIterable, Sendable, Hashable, Comparable {
    case posLines = "pos_lines"
    case posTenders = "pos_tenders"
    case purchases
    case transfers
    case counts
    case settlements
    case items
    case overrides

    public static func < (lhs: LedgerKind, rhs: LedgerKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public var schema: KindSchema { KindSchema.of(self) }
}

/// How a column's value is typed and stored.
public enum ColumnType: Sendable, Hashable {
    /// Trimmed text (identifiers, codes, free text).
    case text
    /// A whole number (line numbers, quantities).
    case integer
    /// Integer minor units of the row's currency.
    case money
    /// An instant, stored as nanoseconds since the epoch.
    case instant
    /// A calendar date, stored as `YYYY-MM-DD` text.
    case date

    /// Whether the value is stored in an integer column.
    public var isInteger: Bool {
        switch self {
        case .integer, .money, .instant: return true
        case .text, .date: return false
        }
    }
}

public struct ColumnSpec: Sendable, Hashable {
    /// The CSV header name (FORMATS §2).
    public let name: String
    /// The database column name: `name`, except where FORMATS renamed a column after the ledger
    /// table was created (a stored column is never renamed: ledgers already hold it).
    public let storedName: String
    public let type: ColumnType
    /// Whether the CSV must have this column (FORMATS' bold columns).
    public let requiredInFile: Bool
    /// For a code column, its codes in FORMATS' order (see LedgerCodes.swift); nil otherwise.
    public let codes: [String]?
    /// The ledger schema version that added the column (1: the table's first columns). Columns
    /// added later are optional, come after the first ones, and leave the canonical content of a
    /// row that does not use them as it was (`LedgerRow.canonicalContent`).
    public let sinceSchema: Int

    public init(_ name: String, _ type: ColumnType, required: Bool = false, stored: String? = nil, since: Int = 1) {
        precondition(since == 1 || !required, "a column added to a ledger table later is optional")
        self.name = name
        self.storedName = stored ?? name
        self.type = type
        self.requiredInFile = required
        self.codes = nil
        self.sinceSchema = since
    }

    /// A required code column whose values are `Code`'s.
    public init<Code: LedgerCode>(_ name: String, codes: Code.Type) {
        self.name = name
        self.storedName = name
        self.type = .text
        self.requiredInFile = true
        self.codes = Code.codes
        self.sinceSchema = 1
    }
}

/// One kind's columns, natural key and time column.
public struct KindSchema: Sendable {
    public let kind: LedgerKind
    public let columns: [ColumnSpec]
    /// Indices into `columns` that form the natural key.
    public let naturalKey: [Int]
    /// Index of the `occurred_at` column, for kinds that have one.
    public let occurredAt: Int?
    /// A later row with the same key supersedes the earlier one (items) instead of conflicting.
    public let versioned: Bool
    /// Index of the first column a later schema version added (`columns.count` when none): the
    /// canonical content drops the trailing empty values from here on.
    public let firstLaterColumn: Int

    public var tableName: String { "ledger_" + kind.rawValue }

    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }

    init(kind: LedgerKind, columns: [ColumnSpec], key: [String], versioned: Bool = false) {
        self.kind = kind
        self.columns = columns
        self.naturalKey = key.map { name in columns.firstIndex { $0.name == name }! }
        self.occurredAt = columns.firstIndex { $0.name == "occurred_at" }
        self.versioned = versioned
        let firstLater = columns.firstIndex { $0.sinceSchema > 1 } ?? columns.count
        precondition(columns[firstLater...].allSatisfy { $0.sinceSchema > 1 }, "later columns come last")
        self.firstLaterColumn = firstLater
    }

    /// The columns a ledger table had at schema version `version`.
    public func columns(atSchema version: Int) -> [ColumnSpec] { columns.filter { $0.sinceSchema <= version } }

    /// How many of `values` the canonical content encodes: every first column, then the later
    /// columns up to the last that is not empty. So a row that uses no later column has the
    /// content (and the hash chain) it had before those columns existed, and since the first
    /// columns' count is fixed per kind the encoding stays unambiguous.
    public func canonicalValueCount(_ values: [FieldValue]) -> Int {
        var count = values.count
        while count > firstLaterColumn, values[count - 1].isNull { count -= 1 }
        return count
    }

    static let all: [LedgerKind: KindSchema] = Dictionary(
        uniqueKeysWithValues: LedgerKind.allCases.map { ($0, make($0)) })

    public static func of(_ kind: LedgerKind) -> KindSchema { all[kind]! }

    private static func make(_ kind: LedgerKind) -> KindSchema {
        switch kind {
        case .posLines:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("order_id", .text, required: true), .init("line_no", .integer, required: true),
                    .init("occurred_at", .instant, required: true), .init("location", .text, required: true),
                    .init("sku", .text, required: true), .init("type", codes: POSLineType.self),
                    .init("quantity", .integer, required: true), .init("unit_price", .money, required: true),
                    .init("discount", .money), .init("tax", .money), .init("currency", .text),
                    .init("original_order_id", .text), .init("original_line_no", .integer),
                    .init("fulfilled_at", .instant),
                ],
                key: ["order_id", "line_no"])
        case .posTenders:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("order_id", .text, required: true), .init("tender_no", .integer, required: true),
                    .init("occurred_at", .instant, required: true), .init("location", .text, required: true),
                    .init("tender", codes: TenderKind.self), .init("type", codes: TenderType.self),
                    .init("amount", .money, required: true), .init("currency", .text),
                    .init("processor", .text), .init("payment_ref", .text),
                ],
                key: ["order_id", "tender_no"])
        case .purchases:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("document_id", .text, required: true), .init("line_no", .integer, required: true),
                    .init("occurred_at", .instant, required: true), .init("location", .text, required: true),
                    .init("sku", .text, required: true), .init("type", codes: PurchaseType.self),
                    .init("quantity", .integer, required: true), .init("unit_cost", .money),
                    .init("total_cost", .money), .init("currency", .text), .init("supplier", .text),
                    .init("original_document_id", .text),
                ],
                key: ["document_id", "line_no"])
        case .transfers:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("transfer_id", .text, required: true), .init("line_no", .integer, required: true),
                    .init("type", codes: TransferType.self), .init("occurred_at", .instant, required: true),
                    .init("from_location", .text, required: true), .init("to_location", .text, required: true),
                    .init("sku", .text, required: true), .init("quantity", .integer, required: true),
                    .init("receipt_no", .integer),
                ],
                key: ["transfer_id", "line_no", "type", "receipt_no"])
        case .counts:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("count_id", .text, required: true), .init("occurred_at", .instant, required: true),
                    .init("location", .text, required: true), .init("sku", .text, required: true),
                    .init("counted_quantity", .integer, required: true), .init("unit_cost", .money),
                ],
                key: ["count_id", "location", "sku"])
        case .settlements:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("processor", .text, required: true), .init("record_id", .text, required: true),
                    .init("type", codes: SettlementType.self), .init("occurred_at", .instant, required: true),
                    .init("currency", .text, required: true), .init("gross", .money, required: true),
                    .init("fee", .money, required: true), .init("net", .money, required: true),
                    .init("payment_ref", .text), .init("order_id", .text), .init("available_on", .date),
                    .init("payout_id", .text), .init("vendor_category", .text, stored: "original_category"),
                    .init("payment_method", .text, since: 7),
                ],
                key: ["processor", "record_id"])
        case .items:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("sku", .text, required: true), .init("name", .text), .init("category", .text),
                    .init("standard_cost", .money), .init("reorder_point", .integer),
                    .init("reorder_quantity", .integer),
                ],
                key: ["sku"], versioned: true)
        case .overrides:
            return KindSchema(
                kind: kind,
                columns: [
                    .init("override_id", .text, required: true), .init("action", codes: OverrideAction.self),
                    .init("payment_ref", .text), .init("order_id", .text), .init("record_id", .text),
                    .init("note", .text, required: true), .init("author", .text, required: true),
                    .init("processor", .text, since: 7), .init("tender_no", .integer, since: 7),
                    .init("effective_on", .date, since: 7),
                ],
                key: ["override_id"])
        }
    }
}

/// One typed value of a ledger row.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)

    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .null: return ""
        case .text(let value): return value
        case .integer(let value): return String(value)
        }
    }

    /// Appends a self-delimiting encoding: `N`, `i<digits>;` or `t<byte count>:<bytes>`.
    func appendCanonical(to bytes: inout [UInt8]) {
        switch self {
        case .null:
            bytes.append(UInt8(ascii: "N"))
        case .integer(let value):
            bytes.append(UInt8(ascii: "i"))
            bytes.append(contentsOf: String(value).utf8)
            bytes.append(UInt8(ascii: ";"))
        case .text(let value):
            bytes.append(UInt8(ascii: "t"))
            bytes.append(contentsOf: String(value.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: value.utf8)
        }
    }
}

/// One validated input row, ready to be appended to its kind's ledger table.
public struct LedgerRow: Hashable, Sendable {
    public let kind: LedgerKind
    /// Values in the order of `kind.schema.columns`.
    public var values: [FieldValue]
    /// The row's number in its source file (the header is row 1).
    public let sourceRow: Int

    public init(kind: LedgerKind, values: [FieldValue], sourceRow: Int) {
        precondition(values.count == kind.schema.columns.count, "a \(kind.rawValue) row has the wrong arity")
        self.kind = kind
        self.values = values
        self.sourceRow = sourceRow
    }

    public subscript(column: String) -> FieldValue {
        guard let index = kind.schema.index(of: column) else { return .null }
        return values[index]
    }

    /// The natural key as a canonical string: equal keys, equal strings, and no two keys collide.
    public var naturalKey: String {
        var bytes: [UInt8] = []
        for index in kind.schema.naturalKey { values[index].appendCanonical(to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The row's content as canonical bytes: every column's parsed value, in schema order. Two rows
    /// have identical content exactly when these bytes are equal (SEMANTICS §1).
    public var canonicalContent: [UInt8] {
        var bytes: [UInt8] = Array(kind.rawValue.utf8)
        bytes.append(UInt8(ascii: "|"))
        for value in values[..<kind.schema.canonicalValueCount(values)] { value.appendCanonical(to: &bytes) }
        return bytes
    }

    public var occurredAt: Instant? {
        guard let index = kind.schema.occurredAt, case .integer(let ns) = values[index] else { return nil }
        return Instant(nanosecondsSinceEpoch: ns)
    }

    /// A short human rendering of the row: `column=value` for every non-empty column.
    public var display: String {
        zip(kind.schema.columns, values).compactMap { column, value -> String? in
            value.isNull ? nil : "\(column.name)=\(value)"
        }.joined(separator: " ")
    }
}
