// The field rules of FORMATS §1 written the slow way, which the fast field parsers
// (FastFieldParsing.swift) are checked against: by FastFieldParsingTests.swift on generated texts,
// and by the fuzz harness (Sources/countinghouse-fuzz, which links this file) on whatever libFuzzer
// makes.

import CountinghouseCore

@testable import CountinghouseIngest

/// The field rules of FORMATS §1, written the slow way: no pointers, no wrapping arithmetic, no
/// shortcuts, no Foundation.
enum SlowFields {
    static func isDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The value of a run of digits, or nil when it does not fit an Int64.
    static func value<S: StringProtocol>(ofDigits text: S) -> Int64? {
        var value: Int64 = 0
        for byte in text.utf8 {
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflowPlus) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflowTimes || overflowPlus { return nil }
            value = plus
        }
        return value
    }

    /// 10^n, or nil when it does not fit.
    static func power(_ exponent: Int) -> Int64? {
        var power: Int64 = 1
        for _ in 0..<exponent {
            let (times, overflow) = power.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            power = times
        }
        return power
    }

    /// Money: an optional `-`, digits, optionally `.` and digits; at most `exponent` decimals.
    /// Shape first, then decimals, then range.
    static func minorUnits(_ text: String, exponent: Int) -> Result<Int64, MoneyProblem> {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, isDigits(parts[0]), parts.count == 1 || isDigits(parts[1]) else {
            return .failure(.notANumber)
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        if fraction.utf8.count > exponent { return .failure(.tooManyDecimals) }
        guard let whole = value(ofDigits: parts[0]), let scale = power(exponent),
            let fractionScale = power(exponent - fraction.utf8.count)
        else { return .failure(.outOfRange) }
        let fractionValue = fraction.isEmpty ? 0 : value(ofDigits: fraction)!
        let (wholeMinor, overflowWhole) = whole.multipliedReportingOverflow(by: scale)
        let (total, overflowTotal) = wholeMinor.addingReportingOverflow(fractionValue * fractionScale)
        if overflowWhole || overflowTotal { return .failure(.outOfRange) }
        return .success(negative ? -total : total)
    }

    /// A whole number with an optional sign; `digits.digits` is a fraction.
    static func wholeNumber(_ text: String) -> Result<Int64, FieldProblem> {
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("-") || body.hasPrefix("+") {
            negative = body.hasPrefix("-")
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2 && isDigits(parts[0]) && isDigits(parts[1]) { return .failure(FieldProblem("fraction in a quantity")) }
        guard parts.count == 1, isDigits(parts[0]) else { return .failure(FieldProblem("not a number")) }
        guard let magnitude = value(ofDigits: parts[0]) else { return .failure(FieldProblem("number out of range")) }
        return .success(negative ? -magnitude : magnitude)
    }

    /// A positive integer of at most 18 digits without leading zeros.
    static func lineNumber(_ text: String) -> Result<Int64, FieldProblem> {
        guard isDigits(text), text.utf8.count <= 18, !text.hasPrefix("0") else {
            return .failure(FieldProblem("not a positive integer without leading zeros"))
        }
        return .success(value(ofDigits: text)!)
    }

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month) - 1]
    }

    /// Days from 1970-01-01 to a valid date, counted a year and a month at a time.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        var days: Int64 = 0
        if year >= 1970 {
            for earlier in 1970..<year { days += isLeap(earlier) ? 366 : 365 }
        } else {
            for later in year..<1970 { days -= isLeap(later) ? 366 : 365 }
        }
        for earlier in 1..<month { days += daysIn(month: earlier, year: year) }
        return days + day - 1
    }

    /// `YYYY-MM-DD`: nil when the text has another shape, else the date's day number or "impossible
    /// date".
    static func datePart(_ text: String) -> Result<Int64, FieldProblem>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 4, parts[1].utf8.count == 2, parts[2].utf8.count == 2,
            parts.allSatisfy({ isDigits($0) })
        else { return nil }
        let year = value(ofDigits: parts[0])!, month = value(ofDigits: parts[1])!, day = value(ofDigits: parts[2])!
        guard month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month: month, year: year) else {
            return .failure(FieldProblem("impossible date"))
        }
        return .success(daysSinceEpoch(year: year, month: month, day: day))
    }

    static func date(_ text: String) -> Result<Int64, FieldProblem> {
        datePart(text) ?? .failure(FieldProblem("not a date (expected YYYY-MM-DD)"))
    }

    /// `YYYY-MM-DD` `T`|`t`|space `HH:MM:SS`, an optional `.` or `,` and 1 to 9 digits, then `Z`,
    /// `z`, `±HH:MM` or `±HHMM`: nanoseconds since the epoch. The shape is checked first, left to
    /// right; then the date, the time, and the range of an Int64 of nanoseconds.
    static func instant(_ text: String) -> Result<Int64, FieldProblem> {
        let shape = FieldProblem("not a timestamp (expected YYYY-MM-DDTHH:MM:SS±HH:MM)")
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return .failure(shape) }
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        guard let date = datePart(string(0..<10)), ["T", "t", " "].contains(string(10..<11)) else { return .failure(shape) }
        let clock = string(11..<19).split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.utf8.count == 2 && isDigits($0) }) else { return .failure(shape) }
        var rest = string(19..<bytes.count)
        var nanosecond: Int64 = 0
        if rest.hasPrefix(".") || rest.hasPrefix(",") {
            // Digits are bytes (FORMATS §1), not Characters: a combining mark after a digit makes
            // one Character of them, yet the digit is still there.
            let digitBytes = Array(rest.utf8.dropFirst().prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            if digitBytes.isEmpty { return .failure(shape) }
            if digitBytes.count > 9 { return .failure(FieldProblem("more than 9 decimals of a second")) }
            let digits = String(decoding: digitBytes, as: UTF8.self)
            nanosecond = value(ofDigits: digits + String(repeating: "0", count: 9 - digitBytes.count))!
            rest = String(decoding: Array(rest.utf8.dropFirst(1 + digitBytes.count)), as: UTF8.self)
        }
        if rest.isEmpty { return .failure(FieldProblem("timestamp without offset")) }
        var offsetSeconds: Int64 = 0
        if rest == "Z" || rest == "z" {
            offsetSeconds = 0
        } else if rest.hasPrefix("+") || rest.hasPrefix("-") {
            let zone = rest.dropFirst()
            let hours: Substring, minutes: Substring
            if zone.utf8.count == 5 && zone.dropFirst(2).hasPrefix(":") {
                (hours, minutes) = (zone.prefix(2), zone.dropFirst(3))
            } else if zone.utf8.count == 4 {
                (hours, minutes) = (zone.prefix(2), zone.dropFirst(2))
            } else {
                return .failure(shape)
            }
            guard isDigits(hours), isDigits(minutes) else { return .failure(shape) }
            let hour = value(ofDigits: hours)!, minute = value(ofDigits: minutes)!
            if hour > 23 || minute > 59 { return .failure(FieldProblem("impossible offset")) }
            offsetSeconds = (hour * 3600 + minute * 60) * (rest.hasPrefix("-") ? -1 : 1)
        } else {
            return .failure(shape)
        }
        let days: Int64
        switch date {
        case .failure(let problem): return .failure(problem)
        case .success(let number): days = number
        }
        let hour = value(ofDigits: clock[0])!, minute = value(ofDigits: clock[1])!, second = value(ofDigits: clock[2])!
        if hour > 23 || minute > 59 || second > 59 { return .failure(FieldProblem("impossible time")) }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let (scaled, overflowScaled) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowTotal) = scaled.addingReportingOverflow(nanosecond)
        if overflowScaled || overflowTotal { return .failure(FieldProblem("timestamp out of range")) }
        return .success(total)
    }
}
