// The workbook writer: renders report sheets (CountinghouseReport's typed cells) to an .xlsx file
// the way a careful accountant builds one, through libxlsxwriter (XLSXWorkbook.swift).
//
// Place in the pipeline: the application builds the sheets from the same tables the CSV files are
// rendered from, then calls `XLSXWriter.write`; this module is a leaf (nothing depends on it but the
// application and the bench).
// What it writes: money as numbers in `#,##0.00;[Red]-#,##0.00` (decimals from the cell's exponent),
// quantities and counts as integers, dates and date-times as spreadsheet dates (a date-time at the
// offset its cell carries: the reporting time zone), text always as a string (never a formula, so
// `=HYPERLINK(…)` from an input file stays text), a bold header row frozen on screen, an autofilter
// over the first table of each sheet (Excel allows one per sheet), column widths measured from the
// cells (libxlsxwriter 1.1.4 has no autofit), totals as formulas with their values, links to cells
// of other sheets. A total that sums its whole column (`SUM(E2:E101)`, as the tables make it) is
// re-addressed to where the rows landed (on several sheets when the table was split), and a money
// total rounded to its decimals (`ROUND(SUM(…),2)`); any other
// formula is written as given, its references naming the sheet's cells as laid out.
// Charts: native charts (libxlsxwriter's, which LibreOffice draws too), each series reading a table
// column's data rows as an absolute range (`'Daily'!$B$2:$B$31`) found through the plans, as links
// are; a table split over several parts is charted from its first part only (a chart's range names
// one sheet). A chart whose ranges name a sheet, table or column the workbook does not have, or a
// table without data rows, or that has no series, fails the whole workbook with an `XLSXError`
// before anything is written: a report that silently lost its chart would look complete.
// Invariants: deterministic — the same sheets and properties give the same bytes (the document's
// creation time is the knowledge time passed in, never the clock); constant memory — rows stream
// to temporary files beside the output (in a dotted folder), so a million-row sheet costs no more
// memory than a small one; a table longer than a sheet continues on `Name (2)`, `Name (3)` … with
// its header repeated.
// Errors a user can see: `XLSXError` (the library's message, what was being written, the file);
// the file is written under a temporary name and renamed into place, so a failure leaves no
// partial file.
import CountinghouseCore
import CountinghouseReport
import Foundation

/// What the document says about itself (File ▸ Properties).
public struct XLSXProperties: Sendable, Hashable {
    public var title: String?
    public var company: String?
    /// The knowledge time of the report: the document's creation time (left out, libxlsxwriter
    /// would write the clock, and two runs would differ).
    public var knowledgeTime: Instant

    public init(title: String? = nil, company: String? = nil, knowledgeTime: Instant) {
        self.title = title
        self.company = company
        self.knowledgeTime = knowledgeTime
    }
}

public enum XLSXWriter {
    /// Rows in a worksheet (Excel's limit): a header and 1,048,575 data rows.
    public static let rowsPerSheet = 1_048_576
    /// Hyperlinks in a worksheet (Excel's limit); further link cells show their label without a link.
    public static let linksPerSheet = 65_530
    /// Columns in a worksheet (Excel's limit).
    public static let columnsPerSheet = 16_384
    /// Characters in a sheet name (Excel's limit).
    public static let sheetNameLength = 31

