// The tables behind the accountants' workbook sheets that the report folder has no file for: a
// span's stock trail, the outflows still pending, the prior-period adjustments with the late rows
// behind them, what to reorder, the daily sales and margin per location, and the ageing of the
// reconciliation's exceptions.
//
// Place in the pipeline: the application computes the rows (CountinghouseApp's `WorkbookData`,
// from the books as known at a time); the builders here only lay them out as typed cells. Pure:
// no file, clock or database. Table and column names are snake_case (they may become CSV names:
// a column may be added, never renamed or removed).
import CountinghouseCore

/// One row of the stock trail: a SKU at a location as it stood at the span's start (`OPENING`), or
/// one movement in the span with what the location holds after it (the trail's running figures).
public struct StockTrailRow: Sendable, Hashable {
    public var sku: String
    /// A location, or `IN_TRANSIT`.
    public var location: String
    /// The span's first instant on the OPENING row; else the movement's occurred_at.
    public var occurredAt: Instant
    /// `OPENING`, or the trail's name of the movement (`SALE`, `PURCHASE_RECEIPT`, …).
    public var event: String
    /// The movement's signed change of units and value (nil on the OPENING row).
    public var quantity: Int64?
    public var value: Int64?
    /// What the location holds after the movement (before the span, on the OPENING row).
    public var quantityOnHand: Int64
    public var valueOnHand: Int64
    public var pendingOnHand: Int64
    public var documentID: String?
    public var lineNumber: Int64?
    /// The row behind the movement (`file.csv:12`).
    public var source: String?
    /// The trail's flags of the movement.
    public var flags: [String]

    /// The trail's name of the row at the span's start.
    public static let openingEvent = "OPENING"

    public init(
        sku: String, location: String, occurredAt: Instant, event: String, quantity: Int64?, value: Int64?, quantityOnHand: Int64,
        valueOnHand: Int64, pendingOnHand: Int64, documentID: String?, lineNumber: Int64?, source: String?, flags: [String]
    ) {
        self.sku = sku
        self.location = location
        self.occurredAt = occurredAt
        self.event = event
        self.quantity = quantity
        self.value = value
        self.quantityOnHand = quantityOnHand
        self.valueOnHand = valueOnHand
        self.pendingOnHand = pendingOnHand
        self.documentID = documentID
        self.lineNumber = lineNumber
        self.source = source
        self.flags = flags
    }
}

/// One outflow with units still pending: its provisional cost, how that cost was priced, and its age.
public struct PendingCostRow: Sendable, Hashable {
    public var outflow: CogsLine
    /// How the provisional cost was priced, in words (see `WorkbookTables.pricing(flags:)`).
    public var pricedBy: String
    /// Days from the outflow's business date to the span's last day.
    public var ageDays: Int64

    public init(outflow: CogsLine, pricedBy: String, ageDays: Int64) {
        self.outflow = outflow
        self.pricedBy = pricedBy
        self.ageDays = ageDays
    }
}

/// A prior-period adjustment entry and the late rows behind it (`file.csv:12`), all of them (its
/// memo names the first ten).
public struct PriorPeriodAdjustment: Sendable, Hashable {
    public var entry: JournalEntry
    public var lateRows: [String]

    public init(entry: JournalEntry, lateRows: [String]) {
        self.entry = entry
        self.lateRows = lateRows
    }
}

/// A SKU at a location at or below its reorder point, and how many to order.
public struct ReorderRow: Sendable, Hashable {
    public var sku: String
    /// The catalogue's name, when it gives one.
    public var name: String?
    public var location: String
    public var quantityOnHand: Int64
    public var pendingQuantity: Int64
    public var reorderPoint: Int64
    /// The catalogue's order multiple, when it gives one.
    public var reorderQuantity: Int64?
    public var suggestedQuantity: Int64

    public init(
        sku: String, name: String?, location: String, quantityOnHand: Int64, pendingQuantity: Int64, reorderPoint: Int64,
        reorderQuantity: Int64?, suggestedQuantity: Int64
    ) {
        self.sku = sku
        self.name = name
        self.location = location
        self.quantityOnHand = quantityOnHand
        self.pendingQuantity = pendingQuantity
        self.reorderPoint = reorderPoint
        self.reorderQuantity = reorderQuantity
        self.suggestedQuantity = suggestedQuantity
    }
}

/// One business day at one location: net sales, cost of goods sold and their difference.
public struct DailyRow: Sendable, Hashable {
    public var date: CivilDate
    public var location: String
    public var netSales: Int64
    public var cogs: Int64
    public var grossMargin: Int64

