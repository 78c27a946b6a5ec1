// The accountants' workbook as sheets of typed cells: what report.xlsx holds, sheet by sheet, made
// from the same tables the CSV files are rendered from (so the two cannot disagree).
//
// Place in the pipeline: the application gathers the tables and the key figures of a report
// (`WorkbookContent`); `WorkbookSheets.sheets` lays them out; the XLSX writer renders them.
// Pure: no file, clock or database.
// Layout: Summary (what the report is of, key figures each linking to its sheet, open card items by
// status, the report's own checks with ok / FAILED), Journal (entry ids link to their entry's first
// line), Trial Balance (with a check: debits − credits = 0, as a formula), Cost of Goods, Valuation,
// Stock Trail, Pending Costs, Prior-Period Adjustments, Reorder, Reconciliation, Exceptions,
// Payouts, Run (the inputs with their sha256, the program, the configuration in effect, the
// knowledge time), then Daily (the figures the Summary's charts draw). Every table starts with its
// header row; the writer freezes and filters it.
import CountinghouseCore

/// One key figure of the Summary, and the sheet that shows where it comes from.
public struct WorkbookFigure: Sendable, Hashable {
    public var label: String
    public var value: ReportCell
    /// The title of the sheet behind it (nil: none).
    public var sheet: String?

    public init(_ label: String, _ value: ReportCell, sheet: String?) {
        self.label = label
        self.value = value
        self.sheet = sheet
    }
}

/// One check of the report (the `verify`-style checks a reader can trust the figures by).
public struct WorkbookCheck: Sendable, Hashable {
    public var name: String
    /// What does not hold (empty: the check passes).
    public var problems: [String]

    public init(_ name: String, problems: [String]) {
        self.name = name
        self.problems = problems
    }
}

/// Everything a workbook shows. Tables are the ones the report folder's CSV files are made from
/// where there is such a file (journal, trial balance, cost of goods, valuation, reconciliation).
public struct WorkbookContent: Sendable {
    /// What the report is of: (label, value) pairs shown at the top of the Summary (company, span,
    /// knowledge time, reporting time zone, currency).
    public var about: [(String, ReportCell)]
    public var figures: [WorkbookFigure]
    /// Open reconciliation items by status: status, items, amount.
    public var openItems: ReportTable
    public var checks: [WorkbookCheck]
    public var journal: ReportTable
    public var trialBalance: ReportTable
    public var cogs: ReportTable
    public var valuation: ReportTable
    public var stockTrail: ReportTable
    public var pendingCosts: ReportTable
    public var adjustments: ReportTable
    public var reorder: ReportTable
    public var reconciliation: ReportTable
    public var exceptions: ReportTable
    public var payouts: ReportTable
    /// The Run sheet: (label, value) pairs, the configuration in effect, the inputs.
    public var run: [(String, ReportCell)]
    public var configuration: ReportTable
    public var inputs: ReportTable
    /// The Summary's charts' figures: daily net sales and margin per location, and the ageing of
    /// open reconciliation items.
    public var daily: ReportTable
    public var ageing: ReportTable

    public init(
        about: [(String, ReportCell)], figures: [WorkbookFigure], openItems: ReportTable, checks: [WorkbookCheck], journal: ReportTable,
        trialBalance: ReportTable, cogs: ReportTable, valuation: ReportTable, stockTrail: ReportTable, pendingCosts: ReportTable,
        adjustments: ReportTable, reorder: ReportTable, reconciliation: ReportTable, exceptions: ReportTable, payouts: ReportTable,
        run: [(String, ReportCell)], configuration: ReportTable, inputs: ReportTable, daily: ReportTable, ageing: ReportTable
    ) {
        self.about = about
        self.figures = figures
        self.openItems = openItems
        self.checks = checks
        self.journal = journal
        self.trialBalance = trialBalance
        self.cogs = cogs
        self.valuation = valuation
        self.stockTrail = stockTrail
        self.pendingCosts = pendingCosts
        self.adjustments = adjustments
        self.reorder = reorder
        self.reconciliation = reconciliation
        self.exceptions = exceptions
        self.payouts = payouts
        self.run = run
        self.configuration = configuration
        self.inputs = inputs
        self.daily = daily
        self.ageing = ageing
    }
}

