// `countinghouse-bench xlsx`: the workbook writer on a journal-like sheet, figures printed, never a
// pass/fail (not part of the default run). COUNTINGHOUSE_BENCH_XLSX_ROWS (default 1,000,000) lines
// of the twelve journal.csv columns (ids, dates, account codes and names, debit and credit, input
// text): rows/s of `XLSXWriter.write`, beside the floor — the same cells written by a minimal loop
// straight through libxlsxwriter (same formats, constant memory, no layout, widths, links or
// error wrapping) — and their ratio (target ≥ 0.7); then peak RSS while writing 100k and the full
// count of rows. The table is built before the clock starts and is held in memory by both (the
// report model holds its rows), so RSS is shown whole and above the table (the writer's own
// share, which should not grow with the rows: target within 50 MB between 100k and 1M).
//
// The floor is the one place outside CountinghouseXLSX that calls libxlsxwriter: measuring the
// library itself is its purpose.
import CXLSXWriter
import CountinghouseCore
import CountinghouseReport
import CountinghouseXLSX
import Foundation

func currentResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") { return (Int(line.filter(\.isNumber)) ?? 0) / 1024 }
    return -1
}

/// A journal-like table: entries of two to four lines over a year, twelve columns as journal.csv.
func journalLikeTable(rows count: Int) -> ReportTable {
    // journal.csv's columns, from the one place that defines them (rows are made below, no totals).
    var table = JournalTables.journal([], exponent: 2)
    table.totals = nil
    var rows: [[ReportCell]] = []
    rows.reserveCapacity(count)
    let accounts = [("1200", "Inventory"), ("4000", "Sales"), ("5000", "Cost of goods sold"), ("1100", "Card clearing")]
    let start = CivilDate(year: 2026, month: 1, day: 1)!
    var entry = 0
    while rows.count < count {
        let lines = 2 + entry % 3
        let amount = Int64(100 + (entry * 7919) % 99_900)
        for line in 0..<lines where rows.count < count {
            let (code, name) = accounts[(entry + line) % accounts.count]
            let debit = line % 2 == 0
            rows.append([
                .text("SALE:\(100_000 + entry)"), .date(start.adding(days: Int64(entry % 365))), .text(code), .text(name),
                .money(debit ? amount : 0, exponent: 2), .money(debit ? 0 : amount, exponent: 2), .inputText("S\(entry % 10)"),
                .inputText("order \(entry) line \(line)"), .text("POS_LINE"), .inputText("pos_lines-2026-\(entry % 365).csv:\(line + 2)"),
                .inputText(line == 3 ? "stripe" : ""), .text(""),
            ])
        }
        entry += 1
    }
    table.rows = ReportRows(rows)
    return table
}

/// The floor: the same cells through libxlsxwriter with nothing around it.
func writeFloor(_ table: ReportTable, to path: String, directory: String) {
    var options = lxw_workbook_options(constant_memory: 1, tmpdir: strdup(directory), use_zip64: 0)
    let workbook = workbook_new_opt(path, &options)!
    let sheet = workbook_add_worksheet(workbook, "Journal")
    let bold = workbook_add_format(workbook)
    format_set_bold(bold)
    let money = workbook_add_format(workbook)
    format_set_num_format(money, "#,##0.00;[Red]-#,##0.00")
    let date = workbook_add_format(workbook)
    format_set_num_format(date, "yyyy-mm-dd")
    for (column, name) in table.columnNames.enumerated() { worksheet_write_string(sheet, 0, lxw_col_t(column), name, bold) }
    for (index, cells) in table.rows.enumerated() {
        let row = lxw_row_t(index + 1)
        for (column, cell) in cells.enumerated() {
            switch cell {
            case .text(let text), .inputText(let text):
                if !text.isEmpty { worksheet_write_string(sheet, row, lxw_col_t(column), text, nil) }
            case .money(let amount, _): worksheet_write_number(sheet, row, lxw_col_t(column), Double(amount) / 100, money)
            case .date(let day):
                var value = lxw_datetime(year: Int32(day.year), month: Int32(day.month), day: Int32(day.day), hour: 0, min: 0, sec: 0)
                worksheet_write_datetime(sheet, row, lxw_col_t(column), &value, date)
            default: break
            }
        }
    }
    precondition(workbook_close(workbook) == LXW_NO_ERROR, "the floor's workbook did not close")
}

func benchWorkbook() throws {
    let count = Int(environment["COUNTINGHOUSE_BENCH_XLSX_ROWS"] ?? "") ?? 1_000_000
    let folder = URL(fileURLWithPath: environment["COUNTINGHOUSE_BENCH_DIR"] ?? "bench-data", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let properties = XLSXProperties(title: "bench", knowledgeTime: Instant(nanosecondsSinceEpoch: 0))

    /// Writes a table with the writer, then with the floor: seconds, peak RSS and RSS before.
    func measure(_ table: ReportTable) throws -> (writer: Double, floor: Double, peak: Int, before: Int, floorPeak: Int, bytes: Int) {
        let sheets = [ReportSheet(title: "Journal", tables: [table])]
        let path = folder.appendingPathComponent("bench-\(table.rows.count).xlsx").path
        let floorPath = folder.appendingPathComponent("bench-floor-\(table.rows.count).xlsx").path
        let before = currentResidentMiB()
        _ = resetPeakResident()
        let (_, writerSeconds) = try timed { try XLSXWriter.write(sheets: sheets, to: path, properties: properties) }
        let peak = peakResidentMiB()
        _ = resetPeakResident()
        let (_, floorSeconds) = timed { writeFloor(table, to: floorPath, directory: folder.path) }
        let floorPeak = peakResidentMiB()
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: floorPath)
        return (writerSeconds, floorSeconds, peak, before, floorPeak, bytes)
    }

    let small = journalLikeTable(rows: min(100_000, count))
    let smallFigures = try measure(small)
    let table = journalLikeTable(rows: count)
    let figures = try measure(table)
    let rate = Double(count) / figures.writer
    let floorRate = Double(count) / figures.floor
    print(
        "xlsx \(count) journal lines × 12 columns: \(format(figures.writer, 2)) s, \(format(rate, 0)) rows/s, "
            + "\(format(Double(figures.bytes) / 1e6)) MB file")
    print("xlsx floor (the same cells straight through libxlsxwriter): \(format(figures.floor, 2)) s, \(format(floorRate, 0)) rows/s")
    print("xlsx ratio writer / floor: \(format(rate / floorRate, 2)) (target ≥ 0.7)")
    for (label, measured) in [("\(small.rows.count) rows", smallFigures), ("\(count) rows", figures)] {
        print(
            "xlsx peak RSS writing \(label): \(measured.peak) MiB (\(measured.peak - measured.before) MiB above the table held in memory; "
                + "floor \(measured.floorPeak - measured.before) MiB above)")
    }
    print("xlsx the writer's own memory, \(count) rows against \(small.rows.count): "
        + "\((figures.peak - figures.before) - (smallFigures.peak - smallFigures.before)) MiB more (target within 50)")
}
