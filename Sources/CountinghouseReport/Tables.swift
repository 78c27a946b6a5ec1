// The tables of a report folder and of the listings, made from what the core computed: the journal,
// the trial balance, the drift of a closed period, cost of goods, the valuation, one item's trail and
// one outflow's explanation. Columns and their order are FORMATS §4's (public interfaces: a column
// may be added, never renamed or removed); each column's role says how writers show it.
import CountinghouseCore

/// A unit cost: value ÷ units with two more decimals than the currency, rounded once (empty for no
/// units).
func unitCostCell(_ amount: Int64, _ units: Int64, exponent: Int) -> ReportCell {
    guard units != 0 else { return .empty }
    return .money(roundHalfAwayFromZero(Int128(amount) * 100, Int128(units)), exponent: exponent + 2)
}

/// Text that came from an input file, or empty.
func input(_ text: String?) -> ReportCell { text.map(ReportCell.inputText) ?? .empty }

public enum JournalTables {
    /// journal.csv: every line of the entries, in their order; the total row (for people) sums the
    /// debits and credits. The rows are made from the entries as a writer reads them (the entries
    /// are held anyway: three years of lines as cells took ~40 MiB more).
    public static func journal(_ entries: [JournalEntry], exponent: Int) -> ReportTable {
        let columns = [
            ReportColumn("entry_id", .text), ReportColumn("date", .date), ReportColumn("account", .text),
            ReportColumn("account_name", .text), ReportColumn("debit", .money), ReportColumn("credit", .money),
            ReportColumn("location", .inputText), ReportColumn("memo", .inputText), ReportColumn("source_type", .text),
            ReportColumn("source_ref", .inputText), ReportColumn("processor", .inputText), ReportColumn("about_period", .text),
        ]
        // Where each entry's lines start among the rows, and the sums of the money columns.
        var firstRows: [Int] = []
        firstRows.reserveCapacity(entries.count)
        var (rowCount, debits, credits) = (0, Sum(), Sum())
        for entry in entries {
            firstRows.append(rowCount)
            rowCount += entry.lines.count
            for line in entry.lines {
                debits += line.debit
                credits += line.credit
            }
        }
        let starts = firstRows
        var table = ReportTable(name: "journal", columns: columns, count: rowCount) { row in
            // The last entry whose first row is at or before `row` (entries without lines have none).
            var (low, high) = (0, starts.count - 1)
            while low < high {
                let middle = (low + high + 1) / 2
                if starts[middle] <= row { low = middle } else { high = middle - 1 }
            }
            let entry = entries[low]
            let line = entry.lines[row - starts[low]]
            let memo = line.memo.isEmpty ? entry.memo : "\(entry.memo): \(line.memo)"
            return [
                .text(entry.id), .date(entry.date), .text(line.account.code), .text(line.account.name),
                .money(line.debit, exponent: exponent), .money(line.credit, exponent: exponent), .inputText(line.location),
                .inputText(memo), .text(entry.sourceType), .inputText(entry.sourceReference), .inputText(line.processor),
                .text(entry.aboutPeriod?.description ?? ""),
            ]
        }
        table.totals = totals(columns: columns, sums: ["debit": debits, "credit": credits], rowCount: rowCount, exponent: exponent)
        return table
    }

    /// A total row: "total" in the first column, the sum of each named money column (as a SUM
    /// formula over the column, with its value), empty elsewhere.
    public static func totals(of table: ReportTable, summing names: Set<String>, exponent: Int) -> [ReportCell] {
        var sums: [String: Sum] = [:]
        for (index, column) in table.columns.enumerated() where index > 0 && names.contains(column.name) {
            var sum = Sum()
            for row in table.rows { if case .money(let amount, _) = row[index] { sum += amount } }
            sums[column.name] = sum
        }
        return totals(columns: table.columns, sums: sums, rowCount: table.rows.count, exponent: exponent)
    }

