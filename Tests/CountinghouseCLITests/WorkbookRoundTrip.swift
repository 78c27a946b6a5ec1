import Foundation
import Testing

/// Whether LibreOffice is installed (`make deps` installs libreoffice-calc-nogui).
let hasLibreOffice: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/soffice")

/// A report folder's workbook as a person opens it: LibreOffice headless loads report.xlsx,
/// recalculating every formula (a throwaway profile sets OOXMLRecalcMode to 0: LibreOffice 7.4
/// does not recalculate xlsx on load otherwise), and converts every sheet to CSV. Then every sheet
/// made from a CSV file of the folder must show that file, cell by cell; every total row must be
/// the sum of the rows above it, as LibreOffice computed it; and the report's checks say ok.
enum WorkbookRoundTrip {
    static let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    static let sheets = [
        "Summary", "Journal", "Trial Balance", "Cost of Goods", "Valuation", "Stock Trail", "Pending Costs", "Prior-Period Adjustments",
        "Reorder", "Reconciliation", "Exceptions", "Payouts", "Run", "Daily",
    ]

    /// Every sheet of `workbook`, recalculated, as rows of fields.
    static func convert(_ workbook: URL, in folder: URL) throws -> [String: [[String]]] {
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/soffice")
        process.arguments = [
            "--headless", "-env:UserInstallation=file://\(folder.appendingPathComponent("profile").path)", "--convert-to", filter,
            "--outdir", output.path, workbook.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "soffice failed")
        var sheets: [String: [[String]]] = [:]
        let prefix = workbook.deletingPathExtension().lastPathComponent + "-"
        for file in try FileManager.default.contentsOfDirectory(atPath: output.path) where file.hasPrefix(prefix) {
            let text = try String(contentsOf: output.appendingPathComponent(file), encoding: .utf8)
            sheets[String(file.dropFirst(prefix.count).dropLast(4))] = parseRFC4180(text)
        }
        return sheets
    }

