import Testing

@testable import CountinghouseCore

/// Locations, documents and orders are their bytes in the journal (FORMATS §1): "SÉ" spelled in
/// NFC and in NFD are two locations with an entry each, as the ledger and the costs keep them
/// apart. String's `==` calls them equal, and the entries keyed by String merged them.
@Suite struct OpaqueIdentifierJournalTests {
    static let composed = "S\u{C9}"
    static let decomposed = "SE\u{301}"

    static func at(_ location: String, _ row: LedgerRow) -> LedgerRow {
        var values = row.values
        if let index = row.kind.schema.index(of: "location") { values[index] = .text(location) }
        return LedgerRow(kind: row.kind, values: values, sourceRow: row.sourceRow)
    }

    static func renamed(_ row: LedgerRow, order: String) -> LedgerRow {
        var values = row.values
        if let index = row.kind.schema.index(of: "order_id") { values[index] = .text(order) }
        return LedgerRow(kind: row.kind, values: values, sourceRow: row.sourceRow)
    }

    @Test func twoSpellingsOfALocationAreTwoLocations() throws {
        typealias R = JournalRulesTests
        // The same day at each spelling: a sale paid in cash, and a ticket paid 1.00 short whose
        // twin order (the other spelling, at the same location) is paid 1.00 over.
        var lines: [LedgerRow] = []
        var tenders: [LedgerRow] = []
        for location in [Self.composed, Self.decomposed] {
            lines.append(Self.at(location, R.line("T1", 1, "SALE", quantity: 2, price: 500)))
            tenders.append(Self.at(location, R.tender("T1", 1, "CASH", "PAYMENT", 1000)))
            lines.append(Self.at(location, Self.renamed(R.line("X", 1, "SALE", quantity: 1, price: 300), order: "O\u{C9}")))
            tenders.append(Self.at(location, Self.renamed(R.tender("X", 1, "CASH", "PAYMENT", 200), order: "O\u{C9}")))
            lines.append(Self.at(location, Self.renamed(R.line("X", 1, "SALE", quantity: 1, price: 300), order: "OE\u{301}")))
            tenders.append(Self.at(location, Self.renamed(R.tender("X", 1, "CASH", "PAYMENT", 400), order: "OE\u{301}")))
        }
        let stock = [Self.composed, Self.decomposed].flatMap { location in
            [
                StockPosting(kind: .purchaseReceipt, sku: "A", location: location, occurredAt: R.at(15), documentID: "G\u{C9}", value: 700, provisional: 0),
                StockPosting(kind: .purchaseReceipt, sku: "A", location: location, occurredAt: R.at(15), documentID: "GE\u{301}", value: 300, provisional: 0),
                StockPosting(kind: .sale, sku: "A", location: location, occurredAt: R.at(15), documentID: "T1", value: -400, provisional: 0),
            ]
        }
        let entries = try JournalRules.entries(R.input(posLines: lines, posTenders: tenders, stock: stock))
        // In byte order: "SE\u{301}" (0x45) before "S\u{C9}" (0xC3), "GE\u{301}" before "G\u{C9}".
        #expect(entries.map { Array($0.id.utf8) } == [
            "COGS:2026-10-15:\(Self.decomposed)", "COGS:2026-10-15:\(Self.composed)", "GOODS:2026-10-15:GE\u{301}",
            "GOODS:2026-10-15:G\u{C9}", "SALES:2026-10-15:\(Self.decomposed)", "SALES:2026-10-15:\(Self.composed)",
        ].map { Array($0.utf8) })
        for (index, location) in [Self.decomposed, Self.composed].enumerated() {
            let sales = entries[4 + index]
            #expect(sales.lines.map { "\($0.account.code) \($0.amount)" } == ["4000 -1600", "1000 1600"])
            #expect(sales.lines.allSatisfy { $0.location.utf8.elementsEqual(location.utf8) })
            // Each order is listed on its own: their gaps (−1.00 and +1.00) do not cancel out.
            #expect(sales.memo.utf8.elementsEqual("POS sales at \(location) on 2026-10-15; tickets whose tenders differ from their lines: OE\u{301}, O\u{C9}".utf8))
            #expect(entries[index].lines.map(\.amount) == [400, -400])
        }
        // A goods document's lines per location: both spellings, in byte order.
        #expect(entries[3].lines.map { "\(Array($0.location.utf8)) \($0.amount)" } == [
            "\(Array(Self.decomposed.utf8)) 700", "\(Array(Self.decomposed.utf8)) -700", "\(Array(Self.composed.utf8)) 700",
            "\(Array(Self.composed.utf8)) -700",
        ])
    }

    @Test func opaqueIDsAreEqualHashedAndOrderedByTheirBytes() {
        let (nfc, nfd) = (OpaqueID("caf\u{E9}"), OpaqueID("cafe\u{301}"))
        #expect("caf\u{E9}" == "cafe\u{301}")  // String: canonically equivalent
        #expect(nfc != nfd)
        #expect(Set([nfc, nfd, OpaqueID("caf\u{E9}")]).count == 2)
        #expect([nfc, nfd, OpaqueID("cafe"), OpaqueID("")].sorted().map(\.text).map { Array($0.utf8) }
            == ["", "cafe", "cafe\u{301}", "caf\u{E9}"].map { Array($0.utf8) })
        var a = Hasher()
        a.combine(bytesOf: "ab")
        a.combine(bytesOf: "c")
        var b = Hasher()
        b.combine(bytesOf: "a")
        b.combine(bytesOf: "bc")
        #expect(a.finalize() != b.finalize())
    }
}
