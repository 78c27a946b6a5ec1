import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

@testable import CountinghouseXLSX

/// One sheet's XML pinned byte for byte under `Fixtures/`, as `unzip -p report.xlsx
/// xl/worksheets/sheet1.xml` prints it with a line break before each row, the cell data's end and
/// each tag after it (so a diff shows which row changed): a change of layout, format or cell type shows as a diff in
/// review. Re-record with `COUNTINGHOUSE_RECORD_GOLDEN=1 swift test --filter CountinghouseXLSXTests`
/// (the house convention of Tests/CountinghouseCLITests/Golden.swift), then read the diff.
@Suite struct GoldenSheetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func theJournalSheetsXML() throws {
        let folder = try temporaryFolder("golden")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("report.xlsx")
        try XLSXWriter.write(sheets: sampleSheets(), to: url.path, properties: XLSXProperties(knowledgeTime: knowledgeTime))
        let actual = try part("xl/worksheets/sheet1.xml", of: url).replacingOccurrences(of: "<row ", with: "\n<row ")
            .replacingOccurrences(of: "</sheetData>", with: "\n</sheetData>\n").replacingOccurrences(of: "/><", with: "/>\n<") + "\n"
        let golden = Self.fixtures.appendingPathComponent("journal-sheet1.xml")
        if ProcessInfo.processInfo.environment["COUNTINGHOUSE_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: golden)
            return
        }
        let expected = try #require(
            FileManager.default.contents(atPath: golden.path), "no golden file; record it with COUNTINGHOUSE_RECORD_GOLDEN=1")
        #expect(String(decoding: expected, as: UTF8.self) == actual)
    }
}