    /// A field as the spreadsheet shows it: numbers as decimals without trailing zeros, a
    /// date-time at its local time to the second, input text without the `'` the CSV writer puts
    /// before text a spreadsheet would take for a formula.
    static func normalized(_ field: String) -> String {
        if let decimal = Decimal(string: field), field.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }), field.contains(where: \.isNumber) {
            return "\(decimal)"
        }
        // 2026-10-20T14:05:30.25-04:00 → 2026-10-20 14:05:30
        if field.count >= 19, field.dropFirst(10).first == "T", field.prefix(4).allSatisfy(\.isNumber) {
            return String(field.prefix(19)).replacingOccurrences(of: "T", with: " ")
        }
        if field.hasPrefix("'"), let next = field.dropFirst().first, "=+-@\t\r".contains(next) { return String(field.dropFirst()) }
        return field
    }

    /// Checks the workbook of a report folder against the folder's CSV files.
    static func check(_ folder: URL, scratch: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let converted = try convert(folder.appendingPathComponent("report.xlsx"), in: scratch)
        #expect(Set(converted.keys) == Set(sheets), sourceLocation: sourceLocation)
        let pairs = [
            ("Journal", "journal.csv"), ("Trial Balance", "trial_balance.csv"), ("Cost of Goods", "cogs.csv"),
            ("Valuation", "valuation.csv"), ("Reconciliation", "reconciliation.csv"),
        ]
        for (sheet, file) in pairs {
            var csv = parseRFC4180(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
            if sheet == "Valuation" {
                // The sheet lists the goods in transit after the locations' stock.
                let rows = csv.dropFirst()
                csv = [csv[0]] + rows.filter { $0[1] != "IN_TRANSIT" } + rows.filter { $0[1] == "IN_TRANSIT" }
                #expect(rows.contains { $0[1] == "IN_TRANSIT" }, "the sample has goods in transit", sourceLocation: sourceLocation)
            }
            let shown = try #require(converted[sheet], sourceLocation: sourceLocation)
            #expect(shown.count >= csv.count, "\(sheet) has every line of \(file)", sourceLocation: sourceLocation)
            for (index, line) in csv.enumerated() where index < shown.count {
                let want = line.map(normalized)
                let got = Array(shown[index].prefix(line.count)).map(normalized)
                #expect(got == want, "\(sheet) line \(index + 1) against \(file)", sourceLocation: sourceLocation)
                if got != want { break }
            }
        }
        // Every total row, recalculated, is the sum of its table's rows (each table starts after an
        // empty line or at the top).
        var totalsChecked = 0
        for (sheet, rows) in converted {
            var start = 0
            for (index, row) in rows.enumerated() {
                if row.allSatisfy(\.isEmpty) { start = index + 1 }
                guard row.first == "total" else { continue }
                for column in row.indices.dropFirst() where !row[column].isEmpty {
                    var sum = Decimal(0)
                    for above in rows[(start + 1)..<index] where column < above.count {
                        sum += Decimal(string: above[column]) ?? 0
                    }
                    #expect(Decimal(string: row[column]) == sum, "\(sheet): the total of column \(column + 1)", sourceLocation: sourceLocation)
                    totalsChecked += 1
                }
            }
        }
        #expect(totalsChecked >= 6, "the totals of the journal, trial balance and more", sourceLocation: sourceLocation)
        try checkFigures(converted, folder: folder, sourceLocation: sourceLocation)
        // The trial balance's check, recalculated, and the report's own checks.
        let trialBalance = try #require(converted["Trial Balance"], sourceLocation: sourceLocation)
        #expect(trialBalance.contains { $0.first == "debits − credits = 0" && $0.dropFirst().prefix(2) == ["0", "ok"] }, sourceLocation: sourceLocation)
        let summary = try #require(converted["Summary"], sourceLocation: sourceLocation)
        let checksHeader = try #require(summary.firstIndex { $0.first == "check" }, sourceLocation: sourceLocation)
        let checks = summary[(checksHeader + 1)...].prefix { !$0.allSatisfy(\.isEmpty) }
        #expect(checks.count >= 3, sourceLocation: sourceLocation)
        for check in checks { #expect(check.dropFirst().first == "ok", "\(check)", sourceLocation: sourceLocation) }
    }

    /// The Summary's key figures against the sheets and files they come from.
    static func checkFigures(_ converted: [String: [[String]]], folder: URL, sourceLocation: SourceLocation) throws {
        func decimal(_ text: String?) -> Decimal { text.flatMap { Decimal(string: $0) } ?? 0 }
        /// The rows of the table whose header starts with `first`, up to the next empty line.
        func table(_ sheet: String, _ first: String) throws -> (header: [String], rows: [[String]]) {
            let rows = try #require(converted[sheet], sourceLocation: sourceLocation)
            let start = try #require(rows.firstIndex { $0.first == first }, "\(sheet): \(first)", sourceLocation: sourceLocation)
            return (rows[start], Array(rows[(start + 1)...].prefix { !$0.allSatisfy(\.isEmpty) }))
        }
        let figures = try table("Summary", "figure").rows
        func figure(_ prefix: String) throws -> Decimal {
            decimal(try #require(figures.first { $0[0].hasPrefix(prefix) }, "figure \(prefix)", sourceLocation: sourceLocation)[1])
        }
        func total(_ sheet: String, _ first: String, _ column: (String) -> Bool) throws -> Decimal {
            let (header, rows) = try table(sheet, first)
            let totalRow = try #require(rows.last { $0.first == "total" }, "\(sheet): its total", sourceLocation: sourceLocation)
            return header.indices.filter { column(header[$0]) }.reduce(Decimal(0)) { $0 + decimal(totalRow[$1]) }
        }
        #expect(try figure("net sales") == total("Daily", "date") { $0.hasSuffix(" net sales") }, sourceLocation: sourceLocation)
        #expect(try figure("gross margin") == total("Daily", "date") { $0.hasSuffix(" gross margin") }, sourceLocation: sourceLocation)
        #expect(try figure("net sales") - figure("cost of goods sold") == figure("gross margin"), sourceLocation: sourceLocation)
        // The sales' cost lines in cogs.csv: final and provisional.
        let cogs = parseRFC4180(try String(contentsOf: folder.appendingPathComponent("cogs.csv"), encoding: .utf8))
        let (kind, cost, provisional) = (cogs[0].firstIndex(of: "kind")!, cogs[0].firstIndex(of: "cost")!, cogs[0].firstIndex(of: "provisional_cost")!)
        let sales = cogs.dropFirst().filter { $0[kind] == "SALE" }
        #expect(try figure("  sales at final cost") == sales.reduce(Decimal(0)) { $0 + decimal($1[cost]) }, sourceLocation: sourceLocation)
        #expect(
            try figure("  sales at provisional cost") == sales.reduce(Decimal(0)) { $0 + decimal($1[provisional]) }, sourceLocation: sourceLocation)
        // The journal's cost of goods sold and the balances at the end, from trial_balance.csv.
        let trialBalance = parseRFC4180(try String(contentsOf: folder.appendingPathComponent("trial_balance.csv"), encoding: .utf8))
        func account(_ code: String) -> [String]? { trialBalance.first { $0.first == code } }
        #expect(
            try figure("cost of goods sold") == decimal(account("5000")?[3]) - decimal(account("5000")?[4]), sourceLocation: sourceLocation)
        #expect(try figure("inventory at the end") == decimal(account("1200")?[5]), sourceLocation: sourceLocation)
        #expect(try figure("card clearing at the end") == decimal(account("1100")?[5]), sourceLocation: sourceLocation)
        #expect(try figure("outflows still pending") == total("Pending Costs", "outflow_id") { $0 == "provisional_cost" }, sourceLocation: sourceLocation)
        #expect(try figure("exceptions needing a person") == total("Exceptions", "age_days") { $0 == "amount" }, sourceLocation: sourceLocation)
    }
}
