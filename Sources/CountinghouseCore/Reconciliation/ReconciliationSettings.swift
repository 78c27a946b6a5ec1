// The reconciliation's configuration (SEMANTICS §6.10): the tolerance, the time window of the
// third matching step, the allowed lag, and the fee schedule per processor and payment method.
//
// Place in the pipeline: `Configuration.parse` fills it from `[reconciliation]`; the engine reads it.
// Invariants: money is minor units of the functional currency; a fee percent is an exact decimal
// (numerator over a power of ten), never a binary fraction; an expected fee is rounded once, half
// away from zero (`roundHalfAwayFromZero`).
// Errors a user can see: none here (the configuration reports bad values with file, line and key).

/// One entry of the fee schedule: what a processor charges on a capture, for one payment method or
/// for every method without an entry of its own.
public struct FeeScheduleEntry: Sendable, Hashable {
    /// Lower case, like the settlements' processor.
    public var processor: String
    /// Lower case; nil: the processor's entry for methods without their own.
    public var paymentMethod: String?
    /// The percent of gross as `percentNumerator / 10^percentScale` (2.9 % is 29 / 10^1).
    public var percentNumerator: Int64
    public var percentScale: Int
    /// Minor units added to every capture.
    public var fixed: Int64

    public init(processor: String, paymentMethod: String? = nil, percentNumerator: Int64, percentScale: Int, fixed: Int64) {
        precondition((0...12).contains(percentScale), "a fee percent has at most 12 decimals")
        self.processor = processor
        self.paymentMethod = paymentMethod
        self.percentNumerator = percentNumerator
        self.percentScale = percentScale
        self.fixed = fixed
    }

    /// round(gross × percent ÷ 100, half away from zero) + fixed, exactly (SEMANTICS §6.5).
    public func expectedFee(gross: Int64) -> Int128 {
        var denominator: Int128 = 100
        for _ in 0..<percentScale { denominator *= 10 }
        return Int128(roundHalfAwayFromZero(Int128(gross) * Int128(percentNumerator), denominator)) + Int128(fixed)
    }
}

public struct ReconciliationSettings: Sendable, Hashable {
    /// Minor units: step 2's amount tolerance, amount mismatches and fee variances (inclusive).
    public var tolerance: Int64 = 0
    /// Step 3's time window, in minutes (inclusive).
    public var windowMinutes: Int64 = 15
    /// Days a tender may wait for its settlement before it is UNSETTLED rather than IN_TRANSIT.
    public var lagDays: Int64 = 3
    public var fees: [FeeScheduleEntry] = []

    public init(tolerance: Int64 = 0, windowMinutes: Int64 = 15, lagDays: Int64 = 3, fees: [FeeScheduleEntry] = []) {
        self.tolerance = tolerance
        self.windowMinutes = windowMinutes
        self.lagDays = lagDays
        self.fees = fees
    }

    /// The schedule entry for a processor and payment method, else for the processor alone.
    public func feeEntry(processor: String, paymentMethod: String?) -> FeeScheduleEntry? {
        if let paymentMethod, let entry = fees.first(where: { $0.processor == processor && $0.paymentMethod == paymentMethod }) {
            return entry
        }
        return fees.first { $0.processor == processor && $0.paymentMethod == nil }
    }

    var windowNanoseconds: Int64 { windowMinutes * 60 * Instant.nanosecondsPerSecond }
}
