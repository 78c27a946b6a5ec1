// A span's reconciliation (SEMANTICS §6.9, FORMATS §4): the rows of reconciliation.csv, the
// roll-forward of card clearing and processor balance, and the payments.
//
// Place in the pipeline: pure, after `Reconciliation`; the report module lays the rows out as
// tables. The span's reconciliation is the one at the end of its last day L; the reconciliation at
// the end of the day before its first day gives the opening balances and the items open at the
// start. Invariants: summed over one processor's rows (PAYOUT rows aside), `difference` is that
// processor's card clearing at the end (each group's residual is on its lead row, and every group
// with a residual is listed); the roll-forward's ITEM lines add up to its CLOSING line, which is
// OPENING + the ACTIVITY lines.
// Errors a user can see: `OutOfRange` when a sum passes 64 bits.

/// One row of reconciliation.csv (FORMATS §4): a tender row or a record row.
public struct ReconciliationRow: Sendable, Hashable {
    public var item: ReconciliationItem
    public var status: ReconciliationStatus
    /// `POS_PAYMENT`, `POS_REFUND`, or the record's type.
    public var category: String
    public var processor: String
    public var orderID: String?
    public var paymentRef: String?
    /// A tender row: its group's records, `;`-separated in record order; a record row: its own id.
    public var recordID: String?
    public var posAmount: Int64?
    public var settledAmount: Int64?
    public var difference: Int64?
    public var fee: Int64?
    public var occurredAt: Instant
    public var settledOn: CivilDate?
    public var payoutID: String?
    public var ageDays: Int64?
    public var note: String
    public var tenderNumber: Int64?
    public var matchStep: String
    public var expectedFee: Int64?
    public var writtenOff: Int64?
    public var paymentLife: PaymentLife?
    public var vendorCategory: String?
}

/// One line of rollforward.csv.
public struct RollforwardLine: Sendable, Hashable {
    public enum Account: String, Sendable { case cardClearing = "card_clearing", processorBalance = "processor_balance" }
    public enum Kind: String, Sendable { case opening = "OPENING", activity = "ACTIVITY", closing = "CLOSING", item = "ITEM" }
    public var account: Account
    public var processor: String
    public var line: Kind
    public var category: String
    public var amount: Int64
    public var status: ReconciliationStatus?
    public var orderID: String?
    public var tenderNumber: Int64?
    public var recordID: String?
    public var payoutID: String?
    public var occurredAt: Instant?
    public var ageDays: Int64?
}

/// A line of rollforward.csv as the report keeps it: held (an opening, activity or closing line),
/// or the ITEM line of an open group (its lead's code), of a record not paid out, or of a payout
/// with a residual (its number in the state's payouts).
enum RollforwardPart: Sendable {
    case held(Int32)
    case openGroup(Int32)
    case unpaidRecord(Int32)
    case openPayout(Int32)
}

/// One row of payments.csv.
public struct PaymentRow: Sendable, Hashable {
    public var orderID: String?
    /// The payment's tenders' numbers and its payment_refs, `;`-separated.
    public var tenderNumbers: String
    public var processor: String
    public var paymentRefs: String
    public var posAmount: Int64?
    public var settledAmount: Int64?
    public var fee: Int64?
    public var settledOn: CivilDate?
    public var payoutIDs: String?
    public var refundedAmount: Int64
    public var chargebackAmount: Int64
    public var life: PaymentLife
    public var firstOccurredAt: Instant
}

/// Rows of a reconciliation table in the table's order: held, or made one at a time, as of the
/// span's end, each time they are read. A span lists hundreds of thousands of items (a year of the
/// generated chain: 489k reconciliation rows, ~400k payments), and a row holds a score of fields
/// and strings (~0.5 KB: 270 MB held); the items and the state they are made from are held anyway.
public struct RowsMadeWhenRead<Row: Sendable>: RandomAccessCollection, Sendable {
    private enum Storage: Sendable {
        case held([Row])
        /// Every row made once without error when the report was (`Reconciliation.report`), so
        /// making it again cannot fail.
        case made(count: Int, row: @Sendable (Int) throws(OutOfRange) -> Row)
    }

    private let storage: Storage

    public init(_ rows: [Row]) { storage = .held(rows) }