    /// Writes `sheets`, in order, to `path`. `rowsPerSheet` is Excel's limit; tests lower it to see
    /// the split without writing a million rows. `shownAs`: the path errors name (the file's final
    /// place, when it is written somewhere else first); `path` when nil.
    /// `progress` hears how many table rows are written, every 10,000 rows and at the end.
    public static func write(
        sheets: [ReportSheet], to writtenPath: String, shownAs: String? = nil, properties: XLSXProperties,
        rowsPerSheet: Int = XLSXWriter.rowsPerSheet, progress: ((_ rowsWritten: Int) -> Void)? = nil
    ) throws {
        let path = shownAs ?? writtenPath
        precondition(rowsPerSheet >= 3 && rowsPerSheet <= XLSXWriter.rowsPerSheet, "a sheet holds a header, a row and a total")
        let url = URL(fileURLWithPath: writtenPath)
        // Beside the output, in the same folder, so the rename is atomic and a failure is cleaned
        // up; dotted so a listing of the folder does not show it.
        let temporaryPath = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial").path
        let plans = try plan(sheets, rowsPerSheet: rowsPerSheet, path: path)
        let charts = try placeCharts(sheets, plans: plans, path: path)
        // The library's own temporary files (tmp.XXXXXXXXXX, one per sheet, unlinked as soon as
        // they are open) go in a dotted folder of their own: in the output's folder their names
        // would be in view, for an instant each, and for good after a kill in that instant.
        // A folder that cannot be made (the output's folder missing, read-only, full) leaves them
        // in the output's folder, where the library fails and says why in its own words.
        let directory = url.deletingLastPathComponent().path
        let sheetDirectory = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).sheets").path
        let madeSheetDirectory = mkdir(sheetDirectory, 0o700) == 0
        defer { if madeSheetDirectory { try? FileManager.default.removeItem(atPath: sheetDirectory) } }
        do {
            let workbook = try XLSXWorkbook(
                path: temporaryPath, displayPath: path, temporaryDirectory: madeSheetDirectory ? sheetDirectory : directory,
                created: properties.knowledgeTime,
                title: properties.title, company: properties.company)
            var renderer = SheetRenderer(workbook: workbook, plans: plans, rowsPerSheet: rowsPerSheet)
            renderer.progress = progress
            for index in sheets.indices { try renderer.write(sheets[index], plans[index], charts: charts[index]) }
            progress?(renderer.rowsWritten)
            try workbook.close()
            if rename(temporaryPath, writtenPath) != 0 {
                let message = String(cString: strerror(errno))
                throw XLSXError(path: path, operation: "renaming \(temporaryPath) into place", message: message, code: 0)
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Where every row of a sheet lands: its parts (sheet names) and runs of rows. A row's logical
    /// number counts the sheet's rows as if it had no row limit (the first table's header is 0);
    /// links name their target by it.
    struct SheetPlan {
        struct Run {
            var logicalStart: Int
            var count: Int
            var part: Int
            var row: Int
        }
        /// Where a table starts and what it holds, for charts that draw its columns.
        struct Table {
            /// The logical row of its header.
            var header: Int
            var rows: Int
            var roles: [ColumnRole]
        }
        var names: [String]
        var runs: [Run] = []
        var tables: [Table] = []
        /// The logical rows the sheet lays out (its last table's last row is this minus one).
        var logicalRows: Int { runs.last.map { $0.logicalStart + $0.count } ?? 0 }

        /// The index of the run that holds a logical row (nil: beyond the sheet).
        private func runIndex(_ logical: Int) -> Int? {
            var low = 0
            var high = runs.count
            while low < high {
                let middle = (low + high) / 2
                if runs[middle].logicalStart + runs[middle].count <= logical { low = middle + 1 } else { high = middle }
            }
            guard low < runs.count, runs[low].logicalStart <= logical else { return nil }
            return low
        }

        /// The part and row of a logical row (nil: beyond the sheet).
        func place(_ logical: Int) -> (part: Int, row: Int)? {
            guard let index = runIndex(logical) else { return nil }
            return (runs[index].part, runs[index].row + logical - runs[index].logicalStart)
        }

        /// Where something anchored at a logical row sits: that row's place, or for a row below
        /// the sheet's tables, the last part continued downwards (a chart under the last table).
        func anchor(_ logical: Int) -> (part: Int, row: Int) {
            if let place = place(logical) { return place }
            guard let last = runs.last else { return (0, logical) }
            return (last.part, last.row + last.count + logical - logicalRows)
        }

        /// The rows `logical ..< logical + count` that landed together with the first of them: its
        /// part and the first and last row there (all of them unless the part ended before).
        func firstStretch(_ logical: Int, count: Int) -> (part: Int, first: Int, last: Int)? {
            guard count > 0, let index = runIndex(logical) else { return nil }
            let run = runs[index]
            let lastLogical = min(logical + count, run.logicalStart + run.count) - 1
            let first = run.row + logical - run.logicalStart
            return (run.part, first, first + lastLogical - logical)
        }
    }

    /// What the layout walk visits, in writing order.
    enum Step {
        case part(Int)
        /// A table's header row; `repeated` when it starts a continuation part, `next` the index
        /// of the table's row that follows it.
        case header(table: Int, row: Int, repeated: Bool, next: Int)
        case rows(table: Int, range: Range<Int>, row: Int)
        case totals(table: Int, row: Int)
        /// The empty row between two tables.
        case gap(row: Int)
    }

    /// The layout of one sheet: tables top to bottom with an empty row between them, each starting
    /// with its header; a part that fills up continues on the next with the current table's header
    /// repeated. The plan and the writing both follow this walk, so they cannot disagree.
    static func walk(_ sheet: ReportSheet, rowsPerSheet limit: Int, _ visit: (Step) throws -> Void) rethrows {
        var part = 0
        var row = 0
        try visit(.part(0))
        func nextPart(repeatingHeaderOf table: Int?, next: Int = 0) throws {
            part += 1
            row = 0
            try visit(.part(part))
            if let table {
                try visit(.header(table: table, row: 0, repeated: true, next: next))
                row = 1
            }
        }
        for (index, table) in sheet.tables.enumerated() {
            if index > 0 {
                // A gap, a header and a first row, or a fresh part.
                if row + 3 > limit {
                    try nextPart(repeatingHeaderOf: nil)
                } else {
                    try visit(.gap(row: row))
                    row += 1
                }
            }
            try visit(.header(table: index, row: row, repeated: false, next: 0))
            row += 1
            var next = 0
            while next < table.rows.count {
                if row >= limit { try nextPart(repeatingHeaderOf: index, next: next) }
                let count = min(table.rows.count - next, limit - row)
                try visit(.rows(table: index, range: next..<next + count, row: row))
                row += count
                next += count
            }
            if table.totals != nil {
                if row >= limit { try nextPart(repeatingHeaderOf: index, next: table.rows.count) }
                try visit(.totals(table: index, row: row))
                row += 1
            }
        }
    }

    static func plan(_ sheets: [ReportSheet], rowsPerSheet: Int, path: String) throws -> [SheetPlan] {
        var plans: [SheetPlan] = []
        var used = Set<String>()
        for sheet in sheets {
            var plan = SheetPlan(names: [])
            var logical = 0
            var part = 0
            func add(_ count: Int, at row: Int) {
                if let last = plan.runs.last, last.part == part, last.row + last.count == row, last.logicalStart + last.count == logical {
                    plan.runs[plan.runs.count - 1].count += count
                } else {
                    plan.runs.append(SheetPlan.Run(logicalStart: logical, count: count, part: part, row: row))
                }
                logical += count
            }
            walk(sheet, rowsPerSheet: rowsPerSheet) { step in
                switch step {
                case .part(let index):
                    part = index
                    plan.names.append(index == 0 ? sheet.title : partName(sheet.title, index + 1))
                case .header(let index, let row, let repeated, _):
                    if !repeated {
                        let table = sheet.tables[index]
                        plan.tables.append(SheetPlan.Table(header: logical, rows: table.rows.count, roles: table.columns.map(\.role)))
                        add(1, at: row)
                    }
                case .rows(_, let range, let row): add(range.count, at: row)
                case .totals(_, let row), .gap(let row): add(1, at: row)
                }
            }
            for name in plan.names {
                guard used.insert(name.lowercased()).inserted else {
                    throw XLSXError(path: path, operation: "naming a sheet '\(name)'", message: "two sheets have this name", code: 0)
                }
            }
            plans.append(plan)
        }
        return plans
    }

    /// A chart as the workbook draws it: where its corner sits, and its ranges as formulas.
    struct ChartPlacement {
        struct Series {
            var name: String
            var values: String
        }
        var chart: ReportChart
        var part: Int
        var row: Int
        var column: Int
        var categories: String
        /// The category labels' number format, for dates (nil: as the cells show them).
        var categoryFormat: String?
        var series: [Series]
    }

    /// Every sheet's charts, placed and with their ranges resolved through the plans, before
    /// anything is written (so a bad range leaves no file behind).
    static func placeCharts(_ sheets: [ReportSheet], plans: [SheetPlan], path: String) throws -> [[ChartPlacement]] {
        var plansByTitle: [String: SheetPlan] = [:]
        for (sheet, plan) in zip(sheets, plans) { plansByTitle[sheet.title] = plan }
        return try zip(sheets, plans).map { sheet, plan in
            try sheet.charts.map { chart in
                func failure(_ message: String) -> XLSXError {
                    XLSXError(path: path, operation: "drawing the chart '\(chart.title)' on sheet '\(sheet.title)'", message: message, code: 0)
                }
                guard !chart.series.isEmpty else { throw failure("it has no series") }
                guard chart.width > 0, chart.height > 0 else { throw failure("its size (\(chart.width) × \(chart.height) pixels) is empty") }
                let corner = plan.anchor(chart.row)
                guard chart.row >= 0, chart.column >= 0, corner.row < XLSXWriter.rowsPerSheet, chart.column < XLSXWriter.columnsPerSheet
                else {
                    throw failure("its corner (row \(chart.row), column \(chart.column)) is outside the sheet")
                }
                func formula(_ range: ReportChart.Range, _ role: String) throws -> String {
                    guard let target = plansByTitle[range.sheet] else {
                        throw failure("\(role): the workbook has no sheet '\(range.sheet)'")
                    }
                    guard target.tables.indices.contains(range.table) else {
                        throw failure("\(role): sheet '\(range.sheet)' has no table \(range.table) (its tables are 0 to \(target.tables.count - 1))")
                    }
                    let table = target.tables[range.table]
                    guard table.roles.indices.contains(range.column) else {
                        throw failure(
                            "\(role): table \(range.table) of sheet '\(range.sheet)' has no column \(range.column) (its columns are 0 to \(table.roles.count - 1))")
                    }
                    guard let stretch = target.firstStretch(table.header + 1, count: table.rows) else {
                        throw failure("\(role): table \(range.table) of sheet '\(range.sheet)' has no data rows")
                    }
                    let letters = columnLetters(range.column)
                    return "=" + quotedSheetName(target.names[stretch.part]) + "!$\(letters)$\(stretch.first + 1):$\(letters)$\(stretch.last + 1)"
                }
                let categories = try formula(chart.categories, "its categories")
                let categoryFormat: String?
                switch plansByTitle[chart.categories.sheet]?.tables[chart.categories.table].roles[chart.categories.column] {
                case .date: categoryFormat = "yyyy-mm-dd"
                case .dateTime: categoryFormat = "yyyy-mm-dd hh:mm"
                default: categoryFormat = nil
                }
                let series = try chart.series.map { series in
                    ChartPlacement.Series(name: series.name, values: try formula(series.values, "its series '\(series.name)'"))
                }
                return ChartPlacement(
                    chart: chart, part: corner.part, row: corner.row, column: chart.column, categories: categories,
                    categoryFormat: categoryFormat, series: series)
            }
        }
    }

    /// `Journal (2)`: the title cut so that the name stays within Excel's 31 characters.
    static func partName(_ title: String, _ number: Int) -> String {
        let suffix = " (\(number))"
        let room = sheetNameLength - suffix.unicodeScalars.count
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: title.unicodeScalars.prefix(room))
        return String(scalars) + suffix
    }
}

/// Writes sheets cell by cell, following their plans, and measures column widths on the way.
struct SheetRenderer {
    let workbook: XLSXWorkbook
    let plans: [XLSXWriter.SheetPlan]
    /// Plans by sheet title, for links.
    let plansByTitle: [String: XLSXWriter.SheetPlan]

