import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

@testable import CountinghouseXLSX

@Suite struct XLSXWriterTests {
    func write(_ sheets: [ReportSheet] = sampleSheets(), in folder: URL, name: String = "report.xlsx", at time: Instant = knowledgeTime,
        rowsPerSheet: Int = XLSXWriter.rowsPerSheet) throws -> URL
    {
        let url = folder.appendingPathComponent(name)
        try XLSXWriter.write(
            sheets: sheets, to: url.path, properties: XLSXProperties(title: "Report 2026-10", company: "Example", knowledgeTime: time),
            rowsPerSheet: rowsPerSheet)
        return url
    }

    @Test func theSameReportAtTheSameTimeIsTheSameFileByteForByte() throws {
        let folder = try temporaryFolder("same")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Data(contentsOf: write(in: folder, name: "first.xlsx"))
        let second = try Data(contentsOf: write(in: folder, name: "second.xlsx"))
        let later = try Data(contentsOf: write(in: folder, name: "later.xlsx", at: Instant(nanosecondsSinceEpoch: knowledgeTime.nanosecondsSinceEpoch + 1_000_000_000)))
        #expect(first == second)
        #expect(first != later)
        let core = try part("docProps/core.xml", of: folder.appendingPathComponent("first.xlsx"))
        #expect(core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-01T12:00:00Z</dcterms:created>"))
        // Only the workbook is left in the folder: no temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["first.xlsx", "later.xlsx", "second.xlsx"])
    }

    @Test func inputTextThatLooksLikeAFormulaStaysText() throws {
        let folder = try temporaryFolder("injection")
        defer { try? FileManager.default.removeItem(at: folder) }
        let xml = try part("xl/worksheets/sheet1.xml", of: write(in: folder))
        #expect(xml.contains(#"<c r="G2" t="inlineStr"><is><t>=HYPERLINK("http://x","click")</t></is></c>"#))
        #expect(xml.contains(#"<c r="G4" t="inlineStr"><is><t>@SUM(A1)</t></is></c>"#))
        #expect(!xml.contains("<f>HYPERLINK"))
        // The only formulas are the two totals.
        #expect(xml.components(separatedBy: "<f>").count - 1 == 2)
    }

