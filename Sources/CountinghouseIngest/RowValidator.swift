// The row validator: one CSV record to one `LedgerRow`'s values, or row errors.
//
// Place in the pipeline: after the header has fixed the kind and the column positions, every record
// goes through `RowValidator.validate`. It parses each column by its rule (FieldParsing.swift),
// applies defaults so identical content means identical values, and checks the rules that span
// columns (a RETURN's two reference columns, a RECEIVE's costs, net = gross − fee) and rows of the
// same file (a natural key repeated; a transfer line's SKU and locations). The slots it parses
// into, the key encoding and the IN_TRANSIT test are raw-pointer code kept in FastRowSlots.swift.
//
// Decisions where FORMATS is silent (documented in the README's ingest section too):
// - Every text value is trimmed; an empty optional value is `.null`, except the defaults: discount
//   and tax 0, currency the functional currency, transfers' receipt_no 1 on RECEIVE.
// - pos_lines original_order_id / original_line_no are ignored (stored null, not validated) on
//   SALE and COMP lines, as FORMATS says; on purchases, tenders and settlements optional columns are
//   kept as given.
// - Codes (`type`, `tender`, `action`, currency) are upper-cased; `processor` is lower-cased so POS
//   and settlement files agree on `stripe` (a settlement's `payment_method` too); a CARD tender may leave `processor` empty (the
//   reconciliation shows it unmatched rather than the file being rejected).
// - tax may be negative; COMP lines are not forced to price 0; an override must name at least one
//   of payment_ref, order_id, record_id.
// - A row gets one error per bad column (not only the first), and its cross-row checks run only on
//   columns that parsed.
// Errors a user can see (beyond FieldParsing's): "required", "must be greater than 0", "must not be
// negative", "unknown type X (expected SALE, RETURN or COMP)", "IN_TRANSIT is a reserved location
// code", "unknown location (countinghouse.toml lists S01, WH1)" (when the configuration lists
// locations), "looks like a number a spreadsheet rewrote; export the file again without opening it
// in a spreadsheet" (FORMATS §3.0: any such form in an identifier, only `1.23457E+11` in a sku or
// location), "too long: 5000 bytes (at most 200)" (identifiers and codes; free text 2,000; a value
// shown in an error is cut to its first 40 bytes past 200), "invalid UTF-8: the file is not saved as
// UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8", "NUL byte (0x00) in the value: …", "has N
// fields but the header has M" (with the likely cause: NUL bytes, or an unquoted comma), "not a
// number: …" (with what to do for `1.23E+22` and `1.234,56`), a date or time's problem with "a date
// with '/' (31/12/2026) can be day-first or month-first: write it YYYY-MM-DD", "original_line_no needs
// original_order_id", "receipt_no is only for RECEIVE rows", "a
// RECEIVE needs unit_cost or total_cost", "amount out of range (at most 10000000000.00)",
// "quantity out of range (at most 1000000000)", "quantity × unit_cost is out of range (at most
// 10000000000.00)" (and counted_quantity × unit_cost, quantity × unit_price: the costing and the
// journal multiply them; the limits are IngestLimits'), "net must equal gross - fee (10.00 - 0.30 =
// 9.70)", "an override must name a payment_ref, order_id or record_id", "tender_no names a tender
// of the ticket in order_id, which is empty", "duplicate key order_id A1,
// line_no 3 (first on row 2)", "differs from row 2, the SHIP of transfer T1 line 1 (\"SKU-A\")".

import CountinghouseCore

/// How one column's text becomes a value. Trivial (no references) so the hot loop copies it freely.
enum ColumnRule {
    /// Trimmed text: free text and codes kept as given.
    case text
    /// An identifier (order_id, document_id, …): a number a spreadsheet rewrote (`7.56E+15`) is
    /// refused.
    case identifier
    /// An item code (sku): only the unmistakable spreadsheet form (`1.23457E+11`) is refused, since
    /// a chain may write a code as `12E3`.
    case itemCode
    /// An identifier naming a location; `IN_TRANSIT` is reserved; the unmistakable spreadsheet
    /// form is refused, and a code the configuration does not list.
    case location
    /// One of a fixed set of upper-case codes: an index into `CodeSet.all`.
    case code(Int)
    /// A code compared in lower case (`processor`).
    case lowercaseCode
    case lineNumber
    case quantity(QuantitySign)
    case money(QuantitySign)
    case instant
    case date
    case currency
    /// pos_lines' reference to the sale line a RETURN returns: only read on RETURN lines.
    case returnReference(isLineNumber: Bool)
    /// transfers' receipt_no: 1 by default on RECEIVE, empty on SHIP.
    case receiptNumber
}

enum QuantitySign {
    case any
    case nonNegative
    case positive
}

/// A fixed set of codes a column accepts, and the noun that names it in errors.
struct CodeSet {
    let codes: [String]
    let bytes: [[UInt8]]
    let noun: String

    init(_ codes: [String], noun: String) {
        self.codes = codes
        self.bytes = codes.map { Array($0.utf8) }
        self.noun = noun
    }