    /// The row limit the plans were made with.
    let rowsPerSheet: Int

    /// Who hears how far the writing got, and how many table rows are written so far.
    var progress: ((Int) -> Void)?
    private(set) var rowsWritten = 0

    init(workbook: XLSXWorkbook, plans: [XLSXWriter.SheetPlan], rowsPerSheet: Int) {
        self.workbook = workbook
        self.plans = plans
        self.rowsPerSheet = rowsPerSheet
        var byTitle: [String: XLSXWriter.SheetPlan] = [:]
        for plan in plans { byTitle[plan.names[0]] = plan }
        plansByTitle = byTitle
    }

    // The widths, in characters, of the current part's columns.
    private var widths: [Double] = []
    private var linkCount = 0

    mutating func write(_ sheet: ReportSheet, _ plan: XLSXWriter.SheetPlan, charts: [XLSXWriter.ChartPlacement]) throws {
        var worksheet: XLSXWorksheet?
        /// The sheet's parts, for the charts drawn on them once the rows are written.
        var parts: [XLSXWorksheet] = []
        var filtered = false
        /// Where each table's data rows landed: (part name, first row, last row), for column sums.
        var dataRuns: [[(name: String, first: Int, last: Int)]] = Array(repeating: [], count: sheet.tables.count)
        func finishPart() throws {
            guard let worksheet else { return }
            for (column, width) in widths.enumerated() { try worksheet.setColumnWidth(column, width) }
        }
        try XLSXWriter.walk(sheet, rowsPerSheet: rowsPerSheet) { step in
            switch step {
            case .part(let index):
                try finishPart()
                worksheet = try workbook.addWorksheet(name: plan.names[index])
                parts.append(worksheet!)
                widths = []
                linkCount = 0
                filtered = false
            case .header(let index, let row, _, let next):
                let table = sheet.tables[index]
                let bold = workbook.format(.init(bold: true))
                for (column, name) in table.columnNames.enumerated() {
                    try worksheet!.writeString(row, column, name, bold)
                    // Room for the filter button beside the name.
                    measure(column, Double(name.utf8.count) + 3)
                }
                if !filtered {
                    filtered = true
                    worksheet!.freezeRows(above: row + 1)
                    // The table's data rows in this part (constant-memory mode wants the filter now).
                    let rowsHere = min(table.rows.count - next, rowsPerSheet - row - 1)
                    try worksheet!.autofilter(firstRow: row, lastRow: row + rowsHere, lastColumn: max(table.columns.count - 1, 0))
                }
            case .rows(let index, let range, let row):
                let table = sheet.tables[index]
                dataRuns[index].append((worksheet!.name, row, row + range.count - 1))
                var at = row
                for rowIndex in range {
                    let cells = table.rows[rowIndex]
                    precondition(cells.count == table.columns.count, "a table row must have one cell per column")
                    for (column, cell) in cells.enumerated() {
                        try write(cell, worksheet!, at, column, role: table.columns[column].role, bold: false)
                    }
                    at += 1
                    rowsWritten += 1
                    if rowsWritten % 10_000 == 0 { progress?(rowsWritten) }
                }
            case .totals(let index, let row):
                let table = sheet.tables[index]
                for (column, cell) in (table.totals ?? []).enumerated() {
                    var cell = cell
                    if case .formula(let formula, let value) = cell, isColumnSum(formula, column: column, rows: table.rows.count) {
                        cell = columnSum(column, value: value, runs: dataRuns[index], on: worksheet!.name)
                    }
                    try write(cell, worksheet!, row, column, role: table.columns[column].role, bold: true)
                }
            case .gap:
                break
            }
        }
        try finishPart()
        for placement in charts { try draw(placement, on: parts[placement.part]) }
    }

