// The costing use cases (SEMANTICS §3): stock positions, one item's trail, one outflow's
// explanation, and a span's cogs.csv and valuation.csv — all as known at a time, by the one cost
// policy (`Costs`).
import CountinghouseCore
import CountinghouseStore

public enum CostJobs {
    /// On-hand units, value and pending units per SKU and location at `asOf` (default: everything
    /// that happened), as known at `knownAt`. A SKU and location with nothing left is not listed,
    /// unless both were asked for.
    public static func stock(_ session: Session, sku: String?, location: String?, asOf: Instant?, knownAt: Instant) throws -> Table {
        let (store, context) = (session.store, session.context)
        let costs = try Costs.asKnown(store, at: knownAt, sku: sku)
        var table = Table(columns: ["sku", "location", "quantity_on_hand", "value", "pending_quantity"])
        for position in try costs.positions(through: asOf ?? Instant(nanosecondsSinceEpoch: .max), sku: sku) {
            if let location, position.location != location { continue }
            // Like valuation.csv: a SKU and location with nothing left is not listed, unless asked for.
            if position.isZero && (sku == nil || location == nil) { continue }
            table.append([
                .text(position.sku), .text(position.location), .integer(position.quantityOnHand),
                .money(position.value, exponent: context.currencyExponent), .integer(position.pendingQuantity),
            ])
        }
        return table
    }

    /// Every movement of one SKU at one location through `asOf`, as known at `knownAt`.
    public static func trail(_ session: Session, sku: String, location: String, asOf: Instant?, knownAt: Instant) throws -> Table {
        let (store, context) = (session.store, session.context)
        guard let run = try Costs.runs(store, knownAt: knownAt, sku: sku).first else {
            throw AppFailure.rejected("no stock movements of SKU \(sku) are known")
        }
        return CostTrail.table(run, location: location, through: asOf, exponent: context.currencyExponent, offset: context.offset)
    }

    /// One outflow's cost taken apart (a cogs.csv outflow_id), as known at `knownAt`.
    public static func explain(_ session: Session, outflowID: String, knownAt: Instant) throws
        -> CostExplanation
    {
        let (store, context) = (session.store, session.context)
        let missing = AppFailure.rejected(
            "no outflow \(outflowID) as known at \(context.display(knownAt)) (outflow ids are cogs.csv's outflow_id)")
        guard let sku = try sku(ofOutflow: outflowID, store: store, knownAt: knownAt),
            let run = try Costs.runs(store, knownAt: knownAt, sku: sku).first,
            let explanation = CostExplanation.explain(
                run, outflowID: outflowID, exponent: context.currencyExponent, offset: context.offset)
        else { throw missing }
        return explanation
    }

    /// The SKU of the ledger row an outflow id names: `KIND:DOCUMENT:LINE` (pos_lines, purchases or
    /// transfers), or `SHRINKAGE:COUNT:LOCATION:SKU` (counts). Documents may hold colons, so the
    /// id is compared whole with each candidate row's.
    static func sku(ofOutflow id: String, store: any LedgerStore, knownAt: Instant) throws -> String? {
        let kind: LedgerKind
        let documentColumn: String
        switch id.split(separator: ":", maxSplits: 1).first.map(String.init) {
        case "SALE", "COMP": (kind, documentColumn) = (.posLines, "order_id")
        case "PURCHASE_RETURN": (kind, documentColumn) = (.purchases, "document_id")
        case "TRANSFER_SHIP": (kind, documentColumn) = (.transfers, "transfer_id")
        case "SHRINKAGE": (kind, documentColumn) = (.counts, "count_id")
        default: return nil
        }
        for stored in try store.rows(of: kind, knownAt: knownAt) {
            let row = stored.row
            guard let sku = row["sku"].textValue else { continue }
            let document = row[documentColumn].description
            let candidate = kind == .counts
                ? "SHRINKAGE:\(document):\(row["location"].description):\(sku)"
                : "\(id.split(separator: ":", maxSplits: 1)[0]):\(document):\(row["line_no"].integerValue.map(String.init) ?? "")"
            if candidate == id { return sku }
        }
        return nil
    }

    /// cogs.csv (every outflow in the span) and valuation.csv (stock at the span's end), as known
    /// at `knownAt`.
    public static func costFiles(_ session: Session, span: ReportSpan, knownAt: Instant) throws
        -> (cogs: Table, valuation: Table)
    {
        let (store, context) = (session.store, session.context)
        let costs = try Costs.asKnown(store, at: knownAt)
        let start = context.startOfDay(span.firstDay)
        let end = context.startOfDay(span.endDay)
        let cogs = CostTables.cogs(
            try costs.cogs(from: start, to: end), from: start, to: end, exponent: context.currencyExponent, offset: context.offset)
        let valuation = CostTables.valuation(
            try costs.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)),
            exponent: context.currencyExponent)
        return (cogs, valuation)
    }

    /// Every ingested file: when, what kind, how many rows, its sha256.
    public static func files(_ session: Session) throws -> Table {
        let (store, context) = (session.store, session.context)
        var table = Table(columns: ["id", "recorded_at", "kind", "rows_accepted", "rows_duplicate", "bytes", "sha256", "name"])
        for file in try store.files() {
            table.append([
                .integer(file.id), .text(context.display(file.recordedAt)), .text(file.kind.rawValue),
                .integer(Int64(file.rowsAccepted)), .integer(Int64(file.rowsDuplicate)), .integer(file.byteCount),
                .text(file.sha256), .text(file.name),
            ])
        }
        return table
    }
}
