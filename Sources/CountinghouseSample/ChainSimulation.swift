// The day-by-day simulation behind `SampleChain`: stock that moves, and the rows that record it.
//
// It keeps the true stock of every SKU at every location, so what it writes is consistent: a store
// sells only what it has (except the one seasonal sale from empty stock), returns name real sale
// lines, transfers ship what the warehouse holds, and a count sees the shelf. Each event is written
// at a local time that puts it in the right order within the day: count 07:30, transfer receipts
// 08:00, snack deliveries 08:30, sales 09:00–18:45, warehouse receipts 10:00, purchase return
// 11:00, shipments 16:00.
import CountinghouseCore

/// A shipped transfer line on its way to a store.
private struct ArrivingLine {
    let transferId: String
    let lineNo: Int
    let store: Int
    let sku: Int
    let quantity: Int
}

/// A sale line a customer may bring back.
private struct SaleCandidate {
    let orderId: String
    let lineNo: Int
    let sku: Int
    let quantity: Int
    let unitPriceMinor: Int64
    let discountMinor: Int64
    let taxMinor: Int64
    /// The card payment of the ticket when it was paid by one card tender, else nil (cash refund).
    let cardPaymentRef: String?
}

/// A balance change at Stripe, waiting for its payout.
private struct SettlementRecord {
    let recordId: String
    let type: String
    let day: Int
    let secondOfDayUTC: Int
    let grossMinor: Int64
    let feeMinor: Int64
    let paymentRef: String
    let orderId: String
    let availableDay: Int
}

private struct SaleLine {
    let sku: Int
    let type: String
    let quantity: Int
    let unitPriceMinor: Int64
    let discountMinor: Int64
    let taxMinor: Int64
    var collectedMinor: Int64 { Int64(quantity) * unitPriceMinor - discountMinor + taxMinor }
}

final class ChainSimulation {
    typealias Parameters = SampleChain.Parameters

    private let parameters: Parameters
    /// Bulk mode: no last day, so late deliveries and arrivals are never cut off.
    private let unbounded: Bool
    private let countEveryDay: Bool
    private var random: SplitMix64
    private var catalogue: [CatalogueItem]
    private let cumulativePopularity: [Int]
    private let storeCodes: [String]
    private let warehouse = "WH1"
    private let seasonal: Int
    private let launchStore: Int

    private var warehouseStock: [Int]
    private var storeStock: [[Int]]
    private var inTransit: [[Int]]
    private var arrivals: [Int: [ArrivingLine]] = [:]
    private var lateReceipts: [Int: CSVTable] = [:]
    private var pendingSettlements: [SettlementRecord] = []
    private var returnBuckets: [[[SaleCandidate]]]
    private var returnBucketDay: [[Int]]
    private var nextTicket: [Int]
    private var nextReceipt = 100_001
    private var nextTransfer = 200_001
    private var nextPurchaseReturn = 300_001
    private var openingReceipt: (document: String, sku: Int)?
    private var shortReceiptDone = false

    // The day being simulated.
    private var dayIndex = 0
    private var date: CivilDate
    private var dateText = ""
    private var offsetText = ""
    /// The day's rows by kind. A table is taken out (`removeValue`) while rows are added and put
    /// back after, so the dictionary never shares its buffer and appends stay in place.
    private var tables: [LedgerKind: CSVTable] = [:]

    private static let taxRatePerHundredThousand: Int64 = 8_875
    private static let returnBucketCapacity = 200