    static let posLineTypes = 0
    static let tenders = 1
    static let tenderTypes = 2
    static let purchaseTypes = 3
    static let transferTypes = 4
    static let settlementTypes = 5
    static let actions = 6
    /// The codes of each code column, from the core's enums (LedgerCodes.swift): one list, in
    /// FORMATS' order, that the validator accepts and the rules switch over.
    static let all: [CodeSet] = [
        CodeSet(POSLineType.codes, noun: "type"),
        CodeSet(TenderKind.codes, noun: "tender"),
        CodeSet(TenderType.codes, noun: "type"),
        CodeSet(PurchaseType.codes, noun: "type"),
        CodeSet(TransferType.codes, noun: "type"),
        CodeSet(SettlementType.codes, noun: "type"),
        CodeSet(OverrideAction.codes, noun: "action"),
    ]

    /// The index of the code equal to `bytes` compared in upper case, or nil.
    func match(_ field: Bytes) -> Int? {
        for (index, code) in bytes.enumerated() where code.count == field.count {
            var equal = true
            for position in 0..<code.count where asciiUppercase(field[position]) != code[position] {
                equal = false
                break
            }
            if equal { return index }
        }
        return nil
    }
}

/// The location codes the configuration lists, in byte order, and the words that list them. A
/// validator looks each location field up here, so a file naming a location the chain does not
/// have is rejected in the same pass as its other row errors.
struct KnownLocations {
    private let codes: [[UInt8]]
    /// `S01, WH1`: every code, for the error; for a chain of more than ten, how many and the
    /// first and last few (every row error carries it: a file from a new store has one per row).
    let listed: String
    /// The code the last lookup found: a file's rows mostly name the same location one after another.
    private var lastFound = 0

    init(_ codes: [String]) {
        self.codes = Set(codes.map { Array($0.utf8) }).sorted { $0.lexicographicallyPrecedes($1) }
        let names = self.codes.map { String(decoding: $0, as: UTF8.self) }
        listed = names.count <= 10
            ? names.joined(separator: ", ")
            : "\(names.count) locations: " + names.prefix(5).joined(separator: ", ") + ", … " + names.suffix(2).joined(separator: ", ")
    }

    var isEmpty: Bool { codes.isEmpty }

    /// Whether `bytes` are one of the codes, compared byte for byte.
    mutating func contains(_ bytes: Bytes) -> Bool {
        if codes.isEmpty { return true }
        if KnownLocations.order(of: codes[lastFound], against: bytes) == 0 { return true }
        // Binary search in byte order: a chain of thousands of stores costs a dozen comparisons.
        var low = 0
        var high = codes.count
        while low < high {
            let middle = (low + high) / 2
            let order = KnownLocations.order(of: codes[middle], against: bytes)
            if order == 0 {
                lastFound = middle
                return true
            }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return false
    }

    /// `code` against `bytes` in byte order: negative, zero or positive. A plain loop: codes are a
    /// few bytes, and the generic `elementsEqual` cost more than the rest of a row's location.
    @inline(__always)
    private static func order(of code: [UInt8], against bytes: Bytes) -> Int {
        code.withUnsafeBufferPointer { code in
            let shared = min(code.count, bytes.count)
            var index = 0
            while index < shared {
                if code[index] != bytes[index] { return Int(code[index]) - Int(bytes[index]) }
                index += 1
            }
            return code.count - bytes.count
        }
    }
}

/// Validates the records of one file of one kind.
struct RowValidator {
    let kind: LedgerKind
    let file: String
    let functionalCurrency: String
    let currencyExponent: Int
    private let columnNames: [String]
    private let rules: [ColumnRule]
    private let defaults: [Slot]
    private let required: [Bool]
    /// The most bytes a column's trimmed value may have (IngestLimits).
    private let maximumBytes: [Int]
    /// Column (schema order) → 0-based field index in the record, or -1 when the file lacks it.
    private let fieldIndex: [Int]
    private let headerNames: [String]
    private let keyColumns: [Int]
    private let keyMask: UInt64
    private let typeColumn: Int?
    /// The code set of the `type` column, to compare the row's type by index.
    private let typeCodes: CodeSet?
    /// Indices of the type codes some rules depend on, or -1 where the kind has no such type.
    private let returnType: Int
    private let shipType: Int
    private let receiveType: Int
    /// pos_lines' columns the rules across columns read, found once: looking a column up by name
    /// compares strings, and a static let costs a `swift_once` call per row.
    private let posLines: PosLinesColumns
    /// `CodeSet.all`, held here so the per-row lookup does not go through a lazy global.
    private let codeSets: [CodeSet]

    private struct PosLinesColumns {
        var quantity = 0
        var unitPrice = 0
        var originalOrderID = 0
        var originalLineNumber = 0
    }

