// The writers render the same typed table: CSV (RFC 4180; text from input files protected from
// spreadsheets), JSON (money as decimal strings) and an aligned text table (numbers right-aligned).
import CountinghouseCore
import Testing

@testable import CountinghouseReport

@Suite struct WritersTests {
    let table = ReportTable(
        name: "stock",
        columns: [
            ReportColumn("sku", .inputText), ReportColumn("location", .inputText), ReportColumn("quantity_on_hand", .quantity),
            ReportColumn("value", .money),
        ],
        rows: [
            [.inputText("A-1"), .inputText("S01"), .integer(12), .money(12_345, exponent: 2)],
            [.inputText("B, \"big\""), .inputText("WH1"), .integer(-3), .money(-50, exponent: 2)],
        ])

    @Test func alignedTableRightAlignsNumbers() {
        #expect(
            TextTableWriter.render(table) == """
                sku       location  quantity_on_hand   value
                --------  --------  ----------------  ------
                A-1       S01                     12  123.45
                B, "big"  WH1                     -3   -0.50

                """)
        var withTotals = table
        withTotals.totals = [.text("total"), .empty, .integer(9), .money(12_295, exponent: 2)]
        #expect(TextTableWriter.render(withTotals).hasSuffix("--------  --------  ----------------  ------\ntotal                              9  122.95\n"))
    }

    @Test func csvQuotesOnlyWhatNeedsItAndLeavesTotalsToPeople() {
        var withTotals = table
        withTotals.totals = [.text("total"), .empty, .integer(9), .money(12_295, exponent: 2)]
        #expect(
            CSVWriter.render(withTotals) == #"""
                sku,location,quantity_on_hand,value
                A-1,S01,12,123.45
                "B, ""big""",WH1,-3,-0.50

                """#)
    }

    /// Quotes are doubled per code point: a `"` with a combining mark is one Swift character but
    /// still a quote a CSV reader sees.
    @Test func aQuoteWithACombiningMarkIsStillDoubled() {
        let text = "a\"\u{301}b"
        #expect(Array(CSVWriter.field(text).utf8) == Array("\"a\"\"\u{301}b\"".utf8))
        #expect(Array(CSVWriter.field("x\r\ny").utf8) == Array("\"x\r\ny\"".utf8))
    }

    @Test func jsonKeepsMoneyAsDecimalStrings() {
        #expect(
            JSONWriter.render(table) == #"""
                [
                  {"sku": "A-1", "location": "S01", "quantity_on_hand": 12, "value": "123.45"},
                  {"sku": "B, \"big\"", "location": "WH1", "quantity_on_hand": -3, "value": "-0.50"}
                ]

                """#)
        #expect(JSONWriter.render(ReportTable(name: "x", columns: [ReportColumn("a", .text)])) == "[]\n")
    }

    /// A cell beginning with =, +, -, @, a tab or a carriage return that came from an input file gets
    /// a leading ' in CSV; the program's own text and numbers are never touched.
    @Test(arguments: ["=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"y\")"])
    func inputTextThatLooksLikeAFormulaIsProtected(text: String) {
        let row: [ReportCell] = [.inputText(text), .text(text), .integer(-3), .money(-50, exponent: 2)]
        let table = ReportTable(
            name: "t", columns: [ReportColumn("a", .inputText), ReportColumn("b", .text), ReportColumn("c", .quantity), ReportColumn("d", .money)],
            rows: [row])
        let line = CSVWriter.render(table).split(separator: "\n", omittingEmptySubsequences: false)[1]
        let fields = ["'" + text, text].map { CSVWriter.field($0) }
        #expect(line == "\(fields[0]),\(fields[1]),-3,-0.50")
        // JSON and the terminal show the text as it is.
        #expect(JSONWriter.render(table).contains(JSONWriter.string(text) + ", \"b\""))
    }

    @Test func ordinaryInputTextIsUntouched() {
        let table = ReportTable(name: "t", columns: [ReportColumn("a", .inputText)], rows: [[.inputText("S-01")], [.inputText("a=b")], [.inputText("")]])
        #expect(CSVWriter.render(table) == "a\nS-01\na=b\n\n")
    }

    @Test func datesStayValuesUntilAWriterFormatsThem() {
        let instant = Instant(date: CivilDate(year: 2026, month: 10, day: 20)!, secondOfDay: 15 * 3600 + 15 * 60)
        let table = ReportTable(
            name: "t", columns: [ReportColumn("d", .date), ReportColumn("t", .dateTime), ReportColumn("f", .money), ReportColumn("l", .money)],
            rows: [[
                .date(CivilDate(year: 2026, month: 10, day: 20)!), .dateTime(instant, offsetSeconds: -4 * 3600),
                .formula("E2-F2", value: .money(0, exponent: 2)),
                .link(sheet: "Journal", row: 1, column: 4, label: .money(12_50, exponent: 2)),
            ]])
        #expect(CSVWriter.render(table) == "d,t,f,l\n2026-10-20,2026-10-20T11:15:00-04:00,0.00,12.50\n")
    }
}

/// The trial balance's total row: each money column summed, as a formula with its value (for the
/// workbook), never in the CSV file.
@Test func theTrialBalanceTotalsAreFormulasWithTheirValues() {
    let chart = ChartOfAccounts()
    let rows = [
        TrialBalanceRow(account: chart[.cashOnHand], opening: 1_000, debit: 250, credit: 50, balance: 1_200),
        TrialBalanceRow(account: chart[.sales], opening: -1_000, debit: 0, credit: 200, balance: -1_200),
    ]
    let table = JournalTables.trialBalance(rows, exponent: 2)
    let expected: [ReportCell] = [
        .text("total"), .empty, .formula("SUM(C2:C3)", value: .money(0, exponent: 2)), .formula("SUM(D2:D3)", value: .money(250, exponent: 2)),
        .formula("SUM(E2:E3)", value: .money(250, exponent: 2)), .formula("SUM(F2:F3)", value: .money(0, exponent: 2)),
    ]
    #expect(table.totals == expected)
    #expect(!CSVWriter.render(table).contains("total"))
    #expect(JournalTables.columnLetter(0) == "A" && JournalTables.columnLetter(25) == "Z" && JournalTables.columnLetter(26) == "AA")
}

/// A table whose rows are made when read equals the table holding the same cells, renders the same
/// bytes, and becomes a held one when a row is written; CSV in pieces is the whole text cut at rows.
@Suite struct MadeRowsTests {
    static let columns = [ReportColumn("n", .number), ReportColumn("label", .inputText), ReportColumn("amount", .money)]

    static func cells(_ index: Int) -> [ReportCell] {
        [.integer(Int64(index)), .inputText(index % 3 == 0 ? "a, \"quoted\" \(index)" : "row \(index)"), .money(Int64(index * 101 - 500), exponent: 2)]
    }

    let made = ReportTable(name: "made", columns: MadeRowsTests.columns, count: 2_500) { MadeRowsTests.cells($0) }
    let held = ReportTable(name: "made", columns: MadeRowsTests.columns, rows: (0..<2_500).map(MadeRowsTests.cells))

    @Test func aMadeTableEqualsTheHeldOneAndRendersTheSameBytes() {
        #expect(made.rows.count == 2_500)
        #expect(made.rows[1_234] == MadeRowsTests.cells(1_234))
        #expect(made == held)
        #expect(made.hashValue == held.hashValue)
        #expect(CSVWriter.render(made) == CSVWriter.render(held))
        #expect(JSONWriter.render(made) == JSONWriter.render(held))
        let shorter = ReportTable(name: "made", columns: MadeRowsTests.columns, count: 2_499) { MadeRowsTests.cells($0) }
        #expect(shorter != held)
    }

    @Test func writingARowOfAMadeTableHoldsItsRows() {
        var table = made
        table.rows[7][1] = .text("changed")
        #expect(table.rows[7][1] == .text("changed"))
        #expect(table.rows[8] == MadeRowsTests.cells(8))
        table.append(MadeRowsTests.cells(2_500))
        #expect(table.rows.count == 2_501)
        // The original is untouched: rows are values.
        #expect(made.rows[7] == MadeRowsTests.cells(7))
    }

    @Test func csvInPiecesIsTheWholeTextCutAtRows() {
        var pieces: [String] = []
        CSVWriter.write(made, pieceSize: 1_000) { pieces.append($0) }
        #expect(pieces.count > 10)
        #expect(pieces.joined() == CSVWriter.render(held))
        // Each piece ends a row and stays near the size asked for (one row past it at most).
        #expect(pieces.allSatisfy { $0.hasSuffix("\n") && $0.utf8.count < 1_000 + 100 })
    }

    /// A file made in pieces writes them in order, and is the file of the same text held whole.
    @Test func aTextMadeInPiecesIsWrittenInOrder() {
        let words = ["; header\n", "\n2026-11-02 * one\n", "", "\n2026-11-03 * two é\n"]
        let pieces = ReportFile(name: "journal.ledger", content: .pieces(TextPieces(count: words.count) { words[$0] }))
        var written: [String] = []
        pieces.write { written.append($0) }
        #expect(written == words)
        #expect(pieces.rendered == words.joined())
        #expect(pieces.content == .pieces(TextPieces(count: 1) { _ in words.joined() }))
        #expect(pieces.content != .pieces(TextPieces(count: 2) { words[$0] }))
        #expect(TextPieces(count: 0) { _ in "never read" }.joined.isEmpty)
    }
}
