import Testing
@testable import CountinghouseCore

@Suite struct TimeTests {
    @Test func civilDateRoundTripsThroughDays() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CivilDate(year: date.year, month: date.month, day: date.day) == date)
        }
        #expect(CivilDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(CivilDate(year: 2026, month: 11, day: 26)!.daysSinceEpoch == 20_783)  // Python: (date(2026,11,26) - date(1970,1,1)).days
    }

    @Test func impossibleDatesAreNil() {
        #expect(CivilDate(year: 2026, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2026, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2026, month: 4, day: 31) == nil)
    }

    @Test func iso8601WritesOffsetsAndDropsZeroFractions() {
        let instant = Instant(date: CivilDate(year: 2026, month: 11, day: 22)!, secondOfDay: 14 * 3600 + 3 * 60 + 11,
                              offsetSeconds: 7 * 3600)
        #expect(instant.iso8601() == "2026-11-22T07:03:11+00:00")
        #expect(instant.iso8601(offsetSeconds: 7 * 3600) == "2026-11-22T14:03:11+07:00")
        #expect(instant.iso8601(offsetSeconds: -5 * 3600 - 1800) == "2026-11-22T01:33:11-05:30")
        let fractional = Instant(nanosecondsSinceEpoch: instant.nanosecondsSinceEpoch + 250_000_000)
        #expect(fractional.iso8601() == "2026-11-22T07:03:11.25+00:00")
        let beforeEpoch = Instant(nanosecondsSinceEpoch: -1)
        #expect(beforeEpoch.iso8601() == "1969-12-31T23:59:59.999999999+00:00")
    }

    @Test func civilDateOfAnInstantDependsOnTheOffset() {
        let instant = Instant(date: CivilDate(year: 2026, month: 10, day: 31)!, secondOfDay: 23 * 3600)  // 23:00Z
        #expect(instant.civilDate() == CivilDate(year: 2026, month: 10, day: 31))
        #expect(instant.civilDate(offsetSeconds: 3600) == CivilDate(year: 2026, month: 11, day: 1))
        #expect(instant.civilDate(offsetSeconds: -5 * 3600) == CivilDate(year: 2026, month: 10, day: 31))
    }
}

@Suite struct MoneyTests {
    @Test func roundsHalfAwayFromZero() {
        #expect(roundHalfAwayFromZero(1000, 3) == 333)  // 333.33…
        #expect(roundHalfAwayFromZero(2000, 3) == 667)  // 666.66…
        #expect(roundHalfAwayFromZero(5, 2) == 3)  // 2.5 → 3
        #expect(roundHalfAwayFromZero(-5, 2) == -3)  // −2.5 → −3
        #expect(roundHalfAwayFromZero(5, -2) == -3)
        #expect(roundHalfAwayFromZero(7, 2) == 4)
        #expect(roundHalfAwayFromZero(-7, 2) == -4)
        #expect(roundHalfAwayFromZero(1, 3) == 0)
        // A product that overflows Int64 but not Int128.
        let big = Int128(Int64.max) * 3
        #expect(roundHalfAwayFromZero(big, 3) == Int64.max)
    }

    @Test func remainderRuleGivesAThreeUnitLayerItsWholeValue() {
        // 10.00 over 3 units, taken one at a time: round(v × t / u) of what is left.
        var value: Int64 = 1000
        var units: Int64 = 3
        var handedOut: [Int64] = []
        while units > 0 {
            let share = roundHalfAwayFromZero(Int128(value) * 1, Int128(units))
            handedOut.append(share)
            value -= share
            units -= 1
        }
        #expect(handedOut == [333, 334, 333])
    }

    @Test func formatsMinorUnits() {
        #expect(formatMinorUnits(-123_450, exponent: 2) == "-1234.50")
        #expect(formatMinorUnits(7, exponent: 2) == "0.07")
        #expect(formatMinorUnits(-7, exponent: 2) == "-0.07")
        #expect(formatMinorUnits(1200, exponent: 0) == "1200")
        #expect(formatMinorUnits(1, exponent: 3) == "0.001")
        #expect(formatMinorUnits(Int64.min, exponent: 2) == "-92233720368547758.08")
    }

    @Test func currencyExponents() {
        #expect(CurrencyTable.exponent(of: "USD") == 2)
        #expect(CurrencyTable.exponent(of: "JPY") == 0)
        #expect(CurrencyTable.exponent(of: "KWD") == 3)
        #expect(CurrencyTable.exponent(of: "XYZ") == nil)
    }
}
