// The pop-up store `P01`: a Square point of sale, so its sales come as Square exports (FORMATS
// §3.3) — Items Detail (the lines) and Transactions (the tenders), money written like `$1,149.00`,
// wall times in `Eastern Time (US & Canada)`, refunds as rows of Event Type Refund booked against
// the original payment (the return names only the original Transaction ID) — and its card money
// as canonical settlements of processor `square`, since no Square settlement report is read yet.
//
// It runs on random numbers of its own, so the other stores' data does not move with it. Its
// stock comes from the warehouse in one transfer on the first day (`ChainSimulation` adds the
// units to the warehouse's opening receipt and ships them at 16:30); it opens the next morning,
// sells two to four tickets a day while stock lasts, and takes back one card sale twice (days
// `refundDays`).
import CountinghouseCore

struct PopUpStore {
    static let code = "P01"
    /// Square's `Location`, mapped to `P01` by `[square.location_map]` in countinghouse.toml.
    static let squareLocation = "Hudson Yards Pop-Up"
    static let squareTimeZone = "Eastern Time (US & Canada)"
    static let transferId = "TR-P01-001"
    static let unitsPerSku = 30
    static let skuCount = 8
    /// Days a customer brings back one line of the first card ticket three days before.
    static let refundDays = [20, 47]

    static let itemsDetailColumns = [
        "Date", "Time", "Time Zone", "Category", "Item", "Qty", "Price Point Name", "SKU", "Modifiers Applied",
        "Gross Sales", "Discounts", "Net Sales", "Tax", "Transaction ID", "Payment ID", "Device Name", "Notes", "Details",
        "Event Type", "Location", "Dining Option", "Customer ID", "Customer Name", "Customer Reference ID", "Unit", "Count",
        "Itemization Type",
    ]
    static let transactionsColumns = [
        "Date", "Time", "Time Zone", "Gross Sales", "Discounts", "Service Charges", "Net Sales", "Gift Card Sales", "Tax",
        "Tip", "Partial Refunds", "Total Collected", "Source", "Card", "Card Entry Methods", "Cash", "Square Gift Card",
        "Other Tender", "Other Tender Type", "Other Tender Note", "Fees", "Net Total", "Transaction ID", "Payment ID",
        "Card Brand", "PAN Suffix", "Device Name", "Staff Name", "Staff ID", "Details", "Description", "Event Type",
        "Location", "Dining Options", "Customer ID", "Customer Name", "Customer Reference ID", "Device Nickname",
        "Deposit ID", "Deposit Date", "Deposit Details",
    ]

    struct Line {
        let sku: Int
        let unitPriceMinor: Int64
        let taxMinor: Int64
    }

    struct Ticket {
        let transactionId: String
        let paymentId: String
        let isCard: Bool
        let lines: [Line]
    }

    /// What the day wrote.
    struct Day {
        var itemsDetail = CSVTable(vendorColumns: PopUpStore.itemsDetailColumns, kind: .posLines)
        var transactions = CSVTable(vendorColumns: PopUpStore.transactionsColumns, kind: .posTenders)
        var settlements: [SettlementRecord] = []
    }

    let skus: [Int]
    private var random: SplitMix64
    private(set) var stock: [Int: Int] = [:]
    private var ticketsByDay: [Int: [Ticket]] = [:]
    /// Transaction IDs of the stories, for the README and the tests.
    private(set) var refundedTransactions: [String] = []

    init(seed: UInt64, skus: [Int]) {
        random = SplitMix64(seed: seed ^ 0x5051_5541_5245_0001)
        self.skus = skus
    }

    mutating func receive() {
        for sku in skus { stock[sku, default: 0] += PopUpStore.unitsPerSku }
    }

