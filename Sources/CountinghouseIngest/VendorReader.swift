// A vendor file's rows, mapped onto canonical rows in front of the canonical validator.
//
// Place in the pipeline: `FileIngestor.run` hands each record of a file whose header announced a
// vendor format (VendorFormat.swift) to `VendorReader.read` instead of `RowValidator.validate`.
// The reader checks the record as a vendor row (its own spellings: StripeMapping.swift,
// AdyenMapping.swift, SquareMapping.swift), writes each canonical row it gives as the text of a
// canonical record into its own buffer, and passes that record to the same `RowValidator` a
// canonical file of the kind uses: so the values, defaults, rules, natural keys and in-file
// duplicates are the canonical ones, and identical content gives identical `LedgerRow`s whichever
// file carried it (a re-export under another name is a duplicate, not a new row).
// Invariants: every error names the vendor's column (as the file's header writes it) and the row
// number in the delivered file (header = 1); a row whose fields are all empty is skipped anywhere;
// a vendor row with a vendor-level error is not validated further; rows are handed out only when
// every canonical row of their vendor row is valid.
// Errors a user can see: the canonical validator's (renamed to the vendor's columns), the CSV
// reader's, "has N fields but the header has M", "invalid UTF-8", and the formats' own (see each
// mapping file), among them FORMATS §3.0's "looks like a number a spreadsheet rewrote; export the
// file again without opening it in a spreadsheet" for every id column a format reads.

import CountinghouseCore

/// One canonical column's text, before validation.
enum DraftValue {
    case empty
    /// The (trimmed) text of the vendor record's field at this position.
    case field(Int)
    case text(String)
    /// A field of shape `YYYY-MM-DD HH:MM:SS` (checked by `isWallClock`) written with a `T`, then
    /// `suffix` (an offset, or `Z`): no string is built for the row's time.
    case wallClock(Int, suffix: String)
    /// The first `count` bytes of a field (the date of a timestamp).
    case prefix(Int, count: Int)
    /// An amount in minor units, written as a plain decimal with `exponent` decimals.
    case minorUnits(Int64, exponent: Int)
}

/// One canonical row under construction: per column (schema order) its text and the vendor field
/// that named it (-1: none, the canonical name is shown).
struct CanonicalDraft {
    var values: [DraftValue]
    var sources: [Int]
    /// Whether an error shows the source field's text rather than the canonical text made of it
    /// (a timestamp rewritten with its zone: the user looks for what the file says).
    var showsSource: [Bool]

    init(columnCount: Int) {
        values = Array(repeating: .empty, count: columnCount)
        sources = Array(repeating: -1, count: columnCount)
        showsSource = Array(repeating: false, count: columnCount)
    }

    mutating func set(_ column: Int, _ value: DraftValue, from source: Int?, showingSource: Bool = false) {
        values[column] = value
        sources[column] = source ?? -1
        showsSource[column] = showingSource
    }

    /// A field copied as it is.
    mutating func copy(_ column: Int, from source: Int?) {
        guard let source else { return }
        values[column] = .field(source)
        sources[column] = source
    }
}