    init(parameters: Parameters, unbounded: Bool, countEveryDay: Bool = false) {
        self.parameters = parameters
        self.unbounded = unbounded
        self.countEveryDay = countEveryDay
        var random = SplitMix64(seed: parameters.seed)
        let linesPerStore = max(1, parameters.linesPerDay / parameters.storeCount)
        let unitsMilli = max(1, linesPerStore * 1_200 / (5 * parameters.skuCount))
        catalogue = makeCatalogue(
            skuCount: parameters.skuCount, unitsPerStorePerDayMilli: unitsMilli, random: &random)
        self.random = random
        var running = 0
        cumulativePopularity = catalogue.map { item in
            running += item.popularity
            return running
        }
        let digits = parameters.storeCount >= 100 ? 3 : 2
        storeCodes = (1...parameters.storeCount).map { number in
            let text = String(number)
            return "S" + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        seasonal = parameters.skuCount - 1
        launchStore = 1 % parameters.storeCount
        warehouseStock = Array(repeating: 0, count: parameters.skuCount)
        storeStock = Array(repeating: Array(repeating: 0, count: parameters.skuCount), count: parameters.storeCount)
        inTransit = storeStock
        returnBuckets = Array(repeating: Array(repeating: [], count: 8), count: parameters.storeCount)
        returnBucketDay = Array(repeating: Array(repeating: -1, count: 8), count: parameters.storeCount)
        nextTicket = Array(repeating: 100_001, count: parameters.storeCount)
        date = parameters.startDate
    }

    /// Simulates one business day and returns its files' rows by kind.
    func simulateDay(_ index: Int) -> [LedgerKind: CSVTable] {
        precondition(index == dayIndex, "days are simulated in order")
        date = parameters.startDate.adding(days: Int64(index))
        dateText = date.description
        offsetText = ChainSimulation.isEasternDaylightTime(date) ? "-04:00" : "-05:00"
        tables = [:]
        for kind in SampleChain.dailyKinds { tables[kind] = CSVTable(kind: kind) }

        if index == 0 {
            for sku in catalogue.indices where sku != seasonal { ChainSimulation.writeItem(catalogue[sku], to: &tables[.items]!) }
            receiveOpeningStock()
        }
        if index == SampleChain.CaseDay.seasonalLaunch { updateCatalogueForLaunch() }
        if countEveryDay {
            for store in storeCodes.indices { countStock(store: store, discrepancies: false) }
        } else if index == SampleChain.CaseDay.stockCount {
            countStock(store: 0, discrepancies: true)
        }
        receiveArrivingTransfers()
        if index > 0 { receiveDirectStoreDeliveries() }
        if index > 0 { receiveAtWarehouse() }
        if index == SampleChain.CaseDay.purchaseReturn { returnToSupplier() }
        for store in storeCodes.indices { sell(store: store) }
        if index == SampleChain.CaseDay.seasonalLaunch { receiveSeasonalAtLaunchStore() }
        shipToStores()
        if SampleChain.CaseDay.stripeFees.contains(index) { chargeStripeFee() }
        let weekday = ChainSimulation.weekday(date)
        if weekday == 2 || weekday == 5 { payOut() }
        if let late = lateReceipts.removeValue(forKey: index) { tables[.purchases]!.append(late) }

        dayIndex += 1
        return tables
    }

    // MARK: Catalogue

    static func writeItem(_ item: CatalogueItem, to table: inout CSVTable) {
        table.text(item.sku)
        table.text(item.name)
        table.text(item.category)
        table.money(item.standardCostMinor)
        table.integer(item.reorderPoint)
        table.integer(item.reorderQuantity)
        table.endRow()
    }

    /// The seasonal SKU enters the catalogue, and the first two items' standard costs rise 5 %.
    private func updateCatalogueForLaunch() {
        for sku in [0, 1] where sku != seasonal {
            catalogue[sku].standardCostMinor = roundHalfAwayFromZero(Int128(catalogue[sku].standardCostMinor) * 105, 100)
            ChainSimulation.writeItem(catalogue[sku], to: &tables[.items]!)
        }
        ChainSimulation.writeItem(catalogue[seasonal], to: &tables[.items]!)
    }

    private func isLaunched(_ sku: Int) -> Bool { sku != seasonal || dayIndex >= SampleChain.CaseDay.seasonalLaunch }

    private func warehouseReorderPoint(_ sku: Int) -> Int { catalogue[sku].reorderQuantity * storeCodes.count * 2 }
    private func warehouseOrderQuantity(_ sku: Int) -> Int { catalogue[sku].reorderQuantity * storeCodes.count * 3 }

    // MARK: Purchases

    /// Writes one RECEIVE line. Harbor Roasters invoices a total with a 2 % rebate (no unit cost),
    /// Leafline Imports gives both, everyone else a unit cost.
    private func writeReceipt(
        into table: inout CSVTable, document: String, lineNo: Int, secondOfDay: Int, location: String, sku: Int,
        quantity: Int
    ) {
        let item = catalogue[sku]
        let unitCost = roundHalfAwayFromZero(Int128(item.standardCostMinor) * Int128(random.between(96, 104)), 100)
        table.text(document)
        table.integer(lineNo)
        table.text(localTime(secondOfDay))
        table.text(location)
        table.text(item.sku)
        table.text("RECEIVE")
        table.integer(quantity)
        switch item.supplier {
        case supplierOrder[0]:
            table.empty()
            table.money(roundHalfAwayFromZero(Int128(unitCost) * Int128(quantity) * 98, 100))
        case supplierOrder[1]:
            table.money(unitCost)
            table.money(unitCost * Int64(quantity))
        default:
            table.money(unitCost)
            table.empty()
        }
        table.text("USD")
        table.text(item.supplier)
        table.empty()
        table.endRow()
    }

    private func nextReceiptDocument() -> String {
        defer { nextReceipt += 1 }
        return "GR-" + String(nextReceipt)
    }

    /// First morning: the warehouse (06:00) and every store (07:00) receive their opening stock.
    private func receiveOpeningStock() {
        for supplier in supplierOrder {
            let skus = catalogue.indices.filter {
                catalogue[$0].supplier == supplier && !catalogue[$0].isDirectStoreDelivery && $0 != seasonal
            }
            guard !skus.isEmpty else { continue }
            let document = nextReceiptDocument()
            for (offset, sku) in skus.enumerated() {
                let quantity = warehouseOrderQuantity(sku)
                writeReceipt(
                    into: &tables[.purchases]!, document: document, lineNo: offset + 1, secondOfDay: 6 * 3600,
                    location: warehouse, sku: sku, quantity: quantity)
                warehouseStock[sku] += quantity
                if openingReceipt == nil { openingReceipt = (document, sku) }
            }
        }
        for store in storeCodes.indices {
            for supplier in supplierOrder {
                let skus = catalogue.indices.filter { catalogue[$0].supplier == supplier && $0 != seasonal }
                guard !skus.isEmpty else { continue }
                let document = nextReceiptDocument()
                for (offset, sku) in skus.enumerated() {
                    let quantity = catalogue[sku].reorderQuantity * 2
                    writeReceipt(
                        into: &tables[.purchases]!, document: document, lineNo: offset + 1,
                        secondOfDay: 7 * 3600 + store * 60, location: storeCodes[store], sku: sku, quantity: quantity)
                    storeStock[store][sku] += quantity
                }
            }
        }
    }

    /// Snacks come straight from the supplier to each store on Mondays and Thursdays, 08:30.
    private func receiveDirectStoreDeliveries() {
        let weekday = ChainSimulation.weekday(date)
        guard weekday == 1 || weekday == 4 else { return }
        for store in storeCodes.indices {
            let skus = catalogue.indices.filter {
                catalogue[$0].isDirectStoreDelivery && storeStock[store][$0] < catalogue[$0].reorderPoint * 2
            }
            guard !skus.isEmpty else { continue }
            let document = nextReceiptDocument()
            for (offset, sku) in skus.enumerated() {
                let quantity = catalogue[sku].reorderQuantity * 2
                writeReceipt(
                    into: &tables[.purchases]!, document: document, lineNo: offset + 1,
                    secondOfDay: 8 * 3600 + 1800 + store * 120, location: storeCodes[store], sku: sku,
                    quantity: quantity)
                storeStock[store][sku] += quantity
            }
        }
    }

    /// The warehouse receives at 10:00 what has run low, one document per supplier. About one
    /// document in four reaches us 2–4 days late (it lands in a later day's purchases.csv).
    private func receiveAtWarehouse() {
        for supplier in supplierOrder {
            let skus = catalogue.indices.filter {
                catalogue[$0].supplier == supplier && !catalogue[$0].isDirectStoreDelivery && isLaunched($0)
                    && warehouseStock[$0] < warehouseReorderPoint($0)
            }
            guard !skus.isEmpty else { continue }
            let document = nextReceiptDocument()
            let delay = random.percent(25) ? random.between(2, 4) : 0
            let deliveryDay = dayIndex + delay
            let late = delay > 0 && (unbounded || deliveryDay < parameters.dayCount)
            var table = CSVTable(kind: .purchases)
            for (offset, sku) in skus.enumerated() {
                let quantity = warehouseOrderQuantity(sku)
                writeReceipt(
                    into: &table, document: document, lineNo: offset + 1, secondOfDay: 10 * 3600 + offset * 30,
                    location: warehouse, sku: sku, quantity: quantity)
                warehouseStock[sku] += quantity
            }
            if late {
                lateReceipts[deliveryDay, default: CSVTable(kind: .purchases)].append(table)
            } else {
                tables[.purchases]!.append(table)
            }
        }
    }

    /// Damaged goods from the first opening receipt go back to the supplier (11:00).
    private func returnToSupplier() {
        guard let (document, sku) = openingReceipt else { return }
        let quantity = min(4, warehouseStock[sku])
        guard quantity > 0 else { return }
        let returnDocument = "RN-" + String(nextPurchaseReturn)
        nextPurchaseReturn += 1
        var table = tables.removeValue(forKey: .purchases)!
        table.text(returnDocument)
        table.integer(1)
        table.text(localTime(11 * 3600))
        table.text(warehouse)
        table.text(catalogue[sku].sku)
        table.text("RETURN")
        table.integer(quantity)
        table.empty()
        table.empty()
        table.text("USD")
        table.text(catalogue[sku].supplier)
        table.text(document)
        table.endRow()
        tables[.purchases] = table
        warehouseStock[sku] -= quantity
    }

    /// The launch store's first delivery of the seasonal item, 15:30, after it already sold two
    /// at 11:15; the receipt reaches us three days late.
    private func receiveSeasonalAtLaunchStore() {
        let quantity = catalogue[seasonal].reorderQuantity * 2
        var table = CSVTable(kind: .purchases)
        writeReceipt(
            into: &table, document: nextReceiptDocument(), lineNo: 1, secondOfDay: 15 * 3600 + 1800,
            location: storeCodes[launchStore], sku: seasonal, quantity: quantity)
        storeStock[launchStore][seasonal] += quantity
        let deliveryDay = dayIndex + SampleChain.CaseDay.seasonalReceiptDelay
        if unbounded || deliveryDay < parameters.dayCount {
            lateReceipts[deliveryDay, default: CSVTable(kind: .purchases)].append(table)
        } else {
            tables[.purchases]!.append(table)
        }
    }

    // MARK: Transfers

    /// 16:00: the warehouse ships each store what fell below its reorder point; the goods arrive
    /// the next morning (most) or the one after.
    private func shipToStores() {
        for store in storeCodes.indices {
            var lineNo = 0
            var transferId = ""
            let secondOfDay = 16 * 3600 + store * 300
            for sku in catalogue.indices where !catalogue[sku].isDirectStoreDelivery && isLaunched(sku) {
                guard storeStock[store][sku] + inTransit[store][sku] < catalogue[sku].reorderPoint else { continue }
                let quantity = min(catalogue[sku].reorderQuantity, warehouseStock[sku])
                guard quantity > 0 else { continue }
                if lineNo == 0 {
                    transferId = "TR-" + String(nextTransfer)
                    nextTransfer += 1
                }
                lineNo += 1
                var table = tables.removeValue(forKey: .transfers)!
                table.text(transferId)
                table.integer(lineNo)
                table.text("SHIP")
                table.text(localTime(secondOfDay))
                table.text(warehouse)
                table.text(storeCodes[store])
                table.text(catalogue[sku].sku)
                table.integer(quantity)
                table.empty()
                table.endRow()
                tables[.transfers] = table
                warehouseStock[sku] -= quantity
                inTransit[store][sku] += quantity
                let arrivalDay = dayIndex + (random.percent(70) ? 1 : 2)
                arrivals[arrivalDay, default: []].append(
                    ArrivingLine(transferId: transferId, lineNo: lineNo, store: store, sku: sku, quantity: quantity))
            }
        }
    }

    /// 08:00: yesterday's and the day before's shipments arrive. One line, once, arrives 2 short
    /// (the missing units stay in transit in the books).
    private func receiveArrivingTransfers() {
        guard let lines = arrivals.removeValue(forKey: dayIndex) else { return }
        for line in lines {
            var received = line.quantity
            if !shortReceiptDone && dayIndex >= SampleChain.CaseDay.shortReceiptFrom && line.quantity >= 3 {
                received -= 2
                shortReceiptDone = true
            }
            var table = tables.removeValue(forKey: .transfers)!
            table.text(line.transferId)
            table.integer(line.lineNo)
            table.text("RECEIVE")
            table.text(localTime(8 * 3600 + line.store * 600 + line.lineNo * 15))
            table.text(warehouse)
            table.text(storeCodes[line.store])
            table.text(catalogue[line.sku].sku)
            table.integer(received)
            table.integer(1)
            table.endRow()
            tables[.transfers] = table
            inTransit[line.store][line.sku] -= line.quantity
            storeStock[line.store][line.sku] += received
        }
    }

    // MARK: Counts

    /// 07:30, before the day's deliveries: every SKU on the shelf. With `discrepancies`, two units
    /// of one item are missing (shrinkage) and one unit of another is found (a gain, valued at
    /// standard cost).
    private func countStock(store: Int, discrepancies: Bool) {
        let compact = String(dateText.filter { $0 != "-" })
        let countId = "CNT-" + storeCodes[store] + "-" + compact
        var shrink: Int?
        var gain: Int?
        if discrepancies {
            shrink = catalogue.indices.first { !catalogue[$0].isDirectStoreDelivery && storeStock[store][$0] >= 3 }
            gain = catalogue.indices.last { $0 != shrink && $0 != seasonal && storeStock[store][$0] >= 1 }
        }
        var table = tables.removeValue(forKey: .counts)!
        for sku in catalogue.indices where isLaunched(sku) {
            var counted = max(0, storeStock[store][sku])
            if sku == shrink { counted -= 2 }
            if sku == gain { counted += 1 }
            table.text(countId)
            table.text(localTime(7 * 3600 + 1800))
            table.text(storeCodes[store])
            table.text(catalogue[sku].sku)
            table.integer(counted)
            if sku == gain { table.money(catalogue[sku].standardCostMinor) } else { table.empty() }
            table.endRow()
            storeStock[store][sku] = counted
        }
        tables[.counts] = table
    }

    // MARK: Point of sale

    private func nextOrderId(store: Int) -> String {
        defer { nextTicket[store] += 1 }
        return storeCodes[store] + "-" + String(nextTicket[store])
    }

    /// A store's day: tickets spread over 09:00–18:45; about one in 25 is a customer bringing
    /// something back.
    private func sell(store: Int) {
        let bucket = dayIndex % 8
        if returnBucketDay[store][bucket] != dayIndex {
            returnBucketDay[store][bucket] = dayIndex
            returnBuckets[store][bucket].removeAll(keepingCapacity: true)
        }
        let storeCount = storeCodes.count
        let target = parameters.linesPerDay / storeCount + (store < parameters.linesPerDay % storeCount ? 1 : 0)
        let weekday = ChainSimulation.weekday(date)
        let busyPercent = weekday == 6 ? 125 : weekday == 0 ? 80 : 100
        let tickets = target == 0 ? 0 : (target * busyPercent / 10 + 17) / 18
        let opening = 9 * 3600
        let span = 10 * 3600 - 15 * 60
        var seasonalSalePending = dayIndex == SampleChain.CaseDay.seasonalLaunch && store == launchStore
        let seasonalSaleTime = 11 * 3600 + 15 * 60
        for ticket in 0..<tickets {
            let slot = max(1, span / tickets)
            let secondOfDay = opening + span * ticket / tickets + random.below(slot)
            if seasonalSalePending && secondOfDay >= seasonalSaleTime {
                sellSeasonalFromEmptyShelf(store: store, secondOfDay: seasonalSaleTime)
                seasonalSalePending = false
            }
            if random.percent(4), takeBackReturn(store: store, secondOfDay: secondOfDay) { continue }
            sellTicket(store: store, secondOfDay: secondOfDay)
        }
        if seasonalSalePending { sellSeasonalFromEmptyShelf(store: store, secondOfDay: seasonalSaleTime) }
    }

    /// A weighted pick of a SKU the store has, with a quantity; nil after six tries.
    private func pickSellable(store: Int) -> (sku: Int, quantity: Int)? {
        let total = cumulativePopularity.last!
        for _ in 0..<6 {
            let draw = random.below(total)
            var low = 0
            var high = cumulativePopularity.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulativePopularity[middle] > draw { high = middle } else { low = middle + 1 }
            }
            let sku = low
            guard sku != seasonal || dayIndex > SampleChain.CaseDay.seasonalLaunch else { continue }
            let roll = random.below(100)
            let quantity = roll < 80 ? 1 : roll < 95 ? 2 : 3
            let onHand = storeStock[store][sku]
            if onHand >= quantity { return (sku, quantity) }
            if onHand >= 1 { return (sku, 1) }
        }
        return nil
    }

