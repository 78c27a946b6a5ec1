// Field parsers: one CSV field's bytes to one typed value, per FORMATS §1.
//
// Place in the pipeline: the row validator calls these on the (trimmed) bytes of each field, in the
// reader's buffer, so no `String` is built for numbers, timestamps or codes. Each parser is a pure
// function returning the value or a `FieldProblem` whose reason is the text a user sees. The
// parsers on the hot path (money, whole numbers, line numbers, dates, timestamps) are in
// FastFieldParsing.swift; this file holds what they share, the words of money's problems, and the
// parsers that need no speed.
// Invariants: money is Int64 minor units and never passes through binary floating point; an
// overflow is a problem, never a trap.
// Errors a user can see from here: "not a number", "too many decimals for USD (at most 2)", "amount
// out of range" (past Int64; the validator words any amount past IngestLimits with the limit),
// "unknown currency", "foreign currency EUR (the ledger's currency is USD)"; and FORMATS §3.0's
// test for an identifier a spreadsheet rewrote, worded by the validator.

import CountinghouseCore

/// Why a field's text is not a valid value.
struct FieldProblem: Error, Hashable {
    let reason: String
    init(_ reason: String) { self.reason = reason }

    /// A whole number past Int64 (the validator words it with the quantity limit).
    static let numberOutOfRange = FieldProblem("number out of range")
}

typealias Bytes = UnsafeBufferPointer<UInt8>

/// The bytes without surrounding spaces and tabs.
@inline(__always)
func trimmed(_ bytes: Bytes) -> Bytes {
    guard var start = bytes.baseAddress else { return bytes }
    var end = start + bytes.count
    while start < end && (start.pointee == 0x20 || start.pointee == 0x09) { start += 1 }
    while end > start && ((end - 1).pointee == 0x20 || (end - 1).pointee == 0x09) { end -= 1 }
    return Bytes(start: start, count: end - start)
}

/// Why money text is not an amount; worded by `fieldProblem` only when it is shown, so the hot
/// path passes no currency name around.
enum MoneyProblem: Error {
    case notANumber
    case tooManyDecimals
    case outOfRange

    func fieldProblem(currency: String, exponent: Int) -> FieldProblem {
        switch self {
        case .notANumber: return FieldProblem("not a number")
        case .tooManyDecimals: return FieldProblem("too many decimals for \(currency) (at most \(exponent))")
        // The validator words this one with the money limit itself (IngestLimits).
        case .outOfRange: return FieldProblem("amount out of range")
        }
    }
}

/// A currency code, upper-cased, that must be the ledger's functional currency. Returns the code.
func parseCurrency(_ bytes: Bytes, functionalCurrency: String) -> Result<String, FieldProblem> {
    var functional = functionalCurrency
    let matches = functional.withUTF8 { code -> Bool in
        guard code.count == bytes.count else { return false }
        for index in 0..<code.count where asciiUppercase(bytes[index]) != code[index] { return false }
        return true
    }
    if matches { return .success(functionalCurrency) }
    let code = String(decoding: bytes.map(asciiUppercase), as: UTF8.self)
    if CurrencyTable.exponent(of: code) == nil { return .failure(FieldProblem("unknown currency")) }
    return .failure(FieldProblem("foreign currency \(code) (the ledger's currency is \(functionalCurrency))"))
}

@inline(__always) func asciiUppercase(_ byte: UInt8) -> UInt8 {
    byte &- UInt8(ascii: "a") < 26 ? byte - 32 : byte
}

@inline(__always) func asciiLowercase(_ byte: UInt8) -> UInt8 {
    byte &- UInt8(ascii: "A") < 26 ? byte + 32 : byte
}