    public init(date: CivilDate, location: String, netSales: Int64, cogs: Int64, grossMargin: Int64) {
        self.date = date
        self.location = location
        self.netSales = netSales
        self.cogs = cogs
        self.grossMargin = grossMargin
    }
}

/// The open reconciliation exceptions of one age bucket: how many, and their amount.
public struct AgeingBucket: Sendable, Hashable {
    /// `0–7 days`, `8–30 days`, `31–60 days`, `61–90 days` or `over 90 days`.
    public var label: String
    public var items: Int64
    public var amount: Int64

    public init(label: String, items: Int64, amount: Int64) {
        self.label = label
        self.items = items
        self.amount = amount
    }
}

public enum WorkbookTables {
    /// `stock_trail`: per SKU and location with a movement in the span, its OPENING row, then each
    /// movement in sequence order with the running units, value and pending units, as `trail` shows
    /// them. The rows come in the order given (by SKU, location, then sequence).
    public static func stockTrail(_ rows: [StockTrailRow], exponent: Int, offset: @escaping OffsetAtInstant) -> ReportTable {
        stockTrail(count: rows.count, exponent: exponent, offset: offset) { rows[$0] }
    }

    /// The same table, its `count` rows made by `row` when a writer reads them (a long span's trail,
    /// made again a few SKUs at a time instead of held).
    public static func stockTrail(
        count: Int, exponent: Int, offset: @escaping OffsetAtInstant, row: @escaping @Sendable (Int) -> StockTrailRow
    ) -> ReportTable {
        ReportTable(name: "stock_trail", columns: stockTrailColumns, count: count) { index in
            let row = row(index)
            return [
                .inputText(row.sku), .inputText(row.location), .dateTime(row.occurredAt, offsetSeconds: offset(row.occurredAt)),
                .text(row.event), row.quantity.map(ReportCell.integer) ?? .empty,
                row.value.map { ReportCell.money($0, exponent: exponent) } ?? .empty, .integer(row.quantityOnHand),
                .money(row.valueOnHand, exponent: exponent), .integer(row.pendingOnHand), input(row.documentID),
                row.lineNumber.map(ReportCell.integer) ?? .empty, input(row.source), .text(row.flags.joined(separator: ";")),
            ]
        }
    }

    static let stockTrailColumns = [
        ReportColumn("sku", .inputText), ReportColumn("location", .inputText), ReportColumn("occurred_at", .dateTime),
        ReportColumn("event", .text), ReportColumn("quantity", .quantity), ReportColumn("value", .money),
        ReportColumn("quantity_on_hand", .quantity), ReportColumn("value_on_hand", .money),
        ReportColumn("pending_on_hand", .quantity), ReportColumn("document_id", .inputText), ReportColumn("line_no", .number),
        ReportColumn("source", .inputText), ReportColumn("flags", .text),
    ]

    /// `pending_costs`: the outflows with pending units, in the order given (oldest first), with
    /// their provisional cost and how it was priced; the total row sums the provisional costs.
    public static func pendingCosts(_ rows: [PendingCostRow], exponent: Int, offset: OffsetAtInstant) -> ReportTable {
        var table = ReportTable(
            name: "pending_costs",
            columns: [
                ReportColumn("outflow_id", .text), ReportColumn("kind", .text), ReportColumn("occurred_at", .dateTime),
                ReportColumn("location", .inputText), ReportColumn("sku", .inputText), ReportColumn("document_id", .inputText),
                ReportColumn("line_no", .number), ReportColumn("pending_quantity", .quantity),
                ReportColumn("provisional_cost", .money), ReportColumn("priced_by", .text), ReportColumn("flags", .text),
                ReportColumn("age_days", .number),
            ])
        for row in rows {
            let line = row.outflow
            table.append([
                .text(line.outflowID), .text(line.kind.rawValue), .dateTime(line.occurredAt, offsetSeconds: offset(line.occurredAt)),
                .inputText(line.location), .inputText(line.sku), .inputText(line.documentID),
                line.lineNumber.map(ReportCell.integer) ?? .empty, .integer(line.pendingQuantity),
                .money(line.provisionalCost, exponent: exponent), .text(row.pricedBy), .text(line.flags), .integer(row.ageDays),
            ])
        }
        table.totals = JournalTables.totals(of: table, summing: ["provisional_cost"], exponent: exponent)
        return table
    }

