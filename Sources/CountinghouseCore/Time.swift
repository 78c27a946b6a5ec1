// Time in the core: instants and calendar dates as plain integers.
//
// Place in the pipeline: every ledger row carries `occurred_at` and `recorded_at` as an `Instant`
// (nanoseconds since 1970-01-01T00:00:00Z); business dates are `CivilDate`s. Nothing here reads a
// clock or a time-zone database: callers pass offsets in, so the core stays pure.
// Invariant: an Instant is exact to the nanosecond and orders as its integer.

/// A moment on the UTC time line, in nanoseconds since the Unix epoch.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }

    public static let nanosecondsPerSecond: Int64 = 1_000_000_000

    public init(date: CivilDate, secondOfDay: Int64 = 0, nanosecond: Int64 = 0, offsetSeconds: Int64 = 0) {
        let seconds = date.daysSinceEpoch * 86_400 + secondOfDay - offsetSeconds
        self.nanosecondsSinceEpoch = seconds * Instant.nanosecondsPerSecond + nanosecond
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// ISO 8601 at the given offset: `YYYY-MM-DDTHH:MM:SS±HH:MM`, with a fraction of a second only
    /// when it is not zero (trailing zeros dropped), as FORMATS §4 asks.
    public func iso8601(offsetSeconds: Int64 = 0) -> String {
        let local = nanosecondsSinceEpoch + offsetSeconds * Instant.nanosecondsPerSecond
        let (seconds, nanos) = floorDivide(local, Instant.nanosecondsPerSecond)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        var text = date.description + "T"
            + twoDigits(secondOfDay / 3600) + ":" + twoDigits(secondOfDay / 60 % 60) + ":"
            + twoDigits(secondOfDay % 60)
        if nanos != 0 {
            var fraction = String(nanos)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        text += sign + twoDigits(magnitude / 3600) + ":" + twoDigits(magnitude / 60 % 60)
        return text
    }

    public var description: String { iso8601() }

    /// The calendar date of this instant at a fixed offset from UTC.
    public func civilDate(offsetSeconds: Int64 = 0) -> CivilDate {
        let local = nanosecondsSinceEpoch + offsetSeconds * Instant.nanosecondsPerSecond
        let (seconds, _) = floorDivide(local, Instant.nanosecondsPerSecond)
        return CivilDate(daysSinceEpoch: floorDivide(seconds, 86_400).quotient)
    }
}

/// A proleptic Gregorian calendar date.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int64
    public let month: Int64
    public let day: Int64

    /// Nil when the date does not exist (month 13, February 30, …).
    public init?(year: Int64, month: Int64, day: Int64) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Howard Hinnant's `civil_from_days`.
    public init(daysSinceEpoch: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Howard Hinnant's `days_from_civil`.
    public var daysSinceEpoch: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public func adding(days: Int64) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public var description: String {
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-"
            + twoDigits(month) + "-" + twoDigits(day)
    }
}

/// Floor division and the matching non-negative remainder.
@inlinable
public func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
    var q = a / b
    var r = a % b
    if r != 0 && ((r < 0) != (b < 0)) {
        q -= 1
        r += b
    }
    return (q, r)
}

private func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