    /// One business day: tickets from 10:00, then the day's refund, if any.
    mutating func simulateDay(
        _ dayIndex: Int, date: CivilDate, offsetSeconds: Int, catalogue: [CatalogueItem], tax: (Int64) -> Int64
    ) -> Day {
        var day = Day()
        guard dayIndex >= 1 else { return day }
        let weekday = ChainSimulation.weekday(date)
        let ticketCount = weekday == 6 || weekday == 0 ? 4 : 2 + random.below(2)
        var tickets: [Ticket] = []
        for ticket in 0..<ticketCount {
            let second = 10 * 3600 + ticket * (8 * 3600 / ticketCount) + random.below(7200)
            var lines: [Line] = []
            for _ in 0..<(random.percent(30) ? 2 : 1) {
                let available = skus.filter { stock[$0, default: 0] > 0 && !lines.map(\.sku).contains($0) }
                guard !available.isEmpty else { break }
                let sku = available[random.below(available.count)]
                stock[sku]! -= 1
                let price = catalogue[sku].priceMinor
                lines.append(Line(sku: sku, unitPriceMinor: price, taxMinor: catalogue[sku].isTaxable ? tax(price) : 0))
            }
            guard !lines.isEmpty else { continue }
            let sale = Ticket(
                transactionId: random.identifier(""), paymentId: random.identifier(""), isCard: random.percent(75),
                lines: lines)
            tickets.append(sale)
            write(sale, refund: false, date: date, second: second, catalogue: catalogue, into: &day)
            if sale.isCard {
                let total = sale.lines.reduce(Int64(0)) { $0 + $1.unitPriceMinor + $1.taxMinor }
                // Square captures overnight, fee 2.6 % + 0.10, paid out the day after.
                let captureSecond = dayIndex * 86_400 + second - offsetSeconds + 8 * 3600 + random.below(3600)
                var record = SettlementRecord(
                    recordId: random.identifier("sqb_"), type: "CAPTURE", category: "", day: 0, secondOfDayUTC: 0,
                    grossMinor: total, feeMinor: roundHalfAwayFromZero(Int128(total) * 26, 1_000) + 10,
                    paymentRef: sale.paymentId, orderId: sale.transactionId, availableDay: 0)
                record.move(toSecondsUTC: captureSecond)
                record.availableDay = record.day + 1
                day.settlements.append(record)
            }
        }
        ticketsByDay[dayIndex] = tickets
        if PopUpStore.refundDays.contains(dayIndex),
            let sale = ticketsByDay[dayIndex - 3]?.first(where: { $0.isCard })
        {
            // The customer brings back the ticket's first line; Square refunds it to the card.
            let line = sale.lines[0]
            stock[line.sku, default: 0] += 1
            let refund = Ticket(transactionId: sale.transactionId, paymentId: sale.paymentId, isCard: true, lines: [line])
            let second = 12 * 3600 + 30 * 60 + random.below(600)
            write(refund, refund: true, date: date, second: second, catalogue: catalogue, into: &day)
            refundedTransactions.append(sale.transactionId)
            var record = SettlementRecord(
                recordId: random.identifier("sqb_"), type: "REFUND", category: "", day: 0, secondOfDayUTC: 0,
                grossMinor: -(line.unitPriceMinor + line.taxMinor), feeMinor: 0, paymentRef: sale.paymentId,
                orderId: sale.transactionId, availableDay: 0)
            record.move(toSecondsUTC: dayIndex * 86_400 + second - offsetSeconds + 7200)
            record.availableDay = record.day + 1
            day.settlements.append(record)
        }
        return day
    }

    private func write(
        _ ticket: Ticket, refund: Bool, date: CivilDate, second: Int, catalogue: [CatalogueItem], into day: inout Day
    ) {
        let sign: Int64 = refund ? -1 : 1
        let dateText = date.description
        let time = ChainSimulation.clock(second)
        let event = refund ? "Refund" : "Payment"
        let details = "https://app.squareup.com/dashboard/sales/transactions/" + ticket.transactionId
        for line in ticket.lines {
            let item = catalogue[line.sku]
            var table = day.itemsDetail
            table.text(dateText)
            table.text(time)
            table.text(PopUpStore.squareTimeZone)
            table.text(item.category)
            table.text(item.name)
            table.integer(refund ? -1 : 1)
            table.text("Regular")
            table.text(item.sku)
            table.empty()
            table.text(PopUpStore.money(sign * line.unitPriceMinor))
            table.text(PopUpStore.money(0))
            table.text(PopUpStore.money(sign * line.unitPriceMinor))
            table.text(PopUpStore.money(sign * line.taxMinor))
            table.text(ticket.transactionId)
            table.text(ticket.paymentId)
            table.text("Pop-up iPad")
            table.empty()
            table.text(details)
            table.text(event)
            table.text(PopUpStore.squareLocation)
            for _ in 0..<4 { table.empty() }
            table.text("ea")
            table.text("1")
            table.text("Physical Item")
            table.endRow()
            day.itemsDetail = table
        }
        let gross = ticket.lines.reduce(Int64(0)) { $0 + $1.unitPriceMinor }
        let tax = ticket.lines.reduce(Int64(0)) { $0 + $1.taxMinor }
        let total = gross + tax
        let fee: Int64 = ticket.isCard && !refund ? roundHalfAwayFromZero(Int128(total) * 26, 1_000) + 10 : 0
        var table = day.transactions
        table.text(dateText)
        table.text(time)
        table.text(PopUpStore.squareTimeZone)
        table.text(PopUpStore.money(sign * gross))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(sign * gross))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(sign * tax))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(sign * total))
        table.text("Point of Sale")
        table.text(PopUpStore.money(ticket.isCard ? sign * total : 0))
        table.text(ticket.isCard ? "Contactless" : "")
        table.text(PopUpStore.money(ticket.isCard ? 0 : sign * total))
        table.text(PopUpStore.money(0))
        table.text(PopUpStore.money(0))
        table.empty()
        table.empty()
        table.text(PopUpStore.money(-fee))
        table.text(PopUpStore.money(sign * total - fee))
        table.text(ticket.transactionId)
        table.text(ticket.paymentId)
        table.text(ticket.isCard ? "Visa" : "")
        table.text(ticket.isCard ? "4242" : "")
        table.text("Pop-up iPad")
        table.text("Jordan")
        table.text("TM-P01")
        table.text(details)
        table.text(ticket.lines.map { catalogue[$0.sku].name }.joined(separator: ", "))
        table.text(event)
        table.text(PopUpStore.squareLocation)
        for _ in 0..<8 { table.empty() }
        table.endRow()
        day.transactions = table
    }

    /// Square's spelling: `$1,149.00`, `-$12.00`.
    static func money(_ minorUnits: Int64) -> String {
        let magnitude = minorUnits.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let cents = magnitude % 100
        return (minorUnits < 0 ? "-$" : "$") + whole + grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