    /// The parsed values of the last record validated, in schema order.
    private let slots: SlotBuffer
    /// The functional currency's code as bytes, compared to each row's currency in place.
    private let functionalCurrencyBytes: [UInt8]
    /// Natural key bytes → the row it was first seen on.
    private var keysSeen = KeyCollector()
    /// transfers: (transfer_id, line_no) → the first row of that transfer line.
    private var transferLines: [String: TransferLine] = [:]
    /// The locations the configuration lists (none: any location is accepted).
    private var knownLocations: KnownLocations
    /// The reasons of values past `IngestLimits`, worded once in the functional currency.
    private let limitReasons: LimitReasons

    private struct LimitReasons {
        /// The money limit in major units (`10000000000.00`).
        let moneyLimit: String
        let quantity = "quantity out of range (at most \(IngestLimits.quantityUnits))"

        init(exponent: Int) { moneyLimit = formatMinorUnits(IngestLimits.moneyMinorUnits, exponent: exponent) }

        func amount(_ sign: QuantitySign) -> String {
            switch sign {
            case .any: return "amount out of range (between -\(moneyLimit) and \(moneyLimit))"
            case .nonNegative, .positive: return "amount out of range (at most \(moneyLimit))"
            }
        }
    }

    private struct TransferLine {
        var row: Int
        var type: String
        var sku: String
        var fromLocation: String
        var toLocation: String
    }

    init(kind: LedgerKind, header: HeaderColumns, headerNames: [String], file: String, settings: IngestSettings) {
        self.kind = kind
        self.file = file
        let functionalCurrency = settings.functionalCurrency
        self.functionalCurrency = functionalCurrency
        knownLocations = KnownLocations(settings.locationCodes)
        limitReasons = LimitReasons(exponent: CurrencyTable.exponent(of: functionalCurrency) ?? 2)
        self.currencyExponent = CurrencyTable.exponent(of: functionalCurrency) ?? 2
        self.headerNames = headerNames
        let schema = kind.schema
        columnNames = schema.columns.map(\.name)
        let rules = schema.columns.map { RowValidator.rule(kind: kind, column: $0) }
        self.rules = rules
        required = schema.columns.map(\.requiredInFile)
        maximumBytes = schema.columns.map {
            RowValidator.freeTextColumns.contains($0.name) ? IngestLimits.freeTextBytes : IngestLimits.valueBytes
        }
        defaults = schema.columns.map { column -> Slot in
            switch column.name {
            case "discount", "tax": return .integer(0)
            case "currency": return .functionalCurrency
            default: return .null
            }
        }
        fieldIndex = schema.columns.map { header.position(of: $0.name) ?? -1 }
        keyColumns = schema.naturalKey
        keyMask = schema.naturalKey.reduce(0) { $0 | (1 << UInt64($1)) }
        let typeColumn = schema.index(of: "type")
        self.typeColumn = typeColumn
        if let typeColumn, case .code(let set) = rules[typeColumn] { typeCodes = CodeSet.all[set] } else { typeCodes = nil }
        // pos_lines' RETURN and purchases' RETURN are the same word; transfers' and purchases' RECEIVE too.
        returnType = typeCodes?.codes.firstIndex(of: POSLineType.customerReturn.rawValue) ?? -1
        shipType = typeCodes?.codes.firstIndex(of: TransferType.ship.rawValue) ?? -1
        receiveType = typeCodes?.codes.firstIndex(of: TransferType.receive.rawValue) ?? -1
        slots = SlotBuffer(count: schema.columns.count)
        if kind == .posLines {
            posLines = PosLinesColumns(
                quantity: schema.index(of: "quantity")!, unitPrice: schema.index(of: "unit_price")!,
                originalOrderID: schema.index(of: "original_order_id")!, originalLineNumber: schema.index(of: "original_line_no")!)
        } else {
            posLines = PosLinesColumns()
        }
        codeSets = CodeSet.all
        functionalCurrencyBytes = Array(functionalCurrency.utf8)
        precondition(schema.columns.count < 64, "a kind has more columns than the failure mask holds")
    }

    private static let locationColumns: Set<String> = ["location", "from_location", "to_location"]
    /// The columns FORMATS calls identifiers (besides original_order_id, a RETURN's reference).
    private static let identifierColumns: Set<String> = [
        "order_id", "document_id", "transfer_id", "count_id", "record_id", "payment_ref", "payout_id", "override_id",
        "original_document_id",
    ]
    /// Free text, which may be longer than identifiers and codes (IngestLimits.freeTextBytes).
    private static let freeTextColumns: Set<String> = ["name", "category", "note", "supplier", "author"]

