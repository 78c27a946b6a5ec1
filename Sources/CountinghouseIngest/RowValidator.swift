// The row validator: one CSV record to one `LedgerRow`'s values, or row errors.
//
// Place in the pipeline: after the header has fixed the kind and the column positions, every record
// goes through `RowValidator.validate`. It parses each column by its rule (FieldParsing.swift),
// applies defaults so identical content means identical values, and checks the rules that span
// columns (a RETURN's two reference columns, a RECEIVE's costs, net = gross − fee) and rows of the
// same file (a natural key repeated; a transfer line's SKU and locations).
//
// Decisions where FORMATS is silent (documented in the README's ingest section too):
// - Every text value is trimmed; an empty optional value is `.null`, except the defaults: discount
//   and tax 0, currency the functional currency, transfers' receipt_no 1 on RECEIVE.
// - pos_lines original_order_id / original_line_no are ignored (stored null, not validated) on
//   SALE and COMP lines, as FORMATS says; on purchases, tenders and settlements optional columns are
//   kept as given.
// - Codes (`type`, `tender`, `action`, currency) are upper-cased; `processor` is lower-cased so POS
//   and settlement files agree on `stripe`; a CARD tender may leave `processor` empty (the
//   reconciliation shows it unmatched rather than the file being rejected).
// - tax may be negative; COMP lines are not forced to price 0; an override must name at least one
//   of payment_ref, order_id, record_id.
// - A row gets one error per bad column (not only the first), and its cross-row checks run only on
//   columns that parsed.
// Errors a user can see (beyond FieldParsing's): "required", "must be greater than 0", "must not be
// negative", "unknown type X (expected SALE, RETURN or COMP)", "IN_TRANSIT is a reserved location
// code", "invalid UTF-8", "has N fields but the header has M", "original_order_id and
// original_line_no go together (both or neither)", "receipt_no is only for RECEIVE rows", "a
// RECEIVE needs unit_cost or total_cost", "net must equal gross - fee (10.00 - 0.30 = 9.70)", "an
// override must name a payment_ref, order_id or record_id", "duplicate key order_id A1, line_no 3
// (first on row 2)", "differs from row 2, the SHIP of transfer T1 line 1 (\"SKU-A\")".

import CountinghouseCore

/// How one column's text becomes a value.
enum ColumnRule {
    /// Trimmed text: identifiers and free text.
    case text
    /// An identifier naming a location; `IN_TRANSIT` is reserved.
    case location
    /// One of a fixed set of upper-case codes; `noun` names it in the error.
    case code(allowed: [String], noun: String)
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

/// Validates the records of one file of one kind.
struct RowValidator {
    let kind: LedgerKind
    let file: String
    let functionalCurrency: String
    let currencyExponent: Int
    private let columnNames: [String]
    private let rules: [ColumnRule]
    private let defaults: [FieldValue]
    private let required: [Bool]
    /// Column (schema order) → 0-based field index in the record, or -1 when the file lacks it.
    private let fieldIndex: [Int]
    private let headerNames: [String]
    private let keyColumns: [Int]
    private let keyMask: UInt64
    private let typeColumn: Int?

    /// The values of the last record validated, in schema order.
    private(set) var values: [FieldValue]
    /// Natural key → the row it was first seen on.
    private var keysSeen: [String: Int] = [:]
    /// transfers: (transfer_id, line_no) → the first row of that transfer line.
    private var transferLines: [String: TransferLine] = [:]

    private struct TransferLine {
        var row: Int
        var type: String
        var sku: String
        var fromLocation: String
        var toLocation: String
    }

    init(kind: LedgerKind, header: HeaderColumns, headerNames: [String], file: String, functionalCurrency: String) {
        self.kind = kind
        self.file = file
        self.functionalCurrency = functionalCurrency
        self.currencyExponent = CurrencyTable.exponent(of: functionalCurrency) ?? 2
        self.headerNames = headerNames
        let schema = kind.schema
        columnNames = schema.columns.map(\.name)
        rules = schema.columns.map { RowValidator.rule(kind: kind, column: $0) }
        required = schema.columns.map(\.requiredInFile)
        defaults = schema.columns.map { column -> FieldValue in
            switch column.name {
            case "discount", "tax": return .integer(0)
            case "currency": return .text(functionalCurrency)
            default: return .null
            }
        }
        fieldIndex = schema.columns.map { header.position(of: $0.name) ?? -1 }
        keyColumns = schema.naturalKey
        keyMask = schema.naturalKey.reduce(0) { $0 | (1 << UInt64($1)) }
        typeColumn = schema.index(of: "type")
        values = Array(repeating: .null, count: schema.columns.count)
        precondition(schema.columns.count < 64, "a kind has more columns than the failure mask holds")
    }

