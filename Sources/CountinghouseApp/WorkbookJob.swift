// report.xlsx: the accountants' workbook of a report folder, made from the same tables as the
// folder's CSV files (so the two cannot disagree), plus the sheets only a person reads: the
// Summary's key figures and checks, the span's stock trail, pending costs, prior-period
// adjustments with their late rows, what to reorder, the exceptions with what to do, the payouts,
// the inputs the report rests on and the figures the Summary's charts draw.
//
// Rules: the workbook is as known at the report's knowledge time and depends on nothing else (its
// document properties carry that time, never the clock), so the same report as known at the same
// time is the same file, byte for byte. No path, host or run id appears in it: the configuration
// it lists leaves out where the database is.
// Errors a user can see: the library's message when the workbook cannot be written (exit status
// `cannotWrite`); no partial file is left (`XLSXWriter` writes under a temporary name).
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore
import CountinghouseXLSX
import Foundation

/// The tables of a span's books, typed and rendered: what the folder's files and the workbook's
/// sheets are both made from.
struct BooksTables {
    /// The entries dated in the span, in order.
    var spanEntries: [JournalEntry]
    var journal: ReportTable
    var trialBalanceRows: [TrialBalanceRow]
    var trialBalance: ReportTable
    /// Positions at the span's end (from the cost view that prices the report).
    var positions: [StockPosition]
    var valuation: ReportTable
    /// journal.ledger's text, made as it is written.
    var ledger: TextPieces
}

/// A report's workbook: its sheets and what the document says about itself.
public struct Workbook: Sendable {
    public var sheets: [ReportSheet]
    /// Tables made again as the writer reads them, which say afterwards whether a row could not be
    /// made (the workbook is then refused).
    var madeAgain: [any RowsMadeAgain] = []
    /// The table rows of every sheet (what writing it takes, for a progress bar).
    public var rowCount: Int { sheets.reduce(0) { $0 + $1.tables.reduce(0) { $0 + $1.rows.count } } }
    public var properties: XLSXProperties
    /// What in it needs a person (the nightly run's summary and exit status).
    public var attention: WorkbookAttention
}

/// What a workbook shows that needs a person: outflows still pending, reconciliation exceptions.
public struct WorkbookAttention: Sendable {
    public var pendingOutflows: Int
    /// The Exceptions sheet's rows.
    public var exceptions: Int
    /// Exceptions per status, in the statuses' order.
    public var exceptionsByStatus: [(status: String, count: Int)]
}

enum WorkbookJob {
    static let fileName = "report.xlsx"

    /// What the workbook is made of besides the books' tables.
    struct Parts {
        var books: BooksAsKnown
        /// The books whose costs price the span (the books as known at a close, for a span in a
        /// closed period).
        var costBooks: BooksAsKnown
        var tables: BooksTables
        /// cogs.csv's table and the sales' costs.
        var costLines: SpanCostLines
        var reconciliation: ReconciliationFiles
        /// The journal's card money against the open items (nil: not comparable for this span).
        var cardMoneyTies: [String]?
        /// Files of the folder that differ from a recomputation (a closed period's posted files).
        var postedDifferences: [String]
        /// A longer stock trail is made again as the workbook is written (`WorkbookData.stockTrailTable`).
        var stockTrailRowsHeld = WorkbookData.stockTrailRowsHeld
    }