/// The bytes of the canonical record being validated, and its fields: owned here, so the
/// validator's slots (pointers into it) stay valid until the row is handed out.
final class DraftRecordBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    let fields: UnsafeMutablePointer<CSVField>
    let fieldCount: Int

    init(fieldCount: Int) {
        capacity = 4096
        bytes = .allocate(capacity: capacity)
        self.fieldCount = fieldCount
        fields = .allocate(capacity: fieldCount)
        fields.initialize(repeating: CSVField(start: 0, end: 0), count: fieldCount)
    }

    deinit {
        bytes.deallocate()
        fields.deinitialize(count: fieldCount)
        fields.deallocate()
    }

    /// Writes the draft's texts, reading `.field` values from `record`.
    func fill(_ draft: CanonicalDraft, record: CSVRecord) {
        count = 0
        for column in 0..<fieldCount {
            let start = count
            switch draft.values[column] {
            case .empty: break
            case .field(let position): append(trimmed(record.bytes(position)))
            case .text(let text):
                var text = text
                text.withUTF8 { append($0) }
            case .wallClock(let position, let suffix):
                append(trimmed(record.bytes(position)))
                if count - start > 10 { bytes[start + 10] = UInt8(ascii: "T") }
                var suffix = suffix
                suffix.withUTF8 { append($0) }
            case .prefix(let position, let length):
                let field = trimmed(record.bytes(position))
                append(Bytes(rebasing: field[..<min(length, field.count)]))
            case .minorUnits(let amount, let exponent):
                appendDecimal(amount, exponent: exponent)
            }
            fields[column] = CSVField(start: start, end: count)
        }
    }

    /// `-1234.50` for -123450 with 2 decimals, as `formatMinorUnits` writes it, straight into the
    /// buffer (no string per amount).
    private func appendDecimal(_ amount: Int64, exponent: Int) {
        var magnitude = amount.magnitude
        var digitCount = 0
        var probe = magnitude
        repeat {
            digitCount += 1
            probe /= 10
        } while probe > 0
        digitCount = max(digitCount, exponent + 1)
        let length = (amount < 0 ? 1 : 0) + digitCount + (exponent > 0 ? 1 : 0)
        reserve(length)
        var position = count + length
        for written in 0..<digitCount {
            if exponent > 0 && written == exponent {
                position -= 1
                bytes[position] = UInt8(ascii: ".")
            }
            position -= 1
            bytes[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        if amount < 0 { bytes[count] = UInt8(ascii: "-") }
        count += length
    }

    /// Room for `extra` more bytes.
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let larger = max(capacity * 2, count + extra)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        grown.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = grown
        capacity = larger
    }

    private func append(_ source: Bytes) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        reserve(source.count)
        (bytes + count).update(from: base, count: source.count)
        count += source.count
    }

    func record(number: Int) -> CSVRecord {
        CSVRecord(
            base: UnsafePointer(bytes), fields: UnsafeBufferPointer(start: fields, count: fieldCount), number: number,
            problem: nil, hasNonASCII: false)
    }
}

/// Reads the records of one vendor file.
struct VendorReader {
    let format: VendorFormat
    let file: String
    /// The canonical kind's validator, over a header of the kind's columns in schema order.
    private(set) var validator: RowValidator
    /// The header's fields as written (trimmed): the names errors show.
    let rawNames: [String]
    let columnNames: [String]
    private let buffer: DraftRecordBuffer
    /// Per-file counters: Adyen's repeated account-level rows, Square's lines per ticket.
    var occurrences: [String: Int] = [:]
    /// The drafts of the current vendor row (reused).
    var drafts: [CanonicalDraft] = []
    var draftCount = 0
    /// Per-format columns and settings, found once.
    var stripe: StripeColumns?
    var adyen: AdyenColumns?
    var square: SquareColumns?

    init(format: VendorFormat, header: HeaderColumns, rawNames: [String], file: String, settings: IngestSettings) {
        self.format = format
        self.file = file
        self.rawNames = rawNames
        let schema = format.kind.schema
        columnNames = schema.columns.map(\.name)
        validator = RowValidator(
            kind: format.kind, header: HeaderColumns(names: columnNames), headerNames: columnNames, file: file, settings: settings)
        buffer = DraftRecordBuffer(fieldCount: columnNames.count)
        switch format {
        case .stripeItemized, .stripePayouts: stripe = StripeColumns(header, rawNames: rawNames, settings: settings)
        case .adyenSettlementDetails: adyen = AdyenColumns(header, settings: settings)
        case .squareItemsDetail, .squareTransactions: square = SquareColumns(header, settings: settings)
        }
    }

    /// A fresh draft for the current vendor row (the `draftCount`-th).
    mutating func newDraft() -> Int {
        if draftCount == drafts.count {
            drafts.append(CanonicalDraft(columnCount: columnNames.count))
        } else {
            // Reset in place: a fresh draft per row would allocate its arrays every time.
            for column in 0..<columnNames.count { drafts[draftCount].set(column, .empty, from: nil) }
        }
        draftCount += 1
        return draftCount - 1
    }

    /// Whether every field of the record is empty (`""` included): such a row is skipped.
    static func isBlank(_ record: CSVRecord) -> Bool {
        if record.problem != nil { return false }
        for index in 0..<record.fieldCount where trimmed(record.bytes(index)).count > 0 { return false }
        return true
    }

    /// An error about the vendor field at `position`.
    func error(_ record: CSVRecord, _ position: Int, _ reason: String) -> RowError {
        RowError(file: file, row: record.number, column: rawNames[position], value: shownValue(trimmed(record.bytes(position))), reason: reason)
    }

