// The messages of rows the ledger refuses (SEMANTICS §1): a conflict with a row already in the
// ledger (both versions shown), a transfer line whose SKU or locations differ from the ledger's,
// and a natural key repeated inside one file.
//
// Place in the pipeline: both stores build their `RowError`s here, so SQLite and PostgreSQL show
// the same bytes (golden files pin them).
// Errors a user can see: exactly these `RowError`s.
import CountinghouseCore

/// The messages of rows the ledger refuses.
enum LedgerMessages {
    /// One conflicting row: the key, which columns differ, the ledger's value with its file and row,
    /// and this file's value. Format of the reason:
    /// `natural key (order_id=A1, line_no=2) is already in the ledger with different content
    /// (ledger: file old.csv row 3): unit_price ledger 12.50 vs this file 13.00; quantity ledger 1 vs
    /// this file 2`.
    static func conflict(fileName: String, incoming: LedgerRow, existing: StoredRow) -> RowError {
        let schema = incoming.kind.schema
        var differing: [String] = []
        var details: [String] = []
        for (index, column) in schema.columns.enumerated()
        where incoming.values[index] != existing.row.values[index] {
            differing.append(column.name)
            details.append(
                "\(column.name) ledger \(render(existing.row, index)) vs this file \(render(incoming, index))")
        }
        return RowError(
            file: fileName, row: incoming.sourceRow, column: differing.joined(separator: ", "),
            reason: "natural key \(keyText(incoming)) is already in the ledger with different content "
                + "(ledger: file \(existing.fileName) row \(existing.sourceRow)): "
                + details.joined(separator: "; ")
                + "; send a correction as a new document instead of rewriting a row")
    }

    /// A transfer row whose SKU or locations differ from another row of the same transfer line
    /// already in the ledger (SEMANTICS §3.3).
    static func transferMismatch(fileName: String, incoming: LedgerRow, existing: StoredRow) -> RowError {
        var differing: [String] = []
        var details: [String] = []
        for name in ["sku", "from_location", "to_location"] where incoming[name] != existing.row[name] {
            differing.append(name)
            details.append("\(name) \(text(existing.row[name])) there vs \(text(incoming[name])) here")
        }
        let existingType = existing.row["type"].description
        let transfer = incoming["transfer_id"].description
        let line = incoming["line_no"].description
        return RowError(
            file: fileName, row: incoming.sourceRow, column: differing.joined(separator: ", "),
            value: differing.count == 1 ? incoming[differing[0]].description : nil,
            reason: "transfer \(transfer) line \(line) differs from the ledger's \(existingType) row of the "
                + "same line (file \(existing.fileName) row \(existing.sourceRow)): "
                + details.joined(separator: "; ")
                + "; all rows of one transfer line must have one SKU and the same locations")
    }

    /// A natural key that appears twice in one file.
    static func repeatedKey(fileName: String, row: LedgerRow, firstRow: Int) -> RowError {
        RowError(
            file: fileName, row: row.sourceRow,
            reason: "natural key \(keyText(row)) repeats row \(firstRow) of the same file")
    }

    static func keyText(_ row: LedgerRow) -> String {
        let schema = row.kind.schema
        return "(" + schema.naturalKey.map { "\(schema.columns[$0].name)=\(row.values[$0])" }
            .joined(separator: ", ") + ")"
    }

    private static func text(_ value: FieldValue) -> String {
        value.isNull ? "(empty)" : "\"\(value)\""
    }

    /// A value as a person reads it: instants in ISO 8601, money in major units of the row's
    /// currency (minor units when the row names none), empty as `(empty)`.
    static func render(_ row: LedgerRow, _ index: Int) -> String {
        let value = row.values[index]
        guard case .integer(let number) = value else { return text(value) }
        switch row.kind.schema.columns[index].type {
        case .instant:
            return Instant(nanosecondsSinceEpoch: number).iso8601()
        case .money:
            if let code = row["currency"].textValue, let exponent = CurrencyTable.exponent(of: code) {
                return formatMinorUnits(number, exponent: exponent)
            }
            return "\(number) (minor units)"
        default:
            return String(number)
        }
    }
}