    private static let locationColumns: Set<String> = ["location", "from_location", "to_location"]

    private static func rule(kind: LedgerKind, column: ColumnSpec) -> ColumnRule {
        switch (kind, column.name) {
        case (.posLines, "type"): return .code(allowed: ["SALE", "RETURN", "COMP"], noun: "type")
        case (.posLines, "original_order_id"): return .returnReference(isLineNumber: false)
        case (.posLines, "original_line_no"): return .returnReference(isLineNumber: true)
        case (.posLines, "quantity"), (.purchases, "quantity"), (.transfers, "quantity"): return .quantity(.positive)
        case (.posTenders, "tender"): return .code(allowed: ["CARD", "CASH", "GIFT_CARD", "OTHER"], noun: "tender")
        case (.posTenders, "type"): return .code(allowed: ["PAYMENT", "REFUND"], noun: "type")
        case (.posTenders, "amount"): return .money(.positive)
        case (.purchases, "type"): return .code(allowed: ["RECEIVE", "RETURN"], noun: "type")
        case (.transfers, "type"): return .code(allowed: ["SHIP", "RECEIVE"], noun: "type")
        case (.transfers, "receipt_no"): return .receiptNumber
        case (.settlements, "type"):
            return .code(
                allowed: [
                    "CAPTURE", "REFUND", "REFUND_FAILURE", "CHARGEBACK", "CHARGEBACK_REVERSAL", "FEE", "PAYOUT",
                    "PAYOUT_FAILURE", "ADJUSTMENT",
                ], noun: "type")
        case (.settlements, "gross"), (.settlements, "fee"), (.settlements, "net"), (.posLines, "tax"):
            return .money(.any)
        case (.overrides, "action"): return .code(allowed: ["MATCH", "WRITE_OFF", "IGNORE"], noun: "action")
        case (_, "processor"): return .lowercaseCode
        case (_, "currency"): return .currency
        case (_, "line_no"), (_, "tender_no"): return .lineNumber
        default:
            if locationColumns.contains(column.name) { return .location }
            switch column.type {
            case .text: return .text
            case .integer: return .quantity(.nonNegative)
            case .money: return .money(.nonNegative)
            case .instant: return .instant
            case .date: return .date
            }
        }
    }