/// Whether an identifier is what a spreadsheet makes of a long number, FORMATS §3.0's
/// `^[+-]?\d+(\.\d+)?[eE][+-]?\d+$` (`7.56E+15`, `1E5`): the digits it stood for are lost. With
/// `strict` (codes a chain may write as `12E3`: sku and locations) only the unmistakable form
/// counts, with a decimal point and a signed exponent (`1.23457E+11`).
func looksLikeSpreadsheetNumber(_ bytes: Bytes, strict: Bool) -> Bool {
    let count = bytes.count
    var index = 0
    if count > 0 && (bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-")) { index = 1 }
    func skipDigits() -> Bool {
        let start = index
        while index < count && bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return index > start
    }
    guard skipDigits() else { return false }
    var hasDecimalPoint = false
    if index < count && bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard skipDigits() else { return false }
        hasDecimalPoint = true
    }
    guard index < count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) else { return false }
    index += 1
    var hasSignedExponent = false
    if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
        index += 1
        hasSignedExponent = true
    }
    guard skipDigits(), index == count else { return false }
    return !strict || (hasDecimalPoint && hasSignedExponent)
}

/// False when `bytes` cannot be a spreadsheet's number because of their first byte, which is not
/// `+` to `9` (the signs, the digits, and `,./`): most identifiers start with a letter, and are done
/// with here in one comparison on the path every row takes.
@inline(__always)
func mayBeSpreadsheetNumber(_ bytes: Bytes) -> Bool {
    guard let first = bytes.first else { return false }
    return first &- UInt8(ascii: "+") <= UInt8(ascii: "9") - UInt8(ascii: "+")
}

/// Whether `bytes` are valid UTF-8.
func isValidUTF8(_ bytes: Bytes) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

// Words for input that a spreadsheet, a regional setting or another encoding made (issue 14 §5):
// computed only for a value already found bad, so nothing here is on the path every row takes.

/// "not a number", with what to do when the text is a spreadsheet's scientific form (`1.23E+22`)
/// or uses a decimal comma or thousands separators (`1.234,56`, `1,234.56`).
func notANumberReason(_ bytes: Bytes) -> String {
    if looksLikeSpreadsheetNumber(bytes, strict: false) {
        return "not a number: a spreadsheet wrote it in scientific notation and the digits it stood for are lost; export the file again without opening it in a spreadsheet"
    }
    if bytes.contains(UInt8(ascii: ",")) {
        return "not a number: write it with '.' as the decimal separator and no thousands separators (1234.56, not 1.234,56 or 1,234.56)"
    }
    return "not a number"
}

/// A date or timestamp's shape problem, with what to do when it is written with slashes
/// (`31/12/2026`), which a spreadsheet reads day-first or month-first by its regional setting.
func withSlashedDateHint(_ reason: String, _ bytes: Bytes) -> String {
    guard bytes.contains(UInt8(ascii: "/")) else { return reason }
    return reason + "; a date with '/' (31/12/2026) can be day-first or month-first: write it YYYY-MM-DD"
}

/// What to do about a value that is not UTF-8: almost always a file saved in a legacy encoding.
let invalidUTF8Reason = "invalid UTF-8: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"

/// A NUL byte in a value: no text holds one (PostgreSQL refuses it in text), a damaged file does.
let nulValueReason = "NUL byte (0x00) in the value: the file is damaged or not a CSV text file"

/// Why a header with bytes no CSV header has (a UTF-16 byte-order mark, NUL bytes, invalid
/// UTF-8) cannot be read; nil when its fields are UTF-8 text.
func headerEncodingProblem(_ fields: [Bytes]) -> String? {
    let bytes = fields.flatMap { $0 }
    let utf16 = "UTF-16 is not supported: save it as CSV UTF-8"
    if let first = fields.first, first.count >= 2, (first[0] == 0xFF && first[1] == 0xFE) || (first[0] == 0xFE && first[1] == 0xFF) {
        return "the file is UTF-16 (it starts with a UTF-16 byte-order mark); \(utf16)"
    }
    let nulCount = bytes.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    if nulCount > 0 {
        // UTF-16 of ASCII names: every other byte is 0.
        if nulCount * 3 >= bytes.count { return "the file looks like UTF-16 (every other byte of the header is 0); \(utf16)" }
        return "NUL bytes (0x00) in the header: this is not a CSV text file, or it is damaged"
    }
    if fields.contains(where: { !isValidUTF8($0) }) {
        return "invalid UTF-8 in the header: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"
    }
    return nil
}

// String conveniences for tests and callers outside the hot path.
extension String {
    func withBytes<T>(_ body: (Bytes) -> T) -> T {
        var copy = self
        return copy.withUTF8 { body($0) }
    }
}
