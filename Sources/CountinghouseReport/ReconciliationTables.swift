// The reconciliation's tables (FORMATS §4): reconciliation.csv, rollforward.csv, payments.csv, and
// the summary `reconcile` prints. Columns and their order are FORMATS §4's (public interfaces: a
// column may be added, never renamed or removed); rows come sorted from the core.
import CountinghouseCore

public enum ReconciliationTables {
    static func money(_ amount: Int64?, _ exponent: Int) -> ReportCell { amount.map { .money($0, exponent: exponent) } ?? .empty }

    public static func reconciliation(_ report: ReconciliationReport, exponent: Int, offset: @escaping OffsetAtInstant) -> ReportTable {
        let listed = report.rows
        return ReportTable(
            name: "reconciliation",
            columns: [
                ReportColumn("status", .text), ReportColumn("category", .text), ReportColumn("processor", .inputText),
                ReportColumn("order_id", .inputText), ReportColumn("payment_ref", .inputText), ReportColumn("record_id", .inputText),
                ReportColumn("pos_amount", .money), ReportColumn("settled_amount", .money), ReportColumn("difference", .money),
                ReportColumn("fee", .money), ReportColumn("occurred_at", .dateTime), ReportColumn("settled_on", .date),
                ReportColumn("payout_id", .inputText), ReportColumn("age_days", .number), ReportColumn("note", .inputText),
                ReportColumn("tender_no", .number), ReportColumn("match_step", .text), ReportColumn("expected_fee", .money),
                ReportColumn("written_off", .money), ReportColumn("payment_life", .text), ReportColumn("vendor_category", .inputText),
            ], count: listed.count
        ) { index in
            let row = listed[index]
            return [
                .text(row.status.rawValue), .text(row.category), .inputText(row.processor), input(row.orderID), input(row.paymentRef),
                input(row.recordID), money(row.posAmount, exponent), money(row.settledAmount, exponent), money(row.difference, exponent),
                money(row.fee, exponent), .dateTime(row.occurredAt, offsetSeconds: offset(row.occurredAt)),
                row.settledOn.map(ReportCell.date) ?? .empty, input(row.payoutID), row.ageDays.map(ReportCell.integer) ?? .empty,
                .inputText(row.note), row.tenderNumber.map(ReportCell.integer) ?? .empty, .text(row.matchStep),
                money(row.expectedFee, exponent), money(row.writtenOff, exponent), .text(row.paymentLife?.rawValue ?? ""),
                input(row.vendorCategory),
            ]
        }
    }

    public static func rollforward(_ report: ReconciliationReport, exponent: Int, offset: @escaping OffsetAtInstant) -> ReportTable {
        let lines = report.rollforward
        return ReportTable(
            name: "rollforward",
            columns: [
                ReportColumn("account", .text), ReportColumn("processor", .inputText), ReportColumn("line", .text),
                ReportColumn("category", .text), ReportColumn("amount", .money), ReportColumn("status", .text),
                ReportColumn("order_id", .inputText), ReportColumn("tender_no", .number), ReportColumn("record_id", .inputText),
                ReportColumn("payout_id", .inputText), ReportColumn("occurred_at", .dateTime), ReportColumn("age_days", .number),
            ], count: lines.count
        ) { index in
            let line = lines[index]
            return [
                .text(line.account.rawValue), .inputText(line.processor), .text(line.line.rawValue), .text(line.category),
                .money(line.amount, exponent: exponent), .text(line.status?.rawValue ?? ""), input(line.orderID),
                line.tenderNumber.map(ReportCell.integer) ?? .empty, input(line.recordID), input(line.payoutID),
                line.occurredAt.map { .dateTime($0, offsetSeconds: offset($0)) } ?? .empty, line.ageDays.map(ReportCell.integer) ?? .empty,
            ]
        }
    }