    /// Validates one record into `values`; appends its errors and returns whether it had none.
    mutating func validate(_ record: CSVRecord, errors: inout [RowError]) -> Bool {
        let row = record.number
        if let problem = record.problem {
            let column = problem.fieldIndex.flatMap { $0 < headerNames.count ? headerNames[$0] : nil }
            errors.append(RowError(file: file, row: row, column: column, reason: problem.reason))
            return false
        }
        if record.fieldCount != headerNames.count {
            errors.append(
                RowError(
                    file: file, row: row,
                    reason: "has \(record.fieldCount) fields but the header has \(headerNames.count)"))
            return false
        }
        if record.hasNonASCII {
            var valid = true
            for index in 0..<record.fieldCount where !isValidUTF8(record.bytes(index)) {
                errors.append(
                    RowError(
                        file: file, row: row, column: headerNames[index],
                        value: String(decoding: record.bytes(index), as: UTF8.self), reason: "invalid UTF-8"))
                valid = false
            }
            if !valid { return false }
        }

        let errorCountBefore = errors.count
        var failed: UInt64 = 0

        func fail(_ column: Int, _ bytes: Bytes, _ reason: String) {
            errors.append(
                RowError(
                    file: file, row: row, column: columnNames[column],
                    value: String(decoding: bytes, as: UTF8.self), reason: reason))
            failed |= 1 << UInt64(column)
            values[column] = .null
        }

        for column in 0..<values.count {
            let position = fieldIndex[column]
            let bytes = position >= 0 ? trimmed(record.bytes(position)) : Bytes(start: nil, count: 0)
            let rule = rules[column]

            // Columns whose meaning depends on the row's type.
            switch rule {
            case .returnReference:
                if typeText != "RETURN" {
                    values[column] = .null
                    continue
                }
            case .receiptNumber:
                let type = typeText
                if type == "SHIP" {
                    if bytes.count > 0 { fail(column, bytes, "receipt_no is only for RECEIVE rows") } else { values[column] = .null }
                    continue
                }
                if bytes.count == 0 {
                    values[column] = type == "RECEIVE" ? .integer(1) : .null
                    continue
                }
            default:
                break
            }

            if bytes.count == 0 {
                if required[column] {
                    fail(column, bytes, "required")
                } else {
                    values[column] = defaults[column]
                }
                continue
            }

            switch rule {
            case .text:
                values[column] = .text(String(decoding: bytes, as: UTF8.self))
            case .location:
                if isInTransit(bytes) {
                    fail(column, bytes, "IN_TRANSIT is a reserved location code")
                } else {
                    values[column] = .text(String(decoding: bytes, as: UTF8.self))
                }
            case .code(let allowed, let noun):
                if let code = matchCode(bytes, allowed) {
                    values[column] = .text(code)
                } else {
                    fail(
                        column, bytes,
                        "unknown \(noun) \(String(decoding: bytes, as: UTF8.self)) (expected \(listed(allowed)))")
                }
            case .lowercaseCode:
                values[column] = .text(String(decoding: bytes.map(asciiLowercase), as: UTF8.self))
            case .lineNumber, .receiptNumber, .returnReference(isLineNumber: true):
                switch parseLineNumber(bytes) {
                case .success(let number): values[column] = .integer(number)
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            case .returnReference(isLineNumber: false):
                values[column] = .text(String(decoding: bytes, as: UTF8.self))
            case .quantity(let sign):
                switch parseWholeNumber(bytes) {
                case .success(let number):
                    if let reason = signProblem(number, sign) { fail(column, bytes, reason) } else { values[column] = .integer(number) }
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            case .money(let sign):
                switch parseMoney(bytes, exponent: currencyExponent, currency: functionalCurrency) {
                case .success(let amount):
                    if let reason = signProblem(amount, sign) { fail(column, bytes, reason) } else { values[column] = .integer(amount) }
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            case .instant:
                switch parseInstant(bytes) {
                case .success(let instant): values[column] = .integer(instant.nanosecondsSinceEpoch)
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            case .date:
                switch parseDate(bytes) {
                case .success(let date): values[column] = .text(date.description)
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            case .currency:
                switch parseCurrency(bytes, functionalCurrency: functionalCurrency) {
                case .success(let code): values[column] = .text(code)
                case .failure(let problem): fail(column, bytes, problem.reason)
                }
            }
        }

        checkAcrossColumns(row: row, failed: &failed, errors: &errors)
        if failed & keyMask == 0 { checkKey(row: row, errors: &errors) }
        return errors.count == errorCountBefore
    }

    /// The row's `type` as validated so far, when the kind has one.
    private var typeText: String? {
        guard let typeColumn, case .text(let type) = values[typeColumn] else { return nil }
        return type
    }

    private func value(_ name: String) -> FieldValue {
        values[columnNames.firstIndex(of: name)!]
    }

    private func isFailed(_ name: String, _ failed: UInt64) -> Bool {
        failed & (1 << UInt64(columnNames.firstIndex(of: name)!)) != 0
    }

    /// The rules that span columns of one row.
    private mutating func checkAcrossColumns(row: Int, failed: inout UInt64, errors: inout [RowError]) {
        func fail(_ name: String, _ reason: String) {
            let column = columnNames.firstIndex(of: name)!
            errors.append(RowError(file: file, row: row, column: name, value: values[column].description, reason: reason))
            failed |= 1 << UInt64(column)
        }
        switch kind {
        case .posLines:
            if typeText == "RETURN" && !isFailed("original_order_id", failed) && !isFailed("original_line_no", failed) {
                let order = value("original_order_id")
                let line = value("original_line_no")
                if order.isNull != line.isNull {
                    fail(order.isNull ? "original_order_id" : "original_line_no",
                        "original_order_id and original_line_no go together (both or neither)")
                }
            }
        case .purchases:
            if typeText == "RECEIVE" && value("unit_cost").isNull && value("total_cost").isNull
                && !isFailed("unit_cost", failed) && !isFailed("total_cost", failed)
            {
                fail("unit_cost", "a RECEIVE needs unit_cost or total_cost")
            }
        case .settlements:
            if case .integer(let gross) = value("gross"), case .integer(let fee) = value("fee"),
                case .integer(let net) = value("net")
            {
                let (expected, overflow) = gross.subtractingReportingOverflow(fee)
                if overflow || expected != net {
                    let shown =
                        overflow
                        ? "out of range"
                        : formatMinorUnits(expected, exponent: currencyExponent)
                    errors.append(
                        RowError(
                            file: file, row: row, column: "net",
                            value: formatMinorUnits(net, exponent: currencyExponent),
                            reason:
                                "net must equal gross - fee (\(formatMinorUnits(gross, exponent: currencyExponent)) - \(formatMinorUnits(fee, exponent: currencyExponent)) = \(shown))"
                        ))
                    failed |= 1 << UInt64(columnNames.firstIndex(of: "net")!)
                }
            }
        case .overrides:
            if value("payment_ref").isNull && value("order_id").isNull && value("record_id").isNull {
                fail("payment_ref", "an override must name a payment_ref, order_id or record_id")
            }
        case .transfers:
            checkTransferLine(row: row, failed: failed, errors: &errors)
        case .posTenders, .counts, .items:
            break
        }
    }

    /// All rows of one transfer line (SHIP and its RECEIVEs) name one SKU and the same two
    /// locations; the later row of a disagreeing pair is the one reported.
    private mutating func checkTransferLine(row: Int, failed: UInt64, errors: inout [RowError]) {
        let names = ["transfer_id", "line_no", "type", "sku", "from_location", "to_location"]
        if names.contains(where: { isFailed($0, failed) }) { return }
        guard case .text(let transfer) = value("transfer_id"), case .integer(let line) = value("line_no"),
            case .text(let type) = value("type"), case .text(let sku) = value("sku"),
            case .text(let from) = value("from_location"), case .text(let to) = value("to_location")
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
    private mutating func checkKey(row: Int, errors: inout [RowError]) {
        var key = ""
        for column in keyColumns {
            switch values[column] {
            case .null: key += "~"
            case .integer(let number): key += "#\(number)"
            case .text(let text): key += "\(text.utf8.count):\(text)"
            }
        }
        if let first = keysSeen[key] {
            let shown = keyColumns.compactMap { column -> String? in
                values[column].isNull ? nil : "\(columnNames[column]) \(values[column])"
            }.joined(separator: ", ")
            errors.append(RowError(file: file, row: row, reason: "duplicate key \(shown) (first on row \(first))"))
        } else {
            keysSeen[key] = row
        }
    }
}

private func signProblem(_ number: Int64, _ sign: QuantitySign) -> String? {
    switch sign {
    case .any: return nil
    case .nonNegative: return number < 0 ? "must not be negative" : nil
    case .positive: return number <= 0 ? "must be greater than 0" : nil
    }
}

private let inTransitBytes = Array("IN_TRANSIT".utf8)

private func isInTransit(_ bytes: Bytes) -> Bool {
    bytes.count == inTransitBytes.count && bytes.elementsEqual(inTransitBytes)
}

/// The allowed code equal to `bytes` compared in upper case, or nil.
private func matchCode(_ bytes: Bytes, _ allowed: [String]) -> String? {
    for code in allowed {
        let utf8 = code.utf8
        guard utf8.count == bytes.count else { continue }
        var equal = true
        var index = 0
        for byte in utf8 {
            if asciiUppercase(bytes[index]) != byte {
                equal = false
                break
            }
            index += 1
        }
        if equal { return code }
    }
    return nil
}

/// `A, B or C`.
func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}
