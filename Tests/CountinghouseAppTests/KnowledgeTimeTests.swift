// Knowledge times as people type them: a date is the end of that day and reads as such; a time
// after now is refused, since what is known then can still change.
import CountinghouseCore
import Testing

@testable import CountinghouseApp

@Suite struct KnowledgeTimeTests {
    static func context() throws -> AppContext {
        var configuration = Configuration()
        configuration.timeZone = "America/New_York"
        return try AppContext(configuration: configuration, now: Instant(date: CivilDate(year: 2026, month: 11, day: 5)!, secondOfDay: 12 * 3600))
    }

    @Test func aDateIsTheEndOfThatDayAndReadsAsIt() throws {
        let context = try Self.context()
        let time = try context.knowledgeTime(typed: "2026-10-22", option: "--as-known-at")
        #expect(context.describe(time) == "the end of 2026-10-22")
        #expect(context.display(time.instant) == "2026-10-22T23:59:59.999999999-04:00")
        #expect(!time.isNow)
        let instant = try context.knowledgeTime(typed: "2026-10-22T18:00:00Z", option: "--as-known-at")
        #expect(context.describe(instant) == "2026-10-22T14:00:00-04:00")
    }

    @Test func aTimeAfterNowIsRefused() throws {
        let context = try Self.context()
        for text in ["2026-11-05T12:00:01Z", "2026-11-05", "2027-01-01"] {
            let error = #expect(throws: AppFailure.self) { try context.knowledgeTime(typed: text, option: "--as-known-at") }
            #expect(error?.status == .usage)
            #expect(error?.message == "--as-known-at \(text) is after now (2026-11-05T07:00:00-05:00): what is known then can still change; give a time that has passed, or leave --as-known-at out for now")
        }
        #expect(try context.knowledgeTime(typed: "2026-11-05T12:00:00Z", option: "--as-known-at").isNow)
        #expect(try context.knowledgeTime(typed: "2026-11-04", option: "--as-known-at").instant < context.now)
    }

    @Test func theClockCarriesNoDigitsOfNoise() throws {
        let context = try AppContext(environment: [:])
        #expect(context.now.nanosecondsSinceEpoch % 1_000_000 == 0)
    }
}
