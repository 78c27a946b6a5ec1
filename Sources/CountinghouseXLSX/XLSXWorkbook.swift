// The only place that touches `lxw_workbook*`, `lxw_worksheet*`, `lxw_format*` and `lxw_chart*`.
//
// Place in the pipeline: `XLSXWriter` lays report sheets out and writes their cells through these
// types. An `XLSXWorkbook` owns the libxlsxwriter workbook: `close()` writes the file and frees
// it, exactly once; a workbook dropped without closing is freed in deinit without writing anything
// (libxlsxwriter creates the output file only when it closes). An `XLSXWorksheet` is a borrowed
// view of one sheet, and an `XLSXChart` of one chart (the workbook owns and frees it), valid while
// their workbook is open. Invariant: no pointer leaves this file. Strings: libxlsxwriter copies
// every string the chart calls take (chart_add_series's range formulas, series and axis names,
// the title: lxw_strdup in chart.c), so Swift's temporary C strings are enough for them; only the
// workbook's options and properties are kept alive here until it closes.
// Errors a user can see: every `lxw_error` becomes an `XLSXError` carrying the library's message
// (`lxw_strerror`), what was being written, and the file's name.
import CXLSXWriter
import CountinghouseCore
import Foundation

/// A failed libxlsxwriter call: the file, what was being done, and the library's message.
public struct XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The workbook's file, as the user named it.
    public var path: String
    /// What was being written (a sheet, a cell, closing the file).
    public var operation: String
    /// libxlsxwriter's message for its error code.
    public var message: String
    /// libxlsxwriter's `lxw_error` code (0 for failures outside the library, such as a rename).
    public var code: Int

    public init(path: String, operation: String, message: String, code: Int) {
        self.path = path
        self.operation = operation
        self.message = message
        self.code = code
    }

    public var description: String { "cannot write the workbook \(path): \(operation): \(message)" }
}

final class XLSXWorkbook {
    private var handle: UnsafeMutablePointer<lxw_workbook>?
    /// The file's name in errors (the final name, not the temporary one it is written under).
    let displayPath: String
    /// Where libxlsxwriter streams the sheets' rows until it closes.
    let temporaryDirectory: String
    /// C strings libxlsxwriter keeps pointers to until it closes.
    private var ownedStrings: [UnsafeMutablePointer<CChar>] = []
    private var formats: [FormatKey: UnsafeMutablePointer<lxw_format>] = [:]

    /// A workbook that writes to `path` when it closes, in constant-memory mode (rows stream to
    /// temporary files in `temporaryDirectory` and must be written in order), with `created` as its
    /// creation time (so the same content gives the same bytes).
    init(path: String, displayPath: String, temporaryDirectory: String, created: Instant, title: String?, company: String?)
        throws
    {
        self.displayPath = displayPath
        self.temporaryDirectory = temporaryDirectory
        let directory = strdup(temporaryDirectory)!
        ownedStrings.append(directory)
        var options = lxw_workbook_options(constant_memory: UInt8(LXW_TRUE.rawValue), tmpdir: directory, use_zip64: UInt8(LXW_FALSE.rawValue))
        guard let workbook = workbook_new_opt(path, &options) else {
            free(directory)
            ownedStrings = []
            throw XLSXError(path: displayPath, operation: "creating the workbook", message: "libxlsxwriter could not allocate it", code: 0)
        }
        handle = workbook
        var properties = lxw_doc_properties()
        properties.created = time_t(floorDivide(created.nanosecondsSinceEpoch, Instant.nanosecondsPerSecond).quotient)
        if let title { properties.title = own(title) }
        if let company { properties.company = own(company) }
        try check(workbook_set_properties(workbook, &properties), "setting the document properties")
    }

    deinit {
        if let handle { lxw_workbook_free(handle) }
        for string in ownedStrings { free(string) }
    }

    private func own(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        ownedStrings.append(copy)
        return copy
    }

