// The costing use cases (SEMANTICS §3): stock positions, one item's trail, one outflow's
// explanation, and a span's cogs.csv and valuation.csv — all as known at a time, by the one cost
// policy (`Costs`).
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore

public enum CostJobs {
    /// On-hand units, value and pending units per SKU and location at `asOf` (default: everything
    /// that happened), as known at `knownAt`. A SKU and location with nothing left is not listed,
    /// unless both were asked for.
    public static func stock(_ session: Session, sku: String?, location: String?, asOf: Instant?, knownAt: KnowledgeTime) throws
        -> ReportTable
    {
        let (store, context) = (session.store, session.context)
        let costs = try Costs.asKnown(store, at: knownAt.instant, sku: sku)
        let positions = try costs.positions(through: asOf ?? Instant(nanosecondsSinceEpoch: .max), sku: sku).filter { position in
            // Like valuation.csv: a SKU and location with nothing left is not listed, unless asked for.
            (location == nil || position.location == location) && (!position.isZero || (sku != nil && location != nil))
        }
        var table = CostTables.valuation(positions, exponent: context.currencyExponent, listingZeros: true)
        table.name = "stock"
        return table
    }

    /// Every movement of one SKU at one location through `asOf`, as known at `knownAt`.
    public static func trail(_ session: Session, sku: String, location: String, asOf: Instant?, knownAt: KnowledgeTime) throws
        -> ReportTable
    {
        let (store, context) = (session.store, session.context)
        guard let run = try Costs.runs(store, knownAt: knownAt.instant, sku: sku).first else {
            throw AppFailure.rejected("no stock movements of SKU \(sku) are known")
        }
        return CostTables.trail(
            try CostTrail.lines(run, location: location, through: asOf), exponent: context.currencyExponent, offset: context.offset)
    }

    /// One outflow's cost taken apart (a cogs.csv outflow_id), as known at `knownAt`.
    public static func explain(_ session: Session, outflowID: String, knownAt: KnowledgeTime) throws
        -> (heading: [String], parts: ReportTable)
    {
        let (store, context) = (session.store, session.context)
        for candidate in OutflowID.candidates(outflowID) {
            guard let sku = try sku(of: candidate, store: store, knownAt: knownAt.instant),
                let run = try Costs.runs(store, knownAt: knownAt.instant, sku: sku).first,
                let explanation = CostExplanation.explain(
                    run, outflowID: outflowID, exponent: context.currencyExponent, offset: context.offset)
            else { continue }
            return (explanation.heading, CostTables.explanation(explanation.parts, exponent: context.currencyExponent, offset: context.offset))
        }
        throw AppFailure.rejected(
            "no outflow \(outflowID) as known at \(context.describe(knownAt)) (outflow ids are cogs.csv's outflow_id)")
    }

    /// The SKU of the ledger row an outflow id names, if that row is known: a shrinkage id names
    /// its SKU; a line outflow's is its source line's.
    static func sku(of id: OutflowID, store: any LedgerStore, knownAt: Instant) throws -> String? {
        switch id {
        case .shrinkage(let count, let location, let sku):
            let counted = try store.rows(of: .counts, knownAt: knownAt).contains { stored in
                let row = StockCount(stored.row)
                return CostRuns.sameBytes(row.countID, count) && CostRuns.sameBytes(row.location, location) && CostRuns.sameBytes(row.sku, sku)
            }
            return counted ? sku : nil
        case .line(let kind, let document, let line):
            switch kind {
            case .sale, .complimentary:
                let wanted: POSLineType = kind == .sale ? .sale : .complimentary
                return try store.rows(of: .posLines, knownAt: knownAt).lazy.map { POSLine($0.row) }
                    .first { CostRuns.sameBytes($0.orderID, document) && $0.lineNumber == line && $0.type == wanted }?.sku
            case .purchaseReturn:
                return try store.rows(of: .purchases, knownAt: knownAt).lazy.map { PurchaseLine($0.row) }
                    .first { CostRuns.sameBytes($0.documentID, document) && $0.lineNumber == line && $0.type == .supplierReturn }?.sku
            case .transferShip:
                return try store.rows(of: .transfers, knownAt: knownAt).lazy.map { TransferLine($0.row) }
                    .first { CostRuns.sameBytes($0.transferID, document) && $0.lineNumber == line && $0.type == .ship }?.sku
            case .shrinkage:
                return nil
            }
        }
    }

    /// cogs.csv (every outflow in the span) and valuation.csv (stock at the span's end), as known
    /// at `knownAt`.
    public static func costFiles(_ session: Session, span: ReportSpan, knownAt: KnowledgeTime) throws
        -> (cogs: ReportTable, valuation: ReportTable)
    {
        let (store, context) = (session.store, session.context)
        let costs = try Costs.asKnown(store, at: knownAt.instant)
        let start = context.startOfDay(span.firstDay)
        let end = context.startOfDay(span.endDay)
        let cogs = CostTables.cogs(try costs.cogs(from: start, to: end), exponent: context.currencyExponent, offset: context.offset)
        let valuation = CostTables.valuation(
            try costs.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)),
            exponent: context.currencyExponent)
        return (cogs, valuation)
    }

    /// Every ingested file: when, what kind, how many rows, its sha256.
    public static func files(_ session: Session) throws -> ReportTable {
        let (store, context) = (session.store, session.context)
        var table = ReportTable(
            name: "files",
            columns: [
                ReportColumn("id", .number), ReportColumn("recorded_at", .dateTime), ReportColumn("kind", .text),
                ReportColumn("rows_accepted", .number), ReportColumn("rows_duplicate", .number), ReportColumn("bytes", .number),
                ReportColumn("sha256", .text), ReportColumn("name", .inputText),
            ])
        for file in try store.files() {
            table.append([
                .integer(file.id), .dateTime(file.recordedAt, offsetSeconds: context.zone.offsetSeconds(at: file.recordedAt)),
                .text(file.kind.rawValue), .integer(Int64(file.rowsAccepted)), .integer(Int64(file.rowsDuplicate)),
                .integer(file.byteCount), .text(file.sha256), .inputText(file.name),
            ])
        }
        return table
    }
}