    public static func payments(_ report: ReconciliationReport, exponent: Int) -> ReportTable {
        let payments = report.payments
        return ReportTable(
            name: "payments",
            columns: [
                ReportColumn("order_id", .inputText), ReportColumn("tender_no", .inputText), ReportColumn("processor", .inputText),
                ReportColumn("payment_ref", .inputText), ReportColumn("pos_amount", .money), ReportColumn("settled_amount", .money),
                ReportColumn("fee", .money), ReportColumn("settled_on", .date), ReportColumn("payout_id", .inputText),
                ReportColumn("refunded_amount", .money), ReportColumn("chargeback_amount", .money), ReportColumn("life", .text),
            ], count: payments.count
        ) { index in
            let payment = payments[index]
            return [
                input(payment.orderID), .inputText(payment.tenderNumbers), .inputText(payment.processor), .inputText(payment.paymentRefs),
                money(payment.posAmount, exponent), money(payment.settledAmount, exponent), money(payment.fee, exponent),
                payment.settledOn.map(ReportCell.date) ?? .empty, input(payment.payoutIDs), .money(payment.refundedAmount, exponent: exponent),
                .money(payment.chargebackAmount, exponent: exponent), .text(payment.life.rawValue),
            ]
        }
    }

    /// The amount an item stands for in a list of what is open: its residual, else what settled,
    /// else what the till took.
    public static func amount(_ row: ReconciliationRow) -> Int64 { row.difference ?? row.settledAmount ?? row.posAmount ?? 0 }

    /// The workbook's Exceptions: only the items that need a person, oldest first, then largest,
    /// each with what to do about it.
    public static func exceptions(_ report: ReconciliationReport, exponent: Int, offset: @escaping OffsetAtInstant) -> ReportTable {
        let rows = report.rows.filter(\.status.isException).sorted { a, b in
            if (a.ageDays ?? 0) != (b.ageDays ?? 0) { return (a.ageDays ?? 0) > (b.ageDays ?? 0) }
            if amount(a).magnitude != amount(b).magnitude { return amount(a).magnitude > amount(b).magnitude }
            return Reconciliation.rowPrecedesForSummary(a, b)
        }
        var table = ReportTable(
            name: "exceptions",
            columns: [
                ReportColumn("age_days", .number), ReportColumn("status", .text), ReportColumn("processor", .inputText),
                ReportColumn("order_id", .inputText), ReportColumn("tender_no", .number), ReportColumn("record_id", .inputText),
                ReportColumn("payment_ref", .inputText), ReportColumn("amount", .money), ReportColumn("occurred_at", .dateTime),
                ReportColumn("payout_id", .inputText), ReportColumn("note", .inputText), ReportColumn("suggested_action", .text),
            ], count: rows.count
        ) { index in
            let row = rows[index]
            return [
                row.ageDays.map(ReportCell.integer) ?? .empty, .text(row.status.rawValue), .inputText(row.processor), input(row.orderID),
                row.tenderNumber.map(ReportCell.integer) ?? .empty, input(row.recordID), input(row.paymentRef),
                .money(amount(row), exponent: exponent), .dateTime(row.occurredAt, offsetSeconds: offset(row.occurredAt)),
                input(row.payoutID), .inputText(row.note), .text(WorkbookSheets.suggestedAction(row.status)),
            ]
        }
        table.totals = JournalTables.totals(of: table, summing: ["amount"], exponent: exponent)
        return table
    }

    /// The workbook's Payouts: every payout of the span, by date: what went to the bank, what its
    /// items came to, and the residual between them.
    public static func payouts(_ report: ReconciliationReport, exponent: Int) -> ReportTable {
        var table = ReportTable(
            name: "payouts",
            columns: [
                ReportColumn("paid_on", .date), ReportColumn("processor", .inputText), ReportColumn("payout_id", .inputText),
                ReportColumn("record_id", .inputText), ReportColumn("status", .text), ReportColumn("to_bank", .money),
                ReportColumn("items_net", .money), ReportColumn("residual", .money), ReportColumn("note", .inputText),
            ])
        let rows = report.rows.filter { $0.category == SettlementType.payout.rawValue }.sorted { a, b in
            if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
            return Reconciliation.rowPrecedesForSummary(a, b)
        }
        for row in rows {
            table.append([
                row.settledOn.map(ReportCell.date) ?? .empty, .inputText(row.processor), input(row.payoutID), input(row.recordID),
                .text(row.status.rawValue), money(row.settledAmount, exponent), money(row.posAmount, exponent),
                money(row.difference, exponent), .inputText(row.note),
            ])
        }
        table.totals = JournalTables.totals(of: table, summing: ["to_bank", "items_net", "residual"], exponent: exponent)
        return table
    }

