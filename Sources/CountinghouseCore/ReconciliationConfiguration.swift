// `[reconciliation]` in countinghouse.toml (SEMANTICS §6.10): the tolerance, the time window of
// the third matching step, the allowed lag, and the fee schedule as `[[reconciliation.fees]]`.
//
// Place in the pipeline: part of `Configuration.parse`. Invariants: money and percents are read
// from decimal strings exactly (never through a binary fraction), money with at most the
// functional currency's decimals. Errors a user can see (each with the file and the key's line):
// "tolerance in [reconciliation] must be money like \"0.05\" (at most 2 decimals, not negative)",
// "window_minutes in [reconciliation] must be 0 to 10080", "lag_days in [reconciliation] must be
// 0 to 366", "a fee needs processor = \"…\"", "percent must be a decimal from 0 to 100 like
// \"2.9\" (at most 6 decimals)", "fixed must be money like \"0.30\" (at most 2 decimals)", "the
// fee schedule has stripe (visa) twice", "a fee needs percent = \"…\" and/or fixed = \"…\"",
// "payment_method must name a method (e.g. \"visa\"), or be left out for the processor's entry".

extension Configuration {
    static let reconciliationSchema = ConfigurationSchema(
        keys: [.init("tolerance", .string), .init("window_minutes", .integer), .init("lag_days", .integer)],
        arrays: [
            "fees": ConfigurationSchema(keys: [
                .init("processor", .string), .init("payment_method", .string), .init("percent", .string), .init("fixed", .string),
            ])
        ],
        order: ["fees"])

    mutating func applyReconciliation(_ table: ConfigurationTable) throws(ConfigurationError) {
        let exponent = CurrencyTable.exponent(of: currency) ?? 2
        var settings = ReconciliationSettings()
        if let text = table.string("tolerance") {
            guard let amount = DecimalText(text), !amount.isNegative, let minor = amount.minorUnits(exponent: exponent) else {
                throw table.error(
                    at: "tolerance", "tolerance in [reconciliation] must be money like \"0.05\" (at most \(exponent) decimals, not negative)")
            }
            settings.tolerance = minor
        }
        if let minutes = table.integer("window_minutes") {
            guard (0...10_080).contains(minutes) else {
                throw table.error(at: "window_minutes", "window_minutes in [reconciliation] must be 0 to 10080 (a week)")
            }
            settings.windowMinutes = minutes
        }
        if let days = table.integer("lag_days") {
            guard (0...366).contains(days) else { throw table.error(at: "lag_days", "lag_days in [reconciliation] must be 0 to 366") }
            settings.lagDays = days
        }
        for fee in table.arrays["fees"] ?? [] {
            guard let processor = fee.string("processor"), !processor.isEmpty else {
                throw fee.error("a fee needs processor = \"…\" (as the settlements name it, e.g. \"stripe\")")
            }
            let method = fee.string("payment_method").map { $0.lowercased() }
            if method == "" {
                throw fee.error(at: "payment_method", "payment_method must name a method (e.g. \"visa\"), or be left out for the processor's entry")
            }
            if fee.string("percent") == nil && fee.string("fixed") == nil {
                throw fee.error("a fee needs percent = \"…\" and/or fixed = \"…\"")
            }
            var percent = DecimalText(digits: 0, scale: 0)
            if let text = fee.string("percent") {
                guard let parsed = DecimalText(text), !parsed.isNegative, parsed.scale <= 6, parsed.isAtMost(100) else {
                    throw fee.error(at: "percent", "percent must be a decimal from 0 to 100 like \"2.9\" (at most 6 decimals)")
                }
                percent = parsed
            }
            var fixed: Int64 = 0
            if let text = fee.string("fixed") {
                guard let parsed = DecimalText(text), let minor = parsed.minorUnits(exponent: exponent),
                    minor.magnitude <= 1_000_000_000
                else {
                    throw fee.error(at: "fixed", "fixed must be money like \"0.30\" (at most \(exponent) decimals)")
                }
                fixed = minor
            }
            let entry = FeeScheduleEntry(
                processor: processor.lowercased(), paymentMethod: method, percentNumerator: percent.digits, percentScale: percent.scale,
                fixed: fixed)
            if settings.fees.contains(where: { $0.processor == entry.processor && $0.paymentMethod == entry.paymentMethod }) {
                throw fee.error("the fee schedule has \(entry.processor)\(method.map { " (\($0))" } ?? "") twice")
            }
            settings.fees.append(entry)
        }
        reconciliation = settings
    }
}

/// A decimal written in the configuration (`"0.05"`, `"2.9"`, `"-1"`): digits over a power of ten,
/// read exactly.
struct DecimalText: Hashable {
    /// The value × 10^scale.
    var digits: Int64
    var scale: Int

    init(digits: Int64, scale: Int) {
        self.digits = digits
        self.scale = scale
    }

    /// Nil unless the text is an optional `-`, digits, and optionally `.` and more digits (at most
    /// 15 significant digits in all).
    init?(_ text: String) {
        var bytes = Substring(text).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        var value: Int64 = 0
        var scale = 0
        var seenPoint = false
        var digitCount = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digitCount < 15 else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digitCount += 1
            if seenPoint { scale += 1 }
        }
        guard digitCount > 0, !(seenPoint && scale == 0) else { return nil }
        digits = negative ? -value : value
        self.scale = scale
    }

    var isNegative: Bool { digits < 0 }

    /// The value in minor units of a currency with `exponent` decimals; nil with more decimals.
    func minorUnits(exponent: Int) -> Int64? {
        guard scale <= exponent else { return nil }
        var value = digits
        for _ in scale..<exponent {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = next
        }
        return value
    }

    func isAtMost(_ whole: Int64) -> Bool {
        var limit = Int128(whole)
        for _ in 0..<scale { limit *= 10 }
        return Int128(digits) <= limit
    }
}