    init(count: Int, row: @escaping @Sendable (Int) throws(OutOfRange) -> Row) { storage = .made(count: count, row: row) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .held(let rows): return rows.count
        case .made(let count, _): return count
        }
    }

    public subscript(position: Int) -> Row {
        switch storage {
        case .held(let rows): return rows[position]
        case .made(_, let row):
            do {
                return try row(position)
            } catch {
                preconditionFailure("row \(position) was made when the report was, and now: \(error)")
            }
        }
    }
}

/// reconciliation.csv's rows, made from their items (in the file's order).
public typealias ReconciliationRows = RowsMadeWhenRead<ReconciliationRow>
/// payments.csv's rows, made from their payments' numbers (in the file's order).
public typealias PaymentRows = RowsMadeWhenRead<PaymentRow>
/// rollforward.csv's lines: the opening, activity and closing lines held, the ITEM lines made from
/// their items (an open month lists as many as it has open items: 250k lines of ~200 bytes held
/// were the busy month's report's peak).
public typealias RollforwardLines = RowsMadeWhenRead<RollforwardLine>

public struct ReconciliationReport: Sendable {
    public var span: ReportSpan
    public var rows: ReconciliationRows
    public var rollforward: RollforwardLines
    public var payments: PaymentRows
    /// Overrides that name nothing known at the span's end (`override_id`s), and MATCH overrides not
    /// applied because they name items of two processors.
    public var overridesNamingNothing: [String]
    public var matchesRefused: [String]
    /// The state at the span's end the report was made from (nil for a report of rows held): the
    /// card money's ties at that day read it instead of making another.
    public var endState: ReconciliationState?

    /// A report of rows held (tests, listings made by hand).
    public init(
        span: ReportSpan, rows: [ReconciliationRow], rollforward: [RollforwardLine], payments: [PaymentRow],
        overridesNamingNothing: [String], matchesRefused: [String]
    ) {
        self.init(
            span: span, rows: ReconciliationRows(rows), rollforward: RollforwardLines(rollforward), payments: PaymentRows(payments),
            overridesNamingNothing: overridesNamingNothing, matchesRefused: matchesRefused)
    }

    init(
        span: ReportSpan, rows: ReconciliationRows, rollforward: RollforwardLines, payments: PaymentRows,
        overridesNamingNothing: [String], matchesRefused: [String], endState: ReconciliationState? = nil
    ) {
        self.endState = endState
        self.span = span
        self.rows = rows
        self.rollforward = rollforward
        self.payments = payments
        self.overridesNamingNothing = overridesNamingNothing
        self.matchesRefused = matchesRefused
    }
}

