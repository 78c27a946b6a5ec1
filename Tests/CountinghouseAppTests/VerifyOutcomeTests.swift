// What `verify` prints for a check with many failures: the first 20 messages, then how many more,
// whether the check's messages came capped (the store's) or whole (the books').
import Testing

@testable import CountinghouseApp

@Suite struct VerifyOutcomeTests {
    @Test func aLongListEndsWithHowManyMore() {
        let capped = VerifyCheck(
            name: "chains", failures: 25, messages: (1...20).map { "break \($0)" } + ["… and 5 more"])
        let whole = VerifyCheck(name: "balance", failures: 23, messages: (1...23).map { "entry \($0)" })
        let short = VerifyCheck(name: "cache", failures: 2, messages: ["a", "b"])
        let lines = VerifyOutcome(cacheRebuilt: false, checks: [capped, whole, short]).lines
        #expect(lines.filter { $0.hasPrefix("  chains: ") }.count == 21)
        #expect(lines.contains("  chains: break 20"))
        #expect(lines.contains("  chains: … and 5 more"))
        #expect(!lines.contains("  balance: entry 21"))
        #expect(lines.contains("  balance: … and 3 more"))
        #expect(lines.filter { $0.hasPrefix("  cache: ") } == ["  cache: a", "  cache: b"])
        #expect(lines.first == "FAILED chains (25)")
    }
}