    /// A chart on one part of its sheet (libxlsxwriter positions it when the workbook closes, over
    /// the column widths set by then).
    private func draw(_ placement: XLSXWriter.ChartPlacement, on worksheet: XLSXWorksheet) throws {
        let kind: XLSXChart.Kind
        switch placement.chart.kind {
        case .line: kind = .line
        case .column: kind = .column
        case .stackedColumn: kind = .stackedColumn
        case .bar: kind = .bar
        }
        let chart = try workbook.addChart(kind, title: placement.chart.title)
        for series in placement.series {
            try chart.addSeries(name: series.name, categories: placement.categories, values: series.values)
        }
        if let title = placement.chart.valueAxisTitle { try chart.setValueAxisTitle(title) }
        if let format = placement.categoryFormat { try chart.setCategoryAxisNumberFormat(format) }
        try worksheet.insertChart(chart, placement.row, placement.column, width: placement.chart.width, height: placement.chart.height)
    }

    /// Whether a total's formula is the sum of its whole column as the table makes it alone on a
    /// sheet (`SUM(E2:E101)` for 100 rows): the writer then sums where the rows actually landed.
    private func isColumnSum(_ formula: String, column: Int, rows: Int) -> Bool {
        let letters = columnLetters(column)
        return formula == "SUM(\(letters)2:\(letters)\(rows + 1))"
    }