    /// The same from the columns' sums already taken (a table made again as it is written is not
    /// read once more to sum it): the first cell says "total", a summed column's cell is its
    /// `SUM` over the table's rows with the sum as its value, the others are empty.
    public static func totals(columns: [ReportColumn], sums: [String: Sum], rowCount: Int, exponent: Int) -> [ReportCell] {
        columns.enumerated().map { index, column -> ReportCell in
            if index == 0 { return .text("total") }
            guard let sum = sums[column.name] else { return .empty }
            let value: ReportCell = sum.total <= Int128(Int64.max) && sum.total >= Int128(Int64.min)
                ? .money(Int64(sum.total), exponent: exponent) : .text(formatMinorUnits(sum: sum.total, exponent: exponent))
            return .formula("SUM(\(columnLetter(index))2:\(columnLetter(index))\(rowCount + 1))", value: value)
        }
    }

    /// A spreadsheet column's letters: 0 → A, 25 → Z, 26 → AA.
    static func columnLetter(_ index: Int) -> String {
        var letters = ""
        var rest = index + 1
        while rest > 0 {
            let digit = (rest - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + digit))) + letters
            rest = (rest - 1) / 26
        }
        return letters
    }

    /// trial_balance.csv: every account, opening, the span's debits and credits, closing balance;
    /// the total row sums each (the balances sum to zero when the books balance).
    public static func trialBalance(_ rows: [TrialBalanceRow], exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "trial_balance",
            columns: [
                ReportColumn("account", .text), ReportColumn("account_name", .text), ReportColumn("opening", .money),
                ReportColumn("debit", .money), ReportColumn("credit", .money), ReportColumn("balance", .money),
            ])
        for row in rows {
            table.append([
                .text(row.account.code), .text(row.account.name), .money(row.opening, exponent: exponent),
                .money(row.debit, exponent: exponent), .money(row.credit, exponent: exponent), .money(row.balance, exponent: exponent),
            ])
        }
        table.totals = totals(of: table, summing: ["opening", "debit", "credit", "balance"], exponent: exponent)
        return table
    }

    /// drift.csv: per account, location and processor of a closed period, what differs as known now.
    public static func drift(_ rows: [DriftRow], exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "drift",
            columns: [
                ReportColumn("account", .text), ReportColumn("account_name", .text), ReportColumn("location", .inputText),
                ReportColumn("processor", .inputText), ReportColumn("posted", .money), ReportColumn("adjusted_later", .money),
                ReportColumn("as_known_now", .money), ReportColumn("pending_adjustment", .money),
            ])
        for row in rows {
            table.append([
                .text(row.account.code), .text(row.account.name), .inputText(row.location), .inputText(row.processor),
                .money(row.posted, exponent: exponent), .money(row.adjustedLater, exponent: exponent),
                .money(row.asKnownNow, exponent: exponent), .money(row.pendingAdjustment, exponent: exponent),
            ])
        }
        return table
    }
}

public enum CostTables {
    /// cogs.csv of a span's outflows, already in FORMATS §4's order (`CostView.cogs`'s).
    public static func cogs(_ occurring: PackedCogsLines, exponent: Int, offset: @escaping OffsetAtInstant) -> ReportTable {
        cogs(count: occurring.count, exponent: exponent, offset: offset) { occurring[$0] }
    }

    /// The same of `count` lines, line `i` made by `line(i)` when a writer reads it.
    public static func cogs(
        count: Int, exponent: Int, offset: @escaping OffsetAtInstant, line: @escaping @Sendable (Int) -> CogsLine
    ) -> ReportTable {
        return ReportTable(
            name: "cogs",
            columns: [
                ReportColumn("outflow_id", .text), ReportColumn("kind", .text), ReportColumn("occurred_at", .dateTime),
                ReportColumn("location", .inputText), ReportColumn("sku", .inputText), ReportColumn("document_id", .inputText),
                ReportColumn("line_no", .number), ReportColumn("quantity", .quantity), ReportColumn("costed_quantity", .quantity),
                ReportColumn("cost", .money), ReportColumn("pending_quantity", .quantity), ReportColumn("provisional_cost", .money),
                ReportColumn("cancelled_quantity", .quantity), ReportColumn("flags", .text),
            ], count: count
        ) { index in
            let line = line(index)
            return [
                .text(line.outflowID), .text(line.kind.rawValue), .dateTime(line.occurredAt, offsetSeconds: offset(line.occurredAt)),
                .inputText(line.location), .inputText(line.sku), .inputText(line.documentID), line.lineNumber.map(ReportCell.integer) ?? .empty,
                .integer(line.quantity), .integer(line.costedQuantity), .money(line.cost, exponent: exponent),
                .integer(line.pendingQuantity), .money(line.provisionalCost, exponent: exponent),
                .integer(line.cancelledQuantity), .text(line.flags),
            ]
        }
    }

