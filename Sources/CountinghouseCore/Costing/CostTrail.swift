// The trail of one item at one location: the bank statement an accountant reads to answer "why
// is this cost 12.34?". Every movement in sequence order with its units and value, the running
// units, value and pending units, and under each outflow the layers it took from (document, file
// and row, units, unit cost, value) and the units still pending at the provisional cost.

public enum CostTrail {
    public static let columns = [
        "occurred_at", "event", "document_id", "line_no", "quantity", "value", "unit_cost", "quantity_on_hand",
        "value_on_hand", "pending_on_hand", "flags", "recorded_at", "source",
    ]

    public static func table(
        _ run: SKUCostRun, location: String, through: Instant?, exponent: Int, offset: OffsetAtInstant
    ) -> Table {
        var table = Table(columns: columns)
        var units: Int64 = 0
        var value: Int64 = 0
        var pending: Int64 = 0
        func time(_ instant: Instant) -> Cell { .text(instant.iso8601(offsetSeconds: offset(instant))) }
        func unitCost(_ amount: Int64, _ quantity: Int64) -> Cell { unitCostCell(amount, quantity, exponent: exponent) }
        for delta in run.deltas where delta.location == location {
            if let through, delta.occurredAt > through { break }
            let position = Int(delta.sequence - run.sequenceOffset)
            let event = run.events[position]
            units += delta.units
            value += delta.value
            pending += delta.pending
            var flags = run.inflowFlags[position] ?? []
            let outflowIndex = run.outflowOfEvent[position]
            let outflow = outflowIndex >= 0 && run.locations[run.outflows[outflowIndex].location] == location
                ? run.outflowCost(outflowIndex) : nil
            if let outflow { flags += outflow.flags }
            let layerIndex = run.layerOfEvent[position]
            if layerIndex >= 0, let fallback = run.layers[layerIndex].fallback { flags.append(fallback.rawValue) }
            if layerIndex >= 0 && run.layers[layerIndex].provisional { flags.append("PROVISIONAL_LAYER") }
            table.append([
                time(event.occurredAt), .text(eventName(run, position, location: location)), .text(event.source.documentID),
                event.source.lineNumber.map(Cell.integer) ?? .empty, .integer(delta.units), .money(delta.value, exponent: exponent),
                unitCost(delta.value, delta.units), .integer(units), .money(value, exponent: exponent), .integer(pending),
                .text(flags.joined(separator: ";")), time(event.source.recordedAt), .text(event.source.fileLocation),
            ])
            guard let outflow else { continue }
            for allocation in outflow.allocations {
                var notes: [String] = []
                if allocation.selfDependent { notes.append("SELF_DEPENDENT") } else if allocation.provisionalLayer {
                    notes.append("PROVISIONAL_LAYER")
                }
                table.append([
                    .empty, .text("  from layer"), .text(allocation.layerSource.documentID),
                    allocation.layerSource.lineNumber.map(Cell.integer) ?? .empty, .integer(allocation.units),
                    .money(allocation.value, exponent: exponent), unitCost(allocation.value, allocation.units), .empty, .empty,
                    .empty, .text(notes.joined(separator: ";")), time(allocation.layerSource.recordedAt),
                    .text(allocation.layerSource.fileLocation),
                ])
            }
            let unfilled = run.outflows[outflowIndex].openDeficit
            if unfilled > 0 {
                table.append([
                    .empty, .text("  pending"), .empty, .empty, .integer(unfilled), .empty, .empty, .empty, .empty, .empty,
                    .text(outflow.flags.filter { $0.hasPrefix("FALLBACK_") }.joined(separator: ";")), .empty, .empty,
                ])
            }
            if outflow.cancelledQuantity > 0 {
                table.append([
                    .empty, .text("  cancelled by return"), .empty, .empty, .integer(outflow.cancelledQuantity), .empty,
                    .empty, .empty, .empty, .empty, .empty, .empty, .empty,
                ])
            }
        }
        return table
    }

    /// A unit cost with two more decimals than the currency, rounded once (empty for no units).
    static func unitCostCell(_ amount: Int64, _ quantity: Int64, exponent: Int) -> Cell {
        guard quantity != 0 else { return .empty }
        return .money(roundHalfAwayFromZero(Int128(amount) * 100, Int128(quantity)), exponent: exponent + 2)
    }

    static func eventName(_ run: SKUCostRun, _ position: Int, location: String) -> String {
        switch run.events[position].kind {
        case .purchaseReceipt: return "PURCHASE_RECEIPT"
        case .purchaseReturn: return "PURCHASE_RETURN"
        case .sale: return "SALE"
        case .complimentary: return "COMP"
        case .customerReturn: return "CUSTOMER_RETURN"
        case .transferShip: return location == inTransitLocation ? "TRANSFER_IN_TRANSIT" : "TRANSFER_SHIP"
        case .transferReceive: return location == inTransitLocation ? "TRANSFER_ARRIVED" : "TRANSFER_RECEIVE"
        case .count:
            if run.layerOfEvent[position] >= 0 { return "COUNT_GAIN" }
            if run.outflowOfEvent[position] >= 0 { return "SHRINKAGE" }
            return "COUNT"
        }
    }
}
