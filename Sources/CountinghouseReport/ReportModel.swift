// Reports as data: tables of typed cells, gathered into sheets and into the folder of files a
// report writes.
//
// Place in the pipeline: the application computes (books, costs, trails) with the core; the tables
// here turn those results into typed cells; a writer renders them — CSV, JSON, an aligned text table
// for a terminal, the hledger journal, and (next) the XLSX workbook. Because every writer renders the
// same table, the workbook and the CSV files cannot disagree; a sheet's charts name table columns,
// never cells, so they draw what the tables hold. Pure: no file, clock or database.
// Invariants: a row has one cell per column; money is integer minor units with its exponent; dates
// and date-times stay values until a writer formats them; text that came from an input file is
// marked, so writers that feed spreadsheets can protect it.
import CountinghouseCore

/// One typed value of a report.
public enum ReportCell: Sendable, Hashable {
    /// Text the program wrote (codes, ids it makes, its own words).
    case text(String)
    /// Text that came from an input file (a SKU, a location, a document id, a file name): a
    /// spreadsheet must never take it for a formula.
    case inputText(String)
    /// Minor units with the currency's exponent (a unit cost may carry more decimals).
    case money(Int64, exponent: Int)
    /// A whole number of units, a count, a line number.
    case integer(Int64)
    /// A calendar date.
    case date(CivilDate)
    /// An instant, shown in the reporting time zone at this offset.
    case dateTime(Instant, offsetSeconds: Int64)
    /// A spreadsheet formula (without the leading `=`) and the value it computes: writers without
    /// formulas write the value.
    indirect case formula(String, value: ReportCell)
    /// A link to a cell of a sheet (by its title), shown as `label`. `row` and `column` are 0-based
    /// and count the sheet as laid out without Excel's row limit (row 0 is its first table's header,
    /// row 1 that table's first row); the workbook writer follows a split sheet to the right part.
    indirect case link(sheet: String, row: Int, column: Int, label: ReportCell)
    case empty

    /// The value a writer without formulas or links shows.
    public var value: ReportCell {
        switch self {
        case .formula(_, let value): return value.value
        case .link(_, _, _, let label): return label.value
        default: return self
        }
    }

    /// Whether the cell holds a number (right-aligned in text tables, a JSON number or decimal).
    public var isNumeric: Bool {
        switch value {
        case .integer, .money: return true
        default: return false
        }
    }
}

/// What a column holds: how a writer formats and aligns it (the workbook's number formats and
/// widths come from here).
public enum ColumnRole: Sendable, Hashable {
    /// Text the program wrote: codes, ids, memos.
    case text
    /// Text that came from input files.
    case inputText
    case money
    /// Money with more decimals than the currency (unit costs).
    case unitCost
    case quantity
    /// A whole number that is not an amount (a line number, a count of rows, an id).
    case number
    case date
    case dateTime
}

public struct ReportColumn: Sendable, Hashable {
    /// The header, as the CSV files name the column.
    public var name: String
    public var role: ColumnRole

    public init(_ name: String, _ role: ColumnRole) {
        self.name = name
        self.role = role
    }
}