    /// valuation.csv, or `stock`'s listing: units, value and pending units per SKU and location.
    /// With `listingZeros`, positions with nothing left are listed too.
    public static func valuation(_ positions: [StockPosition], exponent: Int, listingZeros: Bool = false) -> ReportTable {
        var table = ReportTable(
            name: "valuation",
            columns: [
                ReportColumn("sku", .inputText), ReportColumn("location", .inputText), ReportColumn("quantity_on_hand", .quantity),
                ReportColumn("value", .money), ReportColumn("pending_quantity", .quantity),
            ])
        for position in positions where listingZeros || !position.isZero {
            table.append([
                .inputText(position.sku), .inputText(position.location), .integer(position.quantityOnHand),
                .money(position.value, exponent: exponent), .integer(position.pendingQuantity),
            ])
        }
        return table
    }

    /// `trail`: one item's movements at one location, with running figures and the layers taken.
    public static func trail(_ lines: [TrailLine], exponent: Int, offset: OffsetAtInstant) -> ReportTable {
        var table = ReportTable(
            name: "trail",
            columns: [
                ReportColumn("occurred_at", .dateTime), ReportColumn("event", .text), ReportColumn("document_id", .inputText),
                ReportColumn("line_no", .number), ReportColumn("quantity", .quantity), ReportColumn("value", .money),
                ReportColumn("unit_cost", .unitCost), ReportColumn("quantity_on_hand", .quantity),
                ReportColumn("value_on_hand", .money), ReportColumn("pending_on_hand", .quantity), ReportColumn("flags", .text),
                ReportColumn("recorded_at", .dateTime), ReportColumn("source", .inputText),
            ])
        func time(_ instant: Instant?) -> ReportCell {
            instant.map { ReportCell.dateTime($0, offsetSeconds: offset($0)) } ?? .empty
        }
        func money(_ amount: Int64?) -> ReportCell { amount.map { ReportCell.money($0, exponent: exponent) } ?? .empty }
        for line in lines {
            let name: String
            switch line.kind {
            case .movement(let event): name = event
            case .fromLayer: name = "  from layer"
            case .pending: name = "  pending"
            case .cancelledByReturn: name = "  cancelled by return"
            case .returnOfSaleLine: name = "  of sale line"
            }
            table.append([
                time(line.occurredAt), .text(name), input(line.documentID), line.lineNumber.map(ReportCell.integer) ?? .empty,
                .integer(line.quantity), money(line.value), line.value.map { unitCostCell($0, line.quantity, exponent: exponent) } ?? .empty,
                line.runningUnits.map(ReportCell.integer) ?? .empty, money(line.runningValue),
                line.runningPending.map(ReportCell.integer) ?? .empty,
                line.kind == .cancelledByReturn ? .empty : .text(line.flags.joined(separator: ";")), time(line.recordedAt),
                input(line.source),
            ])
        }
        return table
    }

    /// `explain`: each part of one outflow's units with its value and the rule behind it.
    public static func explanation(_ parts: [ExplanationPart], exponent: Int, offset: OffsetAtInstant) -> ReportTable {
        var table = ReportTable(
            name: "explanation",
            columns: [
                ReportColumn("part", .text), ReportColumn("units", .quantity), ReportColumn("value", .money),
                ReportColumn("unit_cost", .unitCost), ReportColumn("layer", .inputText), ReportColumn("layer_source", .inputText),
                ReportColumn("recorded_at", .dateTime), ReportColumn("how", .text),
            ])
        for part in parts {
            table.append([
                .text(part.part), .integer(part.units), part.value.map { ReportCell.money($0, exponent: exponent) } ?? .empty,
                part.showsUnitCost ? part.value.map { unitCostCell($0, part.units, exponent: exponent) } ?? .empty : .empty,
                input(part.layer), input(part.layerSource),
                part.recordedAt.map { ReportCell.dateTime($0, offsetSeconds: offset($0)) } ?? .empty, .text(part.how),
            ])
        }
        return table
    }
}