public enum WorkbookSheets {
    /// The sheets' titles, in the workbook's order.
    public enum Title {
        public static let summary = "Summary"
        public static let journal = "Journal"
        public static let trialBalance = "Trial Balance"
        public static let cogs = "Cost of Goods"
        public static let valuation = "Valuation"
        public static let stockTrail = "Stock Trail"
        public static let pendingCosts = "Pending Costs"
        public static let adjustments = "Prior-Period Adjustments"
        public static let reorder = "Reorder"
        public static let reconciliation = "Reconciliation"
        public static let exceptions = "Exceptions"
        public static let payouts = "Payouts"
        public static let run = "Run"
        public static let daily = "Daily"
    }

    public static func sheets(_ content: WorkbookContent) -> [ReportSheet] {
        [
            summary(content, charts: charts(daily: content.daily, ageing: content.ageing)),
            ReportSheet(title: Title.journal, tables: [linkingEntries(content.journal)]),
            ReportSheet(title: Title.trialBalance, tables: [content.trialBalance, trialBalanceCheck(content.trialBalance)]),
            ReportSheet(title: Title.cogs, tables: [totalled(content.cogs, cogsTotalled)]),
            ReportSheet(title: Title.valuation, tables: [totalled(inTransitLast(content.valuation), ["value"])]),
            ReportSheet(title: Title.stockTrail, tables: [totalled(content.stockTrail, stockTrailTotalled)]),
            ReportSheet(title: Title.pendingCosts, tables: [content.pendingCosts]),
            ReportSheet(title: Title.adjustments, tables: [content.adjustments]),
            ReportSheet(title: Title.reorder, tables: [content.reorder]),
            ReportSheet(title: Title.reconciliation, tables: [totalled(content.reconciliation, ["difference", "fee", "written_off"])]),
            ReportSheet(title: Title.exceptions, tables: [content.exceptions]),
            ReportSheet(title: Title.payouts, tables: [content.payouts]),
            ReportSheet(
                title: Title.run, tables: [pairs("run", content.run), content.configuration, content.inputs]),
            ReportSheet(title: Title.daily, tables: [content.daily, content.ageing]),
        ]
    }

    /// The Cost of Goods sheet's totalled columns (a table made again as written brings its totals,
    /// taken with these).
    public static let cogsTotalled: Set<String> = ["cost", "provisional_cost"]
    /// The Stock Trail sheet's (the same).
    public static let stockTrailTotalled: Set<String> = ["value"]

    /// A table with a total row under the named money columns (the CSV file it also renders
    /// leaves totals out: they are for people). A table that has its totals keeps them.
    static func totalled(_ table: ReportTable, _ columns: Set<String>) -> ReportTable {
        guard table.totals == nil, let exponent = table.rows.lazy.compactMap(moneyExponent).first else { return table }
        var totalled = table
        totalled.totals = JournalTables.totals(of: table, summing: columns, exponent: exponent)
        return totalled
    }

    /// The same total row from the columns' sums already taken (`sums` names each of `columns`),
    /// for a table made again as it is written: it is not read once more to sum it. An empty table
    /// gets none, as above.
    public static func totalled(_ table: ReportTable, _ columns: Set<String>, sums: [String: Sum], exponent: Int) -> ReportTable {
        precondition(columns.isSubset(of: sums.keys), "the sums of every totalled column")
        guard table.totals == nil, !table.rows.isEmpty else { return table }
        var totalled = table
        totalled.totals = JournalTables.totals(
            columns: table.columns, sums: sums.filter { columns.contains($0.key) }, rowCount: table.rows.count, exponent: exponent)
        return totalled
    }

    private static func moneyExponent(_ row: [ReportCell]) -> Int? {
        for cell in row { if case .money(_, let exponent) = cell { return exponent } }
        return nil
    }

    /// The valuation with the goods in transit after the locations' stock (valuation.csv keeps
    /// FORMATS §4's order, by SKU then location).
    static func inTransitLast(_ valuation: ReportTable) -> ReportTable {
        guard let location = valuation.columnNames.firstIndex(of: "location") else { return valuation }
        var table = valuation
        let inTransit: (([ReportCell]) -> Bool) = { $0[location].value == .inputText(inTransitLocation) }
        table.rows = ReportRows(valuation.rows.filter { !inTransit($0) } + valuation.rows.filter(inTransit))
        return table
    }

