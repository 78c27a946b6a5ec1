// The fast field parsers: money, whole numbers, line numbers, dates and timestamps from a field's bytes.
//
// Place in the pipeline: the row validator (RowValidator.swift) calls these on the trimmed bytes of
// every numeric and time field of every row, in the reader's buffer; FieldParsing.swift holds the
// words of their problems and the parsers that are not on the hot path.
// What is fast and unsafe here: money of the usual shape (unsigned, at most 15 digits, exactly the
// currency's decimals) is read in one loop with wrapping arithmetic (`&*`, `&+`) and no overflow
// check, which is only right because 15 digits cannot overflow; the general path skips overflow
// checks for up to 18 digits for the same reason. Timestamps load their first ten bytes as two
// unaligned words to compare with `DatePrefixMemo`, the day number of the previous timestamp's
// date, and skip the calendar arithmetic when they match. A wrong digit bound or a stale memo
// gives a wrong amount or instant without any error.
// Why: the money shortcut took parseMinorUnits from 315 M to 188 M instructions for 100,000 rows
// (callgrind, commit d964a2a); the date memo took parseInstant and the calendar from 676-780 to
// 322-376 perf samples (about 3.5% of parse CPU, commit 08affc0).
// Invariants: money is Int64 minor units and never passes through binary floating point; an
// overflow is a problem, never a trap; instants are nanoseconds since the epoch; the memo holds
// only a possible date, so a remembered date never hides "impossible date".
// Errors a user can see from here (words in FieldParsing.swift for money): "not a number", "too many
// decimals for USD (at most 2)", "amount out of range", "fraction in a quantity", "number out of
// range", "not a positive integer without leading zeros", "not a timestamp (expected
// YYYY-MM-DDTHH:MM:SS±HH:MM)", "timestamp without offset", "impossible date", "impossible time",
// "impossible offset", "more than 9 decimals of a second", "timestamp out of range", "not a date
// (expected YYYY-MM-DD)".
// Tested by: FastFieldParsingTests.swift, against slow versions written with String splitting and
// overflow-checked Int arithmetic (`SlowFields`), on generated texts (fixed seed) including amounts
// near the Int64 limits, every currency exponent, timestamps with offsets, fractions and broken
// shapes, read alone and through one memo.

import CountinghouseCore

private let digitZero = UInt8(ascii: "0")
private let minusSign = UInt8(ascii: "-")
private let plusSign = UInt8(ascii: "+")
private let decimalPoint = UInt8(ascii: ".")

@inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte &- digitZero < 10 }

/// Money in major units (`12.50`, `-3`, `0.07`) to minor units of a currency with `exponent`
/// decimals, or which problem (worded by `MoneyProblem.fieldProblem` only when it is shown).
@inline(__always)
func parseMinorUnits(_ bytes: Bytes, exponent: Int) -> Result<Int64, MoneyProblem> {
    let count = bytes.count
    // The usual shape first: unsigned, at most 15 digits, exactly the currency's decimals (`9.99`).
    // The digits are then the amount in minor units, read in one loop without overflow checks.
    // Anything else (a sign, other decimals, a stray byte) takes the general path below.
    let pointIndex = count - exponent - 1
    if exponent > 0 && pointIndex > 0 && count <= 16 && bytes[pointIndex] == decimalPoint {
        var amount: Int64 = 0
        var allDigits = true
        for index in 0..<count where index != pointIndex {
            let digit = bytes[index] &- digitZero
            if digit >= 10 {
                allDigits = false
                break
            }
            amount = amount &* 10 &+ Int64(digit)
        }
        if allDigits { return .success(amount) }
    }
    var index = 0
    var negative = false
    if count > 0 && bytes[0] == minusSign {
        negative = true
        index = 1
    }
    var whole: Int64 = 0
    let wholeStart = index
    var overflow = false
    if count - wholeStart <= 18 {
        // At most 18 digits fit an Int64 whatever they are: no overflow check per digit.
        while index < count && isDigit(bytes[index]) {
            whole = whole &* 10 &+ Int64(bytes[index] &- digitZero)
            index += 1
        }
    } else {
        while index < count && isDigit(bytes[index]) {
            let (times, o1) = whole.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(bytes[index] &- digitZero))
            overflow = overflow || o1 || o2
            whole = plus
            index += 1
        }
    }
    if index == wholeStart { return .failure(.notANumber) }
    var fraction: Int64 = 0
    var decimals = 0
    if index < count && bytes[index] == decimalPoint {
        index += 1
        let fractionStart = index
        while index < count && isDigit(bytes[index]) {
            if decimals < 18 { fraction = fraction &* 10 &+ Int64(bytes[index] &- digitZero) }
            decimals += 1
            index += 1
        }
        if index == fractionStart { return .failure(.notANumber) }
    }
    if index != count { return .failure(.notANumber) }
    if decimals > exponent {
        return .failure(.tooManyDecimals)
    }
    // decimals ≤ exponent here, and a currency has at most a few decimals: the scales cannot
    // overflow, and the fraction (at most `exponent` digits) times its scale is below 10^exponent.
    let (wholeMinor, o3) = whole.multipliedReportingOverflow(by: powerOfTen(exponent))
    let (total, o4) = wholeMinor.addingReportingOverflow(fraction &* powerOfTen(exponent - decimals))
    if overflow || o3 || o4 { return .failure(.outOfRange) }
    return .success(negative ? -total : total)
}