    private static func rule(kind: LedgerKind, column: ColumnSpec) -> ColumnRule {
        switch (kind, column.name) {
        case (.posLines, "type"): return .code(CodeSet.posLineTypes)
        case (.posLines, "original_order_id"): return .returnReference(isLineNumber: false)
        case (.posLines, "original_line_no"): return .returnReference(isLineNumber: true)
        case (.posLines, "quantity"), (.purchases, "quantity"), (.transfers, "quantity"): return .quantity(.positive)
        case (.posTenders, "tender"): return .code(CodeSet.tenders)
        case (.posTenders, "type"): return .code(CodeSet.tenderTypes)
        case (.posTenders, "amount"): return .money(.positive)
        case (.purchases, "type"): return .code(CodeSet.purchaseTypes)
        case (.transfers, "type"): return .code(CodeSet.transferTypes)
        case (.transfers, "receipt_no"): return .receiptNumber
        case (.settlements, "type"): return .code(CodeSet.settlementTypes)
        case (.settlements, "gross"), (.settlements, "fee"), (.settlements, "net"), (.posLines, "tax"):
            return .money(.any)
        case (.overrides, "action"): return .code(CodeSet.actions)
        case (_, "sku"): return .itemCode
        case (_, "processor"), (.settlements, "payment_method"): return .lowercaseCode
        case (_, "currency"): return .currency
        case (_, "line_no"), (_, "tender_no"): return .lineNumber
        default:
            if locationColumns.contains(column.name) { return .location }
            if identifierColumns.contains(column.name) { return .identifier }
            switch column.type {
            case .text: return .text
            case .integer: return .quantity(.nonNegative)
            case .money: return .money(.nonNegative)
            case .instant: return .instant
            case .date: return .date
            }
        }
    }

    /// Whether `bytes` name the functional currency, in any case (what `parseCurrency` accepts).
    @inline(__always)
    private func isFunctionalCurrency(_ bytes: Bytes) -> Bool {
        functionalCurrencyBytes.withUnsafeBufferPointer { code in
            guard code.count == bytes.count else { return false }
            for index in 0..<code.count where asciiUppercase(bytes[index]) != code[index] { return false }
            return true
        }
    }

    /// The row's `type` code as validated so far, when the kind has one.
    private var typeText: String? {
        guard let typeColumn, let typeCodes, case .code(let index) = slots[typeColumn] else { return nil }
        return typeCodes.codes[index]
    }

