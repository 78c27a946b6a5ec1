import Testing
@testable import CountinghouseCore

@Suite struct TableTests {
    let table = Table(
        columns: ["sku", "location", "quantity_on_hand", "value"],
        rows: [
            [.text("A-1"), .text("S01"), .integer(12), .money(12_345, exponent: 2)],
            [.text("B, \"big\""), .text("WH1"), .integer(-3), .money(-50, exponent: 2)],
        ])

    @Test func alignedTableRightAlignsNumbers() {
        #expect(
            table.renderAligned() == """
                sku       location  quantity_on_hand   value
                --------  --------  ----------------  ------
                A-1       S01                     12  123.45
                B, "big"  WH1                     -3   -0.50

                """)
    }

    @Test func csvQuotesOnlyWhatNeedsIt() {
        #expect(
            table.renderCSV() == #"""
                sku,location,quantity_on_hand,value
                A-1,S01,12,123.45
                "B, ""big""",WH1,-3,-0.50

                """#)
    }

    @Test func jsonKeepsMoneyAsDecimalStrings() {
        #expect(
            table.renderJSON() == #"""
                [
                  {"sku": "A-1", "location": "S01", "quantity_on_hand": 12, "value": "123.45"},
                  {"sku": "B, \"big\"", "location": "WH1", "quantity_on_hand": -3, "value": "-0.50"}
                ]

                """#)
        #expect(Table(columns: ["a"]).renderJSON() == "[]\n")
    }
}
