import CountinghouseCore
import CountinghouseReport
import Foundation
import Testing

/// A fresh folder under the system's temporary directory, removed by the caller.
func temporaryFolder(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-xlsx-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs a program and returns its standard output (standard error is kept for failures).
@discardableResult
func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: Data, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Read before waiting: a large output would fill the pipe and block the program.
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data, String(decoding: errorData, as: UTF8.self))
}

/// One part of the xlsx (zip) file, as text: `xl/worksheets/sheet1.xml`.
func part(_ name: String, of workbook: URL) throws -> String {
    let result = try run(["unzip", "-p", workbook.path, name])
    #expect(result.status == 0, "unzip -p \(name): \(result.error)")
    return String(decoding: result.output, as: UTF8.self)
}

/// The names of the workbook's sheets, in order (from xl/workbook.xml).
func sheetNames(of workbook: URL) throws -> [String] {
    let xml = try part("xl/workbook.xml", of: workbook)
    return xml.components(separatedBy: "<sheet name=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
}

/// Whether this process may mount a tmpfs (root in a container that allows it): the full-disk and
/// read-only-folder tests need one.
let canMountTmpfs: Bool = {
    guard getuid() == 0, let folder = try? temporaryFolder("probe") else { return false }
    defer { try? FileManager.default.removeItem(at: folder) }
    guard (try? run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder.path]))?.status == 0 else { return false }
    _ = try? run(["umount", folder.path])
    return true
}()

/// Mounts a tmpfs with `options` at a fresh folder for the body, then unmounts it. Lazily: after a
/// failed close libxlsxwriter may still hold its temporary files open (unlinked) until the process
/// ends, and a plain umount would then fail as busy and leave the mount behind.
func withTmpfs<T>(options: String, _ body: (URL) throws -> T) throws -> T {
    let folder = try temporaryFolder("tmpfs")
    defer { try? FileManager.default.removeItem(at: folder) }
    let mounted = try run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", folder.path])
    try #require(mounted.status == 0, "mount: \(mounted.error)")
    defer {
        let unmounted = try? run(["umount", "--lazy", folder.path])
        #expect(unmounted?.status == 0, "umount \(folder.path): \(unmounted?.error ?? "")")
    }
    return try body(folder)
}

let knowledgeTime = Instant(date: CivilDate(year: 2026, month: 11, day: 1)!, secondOfDay: 12 * 3600)

/// A small report: a journal (money, dates, date-times, input text that looks like a formula,
/// links, totals) and a trial balance.
func sampleSheets() -> [ReportSheet] {
    let day = CivilDate(year: 2026, month: 10, day: 20)!
    // 14:05:30.25 in New York (UTC-4 in October).
    let instant = Instant(date: day, secondOfDay: 18 * 3600 + 5 * 60 + 30, nanosecond: 250_000_000)
    var journal = ReportTable(
        name: "journal",
        columns: [
            ReportColumn("entry_id", .text), ReportColumn("date", .date), ReportColumn("account", .text),
            ReportColumn("debit", .money), ReportColumn("credit", .money), ReportColumn("quantity", .quantity),
            ReportColumn("memo", .inputText), ReportColumn("recorded_at", .dateTime),
        ])
    journal.append([
        .text("SALE:1001"), .date(day), .text("1200"), .money(1_234_567_89, exponent: 2), .money(0, exponent: 2), .integer(1_500),
        .inputText("=HYPERLINK(\"http://x\",\"click\")"), .dateTime(instant, offsetSeconds: -4 * 3600),
    ])
    journal.append([
        .link(sheet: "Journal", row: 1, column: 0, label: .text("SALE:1001")), .date(day), .text("4000"), .money(0, exponent: 2),
        .money(1_234_567_89, exponent: 2), .integer(-3), .inputText("+1 & <tag> \"quoted\""), .empty,
    ])
    journal.append([
        .text("COGS:7"), .date(day.adding(days: 1)), .text("5000"), .money(-12_50, exponent: 2), .money(0, exponent: 2), .empty,
        .inputText("@SUM(A1)"), .dateTime(instant, offsetSeconds: 0),
    ])
    journal.totals = [
        .text("total"), .empty, .empty, .formula("SUM(D2:D4)", value: .money(1_234_555_39, exponent: 2)),
        .formula("SUM(E2:E4)", value: .money(1_234_567_89, exponent: 2)), .empty, .empty, .empty,
    ]
    var trialBalance = ReportTable(
        name: "trial_balance",
        columns: [ReportColumn("account", .text), ReportColumn("balance", .money), ReportColumn("unit_cost", .unitCost)])
    trialBalance.append([
        .link(sheet: "Journal", row: 3, column: 3, label: .money(-12_50, exponent: 2)), .money(-12_50, exponent: 2),
        .money(1_2345, exponent: 4),
    ])
    return [ReportSheet(title: "Journal", tables: [journal]), ReportSheet(title: "Trial Balance", tables: [trialBalance])]
}