    @Test func cellsAreTypedAndFormatted() throws {
        let folder = try temporaryFolder("typed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try write(in: folder)
        let styles = try part("xl/styles.xml", of: url)
        for format in ["#,##0.00;[Red]-#,##0.00", "#,##0.0000;[Red]-#,##0.0000", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "#,##0"] {
            #expect(styles.contains("formatCode=\"\(format)\""), "number format \(format)")
        }
        let journal = try part("xl/worksheets/sheet1.xml", of: url)
        // Money and quantities as numbers; 2026-10-20 as serial 46315; 14:05:30.25 in New York.
        #expect(journal.contains(#"<c r="D2" s="3"><v>1234567.89</v></c>"#))
        #expect(journal.contains(#"<c r="F3" s="4"><v>-3</v></c>"#))
        #expect(journal.contains(#"<c r="B2" s="2"><v>46315</v></c>"#))
        #expect(journal.contains(#"<c r="H2" s="5"><v>46315.5871556713</v></c>"#))
        // Totals are formulas with their values; the header is frozen and filtered.
        #expect(journal.contains("<f>ROUND(SUM(D2:D4),2)</f><v>1234555.39</v>"))
        #expect(journal.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(journal.contains(#"<autoFilter ref="A1:H4"/>"#))
        // Widths follow the content: the memo column is wider than the default.
        #expect(journal.contains(#"<col min="7" max="7" width="31.7109375" customWidth="1"/>"#))
        // An entry id links to its first line; the trial balance links into the journal.
        #expect(journal.contains(#"<hyperlink ref="A3" location="'Journal'!A2" display="SALE:1001"/>"#))
        let trialBalance = try part("xl/worksheets/sheet2.xml", of: url)
        #expect(trialBalance.contains(#"location="'Journal'!D4""#))
    }

    @Test func aTableLongerThanASheetContinuesOnTheNextWithItsHeader() throws {
        let folder = try temporaryFolder("split")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Three rows of a header and two lines: the journal's third line and its total go on
        // `Journal (2)`, and the trial balance's link to that line follows it.
        let url = try write(in: folder, rowsPerSheet: 3)
        #expect(try sheetNames(of: url) == ["Journal", "Journal (2)", "Trial Balance"])
        let first = try part("xl/worksheets/sheet1.xml", of: url)
        let second = try part("xl/worksheets/sheet2.xml", of: url)
        #expect(first.contains(#"<autoFilter ref="A1:H3"/>"#))
        #expect(second.contains(#"<c r="A1" s="1" t="inlineStr"><is><t>entry_id</t></is></c>"#))
        #expect(second.contains(#"<c r="A2" t="inlineStr"><is><t>COGS:7</t></is></c>"#))
        #expect(second.contains(#"<autoFilter ref="A1:H2"/>"#))
        #expect(second.contains("<f>ROUND(SUM('Journal'!D2:D3,D2:D2),2)</f><v>1234555.39</v>"))
        #expect(try part("xl/worksheets/sheet3.xml", of: url).contains(#"location="'Journal (2)'!D2""#))
    }

    @Test func continuationNamesStayWithinThirtyOneCharacters() {
        #expect(XLSXWriter.partName("Journal", 2) == "Journal (2)")
        let long = String(repeating: "x", count: 31)
        #expect(XLSXWriter.partName(long, 12) == String(repeating: "x", count: 26) + " (12)")
    }

    @Test func severalTablesOnASheetAreSeparatedAndPlanned() throws {
        let a = ReportTable(name: "a", columns: [ReportColumn("x", .number)], rows: [[.integer(1)], [.integer(2)]])
        let b = ReportTable(name: "b", columns: [ReportColumn("y", .text)], rows: [[.text("one")]])
        let sheet = ReportSheet(title: "Summary", tables: [a, b])
        let plan = try XLSXWriter.plan([sheet], rowsPerSheet: XLSXWriter.rowsPerSheet, path: "report.xlsx")[0]
        // Header, two rows, a gap, the second header and its row: six rows in one part.
        #expect(plan.names == ["Summary"])
        #expect(plan.place(4)! == (0, 4))
        #expect(plan.place(5)! == (0, 5))
        #expect(plan.place(6) == nil)
    }

    /// The real limit: 1,048,580 lines of a one-column table are a full sheet of a header and
    /// 1,048,575 lines, then `Journal (2)` with a header, the last five lines and the total.
    @Test(.timeLimit(.minutes(2))) func aMillionRowTableSplitsAtExcelsLimit() throws {
        let folder = try temporaryFolder("million")
        defer { try? FileManager.default.removeItem(at: folder) }
        let count = 1_048_580
        var table = ReportTable(name: "journal", columns: [ReportColumn("amount", .money)])
        table.rows.reserveCapacity(count)
        for index in 0..<count { table.rows.append([.money(Int64(index % 1000), exponent: 2)]) }
        table.totals = [.formula("SUM(A2:A\(count + 1))", value: .money(0, exponent: 2))]
        let url = try write([ReportSheet(title: "Journal", tables: [table])], in: folder)
        #expect(try sheetNames(of: url) == ["Journal", "Journal (2)"])
        let second = try part("xl/worksheets/sheet2.xml", of: url)
        #expect(second.contains(#"<dimension ref="A1:A7"/>"#))
        #expect(second.contains("<f>ROUND(SUM('Journal'!A2:A1048576,A2:A6),2)</f>"))
        let first = try run(["sh", "-c", "unzip -p '\(url.path)' xl/worksheets/sheet1.xml | grep -o '<dimension[^>]*>'"])
        #expect(String(decoding: first.output, as: UTF8.self) == "<dimension ref=\"A1:A1048576\"/>\n")
    }
}