/// 10^`exponent` for a currency's few decimals (0 ≤ exponent ≤ 18).
@inline(__always)
private func powerOfTen(_ exponent: Int) -> Int64 {
    var power: Int64 = 1
    var remaining = exponent
    while remaining > 0 {
        power &*= 10
        remaining -= 1
    }
    return power
}

/// A whole number (quantities, reorder points), possibly negative: the caller checks the sign,
/// since the rule (> 0 or ≥ 0) depends on the column. `1.5` and `2.0` are fractions.
func parseWholeNumber(_ bytes: Bytes) -> Result<Int64, FieldProblem> {
    let count = bytes.count
    var index = 0
    var negative = false
    if count > 0 && (bytes[0] == minusSign || bytes[0] == plusSign) {
        negative = bytes[0] == minusSign
        index = 1
    }
    let digitsStart = index
    var value: Int64 = 0
    var overflow = false
    while index < count && isDigit(bytes[index]) {
        let (times, o1) = value.multipliedReportingOverflow(by: 10)
        let (plus, o2) = times.addingReportingOverflow(Int64(bytes[index] &- digitZero))
        overflow = overflow || o1 || o2
        value = plus
        index += 1
    }
    if index == digitsStart { return .failure(FieldProblem("not a number")) }
    if index < count && bytes[index] == decimalPoint {
        var rest = index + 1
        while rest < count && isDigit(bytes[rest]) { rest += 1 }
        if rest == count && rest > index + 1 { return .failure(FieldProblem("fraction in a quantity")) }
        return .failure(FieldProblem("not a number"))
    }
    if index != count { return .failure(FieldProblem("not a number")) }
    if overflow { return .failure(.numberOutOfRange) }
    return .success(negative ? -value : value)
}

/// A line number (`line_no`, `tender_no`, `original_line_no`, `receipt_no`): a positive integer
/// without leading zeros, so that numeric and text order agree in length and "01" is not "1".
func parseLineNumber(_ bytes: Bytes) -> Result<Int64, FieldProblem> {
    let count = bytes.count
    let problem = FieldProblem("not a positive integer without leading zeros")
    if count == 0 || count > 18 || bytes[0] == digitZero { return .failure(problem) }
    var value: Int64 = 0
    for index in 0..<count {
        let byte = bytes[index]
        if !isDigit(byte) { return .failure(problem) }
        value = value * 10 + Int64(byte &- digitZero)
    }
    return .success(value)
}

/// `count` digits at `offset`, or nil.
@inline(__always)
private func digits(_ bytes: Bytes, _ offset: Int, _ count: Int) -> Int64? {
    var value: Int64 = 0
    for index in offset..<(offset + count) {
        let byte = bytes[index]
        if !isDigit(byte) { return nil }
        value = value * 10 + Int64(byte &- digitZero)
    }
    return value
}

/// The calendar date in `YYYY-MM-DD` at the start of `bytes`, which has at least 10 bytes.
private func parseDatePrefix(_ bytes: Bytes) -> Result<CivilDate, FieldProblem>? {
    guard let year = digits(bytes, 0, 4), bytes[4] == minusSign, let month = digits(bytes, 5, 2),
        bytes[7] == minusSign, let day = digits(bytes, 8, 2)
    else { return nil }
    guard let date = CivilDate(year: year, month: month, day: day) else {
        return .failure(FieldProblem("impossible date"))
    }
    return .success(date)
}