    fileprivate func check(_ status: lxw_error, _ operation: @autoclosure () -> String) throws {
        guard status != LXW_NO_ERROR else { return }
        throw XLSXError(path: displayPath, operation: operation(), message: String(cString: lxw_strerror(status)), code: Int(status.rawValue))
    }

    private var open: UnsafeMutablePointer<lxw_workbook> {
        guard let handle else { preconditionFailure("the workbook is used after it was closed") }
        return handle
    }

    func addWorksheet(name: String) throws -> XLSXWorksheet {
        try check(workbook_validate_sheet_name(open, name), "naming a sheet '\(name)'")
        guard let sheet = workbook_add_worksheet(open, name) else {
            // In constant-memory mode a sheet is a temporary file in the temporary directory: the
            // name was valid, so that file (or memory) is what failed.
            let message = String(cString: lxw_strerror(LXW_ERROR_CREATING_TMPFILE)) + ": " + String(cString: strerror(errno))
            throw XLSXError(
                path: displayPath, operation: "adding the sheet '\(name)' (its temporary file goes in \(temporaryDirectory))",
                message: message, code: Int(LXW_ERROR_CREATING_TMPFILE.rawValue))
        }
        return XLSXWorksheet(handle: sheet, name: name, workbook: self)
    }

    /// A chart, drawn nowhere until a sheet inserts it (each chart once). The workbook frees it.
    func addChart(_ kind: XLSXChart.Kind, title: String) throws -> XLSXChart {
        let type: lxw_chart_type
        switch kind {
        case .line: type = LXW_CHART_LINE
        case .column: type = LXW_CHART_COLUMN
        case .stackedColumn: type = LXW_CHART_COLUMN_STACKED
        case .bar: type = LXW_CHART_BAR
        }
        let operation = "adding the chart '\(title)'"
        guard let chart = workbook_add_chart(open, UInt8(type.rawValue)) else {
            throw XLSXError(path: displayPath, operation: operation, message: "libxlsxwriter could not allocate it", code: 0)
        }
        chart_title_set_name(chart, plainText(title))
        // Below the plot, so a wide legend does not narrow the plot.
        chart_legend_set_position(chart, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
        return XLSXChart(handle: chart, kind: kind, title: title, workbook: self)
    }

    /// libxlsxwriter reads a chart text that begins with `=` as a formula (`=Sheet1!$A$1`): such a
    /// text (a location code from an input file, say) is written after a space, so it stays text.
    fileprivate func plainText(_ text: String) -> String { text.hasPrefix("=") ? " " + text : text }

    /// A cell format: a number format (nil: General), bold or not, a hyperlink's look or not.
    struct FormatKey: Hashable {
        var numberFormat: String?
        var bold = false
        var hyperlink = false
    }

    /// The workbook's format for `key`, made once.
    func format(_ key: FormatKey) -> XLSXFormat? {
        if key == FormatKey() { return nil }
        if let format = formats[key] { return XLSXFormat(handle: format) }
        let format: UnsafeMutablePointer<lxw_format>
        if key.hyperlink && key.numberFormat == nil && !key.bold, let url = workbook_get_default_url_format(open) {
            format = url
        } else {
            format = workbook_add_format(open)
            if let numberFormat = key.numberFormat { format_set_num_format(format, numberFormat) }
            if key.bold { format_set_bold(format) }
            if key.hyperlink {
                format_set_underline(format, UInt8(LXW_UNDERLINE_SINGLE.rawValue))
                format_set_font_color(format, lxw_color_t(LXW_COLOR_BLUE.rawValue))
            }
        }
        formats[key] = format
        return XLSXFormat(handle: format)
    }

    /// Writes the file and frees the workbook (whether or not writing succeeded).
    func close() throws {
        let workbook = open
        handle = nil
        errno = 0
        let status = workbook_close(workbook)
        let systemError = errno
        guard status != LXW_NO_ERROR else { return }
        var message = String(cString: lxw_strerror(status))
        // Creating the file and writing the zip fail for a reason the system knows (no such
        // folder, not a folder, permission, a full disk): libxlsxwriter's own message does not say.
        if (status == LXW_ERROR_CREATING_XLSX_FILE || status == LXW_ERROR_ZIP_FILE_OPERATION) && systemError != 0 {
            message += " (" + String(cString: strerror(systemError)) + ")"
        }
        throw XLSXError(path: displayPath, operation: "writing the file", message: message, code: Int(status.rawValue))
    }
}

/// A chart made by the workbook (valid while it is open; the workbook frees it when it closes).
struct XLSXChart {
    enum Kind { case line, column, stackedColumn, bar }