    /// A column's total over the rows where they landed (on several sheets when the table was
    /// split); a table without rows totals to its value, without a formula.
    private func columnSum(_ column: Int, value: ReportCell, runs: [(name: String, first: Int, last: Int)], on sheet: String)
        -> ReportCell
    {
        guard !runs.isEmpty else { return value }
        let letters = columnLetters(column)
        let ranges = runs.map { run -> String in
            let range = "\(letters)\(run.first + 1):\(letters)\(run.last + 1)"
            return run.name == sheet ? range : quotedSheetName(run.name) + "!" + range
        }
        let sum = "SUM(\(ranges.joined(separator: ",")))"
        // Money is summed to its decimals: a spreadsheet adds binary fractions, and a column that
        // nets to zero would otherwise show crumbs like −2.3E-13 (a red −0.00).
        if case .money(_, let exponent) = value.value { return .formula("ROUND(\(sum),\(max(exponent, 0)))", value: value) }
        return .formula(sum, value: value)
    }

    private mutating func measure(_ column: Int, _ width: Double) {
        while widths.count <= column { widths.append(8.43) }
        // Wide enough for the content plus a margin, never wider than a screen's share.
        widths[column] = min(max(widths[column], width + 1), 60)
    }

    private mutating func write(_ cell: ReportCell, _ sheet: XLSXWorksheet, _ row: Int, _ column: Int, role: ColumnRole, bold: Bool)
        throws
    {
        switch cell {
        case .text(let text), .inputText(let text):
            // Always a string: input text that looks like a formula stays text.
            guard !text.isEmpty else { return }
            try sheet.writeString(row, column, text, bold ? workbook.format(.init(bold: true)) : nil)
            measure(column, Double(text.utf8.count))
        case .money(let amount, let exponent):
            try sheet.writeNumber(row, column, number(amount, exponent), workbook.format(moneyFormat(exponent, bold: bold)))
            measure(column, Double(moneyWidth(amount, exponent)))
        case .integer(let number):
            let grouped = role == .quantity
            try sheet.writeNumber(row, column, Double(number), workbook.format(.init(numberFormat: grouped ? "#,##0" : "0", bold: bold)))
            measure(column, Double(integerWidth(number, grouped: grouped)))
        case .date(let date):
            try sheet.writeDateTime(
                row, column, year: date.year, month: date.month, day: date.day, hour: 0, minute: 0, second: 0,
                workbook.format(.init(numberFormat: "yyyy-mm-dd", bold: bold)))
            measure(column, 10)
        case .dateTime(let instant, let offset):
            let local = instant.nanosecondsSinceEpoch + offset * Instant.nanosecondsPerSecond
            let (seconds, nanoseconds) = floorDivide(local, Instant.nanosecondsPerSecond)
            let (days, secondOfDay) = floorDivide(seconds, 86_400)
            let date = CivilDate(daysSinceEpoch: days)
            try sheet.writeDateTime(
                row, column, year: date.year, month: date.month, day: date.day, hour: secondOfDay / 3600,
                minute: secondOfDay / 60 % 60, second: Double(secondOfDay % 60) + Double(nanoseconds) / 1e9,
                workbook.format(.init(numberFormat: "yyyy-mm-dd hh:mm:ss", bold: bold)))
            measure(column, 19)
        case .formula(let formula, let value):
            switch value.value {
            case .money(let amount, let exponent):
                try sheet.writeFormula(row, column, formula, value: number(amount, exponent), workbook.format(moneyFormat(exponent, bold: bold)))
                measure(column, Double(moneyWidth(amount, exponent)))
            case .integer(let integer):
                try sheet.writeFormula(row, column, formula, value: Double(integer), workbook.format(.init(numberFormat: "0", bold: bold)))
                measure(column, Double(integerWidth(integer, grouped: false)))
            default:
                let text = value.text
                try sheet.writeFormula(row, column, formula, text: text, bold ? workbook.format(.init(bold: true)) : nil)
                measure(column, Double(text.utf8.count))
            }
        case .link(let target, let targetRow, let targetColumn, let label):
            guard linkCount < XLSXWriter.linksPerSheet, let plan = plansByTitle[target], let place = plan.place(targetRow) else {
                // Past Excel's links per sheet, or to nowhere: the label alone.
                try write(label, sheet, row, column, role: role, bold: bold)
                return
            }
            linkCount += 1
            let address = "internal:" + quotedSheetName(plan.names[place.part]) + "!" + cellReference(row: place.row, column: targetColumn)
            switch label.value {
            case .text(let text), .inputText(let text):
                try sheet.writeLink(row, column, address, label: text, workbook.format(.init(bold: bold, hyperlink: true)))
                measure(column, Double(text.utf8.count))
            default:
                // A number shown as a link: the link, then the value written over it in its format.
                try sheet.writeLink(row, column, address, label: nil, workbook.format(.init(bold: bold, hyperlink: true)))
                try write(label, sheet, row, column, role: role, bold: bold)
            }
        case .empty:
            return
        }
    }

