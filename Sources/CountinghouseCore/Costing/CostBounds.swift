// The bound that keeps a SKU's cost run inside 64 bits, checked before the run.
//
// Place in the pipeline: `CostRuns` checks each SKU's events (and the checkpoint a replay opens
// from) before it runs the engine, which then adds and multiplies in plain Int64. Ingest bounds
// each row (IngestLimits), but a run multiplies one row's units by another row's unit cost (a
// fallback, found units, a standard cost), and a SKU's units add up over its whole history, so the
// rows alone cannot bound a run.
// Why the bound holds: every value the engine makes is a receipt's or an opening layer's value, a
// share of one (units × value ÷ quantity: at most the value), or units priced at a unit cost (a
// fallback, a count's unit cost, a standard cost), and sums and differences of those. Only the
// units of events other than receipts are ever priced at a unit cost: an outflow's units without
// stock, a return's, a transfer's, a count's found units (at most its counted quantity plus the
// units outflows took below zero, so all of them count twice). The bound is the sum of the values
// plus the highest unit cost times those units; it must stay under a quarter of Int64, so that
// sums of values and their differences do too.
// Errors a user can see: "the stock value SKU A could reach (its receipts plus its other units times
// its highest unit cost) is out of range (…)": real SKUs sit many orders of magnitude below it.

public enum CostBounds {
    /// A quarter of Int64: sums of values up to the bound, and their differences, stay in 64 bits.
    static let limit = Int128(Int64.max / 4)

    /// Refuses a run of `sku` whose values could leave 64 bits.
    static func check(sku: String, events: [CostEvent], standardCost: Int64?, opening: CostOpening?) throws(OutOfRange) {
        /// Units that may be priced at a unit cost (see above).
        var pricedUnits: Int128 = 0
        var values: Int128 = 0
        var unitCost: Int128 = standardCost.map { Int128($0.magnitude) } ?? 0
        func perUnit(_ value: Int64, _ quantity: Int64) -> Int128 {
            let divisor = Int128(max(quantity.magnitude, 1))
            return (Int128(value.magnitude) + divisor - 1) / divisor
        }
        // By index, reading two fields: binding each event would copy (retain) all its strings.
        for index in events.indices {
            let quantity = events[index].quantity
            switch events[index].kind {
            case .purchaseReceipt(let value):
                values += Int128(value.magnitude)
                unitCost = max(unitCost, perUnit(value, quantity))
            case .count(let cost):
                if let cost { unitCost = max(unitCost, Int128(cost.magnitude)) }
                pricedUnits += Int128(quantity.magnitude)
            default:
                pricedUnits += Int128(quantity.magnitude)
            }
        }
        if let checkpoint = opening?.checkpoint {
            // A checkpoint is settled (nothing pending): its layers are values like receipts.
            for layer in checkpoint.layers {
                values += Int128(layer.value.magnitude)
                unitCost = max(unitCost, perUnit(layer.value, layer.units))
            }
            for receipt in checkpoint.receipts { unitCost = max(unitCost, perUnit(receipt.value, receipt.quantity)) }
        }
        let bound = values + unitCost * 2 * pricedUnits
        guard bound <= limit else {
            throw OutOfRange(what: "the stock value SKU \(sku) could reach (its receipts plus its other units times its highest unit cost)", total: bound)
        }
    }
}