    /// The stored value of column `column` of the last record.
    func value(_ column: Int) -> FieldValue {
        switch slots[column] {
        case .null: return .null
        case .bytes(let start, let count):
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        case .lowercased(let start, let count):
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count).lazy.map(asciiLowercase), as: UTF8.self))
        case .integer(let number): return .integer(number)
        case .code(let index):
            guard case .code(let set) = rules[column] else { return .null }
            return .text(CodeSet.all[set].codes[index])
        case .functionalCurrency: return .text(functionalCurrency)
        case .date(let days): return .text(CivilDate(daysSinceEpoch: days).description)
        }
    }

    /// The last valid record as a ledger row.
    /// Mutating only so that `run`'s call through its optional validator works in place: a
    /// non-mutating call there copied the validator (retaining each of its arrays) once per row.
    mutating func row(sourceRow: Int) -> LedgerRow {
        var values: [FieldValue] = []
        values.reserveCapacity(slots.count)
        for column in 0..<slots.count { values.append(value(column)) }
        return LedgerRow(kind: kind, values: values, sourceRow: sourceRow)
    }

    private func column(_ name: String) -> Int { columnNames.firstIndex(of: name)! }

    /// Columns of the current record that failed, as bits.
    private var failedMask: UInt64 = 0
    /// The last timestamp's date, so that rows of the same day skip the calendar arithmetic.
    private var instantDateMemo = DatePrefixMemo()

    private mutating func fail(_ column: Int, _ bytes: Bytes, _ reason: String, row: Int, errors: inout [RowError]) {
        errors.append(RowError(file: file, row: row, column: columnNames[column], value: shownValue(bytes), reason: reason))
        failedMask |= 1 << UInt64(column)
        slots[column] = .null
    }

    /// An identifier, item code or location off the usual path: fails it for its length, for
    /// IN_TRANSIT, for what a spreadsheet made of a number, for a location the configuration does
    /// not list (in this order, one error per field), else stores it.
    @inline(never)
    private mutating func checkIdentifier(_ column: Int, _ bytes: Bytes, rule: ColumnRule, row: Int, errors: inout [RowError]) {
        var isLocation = false
        var strict = true
        switch rule {
        case .location: isLocation = true
        case .identifier, .returnReference: strict = false
        default: break
        }
        if failIfTooLong(column, bytes, limit: IngestLimits.valueBytes, row: row, errors: &errors) {
        } else if isLocation && isInTransit(bytes) {
            fail(column, bytes, "IN_TRANSIT is a reserved location code", row: row, errors: &errors)
        } else if looksLikeSpreadsheetNumber(bytes, strict: strict) {
            fail(column, bytes, spreadsheetNumberReason, row: row, errors: &errors)
        } else if isLocation && !knownLocations.contains(bytes) {
            fail(column, bytes, "unknown location (countinghouse.toml lists \(knownLocations.listed))", row: row, errors: &errors)
        } else {
            slots[column] = .bytes(bytes.baseAddress!, bytes.count)
        }
    }

    /// Fails a value longer than `limit` bytes; returns whether it did.
    @inline(__always)
    private mutating func failIfTooLong(_ column: Int, _ bytes: Bytes, limit: Int, row: Int, errors: inout [RowError]) -> Bool {
        if bytes.count <= limit { return false }
        fail(column, bytes, "too long: \(bytes.count) bytes (at most \(limit))", row: row, errors: &errors)
        return true
    }

    /// Whether a POS line's quantity × unit_price is past the money limit: the one rule across
    /// columns a SALE or COMP line has, checked here without the general path (which reports it).
    private func posLineGrossOutOfRange() -> Bool {
        guard case .integer(let quantity) = slots[posLines.quantity],
            case .integer(let price) = slots[posLines.unitPrice]
        else { return false }
        return isPastTheMoneyLimit(quantity, price)
    }

    /// Whether the row's type is the code at `index` of the type column's code set (-1: none).
    @inline(__always)
    private func typeIs(_ index: Int) -> Bool {
        guard let typeColumn, case .code(let found) = slots[typeColumn] else { return false }
        return found == index
    }

    /// Validates one record into `slots`; appends its errors and returns whether it had none.
    mutating func validate(_ record: CSVRecord, errors: inout [RowError]) -> Bool {
        let row = record.number
        let shapeErrors = recordShapeErrors(record, headerNames: headerNames, file: file)
        if !shapeErrors.isEmpty {
            errors += shapeErrors
            return false
        }

        let errorCountBefore = errors.count
        failedMask = 0
        let columnCount = slots.count
        do {

            for column in 0..<columnCount {
                let position = fieldIndex[column]
                let bytes = position >= 0 ? trimmed(record.bytes(position)) : Bytes(start: nil, count: 0)
                let rule = rules[column]

                // Columns whose meaning depends on the row's type.
                switch rule {
                case .returnReference:
                    if !typeIs(returnType) {
                        slots[column] = .null
                        continue
                    }
                case .receiptNumber:
                    if typeIs(shipType) {
                        if bytes.count > 0 { fail(column, bytes, "receipt_no is only for RECEIVE rows", row: row, errors: &errors) } else { slots[column] = .null }
                        continue
                    }
                    if bytes.count == 0 {
                        slots[column] = typeIs(receiveType) ? .integer(1) : .null
                        continue
                    }
                default:
                    break
                }

                if bytes.count == 0 {
                    if required[column] {
                        fail(column, bytes, "required", row: row, errors: &errors)
                    } else {
                        slots[column] = defaults[column]
                    }
                    continue
                }

                switch rule {
                // Text is stored, so its length is checked (IngestLimits); a number, a time or a
                // code too long to be one fails its own rule, and errors show any value cut short.
                case .text:
                    if !failIfTooLong(column, bytes, limit: maximumBytes[column], row: row, errors: &errors) {
                        slots[column] = .bytes(bytes.baseAddress!, bytes.count)
                    }
                // The usual identifier or code is short and starts with a letter: stored after two
                // comparisons; anything else takes `checkIdentifier`.
                case .identifier, .itemCode, .returnReference(isLineNumber: false):
                    if bytes.count <= IngestLimits.valueBytes && !mayBeSpreadsheetNumber(bytes) {
                        slots[column] = .bytes(bytes.baseAddress!, bytes.count)
                    } else {
                        checkIdentifier(column, bytes, rule: rule, row: row, errors: &errors)
                    }
                case .location:
                    if bytes.count <= IngestLimits.valueBytes && !mayBeSpreadsheetNumber(bytes) && !isInTransit(bytes)
                        && (knownLocations.isEmpty || knownLocations.contains(bytes))
                    {
                        slots[column] = .bytes(bytes.baseAddress!, bytes.count)
                    } else {
                        checkIdentifier(column, bytes, rule: rule, row: row, errors: &errors)
                    }
                case .code(let set):
                    let codes = codeSets[set]
                    if let index = codes.match(bytes) {
                        slots[column] = .code(index)
                    } else if !failIfTooLong(column, bytes, limit: IngestLimits.valueBytes, row: row, errors: &errors) {
                        fail(
                            column, bytes,
                            "unknown \(codes.noun) \(String(decoding: bytes, as: UTF8.self)) (expected \(listed(codes.codes)))",
                            row: row, errors: &errors)
                    }
                case .lowercaseCode:
                    if bytes.contains(UInt8(ascii: ":")) {
                        // Journal entry ids (PAYOUT:date:processor:payout) use `:` between their parts.
                        fail(column, bytes, "a processor code cannot contain ':'", row: row, errors: &errors)
                    } else if !failIfTooLong(column, bytes, limit: IngestLimits.valueBytes, row: row, errors: &errors) {
                        slots[column] = .lowercased(bytes.baseAddress!, bytes.count)
                    }
                case .lineNumber, .receiptNumber, .returnReference(isLineNumber: true):
                    switch parseLineNumber(bytes) {
                    case .success(let number): slots[column] = .integer(number)
                    case .failure(let problem): fail(column, bytes, problem.reason, row: row, errors: &errors)
                    }
                case .quantity(let sign):
                    // Past the limit (or past Int64) is out of range before its sign is looked at.
                    switch parseWholeNumber(bytes) {
                    case .success(let number) where number.magnitude <= IngestLimits.quantityUnits:
                        if let reason = signProblem(number, sign) { fail(column, bytes, reason, row: row, errors: &errors) } else { slots[column] = .integer(number) }
                    case .success:
                        fail(column, bytes, limitReasons.quantity, row: row, errors: &errors)
                    case .failure(.numberOutOfRange):
                        fail(column, bytes, limitReasons.quantity, row: row, errors: &errors)
                    case .failure(let problem):
                        // "not a number" says what to do about `1E+3` or `1.234,5`.
                        let reason = problem.reason == "not a number" ? notANumberReason(bytes) : problem.reason
                        fail(column, bytes, reason, row: row, errors: &errors)
                    }
                case .money(let sign):
                    switch parseMinorUnits(bytes, exponent: currencyExponent) {
                    case .success(let amount) where amount.magnitude <= IngestLimits.moneyMinorUnits:
                        if let reason = signProblem(amount, sign) { fail(column, bytes, reason, row: row, errors: &errors) } else { slots[column] = .integer(amount) }
                    case .success, .failure(.outOfRange):
                        fail(column, bytes, limitReasons.amount(sign), row: row, errors: &errors)
                    case .failure(.notANumber):
                        fail(column, bytes, notANumberReason(bytes), row: row, errors: &errors)
                    case .failure(let problem):
                        let reason = problem.fieldProblem(currency: functionalCurrency, exponent: currencyExponent).reason
                        fail(column, bytes, reason, row: row, errors: &errors)
                    }
                case .instant:
                    switch parseInstant(bytes, memo: &instantDateMemo) {
                    case .success(let instant): slots[column] = .integer(instant.nanosecondsSinceEpoch)
                    case .failure(let problem): fail(column, bytes, withSlashedDateHint(problem.reason, bytes), row: row, errors: &errors)
                    }
                case .date:
                    switch parseDate(bytes) {
                    case .success(let date): slots[column] = .date(date.daysSinceEpoch)
                    case .failure(let problem): fail(column, bytes, withSlashedDateHint(problem.reason, bytes), row: row, errors: &errors)
                    }
                case .currency:
                    if isFunctionalCurrency(bytes) {
                        slots[column] = .functionalCurrency
                        continue
                    }
                    switch parseCurrency(bytes, functionalCurrency: functionalCurrency) {
                    case .success: slots[column] = .functionalCurrency
                    case .failure(let problem): fail(column, bytes, problem.reason, row: row, errors: &errors)
                    }
                }
            }
        }

        var failed = failedMask
        if kind != .posLines || typeIs(returnType) || posLineGrossOutOfRange() {
            checkAcrossColumns(row: row, failed: &failed, errors: &errors)
        }
        if failed & keyMask == 0 { checkKey(row: row) }
        return errors.count == errorCountBefore
    }

    /// The rules that span columns of one row.
    private mutating func checkAcrossColumns(row: Int, failed: inout UInt64, errors: inout [RowError]) {
        func isFailed(_ name: String) -> Bool { failed & (1 << UInt64(column(name))) != 0 }
        func fail(_ name: String, _ reason: String) {
            let index = column(name)
            errors.append(RowError(file: file, row: row, column: name, value: value(index).description, reason: reason))
            failed |= 1 << UInt64(index)
        }
        func slot(_ name: String) -> Slot { slots[column(name)] }
        /// Units × a unit amount is within the money limit, like the amounts: the journal and the
        /// costing multiply them and sum the products.
        func checkProductFits(_ units: String, _ amount: String) {
            guard case .integer(let count) = slot(units), case .integer(let price) = slot(amount) else { return }
            if isPastTheMoneyLimit(count, price) {
                errors.append(
                    RowError(
                        file: file, row: row, column: amount, value: formatMinorUnits(price, exponent: currencyExponent),
                        reason: "\(units) × \(amount) is out of range (at most \(limitReasons.moneyLimit))"))
                failed |= 1 << UInt64(column(amount))
            }
        }
        switch kind {
        case .posLines:
            // By the indices found once: this runs on every RETURN line.
            let orderColumn = posLines.originalOrderID
            let lineColumn = posLines.originalLineNumber
            if typeIs(returnType) && failed & (1 << UInt64(orderColumn)) == 0 && failed & (1 << UInt64(lineColumn)) == 0 {
                // original_order_id alone names the order (FORMATS §2: Square refunds give it so).
                if slots[orderColumn].isNull && !slots[lineColumn].isNull {
                    fail("original_line_no", "original_line_no needs original_order_id")
                }
            }
            // The journal takes the line's gross, quantity × unit_price, in minor units.
            if posLineGrossOutOfRange() { checkProductFits("quantity", "unit_price") }
        case .purchases:
            if typeText == PurchaseType.receive.rawValue && slot("unit_cost").isNull && slot("total_cost").isNull
                && !isFailed("unit_cost") && !isFailed("total_cost")
            {
                fail("unit_cost", "a RECEIVE needs unit_cost or total_cost")
            }
            checkProductFits("quantity", "unit_cost")
        case .counts:
            checkProductFits("counted_quantity", "unit_cost")
        case .settlements:
            if case .integer(let gross) = slot("gross"), case .integer(let fee) = slot("fee"),
                case .integer(let net) = slot("net")
            {
                let (expected, overflow) = gross.subtractingReportingOverflow(fee)
                if overflow || expected != net {
                    let shown = overflow ? "out of range" : formatMinorUnits(expected, exponent: currencyExponent)
                    errors.append(
                        RowError(
                            file: file, row: row, column: "net",
                            value: formatMinorUnits(net, exponent: currencyExponent),
                            reason:
                                "net must equal gross - fee (\(formatMinorUnits(gross, exponent: currencyExponent)) - \(formatMinorUnits(fee, exponent: currencyExponent)) = \(shown))"
                        ))
                    failed |= 1 << UInt64(column("net"))
                }
            }
        case .overrides:
            // A reference column that failed names something, just not validly: its own error says so.
            if slot("payment_ref").isNull && slot("order_id").isNull && slot("record_id").isNull
                && !isFailed("payment_ref") && !isFailed("order_id") && !isFailed("record_id")
            {
                fail("payment_ref", "an override must name a payment_ref, order_id or record_id")
            }
            if !slot("tender_no").isNull && slot("order_id").isNull && !isFailed("order_id") {
                fail("tender_no", "tender_no names a tender of the ticket in order_id, which is empty")
            }
        case .transfers:
            checkTransferLine(row: row, failed: failed, errors: &errors)
        case .posTenders, .items:
            break
        }
    }

    /// All rows of one transfer line (SHIP and its RECEIVEs) name one SKU and the same two
    /// locations; the later row of a disagreeing pair is the one reported.
    private mutating func checkTransferLine(row: Int, failed: UInt64, errors: inout [RowError]) {
        let names = ["transfer_id", "line_no", "type", "sku", "from_location", "to_location"]
        if names.contains(where: { failed & (1 << UInt64(column($0))) != 0 }) { return }
        guard case .text(let transfer) = value(column("transfer_id")), case .integer(let line) = value(column("line_no")),
            case .text(let type) = value(column("type")), case .text(let sku) = value(column("sku")),
            case .text(let from) = value(column("from_location")), case .text(let to) = value(column("to_location"))
        else { return }
        let key = "\(transfer.utf8.count):\(transfer)#\(line)"
        guard let first = transferLines[key] else {
            transferLines[key] = TransferLine(row: row, type: type, sku: sku, fromLocation: from, toLocation: to)
            return
        }
        for (name, mine, theirs) in [("sku", sku, first.sku), ("from_location", from, first.fromLocation), ("to_location", to, first.toLocation)]
        where mine != theirs {
            errors.append(
                RowError(
                    file: file, row: row, column: name, value: mine,
                    reason: "differs from row \(first.row), the \(first.type) of transfer \(transfer) line \(line) (\"\(theirs)\")"
                ))
        }
    }

    /// A natural key repeated inside the file is a row error, even when the rows are identical.
    /// The key is encoded straight into the collector's arena (`KeyEncoding`).
    private mutating func checkKey(row: Int) {
        let length = KeyEncoding.length(of: slots, columns: keyColumns)
        KeyEncoding.encode(slots, columns: keyColumns, into: keysSeen.reserve(length))
        keysSeen.commit(length, row: row)
    }

    /// Takes the keys `other` collected (from the records after this validator's, numbered from 1
    /// there) as if this validator had seen them, `rowOffset` rows later.
    func appendKeys(of other: RowValidator, rowOffset: Int) {
        keysSeen.append(contentsOf: other.keysSeen, rowOffset: rowOffset)
    }

    /// Makes room for the keys of about `byteCount` bytes of records (see `KeyCollector`).
    func reserveKeyCapacity(forRowBytes byteCount: Int64) {
        keysSeen.reserveCapacity(forRowBytes: byteCount)
    }

    /// Sorts the keys' hashes collected so far on the calling thread (see `KeyCollector`).
    func sortKeyHashes() {
        keysSeen.sortHashes()
    }

    /// The in-file duplicate keys, as row errors (once the whole file has been read).
    func duplicateKeyErrors() -> [RowError] {
        keysSeen.duplicates().map { duplicate in
            RowError(
                file: file, row: duplicate.row,
                reason: "duplicate key \(describeKey(duplicate.key)) (first on row \(duplicate.firstRow))")
        }
    }

    /// `order_id T1, line_no 3` from the bytes `checkKey` encoded.
    private func describeKey(_ key: [UInt8]) -> String {
        var parts: [String] = []
        var index = 0
        func integer() -> Int64 {
            var value: UInt64 = 0
            for offset in 0..<8 { value |= UInt64(key[index + offset]) << (8 * UInt64(offset)) }
            index += 8
            return Int64(bitPattern: value)
        }
        for column in keyColumns {
            let tag = key[index]
            index += 1
            let name = columnNames[column]
            switch tag {
            case 1:
                var length = 0
                for offset in 0..<4 { length |= Int(key[index + offset]) << (8 * offset) }
                index += 4
                parts.append("\(name) \(String(decoding: key[index..<(index + length)], as: UTF8.self))")
                index += length
            case 2: parts.append("\(name) \(integer())")
            case 3:
                if case .code(let set) = rules[column] { parts.append("\(name) \(CodeSet.all[set].codes[Int(key[index])])") }
                index += 1
            case 4: parts.append("\(name) \(functionalCurrency)")
            case 5: parts.append("\(name) \(CivilDate(daysSinceEpoch: integer()))")
            default: break
            }
        }
        return parts.joined(separator: ", ")
    }
}