    static func workbook(_ session: Session, span: ReportSpan, _ parts: Parts) throws -> Workbook {
        var phases = PhaseTimer()
        let context = session.context
        let books = parts.books
        let exponent = context.currencyExponent
        let chart = context.configuration.chart
        let offset = context.offset
        func money(_ amount: Sum) -> ReportCell {
            Int64(exactly: amount.total).map { .money($0, exponent: exponent) } ?? .text(formatMinorUnits(sum: amount.total, exponent: exponent))
        }
        func time(_ instant: Instant) -> ReportCell { .dateTime(instant, offsetSeconds: offset(instant)) }

        // Key figures, from the trial balance (what the journal says) and the cost lines.
        var movement: [String: Sum] = [:]
        var balance: [String: Sum] = [:]
        for row in parts.tables.trialBalanceRows {
            movement[row.account.code, default: Sum()] += Sum(row.debit) - Sum(row.credit)
            balance[row.account.code, default: Sum()] += row.balance
        }
        func moved(_ role: AccountRole) -> Sum { movement[chart[role].code] ?? Sum() }
        func balanceAtEnd(_ role: AccountRole) -> Sum { balance[chart[role].code] ?? Sum() }
        let netSales = Sum() - moved(.sales) - moved(.salesReturns) - moved(.salesDiscounts)
        let costOfSales = moved(.costOfGoodsSold)
        let margin = netSales - costOfSales
        // The sales' cost lines (the journal's cost of sales less what customers returned): the
        // part priced from real layers and the part priced provisionally for pending units.
        let (finalCost, provisionalCost) = (parts.costLines.saleCost, parts.costLines.saleProvisionalCost)
        var pendingUnits = Sum()
        for position in parts.tables.positions { pendingUnits += position.pendingQuantity }
        let adjustments = parts.tables.spanEntries.filter { $0.aboutPeriod != nil }
        var adjusted = Sum()
        for entry in adjustments { for line in entry.lines { adjusted += line.debit } }
        let marginPercent: ReportCell =
            netSales.total == 0 ? .empty : .money(roundHalfAwayFromZero(margin.total * 10_000, netSales.total), exponent: 2)
        typealias Title = WorkbookSheets.Title
        var figures = [
            WorkbookFigure("net sales", money(netSales), sheet: Title.daily),
            WorkbookFigure("cost of goods sold (journal)", money(costOfSales), sheet: Title.journal),
            WorkbookFigure("  sales at final cost", money(finalCost), sheet: Title.cogs),
            WorkbookFigure("  sales at provisional cost (pending units)", money(provisionalCost), sheet: Title.cogs),
            WorkbookFigure("gross margin", money(margin), sheet: Title.daily),
            WorkbookFigure("gross margin %", marginPercent, sheet: nil),
            WorkbookFigure("inventory at the end", money(balanceAtEnd(.inventory)), sheet: Title.valuation),
            WorkbookFigure("inventory in transit at the end", money(balanceAtEnd(.inventoryInTransit)), sheet: Title.valuation),
            WorkbookFigure("pending units at the end", Int64(exactly: pendingUnits.total).map(ReportCell.integer) ?? .empty, sheet: Title.valuation),
            WorkbookFigure("card clearing at the end", money(balanceAtEnd(.cardClearing)), sheet: Title.reconciliation),
            WorkbookFigure("processor balance at the end", money(balanceAtEnd(.processorBalance)), sheet: Title.payouts),
        ]
        let report = parts.reconciliation.report
        let exceptions = ReconciliationTables.exceptions(report, exponent: exponent, offset: offset)
        var exceptionAmount = Sum()
        for row in exceptions.rows { if case .money(let amount, _) = row[7] { exceptionAmount += amount } }
        figures.append(WorkbookFigure("exceptions needing a person (\(exceptions.rows.count))", money(exceptionAmount), sheet: Title.exceptions))
        figures.append(WorkbookFigure("prior-period adjustments (\(adjustments.count) entries)", money(adjusted), sheet: Title.adjustments))

        // The report's own checks (`verify`'s, for this span).
        let upToEnd = books.entries.filter { $0.date <= span.lastDay }
        var checks = [
            WorkbookCheck("entries balance", problems: BooksChecks.balance(parts.tables.spanEntries, exponent: exponent)),
            WorkbookCheck(
                "trial balance = 0",
                problems: {
                    var total = Sum()
                    for row in parts.tables.trialBalanceRows { total += row.balance }
                    return total.total == 0 ? [] : ["the balances sum to \(formatMinorUnits(sum: total.total, exponent: exponent))"]
                }()),
            WorkbookCheck(
                "inventory = valuation",
                problems: BooksChecks.inventoryEqualsValuation(upToEnd, positions: parts.tables.positions, chart: chart, exponent: exponent)),
        ]
        if let ties = parts.cardMoneyTies {
            checks.append(WorkbookCheck("card money = open items", problems: ties))
        }
        if !parts.postedDifferences.isEmpty {
            checks.append(WorkbookCheck("sheets = posted files", problems: parts.postedDifferences))
        }

        let knownAt = books.knownAt
        let configuration = context.configuration
        let about: [(String, ReportCell)] = [
            ("company", .text(configuration.company)), ("span", .text(span.description)), ("first day", .date(span.firstDay)),
            ("last day", .date(span.lastDay)), ("as known at", time(knownAt)), ("reporting time zone", .text(configuration.timeZone)),
            ("currency", .text(configuration.currency)),
        ]
        let files = books.files
        var inputs = ReportTable(
            name: "inputs",
            columns: [
                ReportColumn("file", .inputText), ReportColumn("kind", .text), ReportColumn("recorded_at", .dateTime),
                ReportColumn("rows_accepted", .number), ReportColumn("rows_duplicate", .number), ReportColumn("bytes", .number),
                ReportColumn("sha256", .text),
            ])
        for file in files {
            inputs.append([
                .inputText(file.name), .text(file.kind.rawValue), time(file.recordedAt), .integer(Int64(file.rowsAccepted)),
                .integer(Int64(file.rowsDuplicate)), .integer(file.byteCount), .text(file.sha256),
            ])
        }
        let run: [(String, ReportCell)] = [
            ("program", .text("countinghouse \(countinghouseVersion)")), ("span", .text(span.description)), ("as known at", time(knownAt)),
            ("closed periods", .text(books.closed.map(\.period.description).joined(separator: ", "))),
            ("input files", .integer(Int64(books.fileCount))), ("inputs sha256", .text(books.inputsDigest)),
        ]
        phases.mark("workbook: figures, checks, inputs")
        let (stockTrail, stockTrailPages) = try WorkbookData.stockTrailTable(
            parts.costBooks, span: span, context: context, rowsHeld: parts.stockTrailRowsHeld)
        phases.mark("workbook: stock trail (\(stockTrail.rows.count) rows\(stockTrailPages == nil ? "" : ", counted; made again as written"))")
        let pendingCosts = WorkbookTables.pendingCosts(
            try WorkbookData.pendingCosts(parts.costBooks, span: span, context: context), exponent: exponent, offset: offset)
        phases.mark("workbook: pending costs")
        let priorPeriodAdjustments = WorkbookTables.priorPeriodAdjustments(
            try WorkbookData.priorPeriodAdjustments(session, books: books, span: span), exponent: exponent)
        phases.mark("workbook: prior-period adjustments")
        // The valuation's positions are the cost books' at the span's end (booksTables).
        let reorder = WorkbookTables.reorder(try WorkbookData.reorder(positions: parts.tables.positions, items: parts.costBooks.items.map(\.row)))
        phases.mark("workbook: reorder")
        let daily = WorkbookSheets.dailyByLocation(try WorkbookData.daily(books, span: span, context: context), span: span, exponent: exponent)
        let ageing = WorkbookTables.reconciliationAgeing(try WorkbookData.reconciliationAgeing(report), exponent: exponent)
        phases.mark("workbook: daily and ageing")
        // What is still pending as known now, of the outflows up to the span's end (a later receipt
        // may have filled what was pending at the end).
        var stillPending = Sum()
        if let column = pendingCosts.columnNames.firstIndex(of: "provisional_cost") {
            for row in pendingCosts.rows { if case .money(let amount, _) = row[column] { stillPending += amount } }
        }
        figures.insert(
            WorkbookFigure("outflows still pending (\(pendingCosts.rows.count)): provisional cost", money(stillPending), sheet: Title.pendingCosts),
            at: figures.firstIndex { $0.sheet == Title.reconciliation } ?? figures.count)
        let content = WorkbookContent(
            about: about, figures: figures, openItems: ReconciliationTables.openItems(report, exponent: exponent), checks: checks,
            journal: parts.tables.journal, trialBalance: parts.tables.trialBalance, cogs: parts.costLines.table, valuation: parts.tables.valuation,
            stockTrail: stockTrail, pendingCosts: pendingCosts, adjustments: priorPeriodAdjustments, reorder: reorder,
            reconciliation: parts.reconciliation.tables[0], exceptions: exceptions,
            payouts: ReconciliationTables.payouts(report, exponent: exponent), run: run,
            configuration: configurationTable(configuration, exponent: exponent), inputs: inputs, daily: daily, ageing: ageing)
        var byStatus: [String: Int] = [:]
        for row in exceptions.rows { if case .text(let status) = row[1] { byStatus[status, default: 0] += 1 } }
        let attention = WorkbookAttention(
            pendingOutflows: pendingCosts.rows.count, exceptions: exceptions.rows.count,
            exceptionsByStatus: ReconciliationStatus.allCases.compactMap { status in
                byStatus[status.rawValue].map { (status.rawValue, $0) }
            })
        return Workbook(
            sheets: WorkbookSheets.sheets(content),
            madeAgain: [stockTrailPages, parts.costLines.pages].compactMap { (pages: (any RowsMadeAgain)?) in pages },
            properties: XLSXProperties(
                title: "Countinghouse report \(span)", company: configuration.company.isEmpty ? nil : configuration.company,
                knowledgeTime: knownAt),
            attention: attention)
    }