    private func moneyFormat(_ exponent: Int, bold: Bool) -> XLSXWorkbook.FormatKey {
        let decimals = exponent > 0 ? "." + String(repeating: "0", count: exponent) : ""
        return .init(numberFormat: "#,##0\(decimals);[Red]-#,##0\(decimals)", bold: bold)
    }

    private func number(_ amount: Int64, _ exponent: Int) -> Double {
        var scale = 1.0
        for _ in 0..<max(exponent, 0) { scale *= 10 }
        return Double(amount) / scale
    }

    /// The characters `#,##0.00` shows for an amount.
    private func moneyWidth(_ amount: Int64, _ exponent: Int) -> Int {
        let digits = max(decimalDigits(amount.magnitude), exponent + 1)
        let whole = digits - exponent
        return whole + (whole - 1) / 3 + (exponent > 0 ? exponent + 1 : 0) + (amount < 0 ? 1 : 0)
    }

    private func integerWidth(_ number: Int64, grouped: Bool) -> Int {
        let digits = decimalDigits(number.magnitude)
        return digits + (grouped ? (digits - 1) / 3 : 0) + (number < 0 ? 1 : 0)
    }
}

/// How many digits a number has in decimal (1 for 0).
func decimalDigits(_ value: UInt64) -> Int {
    var digits = 1
    var rest = value
    while rest >= 10 {
        rest /= 10
        digits += 1
    }
    return digits
}

/// A sheet name as a formula or link names it: `'Trial Balance'` (quotes doubled inside).
func quotedSheetName(_ name: String) -> String {
    "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
}