    /// A two-column table of labelled values.
    static func pairs(_ name: String, _ pairs: [(String, ReportCell)]) -> ReportTable {
        ReportTable(
            name: name, columns: [ReportColumn("item", .text), ReportColumn("value", .text)],
            rows: pairs.map { [.text($0.0), $0.1] })
    }

    static func summary(_ content: WorkbookContent, charts: [ReportChart]) -> ReportSheet {
        let figures = ReportTable(
            name: "key_figures", columns: [ReportColumn("figure", .text), ReportColumn("value", .money), ReportColumn("see", .text)],
            rows: content.figures.map { figure in
                [
                    .text(figure.label), figure.value,
                    figure.sheet.map { .link(sheet: $0, row: 0, column: 0, label: .text($0)) } ?? .empty,
                ]
            })
        let checks = ReportTable(
            name: "checks", columns: [ReportColumn("check", .text), ReportColumn("result", .text), ReportColumn("detail", .text)],
            rows: content.checks.map { check in
                [
                    .text(check.name), .text(check.problems.isEmpty ? "ok" : "FAILED"),
                    .text(check.problems.prefix(3).joined(separator: "; ") + (check.problems.count > 3 ? "; …" : "")),
                ]
            })
        return ReportSheet(
            title: Title.summary, tables: [pairs("about", content.about), figures, content.openItems, checks], charts: charts)
    }

    /// The Daily sheet's first table: one row per day of the span, then each selling location's net
    /// sales, then each one's gross margin (a column per series the Summary's charts draw).
    public static func dailyByLocation(_ rows: [DailyRow], span: ReportSpan, exponent: Int) -> ReportTable {
        // The locations that sold or took cost of sales in the span (not those only card money or
        // transfers name).
        // Locations by their bytes (FORMATS §1).
        let locations = rows.filter { $0.netSales != 0 || $0.cogs != 0 }.map(\.location).opaqueIDs.sorted()
        var columns = [ReportColumn("date", .date)]
        columns += locations.map { ReportColumn("\($0.text) net sales", .money) }
        columns += locations.map { ReportColumn("\($0.text) gross margin", .money) }
        var table = ReportTable(name: "daily", columns: columns)
        var figures: [CivilDate: [OpaqueID: DailyRow]] = [:]
        for row in rows { figures[row.date, default: [:]][OpaqueID(row.location)] = row }
        var day = span.firstDay
        while day <= span.lastDay {
            let ofDay = figures[day] ?? [:]
            table.append(
                [.date(day)] + locations.map { .money(ofDay[$0]?.netSales ?? 0, exponent: exponent) }
                    + locations.map { .money(ofDay[$0]?.grossMargin ?? 0, exponent: exponent) })
            day = day.adding(days: 1)
        }
        table.totals = JournalTables.totals(of: table, summing: Set(columns.dropFirst().map(\.name)), exponent: exponent)
        return table
    }

    /// The Summary's charts, beside its tables: daily net sales and gross margin per location
    /// (lines over the span), and the open exceptions' amounts by age (columns). A chart with
    /// nothing to draw (no location sold anything) is left out.
    static func charts(daily: ReportTable, ageing: ReportTable) -> [ReportChart] {
        var charts: [ReportChart] = []
        let locations = (daily.columns.count - 1) / 2
        let dates = ReportChart.Range(sheet: Title.daily, table: 0, column: 0)
        if locations > 0 && !daily.rows.isEmpty {
            for (index, (title, axis)) in [("Net sales per day", "net sales"), ("Gross margin per day", "gross margin")].enumerated() {
                let series = (0..<locations).map { location -> ReportChart.Series in
                    let column = 1 + index * locations + location
                    let name = daily.columns[column].name
                    return ReportChart.Series(
                        name: String(name.dropLast(axis.count + 1)), values: ReportChart.Range(sheet: Title.daily, table: 0, column: column))
                }
                charts.append(
                    ReportChart(title: title, kind: .line, categories: dates, series: series, row: index * 16, column: 4, valueAxisTitle: axis))
            }
        }
        if let amount = ageing.columnNames.firstIndex(of: "amount"), !ageing.rows.isEmpty {
            charts.append(
                ReportChart(
                    title: "Open exceptions by age", kind: .column,
                    categories: ReportChart.Range(sheet: Title.daily, table: 1, column: 0),
                    series: [ReportChart.Series(name: "amount", values: ReportChart.Range(sheet: Title.daily, table: 1, column: amount))],
                    row: charts.count * 16, column: 4, valueAxisTitle: "amount"))
        }
        return charts
    }