    private func lineMoney(sku: Int, quantity: Int) -> SaleLine {
        let item = catalogue[sku]
        let gross = Int64(quantity) * item.priceMinor
        let roll = random.below(100)
        var discount: Int64 = 0
        if roll < 12 {
            discount = roundHalfAwayFromZero(Int128(gross) * 10, 100)  // loyalty 10 % off
        } else if roll < 17 && gross >= 1_000 {
            discount = 200  // a 2.00 coupon
        }
        let tax = item.isTaxable ? tax(on: gross - discount) : 0
        return SaleLine(
            sku: sku, type: "SALE", quantity: quantity, unitPriceMinor: item.priceMinor, discountMinor: discount,
            taxMinor: tax)
    }

    private func tax(on net: Int64) -> Int64 {
        roundHalfAwayFromZero(Int128(net) * Int128(ChainSimulation.taxRatePerHundredThousand), 100_000)
    }

    private func sellTicket(store: Int, secondOfDay: Int) {
        let roll = random.below(100)
        let lineCount = roll < 50 ? 1 : roll < 78 ? 2 : roll < 92 ? 3 : 4
        var lines: [SaleLine] = []
        for _ in 0..<lineCount {
            guard let (sku, quantity) = pickSellable(store: store) else { continue }
            storeStock[store][sku] -= quantity
            lines.append(lineMoney(sku: sku, quantity: quantity))
        }
        guard !lines.isEmpty else { return }
        if random.percent(3) {
            // A free snack for a regular: a COMP line at price 0.
            let snacks = catalogue.indices.filter { catalogue[$0].isDirectStoreDelivery && storeStock[store][$0] >= 1 }
            if !snacks.isEmpty {
                let sku = snacks[random.below(snacks.count)]
                storeStock[store][sku] -= 1
                lines.append(SaleLine(sku: sku, type: "COMP", quantity: 1, unitPriceMinor: 0, discountMinor: 0, taxMinor: 0))
            }
        }
        let orderId = nextOrderId(store: store)
        writeTicket(orderId: orderId, store: store, secondOfDay: secondOfDay, lines: lines)
    }