extension Reconciliation {
    /// The reconciliation of a span: as of the end of its last day (SEMANTICS §6.9).
    public func report(_ span: ReportSpan) throws(OutOfRange) -> ReconciliationReport {
        // What the report needs of the state at the span's start: which items were open then (the
        // state itself is let go before the end's is made: two states of a long history at once
        // were the report's peak).
        let (openAtStart, recordOpenAtStart) = openItems(atEndOf: span.firstDay.adding(days: -1))
        let end = state(atEndOf: span.lastDay)
        let first = span.firstDay.daysSinceEpoch
        let last = span.lastDay.daysSinceEpoch

        // Which items: those dated in the span, those open at its start or end, and the other
        // members of their groups (at the end). Marked per tender and record (a set of 1.5M items
        // of three years' span, and each one's row key with its strings, were that report's peak).
        var listedTenders = [Bool](repeating: false, count: items.tenders.count)
        var listedRecords = [Bool](repeating: false, count: items.records.count)
        func list(_ item: ReconciliationItem) {
            for member in end.groupMembers(of: item) {
                switch member {
                case .tender(let index): listedTenders[index] = true
                case .record(let index): listedRecords[index] = true
                }
            }
        }
        for index in items.tenders.indices where end.isKnown(.tender(index)) {
            if (first...last).contains(items.tenderDays[index]) || end.isOpen(.tender(index)) || openAtStart[index] {
                list(.tender(index))
            }
        }
        for index in items.records.indices where end.isKnown(.record(index)) {
            if (first...last).contains(items.recordDays[index]) || end.isOpen(.record(index)) || recordOpenAtStart[index] {
                list(.record(index))
            }
        }
        // The listed items as their codes (four bytes an item).
        var listed: [Int32] = []
        listed.reserveCapacity(listedTenders.lazy.filter { $0 }.count + listedRecords.lazy.filter { $0 }.count)
        for (index, marked) in listedTenders.enumerated() where marked { listed.append(ReconciliationItem.tender(index).code) }
        for (index, marked) in listedRecords.enumerated() where marked { listed.append(ReconciliationItem.record(index).code) }
        listedTenders = []
        listedRecords = []
        // Each row made once, so that a sum past 64 bits is this report's error; then dropped, and
        // made again when read (`ReconciliationRows`).
        for code in listed { _ = try row(ReconciliationItem(code: code), end) }
        // Sorted by their rows' keys (rowPrecedes, a total order): first by the processor's place
        // in byte order and the instant, from the items' columns; the whole key, made from the
        // item, only between items that tie on those.
        let processorRank = items.processorRanks
        func primary(_ item: ReconciliationItem) -> (Int32, Int64) {
            switch item {
            case .tender(let index): return (processorRank[Int(items.tenderProcessor[index])], items.tenderTime[index])
            case .record(let index): return (processorRank[Int(items.recordProcessor[index])], items.recordTime[index])
            }
        }
        listed.sort { a, b in
            let (itemA, itemB) = (ReconciliationItem(code: a), ReconciliationItem(code: b))
            let (x, y) = (primary(itemA), primary(itemB))
            if x != y { return x < y }
            return Self.keyPrecedes(rowKey(itemA), rowKey(itemB))
        }
        let ordered = listed
        listed = []
        let rows = ReconciliationRows(count: ordered.count) { (index) throws(OutOfRange) in
            try end.reconciliation.row(ReconciliationItem(code: ordered[index]), end)
        }

        let rollforward = try rollforward(end: end, first: first, last: last)
        // Each listed payment once, in the order of its number (its group's lead).
        // (Each row made once, as the reconciliation's rows are, then made again when read.)
        var paymentListed = [Bool](repeating: false, count: end.paymentGroups.count)
        for code in ordered {
            if let number = end.paymentNumber(of: ReconciliationItem(code: code)) { paymentListed[number] = true }
        }
        // Each listed payment's number and first instant (12 bytes a payment; the key with its
        // strings took ~60, a 24-byte key sorted ~44 with the sort's buffer). Its processor's place
        // is read from its lead; its order_id and first tender only between payments that tie.
        var numbers: [Int32] = []
        var firstOccurredAt: [Int64] = []
        numbers.reserveCapacity(paymentListed.lazy.filter { $0 }.count)
        firstOccurredAt.reserveCapacity(numbers.capacity)
        for (number, isListed) in paymentListed.enumerated() where isListed {
            let payment = end.paymentState(number)
            _ = try paymentRow(payment, end)
            numbers.append(Int32(number))
            firstOccurredAt.append(paymentStart(payment).firstOccurredAt.nanosecondsSinceEpoch)
        }
        paymentListed = []
        // The payment's processor is its group's lead's (`paymentState`).
        func rank(_ number: Int32) -> Int32 {
            processorRank[Int(items.processorNumber(of: end.grouping.lead(of: Int(end.paymentGroups[Int(number)]))))]
        }
        func orderID(_ number: Int32) -> String { paymentStart(end.paymentState(Int(number))).orderID ?? "" }
        func firstTender(_ number: Int32) -> Int64 {
            end.paymentState(Int(number)).paymentTenders.first.map { items.tenders[$0].tenderNumber } ?? 0
        }
        // FORMATS §4: processor, the payment's first occurred_at, order_id, tender_no (numerically),
        // then the payment's lead (a total order). Places in `numbers` are sorted.
        var places = [Int32](0..<Int32(numbers.count))
        places.sort { p, q in
            let (x, y) = (numbers[Int(p)], numbers[Int(q)])
            let (rankX, rankY) = (rank(x), rank(y))
            if rankX != rankY { return rankX < rankY }
            let (atX, atY) = (firstOccurredAt[Int(p)], firstOccurredAt[Int(q)])
            if atX != atY { return atX < atY }
            let (a, b) = (orderID(x), orderID(y))
            if !a.utf8.elementsEqual(b.utf8) { return a.utf8.lexicographicallyPrecedes(b.utf8) }
            let (tenderX, tenderY) = (firstTender(x), firstTender(y))
            if tenderX != tenderY { return tenderX < tenderY }
            return x < y
        }
        firstOccurredAt = []
        for (position, place) in places.enumerated() { places[position] = numbers[Int(place)] }
        numbers = []
        let sortedNumbers = places
        return ReconciliationReport(
            span: span, rows: rows, rollforward: rollforward,
            payments: PaymentRows(count: sortedNumbers.count) { (index) throws(OutOfRange) in
                try end.reconciliation.paymentRow(end.paymentState(Int(sortedNumbers[index])), end)
            },
            overridesNamingNothing: end.overridesNamingNothing.map { overrides[$0].override.overrideID },
            matchesRefused: end.refusedMatches.map { overrides[$0].override.overrideID }, endState: end)
    }