/// Whether units × a unit amount is past the money limit (an Int64 overflow included).
@inline(__always)
private func isPastTheMoneyLimit(_ units: Int64, _ amount: Int64) -> Bool {
    let (product, overflow) = units.multipliedReportingOverflow(by: amount)
    return overflow || product.magnitude > IngestLimits.moneyMinorUnits
}

private func signProblem(_ number: Int64, _ sign: QuantitySign) -> String? {
    switch sign {
    case .any: return nil
    case .nonNegative: return number < 0 ? "must not be negative" : nil
    case .positive: return number <= 0 ? "must be greater than 0" : nil
    }
}

/// FORMATS §3.0's words for an identifier a spreadsheet turned into a number (computed, not a
/// global constant: a lazy global's access would cost its check on the path every row takes).
private var spreadsheetNumberReason: String {
    "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"
}

/// A field's text as an error shows it: whole up to the limit of a value, else its first bytes and
/// an ellipsis, so that a field of megabytes does not become a message of megabytes.
func shownValue(_ bytes: Bytes) -> String {
    if bytes.count <= IngestLimits.valueBytes { return String(decoding: bytes, as: UTF8.self) }
    var end = 40
    // Cut before a character, not inside one: back over UTF-8 continuation bytes (10xxxxxx).
    while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
    return String(decoding: Bytes(rebasing: bytes[..<end]), as: UTF8.self) + "…"
}