    fileprivate let handle: UnsafeMutablePointer<lxw_chart>
    let kind: Kind
    let title: String
    unowned let workbook: XLSXWorkbook

    /// A series: its name in the legend, and its categories and values as absolute range formulas
    /// (`='Daily'!$A$2:$A$31`). libxlsxwriter copies the formulas (chart_add_series strdups them).
    func addSeries(name: String, categories: String, values: String) throws {
        let operation = "adding the series '\(name)' to the chart '\(title)'"
        guard let series = chart_add_series(handle, categories, values) else {
            throw XLSXError(path: workbook.displayPath, operation: operation, message: "libxlsxwriter could not allocate it", code: 0)
        }
        chart_series_set_name(series, workbook.plainText(name))
    }

    /// The title of the axis that carries the values: the vertical one, or the horizontal one of a
    /// bar chart (libxlsxwriter calls a bar chart's value axis its x axis: it swaps them).
    func setValueAxisTitle(_ text: String) throws {
        let operation = "naming the value axis of the chart '\(title)'"
        chart_axis_set_name(try axis(values: true, operation), workbook.plainText(text))
    }

    /// The number format of the category axis's labels (`yyyy-mm-dd` for dates). Without it the
    /// labels take the cells' format from the chart's data cache, which constant-memory mode leaves
    /// empty: LibreOffice then shows dates as serial numbers.
    func setCategoryAxisNumberFormat(_ format: String) throws {
        chart_axis_set_num_format(try axis(values: false, "formatting the category axis of the chart '\(title)'"), format)
    }

    private func axis(values: Bool, _ operation: @autoclosure () -> String) throws -> UnsafeMutablePointer<lxw_chart_axis> {
        // A bar chart's axes are swapped: x carries the values, y the categories.
        let horizontal = values == (kind == .bar)
        guard let axis = chart_axis_get(handle, horizontal ? LXW_CHART_AXIS_TYPE_X : LXW_CHART_AXIS_TYPE_Y) else {
            throw XLSXError(path: workbook.displayPath, operation: operation(), message: "the chart has no such axis", code: 0)
        }
        return axis
    }
}

/// A format made by the workbook (valid while it is open).
struct XLSXFormat {
    fileprivate let handle: UnsafeMutablePointer<lxw_format>
}

/// One worksheet of an open workbook. Rows and columns are 0-based, as libxlsxwriter counts them.
struct XLSXWorksheet {
    fileprivate let handle: UnsafeMutablePointer<lxw_worksheet>
    let name: String
    unowned let workbook: XLSXWorkbook

    private func cell(_ row: Int, _ column: Int) -> String { "sheet '\(name)' cell \(cellReference(row: row, column: column))" }

    func writeString(_ row: Int, _ column: Int, _ text: String, _ format: XLSXFormat?) throws {
        try workbook.check(
            worksheet_write_string(handle, lxw_row_t(row), lxw_col_t(column), text, format?.handle), "writing \(cell(row, column))")
    }

    func writeNumber(_ row: Int, _ column: Int, _ number: Double, _ format: XLSXFormat?) throws {
        try workbook.check(
            worksheet_write_number(handle, lxw_row_t(row), lxw_col_t(column), number, format?.handle), "writing \(cell(row, column))")
    }

    /// A date and time of day (a spreadsheet serial date in the format's display).
    func writeDateTime(
        _ row: Int, _ column: Int, year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Double,
        _ format: XLSXFormat?
    ) throws {
        var value = lxw_datetime(year: Int32(year), month: Int32(month), day: Int32(day), hour: Int32(hour), min: Int32(minute), sec: second)
        try workbook.check(
            worksheet_write_datetime(handle, lxw_row_t(row), lxw_col_t(column), &value, format?.handle), "writing \(cell(row, column))")
    }