    /// Which tenders and records are known and open at the end of `lastDay` (the state made for it
    /// is let go on return).
    func openItems(atEndOf lastDay: CivilDate) -> (tenders: [Bool], records: [Bool]) {
        let state = state(atEndOf: lastDay)
        return (
            items.tenders.indices.map { state.isKnown(.tender($0)) && state.isOpen(.tender($0)) },
            items.records.indices.map { state.isKnown(.record($0)) && state.isOpen(.record($0)) }
        )
    }

    /// reconciliation.csv's order, for listings that sort by something else first.
    public static func rowPrecedesForSummary(_ a: ReconciliationRow, _ b: ReconciliationRow) -> Bool { rowPrecedes(a, b) }

    /// What reconciliation.csv sorts a row by.
    struct RowKey {
        var processor: String
        var occurredAt: Instant
        var orderID: String?
        var tenderNumber: Int64?
        var recordID: String?

        init(processor: String, occurredAt: Instant, orderID: String?, tenderNumber: Int64?, recordID: String?) {
            self.processor = processor
            self.occurredAt = occurredAt
            self.orderID = orderID
            self.tenderNumber = tenderNumber
            self.recordID = recordID
        }

        init(_ row: ReconciliationRow) {
            self.init(
                processor: row.processor, occurredAt: row.occurredAt, orderID: row.orderID, tenderNumber: row.tenderNumber,
                recordID: row.recordID)
        }
    }

    /// An item's row's key, from the item itself (what `row` puts in those fields).
    func rowKey(_ item: ReconciliationItem) -> RowKey {
        switch item {
        case .tender(let index):
            let tender = items.tenders[index]
            return RowKey(
                processor: items.processor(ofTender: index), occurredAt: tender.occurredAt, orderID: tender.orderID,
                tenderNumber: tender.tenderNumber, recordID: nil)
        case .record(let index):
            let record = items.records[index]
            return RowKey(
                processor: record.processor, occurredAt: record.occurredAt, orderID: record.orderID, tenderNumber: nil,
                recordID: record.recordID)
        }
    }

    /// FORMATS §4: processor, occurred_at, tender rows before record rows at one instant, then
    /// order_id and tender_no (tender rows) or record_id (record rows).
    static func rowPrecedes(_ a: ReconciliationRow, _ b: ReconciliationRow) -> Bool { keyPrecedes(RowKey(a), RowKey(b)) }

    static func keyPrecedes(_ a: RowKey, _ b: RowKey) -> Bool {
        if !CostRuns.sameBytes(a.processor, b.processor) { return CostRuns.precedesInByteOrder(a.processor, b.processor) }
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        return itemKeyPrecedes((a.orderID, a.tenderNumber, a.recordID), (b.orderID, b.tenderNumber, b.recordID))
    }

    /// At one instant: a tender's line before a record's; tenders by order_id (byte order), then
    /// tender_no; records by record_id (byte order). The tie-break of reconciliation.csv and of the
    /// roll-forward's ITEM lines.
    static func itemKeyPrecedes(
        _ a: (orderID: String?, tenderNumber: Int64?, recordID: String?), _ b: (orderID: String?, tenderNumber: Int64?, recordID: String?)
    ) -> Bool {
        switch (a.tenderNumber != nil, b.tenderNumber != nil) {
        case (true, false): return true
        case (false, true): return false
        case (true, true):
            if !CostRuns.sameBytes(a.orderID ?? "", b.orderID ?? "") || (a.orderID == nil) != (b.orderID == nil) {
                return CostRuns.precedesInByteOrder(a.orderID ?? "", b.orderID ?? "")
            }
            return (a.tenderNumber ?? 0) < (b.tenderNumber ?? 0)
        case (false, false):
            return (a.recordID ?? "").utf8.lexicographicallyPrecedes((b.recordID ?? "").utf8)
        }
    }