/// A calendar date `YYYY-MM-DD`.
func parseDate(_ bytes: Bytes) -> Result<CivilDate, FieldProblem> {
    if bytes.count == 10, let result = parseDatePrefix(bytes) { return result }
    return .failure(FieldProblem("not a date (expected YYYY-MM-DD)"))
}

/// The calendar date of the last timestamp `parseInstant` read, by its 10 bytes: a file's
/// timestamps mostly share their day, and turning a date into its day number costs more than the
/// rest of the timestamp. Only a possible date is remembered.
struct DatePrefixMemo {
    var head: UInt64 = 0
    var tail: UInt16 = 0
    var daysSinceEpoch: Int64 = 0
    var isSet = false
}

/// An ISO 8601 timestamp with an offset: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`; a space
/// may stand for the `T`, and the fraction has up to 9 digits (nanoseconds).
func parseInstant(_ bytes: Bytes) -> Result<Instant, FieldProblem> {
    var memo = DatePrefixMemo()
    return parseInstant(bytes, memo: &memo)
}

/// `parseInstant`, reusing the day number of the timestamp before when the date is the same.
func parseInstant(_ bytes: Bytes, memo: inout DatePrefixMemo) -> Result<Instant, FieldProblem> {
    let shape = FieldProblem("not a timestamp (expected YYYY-MM-DDTHH:MM:SS±HH:MM)")
    let count = bytes.count
    guard count >= 19 else { return .failure(shape) }
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    let head = raw.loadUnaligned(as: UInt64.self)
    let tail = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
    let remembered = memo.isSet && memo.head == head && memo.tail == tail
    let dateResult = remembered ? nil : parseDatePrefix(bytes)
    let separator = bytes[10]
    guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == 0x20,
        let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(bytes, 14, 2),
        bytes[16] == UInt8(ascii: ":"), let second = digits(bytes, 17, 2),
        remembered || dateResult != nil
    else { return .failure(shape) }
    var index = 19
    var nanosecond: Int64 = 0
    if index < count && (bytes[index] == decimalPoint || bytes[index] == UInt8(ascii: ",")) {
        index += 1
        let fractionStart = index
        while index < count && isDigit(bytes[index]) {
            if index - fractionStart < 9 { nanosecond = nanosecond * 10 + Int64(bytes[index] &- digitZero) }
            index += 1
        }
        let fractionDigits = index - fractionStart
        if fractionDigits == 0 { return .failure(shape) }
        if fractionDigits > 9 { return .failure(FieldProblem("more than 9 decimals of a second")) }
        for _ in fractionDigits..<9 { nanosecond *= 10 }
    }
    var offsetSeconds: Int64 = 0
    if index == count { return .failure(FieldProblem("timestamp without offset")) }
    let zone = bytes[index]
    if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
        index += 1
    } else if zone == plusSign || zone == minusSign {
        let remaining = count - index - 1
        guard remaining == 5 || remaining == 4, let offsetHour = digits(bytes, index + 1, 2) else {
            return .failure(shape)
        }
        var minuteOffset = index + 3
        if remaining == 5 {
            guard bytes[index + 3] == UInt8(ascii: ":") else { return .failure(shape) }
            minuteOffset += 1
        }
        guard let offsetMinute = digits(bytes, minuteOffset, 2) else { return .failure(shape) }
        if offsetHour > 23 || offsetMinute > 59 { return .failure(FieldProblem("impossible offset")) }
        offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (zone == minusSign ? -1 : 1)
        index = count
    } else {
        return .failure(shape)
    }
    if index != count { return .failure(shape) }
    let days: Int64
    switch dateResult {
    case nil: days = memo.daysSinceEpoch
    case .failure(let problem)?: return .failure(problem)
    case .success(let date)?:
        days = date.daysSinceEpoch
        memo = DatePrefixMemo(head: head, tail: tail, daysSinceEpoch: days, isSet: true)
    }
    if hour > 23 || minute > 59 || second > 59 { return .failure(FieldProblem("impossible time")) }
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    let (scaled, o1) = seconds.multipliedReportingOverflow(by: Instant.nanosecondsPerSecond)
    let (total, o2) = scaled.addingReportingOverflow(nanosecond)
    if o1 || o2 { return .failure(FieldProblem("timestamp out of range")) }
    return .success(Instant(nanosecondsSinceEpoch: total))
}