/// A table's rows: held as cells, or made one at a time from the data the table shows.
///
/// A long span's big tables (cost lines, the stock trail, the reconciliation) would hold many times
/// the memory of the data behind them as cells: they are made when a writer reaches them, so a
/// writer holds one row at a time. Writing a made row (`rows[i][j] = …`, `append`) first turns
/// the rows into held ones. Equal when they hold equal rows, however they are kept.
public struct ReportRows: RandomAccessCollection, MutableCollection, Sendable, Hashable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable {
        case held([[ReportCell]])
        case made(count: Int, row: @Sendable (Int) -> [ReportCell])
    }

    private var storage: Storage

    public init(_ rows: [[ReportCell]]) { storage = .held(rows) }

    public init(arrayLiteral rows: [ReportCell]...) { storage = .held(rows) }

    /// `count` rows, row `i` made by `row(i)` each time a writer reads it.
    public init(count: Int, row: @escaping @Sendable (Int) -> [ReportCell]) {
        precondition(count >= 0, "a table has no negative count of rows")
        storage = .made(count: count, row: row)
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .held(let rows): return rows.count
        case .made(let count, _): return count
        }
    }

    public subscript(position: Int) -> [ReportCell] {
        get {
            switch storage {
            case .held(let rows): return rows[position]
            case .made(let count, let row):
                precondition(position >= 0 && position < count, "a row index inside the table")
                return row(position)
            }
        }
        set { changingHeld { $0[position] = newValue } }
    }

    /// Every row as cells.
    public var held: [[ReportCell]] {
        switch storage {
        case .held(let rows): return rows
        case .made: return Array(self)
        }
    }

    public mutating func append(_ row: [ReportCell]) { changingHeld { $0.append(row) } }

    public mutating func reserveCapacity(_ capacity: Int) { changingHeld { $0.reserveCapacity(capacity) } }

    /// Changes the rows as held cells (made ones are made first), in place: the storage lets go of
    /// its array while `change` runs, so the array has one reference and is not copied.
    private mutating func changingHeld(_ change: (inout [[ReportCell]]) -> Void) {
        var rows = held
        storage = .held([])
        change(&rows)
        storage = .held(rows)
    }

    public static func == (a: ReportRows, b: ReportRows) -> Bool { a.elementsEqual(b) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for row in self { hasher.combine(row) }
    }
}

/// A table: a header row (the columns), rows, and optionally a total row (shown by writers for
/// people; CSV files for programs leave it out).
public struct ReportTable: Sendable, Hashable {
    /// What the table is called (a CSV file's base name, a sheet's name).
    public var name: String
    public var columns: [ReportColumn]
    public var rows: ReportRows
    public var totals: [ReportCell]?

    public init(name: String, columns: [ReportColumn], rows: [[ReportCell]] = [], totals: [ReportCell]? = nil) {
        self.init(name: name, columns: columns, rows: ReportRows(rows), totals: totals)
    }

    public init(name: String, columns: [ReportColumn], rows: ReportRows, totals: [ReportCell]? = nil) {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.totals = totals
    }

    /// A table whose `count` rows are made by `row` when a writer reads them (see `ReportRows`).
    public init(name: String, columns: [ReportColumn], count: Int, row: @escaping @Sendable (Int) -> [ReportCell]) {
        let width = columns.count
        self.init(
            name: name, columns: columns,
            rows: ReportRows(count: count) { index in
                let cells = row(index)
                precondition(cells.count == width, "a table row must have one cell per column")
                return cells
            })
    }

    public mutating func append(_ row: [ReportCell]) {
        precondition(row.count == columns.count, "a table row must have one cell per column")
        rows.append(row)
    }

    public var columnNames: [String] { columns.map(\.name) }
}

/// A native chart placed on a sheet, drawing columns of a table on some sheet.
///
/// A chart names its data as a table column, not as cells: the workbook writer finds where that
/// table's data rows landed (the sheet may be split into parts) and addresses them there. Writers
/// without charts (CSV, text) leave charts out; the data is in the tables they draw from.
public struct ReportChart: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case line, column, stackedColumn, bar }

    /// A column of a table's data rows (not its header or total): the sheet's title, the table's
    /// index on it, the column's index.
    public struct Range: Sendable, Hashable {
        public var sheet: String
        public var table: Int
        public var column: Int

        public init(sheet: String, table: Int, column: Int) {
            self.sheet = sheet
            self.table = table
            self.column = column
        }
    }

    /// One line (or set of bars) of a chart: its name in the legend and the column it draws.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var values: Range

        public init(name: String, values: Range) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var kind: Kind
    /// The labels along the category axis (dates, locations): one per data row.
    public var categories: Range
    public var series: [Series]
    /// Where its top-left corner sits on its sheet: a 0-based row and column of the sheet as laid
    /// out (row 0 is the first table's header), counted as links count them.
    public var row: Int
    public var column: Int
    /// Its size in pixels.
    public var width: Int = 720
    public var height: Int = 288
    public var valueAxisTitle: String? = nil

    public init(
        title: String, kind: Kind, categories: Range, series: [Series], row: Int, column: Int, width: Int = 720, height: Int = 288,
        valueAxisTitle: String? = nil
    ) {
        self.title = title
        self.kind = kind
        self.categories = categories
        self.series = series
        self.row = row
        self.column = column
        self.width = width
        self.height = height
        self.valueAxisTitle = valueAxisTitle
    }
}