    /// Writes a sale ticket's lines and tenders, queues its card capture and remembers its lines
    /// for returns.
    private func writeTicket(orderId: String, store: Int, secondOfDay: Int, lines: [SaleLine]) {
        var posLines = tables.removeValue(forKey: .posLines)!
        for (offset, line) in lines.enumerated() {
            writePOSLine(
                into: &posLines, orderId: orderId, lineNo: offset + 1, secondOfDay: secondOfDay + offset * 7,
                store: store, line: line, original: nil)
        }
        tables[.posLines] = posLines
        let total = lines.reduce(Int64(0)) { $0 + $1.collectedMinor }
        let tenderTime = secondOfDay + lines.count * 7 + random.between(25, 90)
        let roll = random.below(100)
        var cardRef: String?
        if roll < 10 && total > 2_500 {
            // Split: twenty in cash, the rest on the card.
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CASH",
                        type: "PAYMENT", amount: 2_000, paymentRef: nil)
            let ref = newPaymentRef()
            writeTender(orderId: orderId, tenderNo: 2, secondOfDay: tenderTime + 20, store: store, tender: "CARD",
                        type: "PAYMENT", amount: total - 2_000, paymentRef: ref)
            queueCapture(amount: total - 2_000, paymentRef: ref, orderId: orderId)
        } else if roll < 60 {
            let ref = newPaymentRef()
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CARD",
                        type: "PAYMENT", amount: total, paymentRef: ref)
            queueCapture(amount: total, paymentRef: ref, orderId: orderId)
            cardRef = ref
        } else {
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CASH",
                        type: "PAYMENT", amount: total, paymentRef: nil)
        }
        let bucket = dayIndex % 8
        for (offset, line) in lines.enumerated() where line.type == "SALE" {
            guard returnBuckets[store][bucket].count < ChainSimulation.returnBucketCapacity else { break }
            returnBuckets[store][bucket].append(
                SaleCandidate(
                    orderId: orderId, lineNo: offset + 1, sku: line.sku, quantity: line.quantity,
                    unitPriceMinor: line.unitPriceMinor, discountMinor: line.discountMinor, taxMinor: line.taxMinor,
                    cardPaymentRef: cardRef))
        }
    }

    /// Launch day, 11:15: two seasonal candles sold at the launch store before its delivery is in.
    private func sellSeasonalFromEmptyShelf(store: Int, secondOfDay: Int) {
        let item = catalogue[seasonal]
        let gross = 2 * item.priceMinor
        let line = SaleLine(
            sku: seasonal, type: "SALE", quantity: 2, unitPriceMinor: item.priceMinor, discountMinor: 0,
            taxMinor: item.isTaxable ? tax(on: gross) : 0)
        storeStock[store][seasonal] -= 2
        let orderId = nextOrderId(store: store)
        var posLines = tables.removeValue(forKey: .posLines)!
        writePOSLine(into: &posLines, orderId: orderId, lineNo: 1, secondOfDay: secondOfDay, store: store, line: line,
                     original: nil)
        tables[.posLines] = posLines
        let ref = newPaymentRef()
        writeTender(orderId: orderId, tenderNo: 1, secondOfDay: secondOfDay + 45, store: store, tender: "CARD",
                    type: "PAYMENT", amount: line.collectedMinor, paymentRef: ref)
        queueCapture(amount: line.collectedMinor, paymentRef: ref, orderId: orderId)
    }

    /// A customer brings back a line bought 2–6 days ago at this store, on a ticket of its own:
    /// the whole line, or one unit of several (discount and tax prorated). Refunded to the card
    /// when the sale was paid by one card, else in cash. False when there is nothing to return.
    private func takeBackReturn(store: Int, secondOfDay: Int) -> Bool {
        let saleDay = dayIndex - random.between(2, 6)
        guard saleDay >= 0 else { return false }
        let bucket = saleDay % 8
        guard returnBucketDay[store][bucket] == saleDay, !returnBuckets[store][bucket].isEmpty else { return false }
        let pick = random.below(returnBuckets[store][bucket].count)
        let sale = returnBuckets[store][bucket][pick]
        returnBuckets[store][bucket].swapAt(pick, returnBuckets[store][bucket].count - 1)
        returnBuckets[store][bucket].removeLast()
        let quantity = sale.quantity > 1 && random.percent(50) ? 1 : sale.quantity
        let share = { (amount: Int64) -> Int64 in
            roundHalfAwayFromZero(Int128(amount) * Int128(quantity), Int128(sale.quantity))
        }
        let line = SaleLine(
            sku: sale.sku, type: "RETURN", quantity: quantity, unitPriceMinor: sale.unitPriceMinor,
            discountMinor: share(sale.discountMinor), taxMinor: share(sale.taxMinor))
        let orderId = nextOrderId(store: store)
        var posLines = tables.removeValue(forKey: .posLines)!
        writePOSLine(into: &posLines, orderId: orderId, lineNo: 1, secondOfDay: secondOfDay, store: store, line: line,
                     original: (sale.orderId, sale.lineNo))
        tables[.posLines] = posLines
        storeStock[store][sale.sku] += quantity
        let amount = line.collectedMinor
        let tenderTime = secondOfDay + random.between(30, 120)
        if let ref = sale.cardPaymentRef {
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CARD",
                        type: "REFUND", amount: amount, paymentRef: ref)
            pendingSettlements.append(
                SettlementRecord(
                    recordId: random.identifier("txn_"), type: "REFUND", day: dayIndex + 1,
                    secondOfDayUTC: random.between(2 * 3600, 6 * 3600 - 1), grossMinor: -amount, feeMinor: 0,
                    paymentRef: ref, orderId: orderId, availableDay: dayIndex + 1))
        } else {
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CASH",
                        type: "REFUND", amount: amount, paymentRef: nil)
        }
        return true
    }

    private func writePOSLine(
        into table: inout CSVTable, orderId: String, lineNo: Int, secondOfDay: Int, store: Int, line: SaleLine,
        original: (orderId: String, lineNo: Int)?
    ) {
        table.text(orderId)
        table.integer(lineNo)
        table.text(localTime(secondOfDay))
        table.text(storeCodes[store])
        table.text(catalogue[line.sku].sku)
        table.text(line.type)
        table.integer(line.quantity)
        table.money(line.unitPriceMinor)
        table.money(line.discountMinor)
        table.money(line.taxMinor)
        table.text("USD")
        if let original {
            table.text(original.orderId)
            table.integer(original.lineNo)
        } else {
            table.empty()
            table.empty()
        }
        table.endRow()
    }

    private func writeTender(
        orderId: String, tenderNo: Int, secondOfDay: Int, store: Int, tender: String, type: String, amount: Int64,
        paymentRef: String?
    ) {
        var table = tables.removeValue(forKey: .posTenders)!
        table.text(orderId)
        table.integer(tenderNo)
        table.text(localTime(secondOfDay))
        table.text(storeCodes[store])
        table.text(tender)
        table.text(type)
        table.money(amount)
        table.text("USD")
        if let paymentRef {
            table.text("stripe")
            table.text(paymentRef)
        } else {
            table.empty()
            table.empty()
        }
        table.endRow()
        tables[.posTenders] = table
    }

    // MARK: Settlements

    /// Newer terminals report payment intents, older ones charges.
    private func newPaymentRef() -> String { random.identifier(random.percent(70) ? "pi_" : "ch_") }

    /// Stripe books the capture a day or two later, fee 2.9 % + 0.30, available two days after.
    private func queueCapture(amount: Int64, paymentRef: String, orderId: String) {
        let day = dayIndex + random.between(1, 2)
        let fee = roundHalfAwayFromZero(Int128(amount) * 29, 1_000) + 30
        pendingSettlements.append(
            SettlementRecord(
                recordId: random.identifier("txn_"), type: "CAPTURE", day: day,
                secondOfDayUTC: random.between(2 * 3600, 6 * 3600 - 1), grossMinor: amount, feeMinor: fee,
                paymentRef: paymentRef, orderId: orderId, availableDay: day + 2))
    }

    private func chargeStripeFee() {
        pendingSettlements.append(
            SettlementRecord(
                recordId: random.identifier("txn_"), type: "FEE", day: dayIndex, secondOfDayUTC: 12 * 3600,
                grossMinor: -1_500, feeMinor: 0, paymentRef: "", orderId: "", availableDay: dayIndex))
    }

    /// Tuesdays and Fridays, 20:00 UTC: everything available by today is paid out. The day's
    /// settlements.csv is the payout's report: its records, then the payout itself.
    private func payOut() {
        var included: [SettlementRecord] = []
        var waiting: [SettlementRecord] = []
        for record in pendingSettlements {
            if record.availableDay <= dayIndex { included.append(record) } else { waiting.append(record) }
        }
        let total = included.reduce(Int64(0)) { $0 + $1.grossMinor - $1.feeMinor }
        guard !included.isEmpty, total > 0 else { return }
        pendingSettlements = waiting
        included.sort { ($0.day, $0.secondOfDayUTC, $0.recordId) < ($1.day, $1.secondOfDayUTC, $1.recordId) }
        let payoutId = random.identifier("po_")
        var table = tables.removeValue(forKey: .settlements)!
        for record in included { writeSettlement(record, payoutId: payoutId, into: &table) }
        let payout = SettlementRecord(
            recordId: random.identifier("txn_"), type: "PAYOUT", day: dayIndex, secondOfDayUTC: 20 * 3600,
            grossMinor: -total, feeMinor: 0, paymentRef: "", orderId: "", availableDay: dayIndex)
        writeSettlement(payout, payoutId: payoutId, into: &table)
        tables[.settlements] = table
    }

    private func writeSettlement(_ record: SettlementRecord, payoutId: String, into table: inout CSVTable) {
        table.text("stripe")
        table.text(record.recordId)
        table.text(record.type)
        table.text(dayText(record.day) + "T" + ChainSimulation.clock(record.secondOfDayUTC) + "Z")
        table.text("USD")
        table.money(record.grossMinor)
        table.money(record.feeMinor)
        table.money(record.grossMinor - record.feeMinor)
        table.text(record.paymentRef)
        table.text(record.orderId)
        table.text(dayText(record.availableDay))
        table.text(payoutId)
        table.endRow()
    }

    // MARK: Time

    private func dayText(_ day: Int) -> String { parameters.startDate.adding(days: Int64(day)).description }

    private func localTime(_ secondOfDay: Int) -> String {
        dateText + "T" + ChainSimulation.clock(secondOfDay) + offsetText
    }

    static func clock(_ secondOfDay: Int) -> String {
        precondition((0..<86_400).contains(secondOfDay), "a time outside the day")
        let hour = UInt8(secondOfDay / 3600), minute = UInt8(secondOfDay / 60 % 60), second = UInt8(secondOfDay % 60)
        let text: [UInt8] = [48 + hour / 10, 48 + hour % 10, 58, 48 + minute / 10, 48 + minute % 10, 58,
                             48 + second / 10, 48 + second % 10]
        return String(decoding: text, as: UTF8.self)
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(_ date: CivilDate) -> Int { Int(floorDivide(date.daysSinceEpoch + 4, 7).remainder) }

    /// US Eastern daylight time runs from the second Sunday of March to the first Sunday of
    /// November; the generator's events all happen after 02:00 local, so the date decides.
    static func isEasternDaylightTime(_ date: CivilDate) -> Bool {
        func nthSunday(_ n: Int, month: Int64) -> CivilDate {
            let first = CivilDate(year: date.year, month: month, day: 1)!
            let toSunday = (7 - weekday(first)) % 7
            return first.adding(days: Int64(toSunday + 7 * (n - 1)))
        }
        return date >= nthSunday(2, month: 3) && date < nthSunday(1, month: 11)
    }
}
