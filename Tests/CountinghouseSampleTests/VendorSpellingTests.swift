// The vendors' own spellings the generator writes: Square's money, New York wall times with
// Adyen's abbreviations across the end of daylight time.
import CountinghouseCore
import Testing

@testable import CountinghouseSample

@Test func squareMoneyHasTheDollarSignThousandsAndTwoDecimals() {
    #expect(PopUpStore.money(114_900) == "$1,149.00")
    #expect(PopUpStore.money(-1_200) == "-$12.00")
    #expect(PopUpStore.money(5) == "$0.05")
    #expect(PopUpStore.money(123_456_789) == "$1,234,567.89")
    #expect(PopUpStore.money(0) == "$0.00")
}

@Test func newYorkWallTimeFollowsTheEndOfDaylightTime() {
    let writer = CardSettlementWriter(startDate: CivilDate(year: 2026, month: 10, day: 1)!)
    // Day 31 is 2026-11-01: the clocks go back at 06:00 UTC (02:00 EDT).
    let november1 = 31 * 86_400
    #expect(writer.newYorkText(november1 + 3 * 3600) == ("2026-10-31 23:00:00", "EDT"))
    #expect(writer.newYorkText(november1 + 5 * 3600 + 59 * 60) == ("2026-11-01 01:59:00", "EDT"))
    #expect(writer.newYorkText(november1 + 6 * 3600) == ("2026-11-01 01:00:00", "EST"))
    #expect(writer.newYorkText(november1 + 14 * 3600) == ("2026-11-01 09:00:00", "EST"))
    #expect(writer.newYorkText(2 * 3600) == ("2026-09-30 22:00:00", "EDT"))
}
