@testable import CountinghouseCore

/// A small DSL for hand-worked costing stories: events of one SKU, at day/hour of October 2026,
/// each recorded at a chosen day (for as-known-at runs).
struct CostStory {
    var events: [CostEvent] = []
    var standardCost: Int64?
    var sku = "SKU1"

    static func at(_ day: Int64, _ hour: Int64 = 12) -> Instant {
        Instant(date: CivilDate(year: 2026, month: 10, day: day)!, secondOfDay: hour * 3600)
    }

    private mutating func add(
        _ kind: CostEvent.Kind, _ source: LedgerKind, _ document: String, line: Int64? = 1, receipt: Int64? = nil,
        location: String, day: Int64, hour: Int64, quantity: Int64, recordedDay: Int64?
    ) {
        let reference = SourceReference(
            kind: source, documentID: document, lineNumber: line, receiptNumber: receipt,
            fileName: "\(source.rawValue).csv", fileRow: events.count + 2,
            recordedAt: Self.at(recordedDay ?? day, 23))
        events.append(CostEvent(kind: kind, sku: sku, location: location, occurredAt: Self.at(day, hour),
                                quantity: quantity, source: reference))
    }

    mutating func receive(_ document: String, at location: String = "S01", day: Int64, hour: Int64 = 8,
                          quantity: Int64, value: Int64, recordedDay: Int64? = nil, line: Int64 = 1) {
        add(.purchaseReceipt(value: value), .purchases, document, line: line, location: location, day: day, hour: hour,
            quantity: quantity, recordedDay: recordedDay)
    }

    mutating func returnToSupplier(_ document: String, original: String?, at location: String = "S01", day: Int64,
                                   hour: Int64 = 9, quantity: Int64, recordedDay: Int64? = nil) {
        add(.purchaseReturn(originalDocumentID: original), .purchases, document, location: location, day: day,
            hour: hour, quantity: quantity, recordedDay: recordedDay)
    }

    mutating func sell(_ order: String, at location: String = "S01", day: Int64, hour: Int64 = 12, quantity: Int64,
                       recordedDay: Int64? = nil, line: Int64 = 1) {
        add(.sale, .posLines, order, line: line, location: location, day: day, hour: hour, quantity: quantity,
            recordedDay: recordedDay)
    }

    mutating func giveAway(_ order: String, at location: String = "S01", day: Int64, hour: Int64 = 12, quantity: Int64) {
        add(.complimentary, .posLines, order, location: location, day: day, hour: hour, quantity: quantity,
            recordedDay: nil)
    }

    mutating func customerReturn(_ order: String, of sale: String?, line: Int64? = 1, at location: String = "S01",
                                 day: Int64, hour: Int64 = 15, quantity: Int64, recordedDay: Int64? = nil) {
        add(.customerReturn(originalOrderID: sale, originalLineNumber: sale == nil ? nil : line), .posLines, order,
            location: location, day: day, hour: hour, quantity: quantity, recordedDay: recordedDay)
    }

    mutating func ship(_ transfer: String, from: String, to: String, day: Int64, hour: Int64 = 10, quantity: Int64,
                       recordedDay: Int64? = nil) {
        add(.transferShip(destination: to), .transfers, transfer, location: from, day: day, hour: hour,
            quantity: quantity, recordedDay: recordedDay)
    }

    mutating func receiveTransfer(_ transfer: String, from: String, to: String, day: Int64, hour: Int64 = 10,
                                  quantity: Int64, receipt: Int64 = 1, recordedDay: Int64? = nil) {
        add(.transferReceive(origin: from), .transfers, transfer, receipt: receipt, location: to, day: day,
            hour: hour, quantity: quantity, recordedDay: recordedDay)
    }

    mutating func count(_ id: String, at location: String = "S01", day: Int64, hour: Int64 = 20, counted: Int64,
                        unitCost: Int64? = nil, recordedDay: Int64? = nil) {
        add(.count(unitCost: unitCost), .counts, id, line: nil, location: location, day: day, hour: hour,
            quantity: counted, recordedDay: recordedDay)
    }

    /// The run as known at the end of `knownDay` (all events when nil).
    func run(knownDay: Int64? = nil) -> SKUCostRun {
        let known = knownDay.map { day in events.filter { $0.source.recordedAt <= Self.at(day, 23) } } ?? events
        return FIFOEngine.run(sku: sku, events: known, standardCost: standardCost)
    }
}

extension SKUCostRun {
    /// The cost record of the outflow whose document is `document`.
    func outflow(_ document: String) -> OutflowCost? {
        outflowCosts.first { $0.documentID == document }
    }

    func position(_ location: String, day: Int64, hour: Int64 = 23) -> StockPosition? {
        (try? positions(through: CostStory.at(day, hour)))?.first { $0.location == location }
    }

    func layer(_ document: String) -> Layer? {
        layers.indices.first { layerSource($0).documentID == document }.map { layers[$0] }
    }
}