    /// The journal with each line's entry id linking to its entry's first line (the first line
    /// itself keeps its id as text). Rows made as they are written stay so: which sheet row each
    /// line links to is found in one pass over the ids, and the rows are made again with it.
    static func linkingEntries(_ journal: ReportTable) -> ReportTable {
        let rows = journal.rows
        // Per row: the sheet row its entry's first line is on, or 0 for a first line (row 0 of the
        // sheet is the header: data row `index` is sheet row `index + 1`).
        var heads = [Int32](repeating: 0, count: rows.count)
        var first: (id: String, row: Int)?
        for index in rows.indices {
            guard case .text(let id) = rows[index][0] else { continue }
            if let head = first, head.id == id {
                precondition(head.row <= Int(Int32.max), "a journal sheet of more than 2^31 rows")
                heads[index] = Int32(head.row)
            } else {
                first = (id, index + 1)
            }
        }
        let linked = heads
        var table = ReportTable(name: journal.name, columns: journal.columns, count: rows.count) { index in
            var row = rows[index]
            if linked[index] != 0, case .text(let id) = row[0] {
                row[0] = .link(sheet: Title.journal, row: Int(linked[index]), column: 0, label: .text(id))
            }
            return row
        }
        table.totals = journal.totals
        return table
    }

    /// Under the trial balance: debits − credits of its total row, as a formula (0 when the books
    /// balance), and whether that is so.
    static func trialBalanceCheck(_ trialBalance: ReportTable) -> ReportTable {
        let columns = trialBalance.columnNames
        var table = ReportTable(
            name: "trial_balance_check",
            columns: [ReportColumn("check", .text), ReportColumn("difference", .money), ReportColumn("result", .text)])
        guard let debit = columns.firstIndex(of: "debit"), let credit = columns.firstIndex(of: "credit"),
            let totals = trialBalance.totals,
            case .formula(_, let debitValue) = totals[debit], case .formula(_, let creditValue) = totals[credit],
            case .money(let debits, let exponent) = debitValue.value, case .money(let credits, _) = creditValue.value
        else { return table }
        // The total row is the sheet's row rows + 2 (1-based: header, rows, total).
        let totalRow = trialBalance.rows.count + 2
        // Rounded to the currency's decimals: a spreadsheet's sums of binary fractions leave crumbs
        // like −2.3E-13, which would show as a red −0.00.
        let difference =
            "ROUND(\(JournalTables.columnLetter(debit))\(totalRow)-\(JournalTables.columnLetter(credit))\(totalRow),\(max(exponent, 0)))"
        let (value, overflow) = debits.subtractingReportingOverflow(credits)
        let differenceCell: ReportCell = overflow ? .text("overflow") : .money(value, exponent: exponent)
        table.append([
            .text("debits − credits = 0"), .formula(difference, value: differenceCell),
            .formula("IF(\(difference)=0,\"ok\",\"FAILED\")", value: .text(!overflow && value == 0 ? "ok" : "FAILED")),
        ])
        return table
    }

    /// What a person should do about an exception of this status.
    public static func suggestedAction(_ status: ReconciliationStatus) -> String {
        switch status {
        case .ambiguous: return "Several settlement records fit equally: name the right one with a MATCH override"
        case .unsettled: return "Nothing settled it within the lag: look the payment up at the processor; write it off (WRITE_OFF) if it never settles"
        case .duplicateSettlement: return "Settled twice: ask the processor to refund the second capture"
        case .amountMismatch: return "Settled for another amount than the till took: check the ticket and the capture; write off the difference if it stands"
        case .payoutFailed: return "The bank returned the payout: check the bank details held by the processor"
        case .payoutMismatch: return "The payout differs from its items: ask the processor for the payout's breakdown"
        case .unmatchedSettlement: return "No till ticket for this record: find the sale (MATCH override) or ask the processor"
        case .chargebackOpen: return "A dispute is open: send the evidence to the processor before its deadline"
        case .adjustment: return "The processor adjusted the balance: find out why, then accept (WRITE_OFF) or dispute it"
        case .feeVariance: return "The fee differs from the schedule: check [[reconciliation.fees]] or raise it with the processor"
        case .overridden, .inTransit, .matched, .payoutOK, .fee, .chargebackReversed, .refundFailed: return ""
        }
    }
}