    /// How an outflow's pending units were priced, in words, from its cogs.csv flags (SEMANTICS
    /// §3.4): its unfilled units by the fallback unit cost — the latest purchase receipt at its
    /// location, else at any location, else the catalogue's standard cost, else zero — and units
    /// taken from a provisional layer at that layer's value. Both, joined by "; ", when both apply.
    public static func pricing(flags: String) -> String {
        let flags = Set(flags.split(separator: ";").map(String.init))
        var words: [String] = []
        if flags.contains(FallbackSource.purchaseHere.rawValue) { words.append("last purchase cost at this location") }
        if flags.contains(FallbackSource.purchaseElsewhere.rawValue) { words.append("last purchase cost at another location") }
        if flags.contains(FallbackSource.standardCost.rawValue) { words.append("standard cost") }
        if flags.contains(FallbackSource.zero.rawValue) { words.append("zero (no cost known)") }
        if flags.contains("FROM_PROVISIONAL_LAYER") { words.append("value of a provisional layer") }
        return words.joined(separator: "; ")
    }

    /// `prior_period_adjustments`: every line of the adjustment entries, in the order given, with
    /// the late rows behind its entry (`;`-separated); the total row sums debits and credits.
    public static func priorPeriodAdjustments(_ adjustments: [PriorPeriodAdjustment], exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "prior_period_adjustments",
            columns: [
                ReportColumn("entry_id", .text), ReportColumn("date", .date), ReportColumn("about_period", .text),
                ReportColumn("account", .text), ReportColumn("account_name", .text), ReportColumn("debit", .money),
                ReportColumn("credit", .money), ReportColumn("location", .inputText), ReportColumn("processor", .inputText),
                ReportColumn("late_rows", .inputText),
            ])
        for adjustment in adjustments {
            let entry = adjustment.entry
            let lateRows = adjustment.lateRows.joined(separator: ";")
            for line in entry.lines {
                table.append([
                    .text(entry.id), .date(entry.date), .text(entry.aboutPeriod?.description ?? ""), .text(line.account.code),
                    .text(line.account.name), .money(line.debit, exponent: exponent), .money(line.credit, exponent: exponent),
                    .inputText(line.location), .inputText(line.processor), .inputText(lateRows),
                ])
            }
        }
        table.totals = JournalTables.totals(of: table, summing: ["debit", "credit"], exponent: exponent)
        return table
    }

    /// `reorder`: the positions at or below their reorder point, in the order given (by location,
    /// then SKU), with the quantity suggested.
    public static func reorder(_ rows: [ReorderRow]) -> ReportTable {
        var table = ReportTable(
            name: "reorder",
            columns: [
                ReportColumn("sku", .inputText), ReportColumn("name", .inputText), ReportColumn("location", .inputText),
                ReportColumn("quantity_on_hand", .quantity), ReportColumn("pending_quantity", .quantity),
                ReportColumn("reorder_point", .quantity), ReportColumn("reorder_quantity", .quantity),
                ReportColumn("suggested_quantity", .quantity),
            ])
        for row in rows {
            table.append([
                .inputText(row.sku), input(row.name), .inputText(row.location), .integer(row.quantityOnHand),
                .integer(row.pendingQuantity), .integer(row.reorderPoint), row.reorderQuantity.map(ReportCell.integer) ?? .empty,
                .integer(row.suggestedQuantity),
            ])
        }
        return table
    }

    /// `daily`: each day × location of the span, in the order given; the total row sums each money
    /// column.
    public static func daily(_ rows: [DailyRow], exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "daily",
            columns: [
                ReportColumn("date", .date), ReportColumn("location", .inputText), ReportColumn("net_sales", .money),
                ReportColumn("cogs", .money), ReportColumn("gross_margin", .money),
            ])
        for row in rows {
            table.append([
                .date(row.date), .inputText(row.location), .money(row.netSales, exponent: exponent),
                .money(row.cogs, exponent: exponent), .money(row.grossMargin, exponent: exponent),
            ])
        }
        table.totals = JournalTables.totals(of: table, summing: ["net_sales", "cogs", "gross_margin"], exponent: exponent)
        return table
    }

    /// `reconciliation_ageing`: the open exceptions per age bucket, youngest first; the total row
    /// sums the amounts.
    public static func reconciliationAgeing(_ buckets: [AgeingBucket], exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "reconciliation_ageing",
            columns: [ReportColumn("age_bucket", .text), ReportColumn("items", .number), ReportColumn("amount", .money)])
        for bucket in buckets {
            table.append([.text(bucket.label), .integer(bucket.items), .money(bucket.amount, exponent: exponent)])
        }
        table.totals = JournalTables.totals(of: table, summing: ["amount"], exponent: exponent)
        return table
    }
}