    /// The configuration in effect, as settings and values (the database's location left out: no
    /// path in a workbook).
    static func configurationTable(_ configuration: Configuration, exponent: Int) -> ReportTable {
        var table = ReportTable(name: "configuration", columns: [ReportColumn("setting", .text), ReportColumn("value", .text)])
        func add(_ setting: String, _ value: String) { table.append([.text(setting), .text(value)]) }
        add("company", configuration.company)
        add("currency", configuration.currency)
        add("timezone", configuration.timeZone)
        add("busy_timeout_seconds", "\(configuration.busyTimeoutSeconds)")
        for location in configuration.locations {
            add("location \(location.code)", [location.name, location.kind].filter { !$0.isEmpty }.joined(separator: ", "))
        }
        for role in AccountRole.allCases {
            let account = configuration.chart[role]
            add("account \(role.rawValue)", "\(account.code) \(account.name)")
        }
        let settings = configuration.reconciliation
        add("reconciliation tolerance", formatMinorUnits(settings.tolerance, exponent: exponent))
        add("reconciliation window_minutes", "\(settings.windowMinutes)")
        add("reconciliation lag_days", "\(settings.lagDays)")
        for fee in settings.fees {
            add(
                "reconciliation fee \(fee.processor)\(fee.paymentMethod.map { " \($0)" } ?? "")",
                "\(formatMinorUnits(fee.percentNumerator, exponent: fee.percentScale)) % + \(formatMinorUnits(fee.fixed, exponent: exponent))")
        }
        return table
    }

