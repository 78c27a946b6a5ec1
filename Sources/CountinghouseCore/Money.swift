// Money in the core: integer minor units and the one rounding rule.
//
// Invariants: amounts are `Int64` minor units of the ledger's functional currency; products and
// quotients are taken in `Int128` and rounded exactly once, by `roundHalfAwayFromZero`.
// Errors a user can see from here: none (parsing lives in the ingest library).

/// ISO 4217 currencies and the number of decimals of their minor unit.
public enum CurrencyTable {
    /// Currencies whose minor unit is not two decimals; every other valid code has two.
    static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
        "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
    ]
    static let twoDecimalCodes: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
        "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
        "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
        "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
        "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
        "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
        "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
        "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
        "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UZS", "VES", "WST", "XCD", "YER", "ZAR", "ZMW",
        "ZWL",
    ]

    /// Decimals of the currency's minor unit, or nil for a code that is not ISO 4217.
    public static func exponent(of code: String) -> Int? {
        if let exponent = exponents[code] { return exponent }
        return twoDecimalCodes.contains(code) ? 2 : nil
    }
}

/// round(numerator / denominator), half away from zero, of the exact rational. The only rounding
/// function of Countinghouse: every money formula goes through it once.
@inlinable
public func roundHalfAwayFromZero(_ numerator: Int128, _ denominator: Int128) -> Int64 {
    precondition(denominator != 0, "rounding a quotient by zero")
    let negative = (numerator < 0) != (denominator < 0)
    let n = numerator.magnitude
    let d = denominator.magnitude
    var quotient = n / d
    let remainder = n % d
    if remainder * 2 >= d { quotient += 1 }
    let signed = negative ? -Int128(quotient) : Int128(quotient)
    return Int64(signed)
}

/// Formats minor units as a plain decimal in major units: `-1234.50`, `0.07`, `12`.
public func formatMinorUnits(_ amount: Int64, exponent: Int) -> String { formatMinorUnits(sum: Int128(amount), exponent: exponent) }

/// Formats minor units as a plain decimal in major units, for sums wider than 64 bits.
public func formatMinorUnits(sum amount: Int128, exponent: Int) -> String {
    if exponent == 0 { return String(amount) }
    let magnitude = amount.magnitude
    var scale: UInt128 = 1
    for _ in 0..<exponent { scale *= 10 }
    let whole = magnitude / scale
    var fraction = String(magnitude % scale)
    fraction = String(repeating: "0", count: exponent - fraction.count) + fraction
    return (amount < 0 ? "-" : "") + String(whole) + "." + fraction
}

/// A sum of amounts or quantities that cannot trap: kept in 128 bits (no count of ledger rows can
/// overflow it), read back as `Int64` only where it fits. Ingest bounds every amount, so a sum the
/// program makes over the ledger fits unless the ledger holds absurd volumes; then the caller gets
/// a clear error naming what overflowed, never a crash.
public struct Sum: Sendable, Hashable {
    public private(set) var total: Int128 = 0

    public init() {}

    public init(_ amount: Int64) { total = Int128(amount) }

    public init(exactly total: Int128) { self.total = total }

    public static func += (sum: inout Sum, amount: Int64) { sum.total += Int128(amount) }

    public static func -= (sum: inout Sum, amount: Int64) { sum.total -= Int128(amount) }

    public static func += (sum: inout Sum, other: Sum) { sum.total += other.total }

    public static func + (a: Sum, b: Sum) -> Sum {
        var sum = a
        sum.total += b.total
        return sum
    }

    public static func - (a: Sum, b: Sum) -> Sum { a + -b }

    public var isZero: Bool { total == 0 }

    public static prefix func - (sum: Sum) -> Sum {
        var negated = Sum()
        negated.total = -sum.total
        return negated
    }

    /// The sum as minor units or units, or the error that names `what` overflowed.
    public func value(_ what: @autoclosure () -> String) throws(OutOfRange) -> Int64 {
        guard let value = Int64(exactly: total) else { throw OutOfRange(what: what(), total: total) }
        return value
    }
}

/// Exact sums, one per place, in 8 bytes each where a `[Sum]` takes 16: each is an `Int64`, and one
/// that leaves Int64's range is kept exactly beside them from then on (almost never: ingest bounds
/// every amount). Held for every match group and every ticket of a large span.
public struct SumColumn: Sendable {
    private var narrow: [Int64]
    /// The sums that left Int64's range, by place.
    private var wide: [Int: Int128] = [:]

    /// `count` sums of zero.
    public init(count: Int) { narrow = [Int64](repeating: 0, count: count) }

    public var count: Int { narrow.count }

    /// A new sum of zero at the end.
    public mutating func append() { narrow.append(0) }

    public subscript(place: Int) -> Sum {
        if !wide.isEmpty, let total = wide[place] { return Sum(exactly: total) }
        return Sum(narrow[place])
    }

    public func isZero(_ place: Int) -> Bool { wide.isEmpty ? narrow[place] == 0 : self[place].isZero }

    /// The sum at `place` plus `amount`, or minus it when `subtracting`.
    public mutating func change(_ place: Int, by amount: Int64, subtracting: Bool = false) {
        if !wide.isEmpty, let total = wide[place] {
            wide[place] = subtracting ? total - Int128(amount) : total + Int128(amount)
            return
        }
        let (result, overflow) =
            subtracting ? narrow[place].subtractingReportingOverflow(amount) : narrow[place].addingReportingOverflow(amount)
        if !overflow {
            narrow[place] = result
        } else {
            wide[place] = subtracting ? Int128(narrow[place]) - Int128(amount) : Int128(narrow[place]) + Int128(amount)
        }
    }

    /// The sum at `place` plus `sum`.
    public mutating func add(_ sum: Sum, at place: Int) {
        let total = self[place].total + sum.total
        if let value = Int64(exactly: total) {
            narrow[place] = value
            wide[place] = nil
        } else {
            wide[place] = total
        }
    }
}

/// A sum too large for the program's 64-bit amounts.
public struct OutOfRange: Error, Sendable, Hashable, CustomStringConvertible {
    public var what: String
    public var total: Int128

    public var description: String {
        "\(what) is out of range (\(total) in minor units or units, more than 64 bits hold): the ledger holds more than "
            + "the program can add up; split the ledger or report a bug"
    }
}