    /// One item's row, as of the state's day.
    func row(_ item: ReconciliationItem, _ state: ReconciliationState) throws(OutOfRange) -> ReconciliationRow {
        guard let status = state.status(of: item) else { preconditionFailure("a listed item is known") }
        let members = state.groupMembers(of: item)
        let isLead = state.lead(of: item) == item
        let groupTenders = members.compactMap { member -> Int? in
            if case .tender(let index) = member { return index }
            return nil
        }
        let groupRecords = members.compactMap { member -> Int? in
            if case .record(let index) = member { return index }
            return nil
        }
        let residual = state.residual(ofGroupOf: item)
        let open = state.isOpen(item)
        var notes: [String] = []
        if let formation = state.formation(ofGroupOf: item) {
            switch formation {
            case .matchOverride: notes.append("matched by override")
            case .failedRefund: notes.append("refund and its failure")
            case .step(1): notes.append("matched by payment_ref")
            case .step(2): notes.append("matched by order_id")
            case .step(_): notes.append("matched by amount and time")
            case .alone: break
            }
        }
        if state.isAmbiguous(item) { notes.append("several candidates by amount and time") }
        for index in state.overrides(of: item) {
            let decision = overrides[index].override
            notes.append("\(decision.action.rawValue) \(decision.overrideID) by \(decision.author): \(decision.note)")
        }
        let writtenOff = try isLead ? state.writtenOff(ofGroupOf: item)?.value("a write-off") : nil
        let life = state.life(of: item)

        switch item {
        case .tender(let index):
            let tender = items.tenders[index]
            var gross = Sum()
            var fee = Sum()
            for record in groupRecords {
                gross += items.records[record].gross
                fee += items.records[record].fee
            }
            let payouts = Set(groupRecords.compactMap { items.records[$0].payoutID }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return ReconciliationRow(
                item: item, status: status, category: tender.type == .payment ? "POS_PAYMENT" : "POS_REFUND",
                processor: items.processor(ofTender: index), orderID: tender.orderID, paymentRef: tender.paymentRef,
                recordID: groupRecords.isEmpty ? nil : groupRecords.map { items.records[$0].recordID }.joined(separator: ";"),
                posAmount: tender.signedAmount, settledAmount: groupRecords.isEmpty ? nil : try gross.value("a group's gross"),
                difference: isLead ? try residual?.value("a group's residual") : nil,
                fee: groupRecords.isEmpty ? nil : try fee.value("a group's fee"), occurredAt: tender.occurredAt,
                settledOn: groupRecords.first.map { businessDate(items.records[$0].occurredAt) },
                payoutID: payouts.isEmpty ? nil : payouts.joined(separator: ";"), ageDays: open ? state.age(of: item) : nil,
                note: notes.joined(separator: "; "), tenderNumber: tender.tenderNumber,
                matchStep: state.formation(ofGroupOf: item)?.matchStep ?? "", expectedFee: nil, writtenOff: writtenOff,
                paymentLife: life, vendorCategory: nil)
        case .record(let index):
            let record = items.records[index]
            var posAmount: Int64?
            var difference: Int64?
            var settled = record.gross
            if record.type == .payout {
                if let payout = state.payout(of: index) {
                    posAmount = try payout.itemsNet.value("a payout's items")
                    difference = try payout.residual.value("a payout's residual")
                }
                settled = -record.net
            } else if record.type.isCardClearing {
                // FORMATS §4: "the signed total of the tenders of its group", a computed amount for
                // every card-clearing record (0.00 when the group holds no tender; unlike a tender
                // row's settled_amount, FORMATS does not say "empty: none" here).
                var total = Sum()
                for tender in groupTenders { total += items.tenders[tender].signedAmount }
                posAmount = try total.value("a group's POS amount")
                difference = isLead ? try residual?.value("a group's residual") : nil
            }
            if record.type == .payout, state.payout(of: index)?.failed == true { notes.append("a payout failure names it") }
            let expected = try state.expectedFee(ofRecord: index).map { (fee) throws(OutOfRange) -> Int64 in
                guard let value = Int64(exactly: fee) else { throw OutOfRange(what: "an expected fee", total: fee) }
                return value
            }
            return ReconciliationRow(
                item: item, status: status, category: record.type.rawValue, processor: record.processor, orderID: record.orderID,
                paymentRef: record.paymentRef, recordID: record.recordID, posAmount: posAmount, settledAmount: settled,
                difference: difference, fee: record.fee, occurredAt: record.occurredAt, settledOn: businessDate(record.occurredAt),
                payoutID: record.type == .payout ? record.payout : record.payoutID, ageDays: open ? state.age(of: item) : nil,
                note: notes.joined(separator: "; "), tenderNumber: nil, matchStep: state.formation(ofGroupOf: item)?.matchStep ?? "",
                expectedFee: expected, writtenOff: writtenOff, paymentLife: life, vendorCategory: record.vendorCategory)
        }
    }

    // MARK: Roll-forward (SEMANTICS §6.7)

    static let cardClearingCategories = ["POS_PAYMENT", "POS_REFUND", "CAPTURE", "REFUND", "REFUND_FAILURE", "ADJUSTMENT", "WRITE_OFF"]
    static let processorBalanceCategories = [
        "CAPTURE", "REFUND", "REFUND_FAILURE", "CHARGEBACK", "CHARGEBACK_REVERSAL", "FEE", "ADJUSTMENT", "PAYOUT", "PAYOUT_FAILURE",
    ]

    func rollforward(end: ReconciliationState, first: Int64, last: Int64) throws(OutOfRange) -> RollforwardLines {
        // Card clearing, per processor: opening (before the span), activity by category, closing.
        var clearingProcessors = Set<String>()
        var balanceProcessors = Set<String>()
        var opening: [String: Sum] = [:]
        var activity: [String: [String: Sum]] = [:]
        // From the items' columns (no row is made).
        for index in items.tenders.indices where items.tenderDays[index] <= last {
            let processor = items.processor(ofTender: index)
            clearingProcessors.insert(processor)
            if items.tenderDays[index] < first {
                opening[processor, default: Sum()] += items.tenderAmount[index]
            } else {
                activity[processor, default: [:]][items.tenderIsRefund[index] ? "POS_REFUND" : "POS_PAYMENT", default: Sum()] +=
                    items.tenderAmount[index]
            }
        }
        var balanceOpening: [String: Sum] = [:]
        var balanceActivity: [String: [String: Sum]] = [:]
        for index in items.records.indices where items.recordDays[index] <= last {
            let (processor, type) = (items.processor(ofRecord: index), items.recordType[index])
            let (net, gross) = (items.recordNet[index], items.recordGross[index])
            balanceProcessors.insert(processor)
            if items.recordDays[index] < first {
                balanceOpening[processor, default: Sum()] += net
            } else {
                balanceActivity[processor, default: [:]][type.rawValue, default: Sum()] += net
            }
            guard type.isCardClearing else { continue }
            clearingProcessors.insert(processor)
            if items.recordDays[index] < first {
                opening[processor, default: Sum()] -= gross
            } else {
                activity[processor, default: [:]][type.rawValue, default: Sum()] -= gross
            }
        }
        for clearing in clearings(throughDay: last) {
            if clearing.day < first {
                opening[clearing.processor, default: Sum()] = opening[clearing.processor, default: Sum()] - clearing.amount
            } else {
                activity[clearing.processor, default: [:]]["WRITE_OFF", default: Sum()] =
                    activity[clearing.processor, default: [:]]["WRITE_OFF", default: Sum()] - clearing.amount
            }
        }

        // The lines in the file's order: opening, activity and closing lines held (a few per
        // processor), ITEM lines as the item they describe (8 bytes a line).
        var held: [RollforwardLine] = []
        var parts: [RollforwardPart] = []
        func hold(_ line: RollforwardLine) {
            parts.append(.held(Int32(held.count)))
            held.append(line)
        }
        /// ITEM lines, each made once (so that a sum past 64 bits is this report's error), then in
        /// `itemPrecedes` order: by the described item's instant, from the columns; the whole
        /// lines only between items at one instant.
        func appendItems(_ items: [RollforwardPart]) throws(OutOfRange) {
            for part in items { _ = try rollforwardLine(part, held: held, end) }
            func time(_ part: RollforwardPart) -> Int64 {
                switch rollforwardItem(part, end) {
                case .tender(let index): return self.items.tenderTime[index]
                case .record(let index): return self.items.recordTime[index]
                }
            }
            func made(_ part: RollforwardPart) -> RollforwardLine {
                do {
                    return try rollforwardLine(part, held: held, end)
                } catch {
                    preconditionFailure("a roll-forward line was made when the report was, and now: \(error)")
                }
            }
            parts += items.sorted { a, b in
                let (x, y) = (time(a), time(b))
                if x != y { return x < y }
                return Self.itemPrecedes(made(a), made(b))
            }
        }
        let byteOrder: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for processor in clearingProcessors.sorted(by: byteOrder) {
            let open = opening[processor] ?? Sum()
            hold(try Self.rollforwardLine(.cardClearing, processor, .opening, "", open))
            var closing = open
            for category in Self.cardClearingCategories {
                let amount = activity[processor]?[category] ?? Sum()
                closing += amount
                hold(try Self.rollforwardLine(.cardClearing, processor, .activity, category, amount))
            }
            hold(try Self.rollforwardLine(.cardClearing, processor, .closing, "", closing))
            try appendItems(end.openGroupLeads.filter { self.processor(of: ReconciliationItem(code: $0)) == processor }.map(RollforwardPart.openGroup))
        }
        for processor in balanceProcessors.sorted(by: byteOrder) {
            let open = balanceOpening[processor] ?? Sum()
            hold(try Self.rollforwardLine(.processorBalance, processor, .opening, "", open))
            var closing = open
            for category in Self.processorBalanceCategories {
                let amount = balanceActivity[processor]?[category] ?? Sum()
                closing += amount
                hold(try Self.rollforwardLine(.processorBalance, processor, .activity, category, amount))
            }
            hold(try Self.rollforwardLine(.processorBalance, processor, .closing, "", closing))
            var items: [RollforwardPart] = []
            let columns = self.items
            for index in columns.records.indices
            where columns.processor(ofRecord: index) == processor && end.isKnown(.record(index))
                && columns.recordType[index] != .payout && !end.isPaidOut(record: index) && columns.recordNet[index] != 0
            {
                items.append(.unpaidRecord(Int32(index)))
            }
            for (number, payout) in end.payouts.enumerated() where payout.processor == processor && !payout.residual.isZero {
                guard !payout.payoutRecords.isEmpty else { continue }
                items.append(.openPayout(Int32(number)))
            }
            try appendItems(items)
        }
        let lines = held
        let order = parts
        return RollforwardLines(count: order.count) { (index) throws(OutOfRange) in
            try end.reconciliation.rollforwardLine(order[index], held: lines, end)
        }
    }

    /// A roll-forward line of an amount, which must fit in 64 bits.
    static func rollforwardLine(
        _ account: RollforwardLine.Account, _ processor: String, _ kind: RollforwardLine.Kind, _ category: String, _ amount: Sum
    ) throws(OutOfRange) -> RollforwardLine {
        RollforwardLine(account: account, processor: processor, line: kind, category: category, amount: try amount.value("a roll-forward line"))
    }

    /// The item an ITEM line describes: a group's lead, a record, a payout's first record.
    func rollforwardItem(_ part: RollforwardPart, _ end: ReconciliationState) -> ReconciliationItem {
        switch part {
        case .held: preconditionFailure("a held line describes no item")
        case .openGroup(let code): return ReconciliationItem(code: code)
        case .unpaidRecord(let index): return .record(Int(index))
        case .openPayout(let number): return .record(end.payouts[Int(number)].payoutRecords.first ?? 0)
        }
    }

    /// A line of rollforward.csv, made from its part.
    func rollforwardLine(_ part: RollforwardPart, held: [RollforwardLine], _ end: ReconciliationState) throws(OutOfRange)
        -> RollforwardLine
    {
        var line: RollforwardLine
        switch part {
        case .held(let index): return held[Int(index)]
        case .openGroup(let code):
            let lead = ReconciliationItem(code: code)
            line = try Self.rollforwardLine(
                .cardClearing, processor(of: lead), .item, category(of: lead), end.residual(ofGroupOf: lead) ?? Sum())
        case .unpaidRecord(let index):
            line = try Self.rollforwardLine(
                .processorBalance, items.processor(ofRecord: Int(index)), .item, items.recordType[Int(index)].rawValue,
                Sum(items.recordNet[Int(index)]))
        case .openPayout(let number):
            let payout = end.payouts[Int(number)]
            line = try Self.rollforwardLine(
                .processorBalance, payout.processor, .item, "PAYOUT", payout.residual)
        }
        describe(&line, rollforwardItem(part, end), end)
        return line
    }

    func category(of item: ReconciliationItem) -> String {
        switch item {
        case .tender(let index): return items.tenders[index].type == .payment ? "POS_PAYMENT" : "POS_REFUND"
        case .record(let index): return items.records[index].type.rawValue
        }
    }

    func describe(_ line: inout RollforwardLine, _ item: ReconciliationItem, _ state: ReconciliationState) {
        line.status = state.status(of: item)
        line.ageDays = state.age(of: item)
        switch item {
        case .tender(let index):
            line.orderID = items.tenders[index].orderID
            line.tenderNumber = items.tenders[index].tenderNumber
            line.occurredAt = items.tenders[index].occurredAt
        case .record(let index):
            let record = items.records[index]
            line.orderID = record.orderID
            line.recordID = record.recordID
            line.payoutID = record.type == .payout ? record.payout : record.payoutID
            line.occurredAt = record.occurredAt
        }
    }

    /// ITEM lines: by occurred_at, then tender lines (order_id, tender_no) before record lines (record_id).
    static func itemPrecedes(_ a: RollforwardLine, _ b: RollforwardLine) -> Bool {
        if a.occurredAt != b.occurredAt { return (a.occurredAt ?? Instant(nanosecondsSinceEpoch: 0)) < (b.occurredAt ?? Instant(nanosecondsSinceEpoch: 0)) }
        return itemKeyPrecedes((a.orderID, a.tenderNumber, a.recordID), (b.orderID, b.tenderNumber, b.recordID))
    }

    // MARK: Payments (SEMANTICS §6.8)

    /// What payments.csv sorts a payment by, beside its first tender's number and its own: its
    /// processor, its first occurred_at (of its first tender and first capture) and its order_id
    /// (its first tender's, else its first capture's).
    struct PaymentStart {
        var processor: String
        var firstOccurredAt: Instant
        var orderID: String?
    }

    func paymentStart(_ payment: PaymentState) -> PaymentStart {
        let firstTender = payment.paymentTenders.first.map { items.tenders[$0] }
        let firstCapture = payment.captures.first.map { items.records[$0] }
        let first = [firstTender?.occurredAt, firstCapture?.occurredAt].compactMap { $0 }.min() ?? Instant(nanosecondsSinceEpoch: 0)
        return PaymentStart(processor: payment.processor, firstOccurredAt: first, orderID: firstTender?.orderID ?? firstCapture?.orderID)
    }

    func paymentRow(_ payment: PaymentState, _ state: ReconciliationState) throws(OutOfRange) -> PaymentRow {
        let tenders = payment.paymentTenders.map { items.tenders[$0] }
        var pos = Sum()
        for tender in tenders { pos += tender.signedAmount }
        var settled = Sum()
        var fee = Sum()
        for capture in payment.captures {
            settled += items.records[capture].gross
            fee += items.records[capture].fee
        }
        let payouts = Set(payment.captures.compactMap { state.isPaidOut(record: $0) ? items.records[$0].payoutID : nil })
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let start = paymentStart(payment)
        let firstCapture = payment.captures.first.map { items.records[$0] }
        return PaymentRow(
            orderID: start.orderID,
            tenderNumbers: tenders.map { String($0.tenderNumber) }.joined(separator: ";"), processor: payment.processor,
            paymentRefs: payment.paymentRefs.joined(separator: ";"), posAmount: tenders.isEmpty ? nil : try pos.value("a payment's POS amount"),
            settledAmount: payment.captures.isEmpty ? nil : try settled.value("a payment's gross"),
            fee: payment.captures.isEmpty ? nil : try fee.value("a payment's fee"),
            settledOn: firstCapture.map { businessDate($0.occurredAt) }, payoutIDs: payouts.isEmpty ? nil : payouts.joined(separator: ";"),
            refundedAmount: try payment.refundedAmount.value("a payment's refunds"),
            chargebackAmount: try payment.chargebackAmount.value("a payment's chargebacks"), life: payment.life,
            firstOccurredAt: start.firstOccurredAt)
    }
}
