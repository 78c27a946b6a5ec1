// Cost runs over the whole ledger and the files they feed (FORMATS §4: cogs.csv, valuation.csv).
//
// Place in the pipeline: rows → `CostRuns.run` (one engine run per SKU; SKUs never affect each
// other) → outflows and deltas → tables. A period's report *selects* from the run over everything
// known (§3.2): it never cuts the sequence at the period end.

public enum CostRuns {
    /// The catalogue's standard cost per SKU as known: the latest items row of each SKU wins
    /// whole (an empty standard_cost clears it). `items` must be in ledger order.
    public static func standardCosts(items: [LedgerRow]) -> [String: Int64?] {
        var costs: [String: Int64?] = [:]
        for row in items {
            guard case .text(let sku) = row["sku"] else { continue }
            costs[sku] = .some(row["standard_cost"].integerValue)
        }
        return costs
    }

    /// Groups events by SKU and runs the engine for each, in SKU byte order.
    public static func run(events: [CostEvent], standardCosts: [String: Int64?]) -> [SKUCostRun] {
        var bySKU: [String: [CostEvent]] = [:]
        for event in events { bySKU[event.sku, default: []].append(event) }
        return bySKU.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { sku in
            FIFOEngine.run(sku: sku, events: bySKU[sku]!, standardCost: standardCosts[sku] ?? nil)
        }
    }
}

/// The reporting time zone as the core needs it: the offset from UTC at an instant.
public typealias OffsetAtInstant = @Sendable (Instant) -> Int64

public enum CostTables {
    public static let cogsColumns = [
        "outflow_id", "kind", "occurred_at", "location", "sku", "document_id", "line_no", "quantity", "costed_quantity",
        "cost", "pending_quantity", "provisional_cost", "cancelled_quantity", "flags",
    ]
    public static let valuationColumns = ["sku", "location", "quantity_on_hand", "value", "pending_quantity"]

    /// The outflows with `from ≤ occurred_at < to`, sorted by occurred_at, SKU, then §3.2.
    public static func cogs(_ outflows: [OutflowCost], from: Instant, to: Instant, exponent: Int, offset: OffsetAtInstant) -> Table {
        let selected = outflows.filter { $0.occurredAt >= from && $0.occurredAt < to }.sorted { a, b in
            if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
            if a.sku != b.sku { return a.sku.utf8.lexicographicallyPrecedes(b.sku.utf8) }
            return a.sequenceKey < b.sequenceKey
        }
        var table = Table(columns: cogsColumns)
        for outflow in selected {
            table.append([
                .text(outflow.outflowID), .text(outflow.kind.rawValue),
                .text(outflow.occurredAt.iso8601(offsetSeconds: offset(outflow.occurredAt))), .text(outflow.location),
                .text(outflow.sku), .text(outflow.documentID), outflow.lineNumber.map(Cell.integer) ?? .empty,
                .integer(outflow.quantity), .integer(outflow.costedQuantity), .money(outflow.cost, exponent: exponent),
                .integer(outflow.pendingQuantity), .money(outflow.provisionalCost, exponent: exponent),
                .integer(outflow.cancelledQuantity), .text(outflow.flags.joined(separator: ";")),
            ])
        }
        return table
    }

    /// Every SKU × location (and in transit) whose units, value or pending units are not all zero.
    public static func valuation(_ positions: [StockPosition], exponent: Int) -> Table {
        var table = Table(columns: valuationColumns)
        for position in positions where !position.isZero {
            table.append([
                .text(position.sku), .text(position.location), .integer(position.quantityOnHand),
                .money(position.value, exponent: exponent), .integer(position.pendingQuantity),
            ])
        }
        return table
    }
}
