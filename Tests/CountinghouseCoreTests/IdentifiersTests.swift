// The identifiers as values: every entry id the rules make reads back as itself (documents and
// payouts with colons included), outflow ids give their candidates, periods step and span.

import Testing

@testable import CountinghouseCore

@Suite struct IdentifiersTests {
    static let day = CivilDate(year: 2026, month: 10, day: 20)!

    static let keys: [EntryKey] = [
        .sales(day, location: "S02"),
        .sales(day, location: "S:02"),
        .costOfSales(day, location: "S02"),
        .goods(day, document: "GR-1:2"),
        .transfer(day, transfer: "T:1:SHIP", side: .ship),
        .transfer(day, transfer: "T1", side: .receive),
        .count(day, count: "C:7"),
        .processor(day, processor: "stripe"),
        .payout(day, processor: "adyen", payout: "po_1:batch:2"),
        .adjustment(CivilDate(year: 2026, month: 11, day: 1)!, about: Period("2026-10")!),
    ]

    @Test(arguments: keys)
    func everyEntryKeyReadsBackAsItself(key: EntryKey) {
        #expect(EntryKey(parsing: key.description) == key)
    }

    @Test func entryIdsAsJournalCSVWritesThem() {
        #expect(EntryKey.sales(Self.day, location: "S02").description == "SALES:2026-10-20:S02")
        #expect(EntryKey.transfer(Self.day, transfer: "T1", side: .receive).description == "TRANSFER:2026-10-20:T1:RECEIVE")
        #expect(EntryKey.payout(Self.day, processor: "stripe", payout: "po_1").description == "PAYOUT:2026-10-20:stripe:po_1")
    }

    @Test(arguments: ["PLANTED", "SALES:2026-10-20", "SALES:2026-13-20:S01", "TRANSFER:2026-10-20:T1:LOST", "ADJUST:2026-11-01:2026", "X:2026-10-20:Y"])
    func anIdThisProgramDidNotMakeIsKeptAsRead(text: String) {
        #expect(EntryKey(parsing: text) == .unrecognised(text))
        #expect(EntryKey(parsing: text).description == text)
    }

    @Test func aJournalEntryReadBackFromAPostedPeriodHasItsKey() {
        let entry = JournalEntry(id: "GOODS:2026-10-20:GR-1:2", date: Self.day, memo: "", sourceType: "purchases", sourceReference: "GR-1:2", lines: [])
        #expect(entry.key == .goods(Self.day, document: "GR-1:2"))
        #expect(entry.id == "GOODS:2026-10-20:GR-1:2")
    }

    @Test func outflowIdsAndTheirCandidates() {
        #expect(OutflowID.line(.sale, document: "O:1", line: 2).description == "SALE:O:1:2")
        #expect(OutflowID.candidates("SALE:O:1:2") == [.line(.sale, document: "O:1", line: 2)])
        #expect(OutflowID.candidates("TRANSFER_SHIP:T1:3") == [.line(.transferShip, document: "T1", line: 3)])
        #expect(OutflowID.candidates("SHRINKAGE:C-7:S01:SKU-1") == [.shrinkage(count: "C-7", location: "S01", sku: "SKU-1")])
        // A colon in a shrinkage id's parts: every split is a candidate.
        #expect(OutflowID.candidates("SHRINKAGE:C:7:S01:A").map(\.description).allSatisfy { $0 == "SHRINKAGE:C:7:S01:A" })
        #expect(OutflowID.candidates("SHRINKAGE:C:7:S01:A").count == 3)
        for text in ["SALE:O-1", "SALE:O-1:01", "SALE:O-1:0", "SALE:O-1:x", "REFUND:O-1:1", "SHRINKAGE:C:S01", ""] {
            #expect(OutflowID.candidates(text).isEmpty, "\(text)")
        }
    }

    @Test func periods() throws {
        let october = try #require(Period("2026-10"))
        #expect(october.description == "2026-10")
        #expect(october.span == ReportSpan.period("2026-10"))
        #expect(october.next == Period("2026-11"))
        #expect(try #require(Period("2026-12")).next == Period("2027-01"))
        #expect(Period(containing: CivilDate(year: 2024, month: 2, day: 29)!).lastDay == CivilDate(year: 2024, month: 2, day: 29))
        #expect(october < october.next)
        for text in ["2026-13", "2026-1", "26-10", "2026-10-01", "2026-00", "２０２６-10"] { #expect(Period(text) == nil, "\(text)") }
    }
}