/// `A, B or C`.
func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}

/// The errors that reject a record before any field is read, for canonical and vendor files alike:
/// the reader's problem with it (bad quoting, a record too long), a field count other than the
/// header's, and every field that is not valid UTF-8 or holds a NUL byte. Empty for a well-formed
/// record.
@inline(__always)
func recordShapeErrors(_ record: CSVRecord, headerNames: [String], file: String) -> [RowError] {
    let row = record.number
    if let problem = record.problem {
        let column = problem.fieldIndex.flatMap { $0 < headerNames.count ? columnName(headerNames, $0) : nil }
        return [RowError(file: file, row: row, column: column, reason: problem.reason)]
    }
    if record.fieldCount != headerNames.count {
        return [RowError(file: file, row: row, reason: fieldCountReason(record, headerCount: headerNames.count))]
    }
    guard record.hasNonASCII else { return [] }
    var errors: [RowError] = []
    for index in 0..<record.fieldCount {
        let bytes = record.bytes(index)
        if bytes.contains(0) {
            // Not shown: a NUL in a message cuts it short in a terminal or a log.
            errors.append(RowError(file: file, row: row, column: columnName(headerNames, index), reason: nulValueReason))
        } else if !isValidUTF8(bytes) {
            errors.append(
                RowError(file: file, row: row, column: columnName(headerNames, index), value: shownValue(bytes), reason: invalidUTF8Reason))
        }
    }
    return errors
}

/// A column as an error names it: by its header name, or by its position when the header leaves it
/// unnamed (`a,,b`), so that no error names an empty column (found by the fuzz harness).
private func columnName(_ headerNames: [String], _ index: Int) -> String {
    headerNames[index].isEmpty ? "\(index + 1) (unnamed in the header)" : headerNames[index]
}

/// "has N fields but the header has M", with the likely cause when there is one: NUL bytes (a file
/// padded by a crash, or not text), or a few more fields than the header (a comma in an unquoted
/// value, such as a decimal comma; error path only).
private func fieldCountReason(_ record: CSVRecord, headerCount: Int) -> String {
    let reason = "has \(record.fieldCount) fields but the header has \(headerCount)"
    if (0..<record.fieldCount).contains(where: { record.bytes($0).contains(0) }) {
        return reason + "; it holds NUL bytes (0x00): the file is damaged (cut short or padded by a crash?) or not a CSV text file"
    }
    if record.fieldCount > headerCount && record.fieldCount <= headerCount + 4 {
        return reason + " (a value holding ',' must be in quotes: is a decimal comma (1.234,56) or a thousands separator not quoted?)"
    }
    return reason
}