/// A sheet of a workbook: its title, its tables, top to bottom, and the charts drawn over it.
public struct ReportSheet: Sendable, Hashable {
    public var title: String
    public var tables: [ReportTable]
    public var charts: [ReportChart]

    public init(title: String, tables: [ReportTable], charts: [ReportChart] = []) {
        self.title = title
        self.tables = tables
        self.charts = charts
    }
}

/// A text made in pieces, in order, each time a writer reads it (a long span's hledger journal is
/// tens of MB as one string; its entries are held anyway). Equal when their texts are.
public struct TextPieces: Sendable, Hashable {
    public let count: Int
    private let piece: @Sendable (Int) -> String

    public init(count: Int, piece: @escaping @Sendable (Int) -> String) {
        precondition(count >= 0, "a text has no negative count of pieces")
        self.count = count
        self.piece = piece
    }

    public subscript(index: Int) -> String {
        precondition(index >= 0 && index < count, "a piece inside the text")
        return piece(index)
    }

    /// The whole text.
    public var joined: String { (0..<count).map { piece($0) }.joined() }

    public static func == (a: TextPieces, b: TextPieces) -> Bool { a.joined == b.joined }

    public func hash(into hasher: inout Hasher) { hasher.combine(joined) }
}

/// One file of a report folder: a table rendered as CSV, or text rendered by its own writer (the
/// hledger journal, run.json), or bytes kept as they were posted (a closed period's files).
public struct ReportFile: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case csv(ReportTable)
        case text(String)
        /// Text made in pieces as it is written.
        case pieces(TextPieces)
    }

    public var name: String
    public var content: Content

    public init(name: String, content: Content) {
        self.name = name
        self.content = content
    }

    /// The file's bytes as text.
    public var rendered: String {
        switch content {
        case .csv(let table): return CSVWriter.render(table)
        case .text(let text): return text
        case .pieces(let pieces): return pieces.joined
        }
    }

    /// The same bytes in pieces, in order (a long table's never whole in memory: `CSVWriter.write`).
    public func write<Failure: Error>(to emit: (String) throws(Failure) -> Void) throws(Failure) {
        switch content {
        case .csv(let table): try CSVWriter.write(table, to: emit)
        case .text(let text): try emit(text)
        case .pieces(let pieces): for index in 0..<pieces.count { try emit(pieces[index]) }
        }
    }
}

/// The files of a report folder, in the order they are written and listed in run.json.
public struct ReportFolder: Sendable, Hashable {
    public var files: [ReportFile] = []

    public init(files: [ReportFile] = []) { self.files = files }

    public mutating func add(_ file: ReportFile) { files.append(file) }

    public mutating func add(csv table: ReportTable) { files.append(ReportFile(name: "\(table.name).csv", content: .csv(table))) }

    public mutating func add(name: String, text: String) { files.append(ReportFile(name: name, content: .text(text))) }

    /// Adds a file right after `earlier` (at the end when there is none).
    public mutating func insert(_ file: ReportFile, after earlier: String) {
        let index = files.firstIndex { $0.name == earlier }.map { $0 + 1 } ?? files.count
        files.insert(file, at: index)
    }
}