    /// The Summary's open items: per status, how many reconciliation items are open at the span's
    /// end and what they stand for.
    public static func openItems(_ report: ReconciliationReport, exponent: Int) -> ReportTable {
        var byStatus: [ReconciliationStatus: (count: Int64, amount: Sum)] = [:]
        for row in report.rows where row.ageDays != nil {
            var entry = byStatus[row.status] ?? (0, Sum())
            entry.count += 1
            entry.amount += amount(row)
            byStatus[row.status] = entry
        }
        var table = ReportTable(
            name: "open_items", columns: [ReportColumn("open_status", .text), ReportColumn("items", .number), ReportColumn("amount", .money)])
        for status in ReconciliationStatus.allCases {
            guard let entry = byStatus[status] else { continue }
            table.append([
                .text(status.rawValue), .integer(entry.count),
                Int64(exactly: entry.amount.total).map { ReportCell.money($0, exponent: exponent) }
                    ?? .text(formatMinorUnits(sum: entry.amount.total, exponent: exponent)),
            ])
        }
        return table
    }

    /// What `reconcile` prints: counts and amounts by status, the card clearing and processor
    /// balance per processor at the end, then the exceptions, largest and oldest first (at most
    /// `limit`).
    public static func summary(_ report: ReconciliationReport, exponent: Int, limit: Int = 20) -> String {
        var text = "reconciliation \(report.span): \(report.rows.count) items\n"
        var byStatus: [ReconciliationStatus: (count: Int, amount: Sum)] = [:]
        for row in report.rows {
            var entry = byStatus[row.status] ?? (0, Sum())
            entry.count += 1
            entry.amount += row.difference ?? 0
            byStatus[row.status] = entry
        }
        let statusTable = ReportTable(
            name: "statuses", columns: [ReportColumn("status", .text), ReportColumn("items", .number), ReportColumn("open", .money)],
            rows: ReconciliationStatus.allCases.compactMap { status in
                guard let entry = byStatus[status] else { return nil }
                let amount = Int64(exactly: entry.amount.total).map { ReportCell.money($0, exponent: exponent) }
                    ?? .text(formatMinorUnits(sum: entry.amount.total, exponent: exponent))
                return [.text(status.rawValue), .integer(Int64(entry.count)), amount]
            })
        text += TextTableWriter.render(statusTable)
        let closing = report.rollforward.filter { $0.line == .closing }
        if !closing.isEmpty {
            text += "\nat the end:\n"
            for line in closing {
                text += "  \(line.account.rawValue) \(line.processor.isEmpty ? "(no processor)" : line.processor): "
                    + formatMinorUnits(line.amount, exponent: exponent) + "\n"
            }
        }
        let exceptions = report.rows.filter { $0.status.isException }.sorted { a, b in
            let x = amount(a).magnitude
            let y = amount(b).magnitude
            if x != y { return x > y }
            if (a.ageDays ?? 0) != (b.ageDays ?? 0) { return (a.ageDays ?? 0) > (b.ageDays ?? 0) }
            return Reconciliation.rowPrecedesForSummary(a, b)
        }
        if exceptions.isEmpty {
            text += "\nno exceptions\n"
        } else {
            text += "\nexceptions, largest and oldest first (\(exceptions.count)):\n"
            for row in exceptions.prefix(limit) {
                let shown = amount(row)
                let what = row.tenderNumber.map { "order \(row.orderID ?? "") tender \($0)" } ?? "record \(row.recordID ?? "")"
                text += "  \(row.status.rawValue) \(row.processor.isEmpty ? "(no processor)" : row.processor) \(what) "
                    + "\(formatMinorUnits(shown, exponent: exponent))\(row.ageDays.map { ", \($0) days" } ?? "")\n"
            }
            if exceptions.count > limit { text += "  … \(exceptions.count - limit) more in reconciliation.csv\n" }
        }
        for id in report.overridesNamingNothing { text += "override \(id) names nothing known at the end of \(report.span.lastDay)\n" }
        for id in report.matchesRefused { text += "override \(id) (MATCH) names items of two processors: not applied\n" }
        return text
    }
}