    /// A formula (without `=`) with the number it computes, so readers that do not recalculate
    /// show the right figure.
    func writeFormula(_ row: Int, _ column: Int, _ formula: String, value: Double, _ format: XLSXFormat?) throws {
        try workbook.check(
            worksheet_write_formula_num(handle, lxw_row_t(row), lxw_col_t(column), formula, format?.handle, value),
            "writing the formula \(formula) in \(cell(row, column))")
    }

    /// A formula with the text it computes.
    func writeFormula(_ row: Int, _ column: Int, _ formula: String, text: String, _ format: XLSXFormat?) throws {
        try workbook.check(
            worksheet_write_formula_str(handle, lxw_row_t(row), lxw_col_t(column), formula, format?.handle, text),
            "writing the formula \(formula) in \(cell(row, column))")
    }

    /// A hyperlink (`internal:'Sheet'!A2` for a cell of the workbook) shown as `label` (nil: the
    /// address itself; a number label is written over the link afterwards by the caller).
    func writeLink(_ row: Int, _ column: Int, _ address: String, label: String?, _ format: XLSXFormat?) throws {
        try workbook.check(
            worksheet_write_url_opt(handle, lxw_row_t(row), lxw_col_t(column), address, format?.handle, label, nil),
            "writing the link to \(address) in \(cell(row, column))")
    }

    /// An autofilter over a table: constant-memory mode accepts it only while the header row is the
    /// row being written (called after the data rows it fails and writes nothing).
    func autofilter(firstRow: Int, lastRow: Int, lastColumn: Int) throws {
        try workbook.check(
            worksheet_autofilter(handle, lxw_row_t(firstRow), 0, lxw_row_t(lastRow), lxw_col_t(lastColumn)),
            "setting the autofilter of sheet '\(name)'")
    }

    /// Freezes the rows above `row` (the header stays on screen while scrolling).
    func freezeRows(above row: Int) { worksheet_freeze_panes(handle, lxw_row_t(row), 0) }

    /// Draws `chart` with its top-left corner on a cell, `width` by `height` pixels (libxlsxwriter
    /// sizes a chart by scaling its default 480 × 288). It fails for a chart with no series or one
    /// already drawn. In constant-memory mode the chart is kept until the workbook closes (only
    /// rows stream), so any row may take one, and its data cache stays empty: libxlsxwriter cannot
    /// read streamed cells back, and the reader computes the chart from its ranges.
    func insertChart(_ chart: XLSXChart, _ row: Int, _ column: Int, width: Int, height: Int) throws {
        precondition(width > 0 && height > 0, "a chart has a size")
        var options = lxw_chart_options()
        options.x_scale = Double(width) / 480
        options.y_scale = Double(height) / 288
        try workbook.check(
            worksheet_insert_chart_opt(handle, lxw_row_t(row), lxw_col_t(column), chart.handle, &options),
            "drawing the chart '\(chart.title)' at \(cell(row, column))")
    }

    /// A column's width in characters of the default font.
    func setColumnWidth(_ column: Int, _ width: Double) throws {
        try workbook.check(
            worksheet_set_column(handle, lxw_col_t(column), lxw_col_t(column), width, nil), "setting column widths of sheet '\(name)'")
    }
}

/// A cell's A1 reference: row 0, column 0 → A1.
func cellReference(row: Int, column: Int) -> String { columnLetters(column) + String(row + 1) }

/// A column's letters: 0 → A, 25 → Z, 26 → AA.
func columnLetters(_ index: Int) -> String {
    var letters: [UInt8] = []
    var rest = index + 1
    while rest > 0 {
        letters.insert(UInt8(65 + (rest - 1) % 26), at: 0)
        rest = (rest - 1) / 26
    }
    return String(decoding: letters, as: UTF8.self)
}