    /// Writes the workbook beside `folder` (to be moved into it) and returns where, with its sha256.
    static func writeStaged(_ workbook: Workbook, beside folder: String, progress: ((Int) -> Void)? = nil) throws(AppFailure)
        -> (path: String, sha256: String)
    {
        let path = try FolderWriter.stagingPath(for: folder, name: fileName)
        var phases = PhaseTimer()
        defer { phases.mark("workbook: write \(fileName)") }
        do {
            try XLSXWriter.write(
                sheets: workbook.sheets, to: path, shownAs: URL(fileURLWithPath: folder).appendingPathComponent(fileName).path,
                properties: workbook.properties, progress: progress)
        } catch let error as XLSXError {
            throw AppFailure(.cannotWrite, error.description)
        } catch {
            throw AppFailure(.cannotWrite, "\(folder): cannot write \(fileName): \(error)")
        }
        // A table made again as it was written that could not be: the file is not the report.
        if let failure = workbook.madeAgain.lazy.compactMap(\.failure).first {
            unlink(path)
            throw AppFailure.from(failure)
        }
        do {
            return (path, try sha256Hex(ofFileAt: path))
        } catch {
            unlink(path)
            throw AppFailure(.cannotWrite, "\(folder): cannot read back \(fileName): \(error)")
        }
    }
}
