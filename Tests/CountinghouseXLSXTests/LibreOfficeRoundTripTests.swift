import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

@testable import CountinghouseXLSX

/// Whether LibreOffice is installed (`make deps` installs libreoffice-calc-nogui).
let hasLibreOffice: Bool = (try? run(["sh", "-c", "command -v soffice"]))?.status == 0

/// The workbook as a person opens it: LibreOffice headless loads it, recalculating every formula
/// (a throwaway profile sets OOXMLRecalcMode to 0: LibreOffice 7.4 does not recalculate xlsx on
/// load otherwise), and converts every sheet to CSV; each sheet must say what the CSV writer says
/// for the same table — every cell, and the totals as LibreOffice computed them.
@Suite struct LibreOfficeRoundTripTests {
    /// The CSV filter: comma, double quote, UTF-8, from line 1, formulas' results, every sheet.
    static let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

    /// Converts every sheet of `workbook` to `<name>-<sheet>.csv` in `folder`, recalculated.
    func convert(_ workbook: URL, in folder: URL) throws -> [String: [[String]]] {
        let profile = folder.appendingPathComponent("profile/user")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let settings = """
            <?xml version="1.0" encoding="UTF-8"?>
            <oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
            </oor:items>

            """
        try Data(settings.utf8).write(to: profile.appendingPathComponent("registrymodifications.xcu"))
        let output = folder.appendingPathComponent("csv")
        let result = try run([
            "soffice", "--headless", "-env:UserInstallation=file://\(folder.appendingPathComponent("profile").path)",
            "--convert-to", Self.filter, "--outdir", output.path, workbook.path,
        ])
        try #require(result.status == 0, "soffice: \(result.error)")
        var sheets: [String: [[String]]] = [:]
        let prefix = workbook.deletingPathExtension().lastPathComponent + "-"
        for file in try FileManager.default.contentsOfDirectory(atPath: output.path) where file.hasPrefix(prefix) {
            let text = try String(contentsOf: output.appendingPathComponent(file), encoding: .utf8)
            sheets[String(file.dropFirst(prefix.count).dropLast(4))] = parseCSV(text)
        }
        return sheets
    }

    /// A cell as LibreOffice's CSV shows it, from the CSV writer's field: money as its decimal
    /// without trailing zeros, date-times at their local time to the second, input text without
    /// the `'` the CSV writer puts before a formula-like text (the workbook stores the text as is).
    func expected(_ field: String, _ cell: ReportCell) -> String {
        switch cell.value {
        case .money:
            guard let decimal = Decimal(string: field) else { return field }
            return "\(decimal)"
        case .dateTime:
            // 2026-10-20T14:05:30.25-04:00 → 2026-10-20 14:05:30
            return String(field.prefix(19)).replacingOccurrences(of: "T", with: " ")
        case .inputText(let text):
            return text
        default:
            return field
        }
    }

    @Test(.enabled(if: hasLibreOffice, "LibreOffice is not installed (make deps installs libreoffice-calc-nogui)"))
    func everySheetReadsBackAsTheCSVWriterWritesIt() throws {
        let folder = try temporaryFolder("libreoffice")
        defer { try? FileManager.default.removeItem(at: folder) }
        var sheets = sampleSheets()
        // A total whose cached value is wrong on purpose: LibreOffice shows 3 only if it recalculated.
        let check = ReportTable(
            name: "check", columns: [ReportColumn("sum", .number)], rows: [[.formula("SUM(1,2)", value: .integer(0))]])
        sheets.append(ReportSheet(title: "Recalculated", tables: [check]))
        let workbook = folder.appendingPathComponent("report.xlsx")
        try XLSXWriter.write(sheets: sheets, to: workbook.path, properties: XLSXProperties(knowledgeTime: knowledgeTime))
        let converted = try convert(workbook, in: folder)
        #expect(converted.keys.sorted() == ["Journal", "Recalculated", "Trial Balance"])
        #expect(converted["Recalculated"] == [["sum"], ["3"]])
        for sheet in sheets.dropLast() {
            let table = sheet.tables[0]
            let actual = try #require(converted[sheet.title])
            let written = parseCSV(CSVWriter.render(table))
            #expect(actual.first == written.first, "\(sheet.title): the header")
            for (index, row) in table.rows.enumerated() {
                let want = zip(written[index + 1], row).map { expected($0, $1) }
                #expect(actual[index + 1] == want, "\(sheet.title) line \(index + 1)")
            }
            if let totals = table.totals {
                let want = totals.map { expected($0.text, $0) }
                #expect(actual[table.rows.count + 1] == want, "\(sheet.title): the totals, recalculated")
            }
            #expect(actual.count == table.rows.count + 1 + (table.totals == nil ? 0 : 1))
        }
    }
}

/// RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var scalars = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while let scalar = pending ?? scalars.next() {
        pending = nil
        if quoted {
            if scalar == "\"" {
                let next = scalars.next()
                if next == "\"" { field.unicodeScalars.append("\"") } else {
                    quoted = false
                    pending = next
                }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" {
            quoted = true
        } else if scalar == "," {
            row.append(field)
            field = ""
        } else if scalar == "\n" {
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else if scalar != "\r" {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
}
