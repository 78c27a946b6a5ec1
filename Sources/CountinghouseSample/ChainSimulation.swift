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
    /// That card payment's amount (a refund of less is a partial refund).
    let cardAmountMinor: Int64
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
    /// Balance changes waiting for their payout, per processor.
    private var pendingSettlements: [CardProcessor: [SettlementRecord]] = [:]
    /// Whether the processors' files are written in their own layouts (Stripe, Adyen, Square with
    /// the pop-up store) or, in bulk mode, every store's as canonical Stripe settlements.
    private let vendorLayouts: Bool
    /// Random numbers of the card stories and the processors' own identifiers, apart from the
    /// simulation's, so the stores' POS and stock data does not move with them.
    private var cardRandom: SplitMix64
    private let writer: CardSettlementWriter
    private var popUp: PopUpStore?
    private var nextAdyenBatch = 1_041
    /// The order ids and record ids of the card stories, by story.
    private(set) var storyReferences: [SampleChain.CardStory: [String]] = [:]
    /// The day's vendor files: name → table.
    private var vendorFiles: [String: CSVTable] = [:]
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
        vendorLayouts = !unbounded
        cardRandom = SplitMix64(seed: parameters.seed ^ 0xCA4D_5E77_1E00_0001)
        writer = CardSettlementWriter(startDate: parameters.startDate)
        // The pop-up joins a chain of three stores or more (a smaller chain, as some tests
        // generate, has none).
        if vendorLayouts && parameters.storeCount >= 3 {
            let skus = catalogue.indices.filter { !catalogue[$0].isDirectStoreDelivery && $0 != seasonal }
            popUp = PopUpStore(seed: parameters.seed, skus: Array(skus.prefix(PopUpStore.skuCount)))
        }
    }

    /// The day's vendor files (Stripe, Adyen, Square exports), by file name.
    func takeVendorFiles() -> [String: CSVTable] {
        defer { vendorFiles = [:] }
        return vendorFiles
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
        if index == 0 { shipToPopUp() }
        if index == 1 { receiveAtPopUp() }
        runPopUp()
        if SampleChain.CaseDay.stripeFees.contains(index) { chargeStripeFee() }
        if vendorLayouts && index == SampleChain.CardStoryDay.adyenMonthlyFee { chargeAdyenFee() }
        let weekday = ChainSimulation.weekday(date)
        if weekday == 2 || weekday == 5 { payOutStripe() }
        if vendorLayouts && (weekday == 1 || weekday == 4) { payOutAdyen() }
        if vendorLayouts { payOutSquare() }
        if vendorLayouts && index == SampleChain.CardStoryDay.overrides { writeOverrides() }
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
                // The pop-up's stock comes in with the warehouse's opening receipt and leaves the
                // same day, so the warehouse's own reorders do not change with it.
                let quantity = warehouseOrderQuantity(sku) + (popUp?.skus.contains(sku) == true ? PopUpStore.unitsPerSku : 0)
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
        var ambiguousPairPending = vendorLayouts && dayIndex == SampleChain.CardStoryDay.ambiguousPair
            && store == SampleChain.CardStoryDay.adyenStore
        for ticket in 0..<tickets {
            let slot = max(1, span / tickets)
            let secondOfDay = opening + span * ticket / tickets + random.below(slot)
            if seasonalSalePending && secondOfDay >= seasonalSaleTime {
                sellSeasonalFromEmptyShelf(store: store, secondOfDay: seasonalSaleTime)
                seasonalSalePending = false
            }
            if ambiguousPairPending && secondOfDay >= SampleChain.CardStoryDay.ambiguousPairSecond {
                sellAmbiguousPair(store: store)
                ambiguousPairPending = false
            }
            if random.percent(4), takeBackReturn(store: store, secondOfDay: secondOfDay) { continue }
            sellTicket(store: store, secondOfDay: secondOfDay)
        }
        if ambiguousPairPending { sellAmbiguousPair(store: store) }
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
            let ref = newPaymentRef(store: store)
            writeTender(orderId: orderId, tenderNo: 2, secondOfDay: tenderTime + 20, store: store, tender: "CARD",
                        type: "PAYMENT", amount: total - 2_000, paymentRef: ref)
            queueCapture(store: store, amount: total - 2_000, paymentRef: ref, orderId: orderId, tenderSecond: tenderTime + 20)
        } else if roll < 60 {
            let ref = newPaymentRef(store: store)
            if claimStory(.splitOnTwoCards, store: store, total: total, orderId: orderId) {
                // The customer pays half on one card and the rest on another: two card tenders,
                // two captures.
                let first = total / 2
                let secondRef = storyPaymentRef(store: store)
                writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CARD",
                            type: "PAYMENT", amount: first, paymentRef: ref)
                queueCapture(store: store, amount: first, paymentRef: ref, orderId: orderId, tenderSecond: tenderTime)
                writeTender(orderId: orderId, tenderNo: 2, secondOfDay: tenderTime + 35, store: store, tender: "CARD",
                            type: "PAYMENT", amount: total - first, paymentRef: secondRef)
                queueStoryCapture(store: store, amount: total - first, paymentRef: secondRef, orderId: orderId)
            } else {
                writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CARD",
                            type: "PAYMENT", amount: total, paymentRef: ref)
                queueCapture(
                    store: store, amount: total, paymentRef: ref, orderId: orderId, tenderSecond: tenderTime, stories: true)
                cardRef = ref
                if vendorLayouts && store == 0 && dayIndex == SampleChain.CardStoryDay.inTransit {
                    // The day's last card sale at S01 is the one still in transit at October's end.
                    storyReferences[.inTransit] = [orderId]
                }
            }
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
                    cardPaymentRef: cardRef, cardAmountMinor: cardRef == nil ? 0 : total))
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
        let ref = newPaymentRef(store: store)
        writeTender(orderId: orderId, tenderNo: 1, secondOfDay: secondOfDay + 45, store: store, tender: "CARD",
                    type: "PAYMENT", amount: line.collectedMinor, paymentRef: ref)
        queueCapture(store: store, amount: line.collectedMinor, paymentRef: ref, orderId: orderId, tenderSecond: secondOfDay + 45)
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
        if let ref = sale.cardPaymentRef,
            !claimStory(.cashRefundOfCardSale, store: store, total: amount, orderId: sale.orderId, also: [orderId])
        {
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CARD",
                        type: "REFUND", amount: amount, paymentRef: ref)
            let recordId = random.identifier("txn_")
            var record = SettlementRecord(
                recordId: recordId, type: "REFUND", category: "refund", day: dayIndex + 1,
                secondOfDayUTC: random.between(2 * 3600, 6 * 3600 - 1), grossMinor: -amount, feeMinor: 0,
                paymentRef: ref, orderId: vendorLayouts ? sale.orderId : orderId, availableDay: dayIndex + 1)
            refund(record: &record, store: store, returnOrderId: orderId, sale: sale)
        } else if sale.cardPaymentRef != nil {
            // A card sale refunded in cash (a story): the same random numbers as a card refund.
            _ = random.identifier("txn_")
            _ = random.between(2 * 3600, 6 * 3600 - 1)
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: tenderTime, store: store, tender: "CASH",
                        type: "REFUND", amount: amount, paymentRef: nil)
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
            table.text(processor(ofStore: store).rawValue)
            table.text(paymentRef)
        } else {
            table.empty()
            table.empty()
        }
        table.endRow()
        tables[.posTenders] = table
    }

    // MARK: Settlements

    /// Who settles a store's cards: S03's go to Adyen, the pop-up's to Square (`PopUpStore`), every
    /// other store's to Stripe; in bulk mode all to Stripe.
    private func processor(ofStore store: Int) -> CardProcessor {
        vendorLayouts && store == SampleChain.CardStoryDay.adyenStore ? .adyen : .stripe
    }

    /// Stripe charges made through a payment intent: charge id → intent id.
    private var paymentIntentByCharge: [String: String] = [:]
    /// Card scheme per payment reference (Adyen's `Payment Method`, Stripe's `card_brand`).
    private var paymentMethodByRef: [String: String] = [:]

    /// Newer terminals report payment intents, older ones charges. With the processors' own
    /// layouts the tender carries what the processor's report names the payment by: Stripe's
    /// charge id (the intent, if any, beside it in the report), Adyen's PSP reference.
    private func newPaymentRef(store: Int) -> String {
        let drawn = random.identifier(random.percent(70) ? "pi_" : "ch_")
        guard vendorLayouts else { return drawn }
        switch processor(ofStore: store) {
        case .adyen:
            return adyenReference()
        case .stripe, .square:
            let charge = "ch_" + drawn.dropFirst(3)
            if drawn.hasPrefix("pi_") { paymentIntentByCharge[charge] = "pi_" + drawn.dropFirst(3) }
            return charge
        }
    }

    /// A payment reference of a story's extra card payment (from the stories' random numbers).
    private func storyPaymentRef(store: Int) -> String {
        processor(ofStore: store) == .adyen ? adyenReference() : cardRandom.identifier("ch_")
    }

    /// Adyen's PSP reference: sixteen digits.
    private func adyenReference() -> String {
        var text = String(cardRandom.between(1, 9))
        for _ in 0..<15 { text += String(cardRandom.below(10)) }
        return text
    }

    /// Seconds since the first day's midnight UTC of a local second of the simulated day.
    private func secondsUTC(local secondOfDay: Int) -> Int {
        dayIndex * 86_400 + secondOfDay + (offsetText == "-04:00" ? 4 : 5) * 3600
    }

    /// Claims a story for this ticket or return when it is the first to fit the story's store, day
    /// and amount: records its ids and returns true.
    private func claimStory(
        _ story: SampleChain.CardStory, store: Int, total: Int64, orderId: String, also: [String] = [], when: Bool = true
    ) -> Bool {
        guard vendorLayouts, when, storyReferences[story] == nil, let rule = story.rule else { return false }
        guard store == rule.store, rule.days.contains(dayIndex), total >= rule.minimumMinor else { return false }
        storyReferences[story] = [orderId] + also
        return true
    }

    /// A capture in the processor's terms: Stripe 2.9 % + 0.30 and its card brand and intent;
    /// Adyen its PSP reference as the modification reference, 2.5 % + 0.11 (amex 3.3 % + 0.11).
    private func makeCapture(
        store: Int, amount: Int64, paymentRef: String, orderId: String, day: Int, secondOfDayUTC: Int, recordId: String
    ) -> SettlementRecord {
        var record = SettlementRecord(
            recordId: recordId, type: "CAPTURE", category: "charge", day: day, secondOfDayUTC: secondOfDayUTC,
            grossMinor: amount, feeMinor: ChainSimulation.stripeFee(amount), paymentRef: paymentRef, orderId: orderId,
            availableDay: day + 2)
        guard vendorLayouts else { return record }
        let scheme = cardRandom.below(100)
        switch processor(ofStore: store) {
        case .adyen:
            record.recordId = adyenReference()
            record.category = "Settled"
            record.paymentMethod = scheme < 45 ? "visa" : scheme < 85 ? "mc" : "amex"
            record.feeMinor = ChainSimulation.adyenFee(amount, method: record.paymentMethod)
        case .stripe, .square:
            record.paymentIntent = paymentIntentByCharge[paymentRef] ?? ""
            record.paymentMethod = scheme < 50 ? "visa" : scheme < 85 ? "mastercard" : "amex"
        }
        paymentMethodByRef[paymentRef] = record.paymentMethod
        return record
    }

    static func stripeFee(_ amount: Int64) -> Int64 { roundHalfAwayFromZero(Int128(amount) * 29, 1_000) + 30 }

    static func adyenFee(_ amount: Int64, method: String) -> Int64 {
        roundHalfAwayFromZero(Int128(amount) * (method == "amex" ? 33 : 25), 1_000) + 11
    }

    /// The processor books the capture a day or two later, available two days after. With
    /// `stories`, the ticket may be one of the card stories, which change what the processor does.
    private func queueCapture(
        store: Int, amount: Int64, paymentRef: String, orderId: String, tenderSecond: Int, stories: Bool = false
    ) {
        let day = dayIndex + random.between(1, 2)
        let recordId = random.identifier("txn_")
        let second = random.between(2 * 3600, 6 * 3600 - 1)
        var record = makeCapture(
            store: store, amount: amount, paymentRef: paymentRef, orderId: orderId, day: day, secondOfDayUTC: second,
            recordId: recordId)
        let processor = processor(ofStore: store)
        if stories {
            if claimStory(.chargebackReversed, store: store, total: amount, orderId: orderId) {
                // The cardholder disputes the payment a week later (15.00 dispute fee); the store
                // wins in November: the amount and the fee come back.
                var dispute = SettlementRecord(
                    recordId: cardRandom.identifier("txn_"), type: "CHARGEBACK", category: "dispute",
                    day: SampleChain.CardStoryDay.chargeback, secondOfDayUTC: 15 * 3600, grossMinor: -amount,
                    feeMinor: 1_500, paymentRef: paymentRef, orderId: orderId,
                    availableDay: SampleChain.CardStoryDay.chargeback)
                dispute.sourceId = cardRandom.identifier("dp_")
                dispute.paymentIntent = record.paymentIntent
                var reversal = dispute
                reversal.recordId = cardRandom.identifier("txn_")
                reversal.type = "CHARGEBACK_REVERSAL"
                reversal.category = "dispute_reversal"
                reversal.day = SampleChain.CardStoryDay.chargebackReversal
                reversal.availableDay = reversal.day
                reversal.grossMinor = amount
                reversal.feeMinor = -1_500
                pendingSettlements[processor, default: []].append(contentsOf: [dispute, reversal])
                storyReferences[.chargebackReversed]! += [dispute.recordId, reversal.recordId]
            } else if claimStory(.dashboardRefund, store: store, total: amount, orderId: orderId) {
                // Refunded from Stripe's dashboard two days later; the POS knows nothing of it.
                var refund = SettlementRecord(
                    recordId: cardRandom.identifier("txn_"), type: "REFUND", category: "refund",
                    day: SampleChain.CardStoryDay.dashboardRefund, secondOfDayUTC: 15 * 3600, grossMinor: -amount,
                    feeMinor: 0, paymentRef: paymentRef, orderId: orderId,
                    availableDay: SampleChain.CardStoryDay.dashboardRefund)
                refund.sourceId = cardRandom.identifier("re_")
                refund.paymentIntent = record.paymentIntent
                pendingSettlements[processor, default: []].append(refund)
                storyReferences[.dashboardRefund]!.append(refund.recordId)
            } else if claimStory(.duplicateCapture, store: store, total: amount, orderId: orderId) {
                // Captured twice: a second charge of the same payment the next day.
                var second = record
                second.recordId = cardRandom.identifier("txn_")
                second.day += 1
                second.availableDay += 1
                pendingSettlements[processor, default: []].append(second)
                storyReferences[.duplicateCapture]! += [record.recordId, second.recordId]
            } else if claimStory(.shortCaptureWrittenOff, store: store, total: amount, orderId: orderId) {
                // The processor captured 0.75 less than the till took.
                record.grossMinor -= 75
                record.feeMinor = ChainSimulation.stripeFee(record.grossMinor)
                storyReferences[.shortCaptureWrittenOff]!.append(record.recordId)
            } else if claimStory(.amountAndTime, store: store, total: amount, orderId: orderId) {
                // Settled without the PSP reference or the order: only the amount and the time,
                // four minutes after the tender, tie it to the sale.
                record.paymentRef = ""
                record.orderId = ""
                record.move(toSecondsUTC: secondsUTC(local: tenderSecond) + 240)
                record.availableDay = record.day + 2
                storyReferences[.amountAndTime]!.append(record.recordId)
            }
        }
        pendingSettlements[processor, default: []].append(record)
    }

    /// The capture of a story's extra card payment, from the stories' random numbers.
    private func queueStoryCapture(store: Int, amount: Int64, paymentRef: String, orderId: String) {
        let record = makeCapture(
            store: store, amount: amount, paymentRef: paymentRef, orderId: orderId, day: dayIndex + 1,
            secondOfDayUTC: cardRandom.between(2 * 3600, 6 * 3600 - 1), recordId: cardRandom.identifier("txn_"))
        pendingSettlements[processor(ofStore: store), default: []].append(record)
    }

    /// A card refund's record in the processor's terms, and the refund stories.
    private func refund(record: inout SettlementRecord, store: Int, returnOrderId: String, sale: SaleCandidate) {
        let processor = processor(ofStore: store)
        let amount = -record.grossMinor
        if vendorLayouts {
            switch processor {
            case .adyen:
                record.recordId = adyenReference()
                record.category = "Refunded"
                record.paymentMethod = paymentMethodByRef[record.paymentRef] ?? ""
            case .stripe, .square:
                record.sourceId = cardRandom.identifier("re_")
                record.paymentIntent = paymentIntentByCharge[record.paymentRef] ?? ""
            }
        }
        if claimStory(.refundWithFeeReturned, store: store, total: amount, orderId: sale.orderId, also: [returnOrderId]) {
            // The processor gives back the percentage part of the fee with the refund.
            record.feeMinor = -roundHalfAwayFromZero(Int128(amount) * 29, 1_000)
            storyReferences[.refundWithFeeReturned]!.append(record.recordId)
        } else if claimStory(
            .partialRefund, store: store, total: amount, orderId: sale.orderId, also: [returnOrderId],
            when: amount < sale.cardAmountMinor)
        {
            storyReferences[.partialRefund]!.append(record.recordId)
        } else if claimStory(.failedRefund, store: store, total: amount, orderId: sale.orderId, also: [returnOrderId]) {
            // The card is closed: the refund comes back two days later, the customer was not refunded.
            var failure = record
            failure.recordId = adyenReference()
            failure.type = "REFUND_FAILURE"
            failure.category = "RefundedReversed"
            failure.day += 2
            failure.availableDay += 2
            failure.grossMinor = amount
            failure.feeMinor = 0
            pendingSettlements[processor, default: []].append(failure)
            storyReferences[.failedRefund]! += [record.recordId, failure.recordId]
        }
        pendingSettlements[processor, default: []].append(record)
    }

    /// Two customers at S03 buy the same item four minutes apart, and Adyen settles both without a
    /// reference: each payment has two captures it could be (the ambiguous pair).
    private func sellAmbiguousPair(store: Int) {
        let candidates = catalogue.indices.filter {
            !catalogue[$0].isDirectStoreDelivery && $0 != seasonal && storeStock[store][$0] >= 2
        }
        guard let sku = candidates.max(by: { (storeStock[store][$0], -$0) < (storeStock[store][$1], -$1) }) else { return }
        let item = catalogue[sku]
        let line = SaleLine(
            sku: sku, type: "SALE", quantity: 1, unitPriceMinor: item.priceMinor, discountMinor: 0,
            taxMinor: item.isTaxable ? tax(on: item.priceMinor) : 0)
        var orders: [String] = []
        var records: [String] = []
        // The simulation's shelf is left as it was: a change there would change the random
        // choices of every later sale, at every store. The item chosen is the store's best
        // stocked, so the ledger's shelf, two units below the simulation's from then on, never
        // runs dry.
        for start in [SampleChain.CardStoryDay.ambiguousPairSecond, SampleChain.CardStoryDay.ambiguousPairSecond + 240] {
            let orderId = nextOrderId(store: store)
            var posLines = tables.removeValue(forKey: .posLines)!
            writePOSLine(into: &posLines, orderId: orderId, lineNo: 1, secondOfDay: start, store: store, line: line, original: nil)
            tables[.posLines] = posLines
            let ref = storyPaymentRef(store: store)
            writeTender(orderId: orderId, tenderNo: 1, secondOfDay: start + 40, store: store, tender: "CARD",
                        type: "PAYMENT", amount: line.collectedMinor, paymentRef: ref)
            var record = makeCapture(
                store: store, amount: line.collectedMinor, paymentRef: "", orderId: "", day: 0, secondOfDayUTC: 0,
                recordId: "")
            record.move(toSecondsUTC: secondsUTC(local: start + 40) + 180)
            record.availableDay = record.day + 2
            pendingSettlements[processor(ofStore: store), default: []].append(record)
            orders.append(orderId)
            records.append(record.recordId)
        }
        storyReferences[.ambiguousPair] = orders + records
    }

    private func chargeStripeFee() {
        let record = SettlementRecord(
            recordId: random.identifier("txn_"), type: "FEE", category: "fee", day: dayIndex, secondOfDayUTC: 12 * 3600,
            grossMinor: -1_500, feeMinor: 0, paymentRef: "", orderId: "", availableDay: dayIndex)
        pendingSettlements[.stripe, default: []].append(record)
        if vendorLayouts { storyReferences[.standaloneFee, default: []].append(record.recordId) }
    }

    /// Adyen's monthly invoice of its transaction fees, deducted from the next batch.
    private func chargeAdyenFee() {
        let record = SettlementRecord(
            recordId: "Transaction Fees " + SampleChain.monthName(date.adding(days: -1).month), type: "FEE",
            category: "Fee", day: dayIndex, secondOfDayUTC: 12 * 3600, grossMinor: -1_240, feeMinor: 0, paymentRef: "",
            orderId: "", availableDay: dayIndex)
        pendingSettlements[.adyen, default: []].append(record)
    }

    /// The records of a processor available by today, in time order; nil when they would not make
    /// a positive payout (they wait).
    private func takePayable(_ processor: CardProcessor) -> (records: [SettlementRecord], total: Int64)? {
        var included: [SettlementRecord] = []
        var waiting: [SettlementRecord] = []
        for record in pendingSettlements[processor, default: []] {
            if record.availableDay <= dayIndex { included.append(record) } else { waiting.append(record) }
        }
        let total = included.reduce(Int64(0)) { $0 + $1.netMinor }
        guard !included.isEmpty, total > 0 else { return nil }
        pendingSettlements[processor] = waiting
        included.sort { ($0.day, $0.secondOfDayUTC, $0.recordId) < ($1.day, $1.secondOfDayUTC, $1.recordId) }
        return (included, total)
    }

    /// Tuesdays and Fridays, 20:00 UTC: everything available by today is paid out. The day's
    /// files are the payout's reconciliation report (its balance transactions) and the payouts
    /// report (the payout); in bulk mode one canonical settlements.csv holds both.
    private func payOutStripe() {
        guard let (included, total) = takePayable(.stripe) else { return }
        let payoutId = random.identifier("po_")
        let payout = SettlementRecord(
            recordId: random.identifier("txn_"), type: "PAYOUT", category: "payout", day: dayIndex,
            secondOfDayUTC: 20 * 3600, grossMinor: -total, feeMinor: 0, paymentRef: "", orderId: "",
            availableDay: dayIndex)
        if vendorLayouts {
            vendorFiles["stripe_payout_reconciliation.itemized_" + dateText + ".csv"] =
                writer.stripeItemized(included, payoutId: payoutId, payoutSecondsUTC: payout.secondsUTC)
            var payouts = CSVTable(vendorColumns: CardSettlementWriter.stripePayoutsColumns, kind: .settlements)
            writer.stripePayout(
                recordId: payout.recordId, payoutId: payoutId, secondsUTC: payout.secondsUTC, amountMinor: total,
                into: &payouts)
            vendorFiles["stripe_payouts.itemized_" + dateText + ".csv"] = payouts
            return
        }
        var table = tables.removeValue(forKey: .settlements)!
        for record in included + [payout] { writer.canonical(record, processor: "stripe", payoutId: payoutId, into: &table) }
        tables[.settlements] = table
    }

    /// Mondays and Thursdays, 14:00 UTC: Adyen closes a batch and pays it out; its Settlement
    /// details report is the day's file. The first batch of November is paid out 2.50 short.
    private func payOutAdyen() {
        guard let (included, total) = takePayable(.adyen) else { return }
        let batch = nextAdyenBatch
        nextAdyenBatch += 1
        var paid = total
        if dayIndex >= SampleChain.CardStoryDay.payoutShortFrom && storyReferences[.payoutShort] == nil {
            paid -= 250
            storyReferences[.payoutShort] = ["PAYOUT-" + String(batch)]
        }
        for record in included where record.category == "Fee" {
            storyReferences[.standaloneFee, default: []].append(String(batch) + ":Fee:" + record.recordId)
        }
        vendorFiles["adyen_settlement_detail_report_batch_" + String(batch) + ".csv"] =
            writer.adyenBatch(included, batch: batch, payoutSecondsUTC: dayIndex * 86_400 + 14 * 3600, payoutMinor: paid)
    }

    /// Every day, 13:00 UTC: Square deposits what is available (canonical settlements.csv).
    private func payOutSquare() {
        guard let (included, total) = takePayable(.square) else { return }
        let payoutId = cardRandom.identifier("sqp_")
        let payout = SettlementRecord(
            recordId: payoutId, type: "PAYOUT", category: "", day: dayIndex, secondOfDayUTC: 13 * 3600,
            grossMinor: -total, feeMinor: 0, paymentRef: "", orderId: "", availableDay: dayIndex)
        var table = tables.removeValue(forKey: .settlements)!
        for record in included + [payout] { writer.canonical(record, processor: "square", payoutId: payoutId, into: &table) }
        tables[.settlements] = table
    }

    // MARK: The pop-up store

    /// Day 0, 16:30: the pop-up's stock leaves the warehouse.
    private func shipToPopUp() {
        guard let popUp else { return }
        writePopUpTransfer(popUp, type: "SHIP", secondOfDay: 16 * 3600 + 1800)
        for sku in popUp.skus { warehouseStock[sku] -= PopUpStore.unitsPerSku }
    }

    /// Day 1, 08:45: it arrives, and the pop-up opens.
    private func receiveAtPopUp() {
        guard popUp != nil else { return }
        writePopUpTransfer(popUp!, type: "RECEIVE", secondOfDay: 8 * 3600 + 2700)
        popUp!.receive()
    }

    private func writePopUpTransfer(_ popUp: PopUpStore, type: String, secondOfDay: Int) {
        var table = tables.removeValue(forKey: .transfers)!
        for (offset, sku) in popUp.skus.enumerated() {
            table.text(PopUpStore.transferId)
            table.integer(offset + 1)
            table.text(type)
            table.text(localTime(secondOfDay))
            table.text(warehouse)
            table.text(PopUpStore.code)
            table.text(catalogue[sku].sku)
            table.integer(PopUpStore.unitsPerSku)
            if type == "RECEIVE" { table.integer(1) } else { table.empty() }
            table.endRow()
        }
        tables[.transfers] = table
    }

    private func runPopUp() {
        guard popUp != nil else { return }
        let day = popUp!.simulateDay(
            dayIndex, date: date, offsetSeconds: offsetText == "-04:00" ? -4 * 3600 : -5 * 3600, catalogue: catalogue,
            tax: { [self] in tax(on: $0) })
        if !day.itemsDetail.isEmpty { vendorFiles["square_items_detail_" + dateText + ".csv"] = day.itemsDetail }
        if !day.transactions.isEmpty { vendorFiles["square_transactions_" + dateText + ".csv"] = day.transactions }
        pendingSettlements[.square, default: []].append(contentsOf: day.settlements)
        if !popUp!.refundedTransactions.isEmpty { storyReferences[.popUpRefund] = popUp!.refundedTransactions }
    }

    // MARK: Overrides

    /// A person's decisions on the exceptions, delivered on one day: one of each action.
    private func writeOverrides() {
        var table = tables.removeValue(forKey: .overrides)!
        func row(_ id: String, _ action: String, _ processor: String, orderId: String, recordId: String, note: String) {
            table.text(id)
            table.text(action)
            table.text(processor)
            table.empty()
            table.text(orderId)
            table.empty()
            table.text(recordId)
            table.empty()
            table.text(note)
            table.text("m.alvarez")
            table.endRow()
        }
        if let pair = storyReferences[.ambiguousPair], pair.count == 4 {
            row("OV-2026-11-001", "MATCH", "adyen", orderId: pair[0], recordId: pair[2],
                note: "same amount four minutes apart: the first sale is the first capture (till receipt times)")
        }
        if let short = storyReferences[.shortCaptureWrittenOff] {
            row("OV-2026-11-002", "WRITE_OFF", "stripe", orderId: short[0], recordId: "",
                note: "Stripe captured 0.75 less than the till; not worth a claim")
        }
        if let fee = storyReferences[.standaloneFee]?.filter({ $0.hasPrefix("txn_") }).dropFirst().first {
            row("OV-2026-11-003", "IGNORE", "stripe", orderId: "", recordId: fee,
                note: "monthly Stripe Terminal fee, expected; nothing to match")
        }
        tables[.overrides] = table
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