    /// FORMATS §3.0: an id column holding what a spreadsheet made of a long number.
    func checkIdentifiers(_ record: CSVRecord, _ positions: [Int?], errors: inout [RowError]) {
        for case let position? in positions where looksLikeSpreadsheetNumber(trimmed(record.bytes(position)), strict: false) {
            errors.append(
                error(
                    record, position,
                    "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"))
        }
    }

    /// Checks one vendor record; appends its errors and returns whether it had none. When
    /// `emitting`, hands out its canonical rows (when all of them are valid).
    mutating func read(
        _ record: CSVRecord, errors: inout [RowError], emitting: Bool, emit: (LedgerRow) throws -> Void
    ) rethrows -> Bool {
        let row = record.number
        let shapeErrors = recordShapeErrors(record, headerNames: rawNames, file: file)
        if !shapeErrors.isEmpty {
            errors += shapeErrors
            return false
        }
        draftCount = 0
        let errorCountBefore = errors.count
        switch format {
        case .stripeItemized, .stripePayouts: mapStripe(record, errors: &errors)
        case .adyenSettlementDetails: mapAdyen(record, errors: &errors)
        case .squareItemsDetail: mapSquareItem(record, errors: &errors)
        case .squareTransactions: mapSquareTransaction(record, errors: &errors)
        }
        if errors.count > errorCountBefore { return false }

        var rows: [LedgerRow] = []
        var valid = true
        var found: [RowError] = []
        for index in 0..<draftCount {
            let draft = drafts[index]
            buffer.fill(draft, record: record)
            found.removeAll(keepingCapacity: true)
            if validator.validate(buffer.record(number: row), errors: &found) {
                if emitting { rows.append(validator.row(sourceRow: row)) }
            } else {
                valid = false
                for error in found { errors.append(renamed(error, draft: draft, record: record)) }
            }
        }
        if valid && emitting {
            for canonical in rows { try emit(canonical) }
        }
        return valid
    }

    /// The validator's error with the vendor's column name in place of the canonical one.
    private func renamed(_ error: RowError, draft: CanonicalDraft, record: CSVRecord) -> RowError {
        guard let column = error.column, let index = columnNames.firstIndex(of: column) else { return error }
        let source = draft.sources[index]
        guard source >= 0 else { return error }
        let value = draft.showsSource[index] ? shownValue(trimmed(record.bytes(source))) : error.value
        return RowError(file: error.file, row: error.row, column: rawNames[source], value: value, reason: error.reason)
    }
}

/// The canonical settlements columns' indices, found once.
struct SettlementColumns {
    let processor, recordID, type, occurredAt, currency, gross, fee, net: Int
    let paymentRef, orderID, availableOn, payoutID, vendorCategory, paymentMethod: Int

    static let shared = SettlementColumns()

    private init() {
        let schema = LedgerKind.settlements.schema
        func index(_ name: String) -> Int {
            guard let index = schema.index(of: name) else { preconditionFailure("settlements lacks \(name)") }
            return index
        }
        processor = index("processor")
        recordID = index("record_id")
        type = index("type")
        occurredAt = index("occurred_at")
        currency = index("currency")
        gross = index("gross")
        fee = index("fee")
        net = index("net")
        paymentRef = index("payment_ref")
        orderID = index("order_id")
        availableOn = index("available_on")
        payoutID = index("payout_id")
        vendorCategory = index("vendor_category")
        paymentMethod = index("payment_method")
    }
}

// MARK: Shared spellings

/// Whether the bytes are `YYYY-MM-DD HH:MM:SS` (or a `T` for the space): the 19 bytes' shape,
/// without the calendar (the canonical validator checks the date is real).
func isWallClock(_ bytes: Bytes) -> Bool {
    guard bytes.count == 19 else { return false }
    for position in 0..<19 {
        switch position {
        case 4, 7: if bytes[position] != UInt8(ascii: "-") { return false }
        case 13, 16: if bytes[position] != UInt8(ascii: ":") { return false }
        case 10: if bytes[position] != 0x20 && bytes[position] != UInt8(ascii: "T") { return false }
        default: if bytes[position] &- UInt8(ascii: "0") >= 10 { return false }
        }
    }
    return true
}

/// `+05:30` for an offset in seconds.
func offsetText(_ seconds: Int) -> String {
    let magnitude = abs(seconds)
    let hours = magnitude / 3600
    let minutes = magnitude % 3600 / 60
    return (seconds < 0 ? "-" : "+") + (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
}

/// Text of trimmed bytes.
func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
