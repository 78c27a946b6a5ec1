// The reconciliation (SEMANTICS §6): card money followed from the till to the bank, derived from
// the ledger rows as known at T every time it is asked for.
//
// Place in the pipeline: pure. The application hands in the CARD tenders, settlement records and
// overrides recorded by T with the configuration's settings and the reporting zone's offsets; this
// returns, for the end of any business day L, the match groups with their residuals, every item's
// status, the payouts, the disputes and each payment's life (`ReconciliationState`), the write-offs'
// clearings for the journal, and a span's report (ReconciliationReport.swift).
// Invariants: the reconciliation at the end of day L uses exactly the rows whose business date is
// at most L (those that occurred before the first instant of L + 1); per processor, card clearing
// (card tenders − card-clearing gross − write-offs dated by L) = the sum of the groups' residuals,
// and processor balance (all nets) = the nets not paid out + the payouts' residuals (§6.7), which
// `verify` checks against the journal. Money is summed in `Sum` (128 bits) and only narrowed when
// shown.
// Errors a user can see: `OutOfRange` when a sum passes 64 bits (a ledger beyond what the program
// adds up).

/// An override with the instant it was recorded (a WRITE_OFF without effective_on takes that day).
public struct RecordedOverride: Sendable, Hashable {
    public var override: Override
    public var recordedAt: Instant

    public init(_ override: Override, recordedAt: Instant) {
        self.override = override
        self.recordedAt = recordedAt
    }
}

/// Everything a reconciliation is made from, as known at one time.
public struct ReconciliationInput: Sendable {
    /// POS tenders of any kind (only CARD tenders are reconciled), packed in the books' order.
    public var tenders: PackedRows<POSTender>
    public var records: PackedRows<SettlementRecord>
    public var overrides: [RecordedOverride]
    public var settings: ReconciliationSettings
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    public var offset: OffsetAtInstant

    public init(
        tenders: PackedRows<POSTender>, records: PackedRows<SettlementRecord>, overrides: [RecordedOverride],
        settings: ReconciliationSettings, offset: @escaping OffsetAtInstant
    ) {
        self.tenders = tenders
        self.records = records
        self.overrides = overrides
        self.settings = settings
        self.offset = offset
    }

    public init(
        tenders: [POSTender], records: [SettlementRecord], overrides: [RecordedOverride], settings: ReconciliationSettings,
        offset: @escaping OffsetAtInstant
    ) {
        self.init(
            tenders: PackedRows(tenders), records: PackedRows(records), overrides: overrides, settings: settings, offset: offset)
    }
}

/// The statuses of SEMANTICS §6.5.
public enum ReconciliationStatus: String, Sendable, Hashable, CaseIterable {
    case overridden = "OVERRIDDEN"
    case ambiguous = "AMBIGUOUS"
    case inTransit = "IN_TRANSIT"
    case unsettled = "UNSETTLED"
    case duplicateSettlement = "DUPLICATE_SETTLEMENT"
    case amountMismatch = "AMOUNT_MISMATCH"
    case matched = "MATCHED"
    case payoutFailed = "PAYOUT_FAILED"
    case payoutOK = "PAYOUT_OK"
    case payoutMismatch = "PAYOUT_MISMATCH"
    case unmatchedSettlement = "UNMATCHED_SETTLEMENT"
    case fee = "FEE"
    case chargebackReversed = "CHARGEBACK_REVERSED"
    case chargebackOpen = "CHARGEBACK_OPEN"
    case refundFailed = "REFUND_FAILED"
    case adjustment = "ADJUSTMENT"
    case feeVariance = "FEE_VARIANCE"

    /// Whether the status asks for a person (an exception), as opposed to a normal state.
    public var isException: Bool {
        switch self {
        case .matched, .payoutOK, .fee, .chargebackReversed, .overridden, .inTransit, .refundFailed: return false
        case .ambiguous, .unsettled, .duplicateSettlement, .amountMismatch, .payoutFailed, .payoutMismatch,
            .unmatchedSettlement, .chargebackOpen, .adjustment, .feeVariance:
            return true
        }
    }
}

/// A payment's life (SEMANTICS §6.8).
public enum PaymentLife: String, Sendable, Hashable, CaseIterable {
    case disputeLost = "DISPUTE_LOST"
    case disputed = "DISPUTED"
    case disputeWon = "DISPUTE_WON"
    case refunded = "REFUNDED"
    case partiallyRefunded = "PARTIALLY_REFUNDED"
    case paidOut = "PAID_OUT"
    case settled = "SETTLED"
    case captured = "CAPTURED"
}

/// What a WRITE_OFF cleared of one match group on its day (SEMANTICS §6.3).
public struct WriteOffClearing: Sendable, Hashable {
    public var overrideID: String
    public var day: CivilDate
    public var processor: String
    /// The residual cleared (negative when it clears a credit).
    public var amount: Int64
    /// The lead item of the group cleared (a tender `order_id#tender_no` or a record id).
    public var lead: ReconciliationItem
}

/// One item: a CARD tender or a settlement record, by its index in the reconciliation's order.
public enum ReconciliationItem: Sendable, Hashable, Comparable {
    case tender(Int)
    case record(Int)

    /// The item from its `code`.
    init(code: Int32) { self = code >= 0 ? .tender(Int(code)) : .record(Int(-1 - code)) }

    /// The item in four bytes, for long lists of items (an array of them takes 16 bytes an item):
    /// a tender's index, or -1 − a record's.
    var code: Int32 {
        switch self {
        case .tender(let index): return Int32(index)
        case .record(let index): return Int32(-1 - index)
        }
    }
}

/// A payout: its PAYOUT record, its items and its residual at the end of a day.
public struct PayoutState: Sendable, Hashable {
    public var processor: String
    public var payoutID: String
    /// PAYOUT records carrying this id (normally one), in record order.
    public var payoutRecords: [Int]
    /// The other records naming it in payout_id.
    public var items: [Int]
    /// Σ nets of the items + the PAYOUT record's net.
    public var residual: Sum
    public var itemsNet: Sum
    /// A PAYOUT_FAILURE names it.
    public var failed: Bool
}

/// One payment (SEMANTICS §6.8): a group with a PAYMENT tender or a CAPTURE, and what carries one
/// of its payment_refs.
public struct PaymentState: Sendable, Hashable {
    public var group: Int
    public var processor: String
    /// The payment's PAYMENT tenders and CAPTUREs (its group's), then the REFUND tenders and the
    /// refund and dispute records that carry one of its payment_refs.
    public var paymentTenders: [Int]
    public var captures: [Int]
    public var refundTenders: [Int]
    public var refunds: [Int]
    public var refundFailures: [Int]
    public var chargebacks: [Int]
    public var chargebackReversals: [Int]
    public var paymentRefs: [String]
    public var life: PaymentLife
    public var refundedAmount: Sum
    public var chargebackAmount: Sum
}

public struct Reconciliation: Sendable {
    let items: ReconciliationItems
    let settings: ReconciliationSettings
    let overrides: [RecordedOverride]
    /// What each override names (whatever the day), by index into `overrides`.
    let targets: [OverrideTargets]
    /// Each WRITE_OFF's day, nil for the other actions.
    let writeOffDays: [Int64?]
    let offset: OffsetAtInstant
    /// Every WRITE_OFF's clearings, whatever its day (see `computeClearings`): the clearings
    /// through a day are those dated by then, since a day's depend only on that day's groups and
    /// the clearings before them.
    private(set) var allClearings: [(override: Int, day: Int64, processor: String, lead: ReconciliationItem, amount: Sum)] = []

    /// The tenders and records stay packed as they came, seen in item order.
    public init(_ input: ReconciliationInput) {
        items = ReconciliationItems(tenders: input.tenders, records: input.records, offset: input.offset)
        settings = input.settings
        offset = input.offset
        overrides = input.overrides.sorted { $0.override.overrideID.utf8.lexicographicallyPrecedes($1.override.overrideID.utf8) }
        // What overrides name: only the identifiers overrides mention are collected, in one pass.
        // Identifiers by their bytes (FORMATS §1).
        let named = overrides.flatMap { [$0.override.orderID, $0.override.paymentRef, $0.override.recordID].compactMap { $0 } }.opaqueIDs
        var tendersByOrder: [OpaqueID: [Int]] = [:]
        var tendersByRef: [OpaqueID: [Int]] = [:]
        var recordsByRef: [OpaqueID: [Int]] = [:]
        var recordsByID: [OpaqueID: [Int]] = [:]
        if !named.isEmpty {
            for (index, tender) in items.tenders.enumerated() {
                let order = OpaqueID(tender.orderID)
                if named.contains(order) { tendersByOrder[order, default: []].append(index) }
                if let ref = tender.paymentRef.map(OpaqueID.init(_:)), !ref.text.isEmpty, named.contains(ref) {
                    tendersByRef[ref, default: []].append(index)
                }
            }
            for (index, record) in items.records.enumerated() {
                let id = OpaqueID(record.recordID)
                if named.contains(id) { recordsByID[id, default: []].append(index) }
                if let ref = record.paymentRef.map(OpaqueID.init(_:)), !ref.text.isEmpty, record.type == .capture || record.type == .refund,
                    named.contains(ref)
                {
                    recordsByRef[ref, default: []].append(index)
                }
            }
        }
        let items = items
        targets = overrides.map { recorded in
            let decision = recorded.override
            func tenderFits(_ index: Int) -> Bool {
                decision.processor.map { items.processor(ofTender: index) == $0 } ?? true
            }
            func recordFits(_ index: Int) -> Bool { decision.processor.map { items.processor(ofRecord: index) == $0 } ?? true }
            var tenders = Set<Int>()
            var records = Set<Int>()
            if let order = decision.orderID {
                for index in tendersByOrder[OpaqueID(order)] ?? []
                where tenderFits(index) && (decision.tenderNumber.map { items.tenders[index].tenderNumber == $0 } ?? true) {
                    tenders.insert(index)
                }
            }
            if let ref = decision.paymentRef {
                for index in tendersByRef[OpaqueID(ref)] ?? [] where tenderFits(index) { tenders.insert(index) }
                for index in recordsByRef[OpaqueID(ref)] ?? [] where recordFits(index) { records.insert(index) }
            }
            if let id = decision.recordID {
                for index in recordsByID[OpaqueID(id)] ?? [] where recordFits(index) { records.insert(index) }
            }
            return OverrideTargets(tenders: tenders.sorted(), records: records.sorted())
        }
        let offset = input.offset
        writeOffDays = overrides.map { recorded in
            guard recorded.override.action == .writeOff else { return nil }
            let day = recorded.override.effectiveOn ?? recorded.recordedAt.civilDate(offsetSeconds: offset(recorded.recordedAt))
            return day.daysSinceEpoch
        }
        allClearings = computeClearings()
    }

    public var tenders: RowsInOrder<POSTender> { items.tenders }
    public var records: RowsInOrder<SettlementRecord> { items.records }
    /// The input index of a tender or record (for its source file and row).
    public func inputIndex(ofTender index: Int) -> Int { items.tenderInputIndex(index) }
    public func inputIndex(ofRecord index: Int) -> Int { items.recordInputIndex(index) }
    public var overrideList: [RecordedOverride] { overrides }

    /// The grouping at the end of a day, with the MATCH overrides known.
    func grouping(lastDay: Int64) -> Grouping {
        let matches = overrides.indices.filter { overrides[$0].override.action == .match }.map { ($0, targets[$0]) }
        return MatchGrouping.group(items: items, lastDay: lastDay, matchOverrides: matches, settings: settings)
    }

    /// The clearings of every WRITE_OFF whose day is at most `lastDay`, in (day, override_id) order
    /// (SEMANTICS §6.3): each clears, for every group holding an item it names, the group's
    /// residual at the end of its day, after the clearings before it.
    func clearings(throughDay lastDay: Int64) -> [(override: Int, day: Int64, processor: String, lead: ReconciliationItem, amount: Sum)] {
        allClearings.filter { $0.day <= lastDay }
    }

    /// Every WRITE_OFF's clearings in (day, override_id) order: one grouping per write-off day.
    private func computeClearings() -> [(override: Int, day: Int64, processor: String, lead: ReconciliationItem, amount: Sum)] {
        let writeOffs = overrides.indices.compactMap { index -> (Int, Int64)? in
            guard let day = writeOffDays[index] else { return nil }
            return (index, day)
        }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        var result: [(override: Int, day: Int64, processor: String, lead: ReconciliationItem, amount: Sum)] = []
        var cachedDay: Int64?
        var cached: Grouping?
        for (index, day) in writeOffs {
            if cachedDay != day {
                cached = grouping(lastDay: day)
                cachedDay = day
            }
            guard let grouping = cached else { continue }
            var hit = Set<Int>()
            for tender in targets[index].tenders where grouping.knownTenders[tender] && grouping.tenderGroup[tender] >= 0 {
                hit.insert(Int(grouping.tenderGroup[tender]))
            }
            for record in targets[index].records where grouping.knownRecords[record] && grouping.recordGroup[record] >= 0 {
                hit.insert(Int(grouping.recordGroup[record]))
            }
            for group in hit.sorted(by: { grouping.lead(of: $0) < grouping.lead(of: $1) }) {
                var residual = baseResidual(grouping, group)
                for earlier in result where contains(grouping, group, earlier.lead) { residual = residual - earlier.amount }
                if residual.isZero { continue }
                let leadItem = grouping.lead(of: group)
                result.append((index, day, processor(of: leadItem), leadItem, residual))
            }
        }
        return result
    }

    /// The write-offs' clearings for the journal: every WRITE_OFF whose day is at most `lastDay`.
    public func writeOffClearings(throughDay lastDay: CivilDate) throws(OutOfRange) -> [WriteOffClearing] {
        try clearings(throughDay: lastDay.daysSinceEpoch).map { (clearing) throws(OutOfRange) -> WriteOffClearing in
            WriteOffClearing(
                overrideID: overrides[clearing.override].override.overrideID, day: CivilDate(daysSinceEpoch: clearing.day),
                processor: clearing.processor, amount: try clearing.amount.value("a write-off"), lead: clearing.lead)
        }
    }

    /// The business dates of the earliest and latest tender or record (nil when there is none).
    public var itemDays: ClosedRange<CivilDate>? {
        let days = [items.tenderDays.min(), items.tenderDays.max(), items.recordDays.min(), items.recordDays.max()].compactMap { $0 }
        guard let first = days.min(), let last = days.max() else { return nil }
        return CivilDate(daysSinceEpoch: first)...CivilDate(daysSinceEpoch: last)
    }

    /// The days of the WRITE_OFF overrides.
    public var writeOffDayList: [CivilDate] { writeOffDays.compactMap { $0 }.map(CivilDate.init(daysSinceEpoch:)) }

    /// The latest day of any WRITE_OFF (nil when there is none): every clearing is dated by then.
    public var lastWriteOffDay: CivilDate? { writeOffDays.compactMap { $0 }.max().map(CivilDate.init(daysSinceEpoch:)) }

    /// The reconciliation at the end of business day `lastDay`.
    public func state(atEndOf lastDay: CivilDate) -> ReconciliationState {
        ReconciliationState(self, lastDay: lastDay.daysSinceEpoch)
    }

    /// The groups' residuals and the payouts at the end of `lastDay`, without statuses or
    /// payments (`status(of:)` and `payment(of:)` answer nil): for the balances' checks.
    public func balances(atEndOf lastDay: CivilDate) -> ReconciliationState {
        ReconciliationState(self, lastDay: lastDay.daysSinceEpoch, balancesOnly: true)
    }

    // MARK: Helpers shared with the state

    func processor(of item: ReconciliationItem) -> String { items.processorNames[Int(items.processorNumber(of: item))] }

    func contains(_ grouping: Grouping, _ group: Int, _ item: ReconciliationItem) -> Bool {
        switch item {
        case .tender(let index): return grouping.tenderGroup[index] == group
        case .record(let index): return grouping.recordGroup[index] == group
        }
    }

    /// Σ POS amounts − Σ gross of a group, before write-offs.
    func baseResidual(_ grouping: Grouping, _ group: Int) -> Sum {
        var residual = Sum()
        for tender in grouping.tenders(of: group) { residual += items.tenderAmount[Int(tender)] }
        for record in grouping.records(of: group) { residual -= items.recordGross[Int(record)] }
        return residual
    }

    func businessDate(_ instant: Instant) -> CivilDate { instant.civilDate(offsetSeconds: offset(instant)) }
}

/// The reconciliation at the end of one business day L (SEMANTICS §6.2–§6.8).
public struct ReconciliationState: Sendable {
    public let lastDay: CivilDate
    let reconciliation: Reconciliation
    let grouping: Grouping
    /// Σ cleared by write-offs whose lead a group holds (only the groups some write-off cleared:
    /// few, where an array held 16 bytes for every group), and per group the residual after them.
    var writtenOff: [Int: Sum]
    var residuals: SumColumn
    /// The write-offs (override indices) whose clearings a group holds.
    var writeOffsOfGroup: [Int: [Int]] = [:]
    var tenderStatus: [ReconciliationStatus?]
    var recordStatus: [ReconciliationStatus?]
    /// Overrides that apply at L, by the items they name.
    var overridesOfTender: [Int: [Int]] = [:]
    var overridesOfRecord: [Int: [Int]] = [:]
    /// Payouts by (processor, payout id).
    public private(set) var payouts: [PayoutState] = []
    /// Per record: the payout it is paid out in, or a PAYOUT record's own (-1: none).
    var payoutOfRecord: [Int32]
    /// Chargebacks reversed, reversals that reversed one, and second chargebacks.
    var reversedChargebacks: Set<Int> = []
    var reversingReversals: Set<Int> = []
    var secondChargebacks: Set<Int> = []
    /// The payments: each one's group, life, and the items attached by ref (refund tenders,
    /// refunds, refund failures, chargebacks, reversals), listed per payment in item order (as
    /// their codes).
    var paymentGroups: [Int32] = []
    var paymentLives: [PaymentLife] = []
    var attachedStart: [Int32] = [0]
    var attachedItems: [Int32] = []
    /// The payment of each tender or record that belongs to one (-1: none).
    var paymentOfTender: [Int32]
    var paymentOfRecord: [Int32]

    /// `balancesOnly`: the groups, their residuals and the payouts, without statuses, disputes and
    /// payments (what `verify`'s §7.8 check reads at every month end).
    init(_ reconciliation: Reconciliation, lastDay: Int64, balancesOnly: Bool = false) {
        self.lastDay = CivilDate(daysSinceEpoch: lastDay)
        self.reconciliation = reconciliation
        let grouping = reconciliation.grouping(lastDay: lastDay)
        self.grouping = grouping
        let items = reconciliation.items
        let records = items.records

        // Write-offs cleared up to L, each subtracted from the group now holding the cleared lead.
        var writtenOff: [Int: Sum] = [:]
        var writeOffsOfGroup: [Int: [Int]] = [:]
        for clearing in reconciliation.clearings(throughDay: lastDay) {
            let group: Int32
            switch clearing.lead {
            case .tender(let index): group = grouping.tenderGroup[index]
            case .record(let index): group = grouping.recordGroup[index]
            }
            guard group >= 0 else { continue }
            writtenOff[Int(group), default: Sum()] += clearing.amount
            writeOffsOfGroup[Int(group), default: []].append(clearing.override)
        }
        var residuals = SumColumn(count: grouping.count)
        for group in 0..<grouping.count {
            residuals.add(reconciliation.baseResidual(grouping, group) - (writtenOff[group] ?? Sum()), at: group)
        }
        self.residuals = residuals
        self.writtenOff = writtenOff
        self.writeOffsOfGroup = writeOffsOfGroup

        // Overrides that apply: MATCH (when applied) and IGNORE as soon as known, WRITE_OFF from its day.
        for (index, recorded) in reconciliation.overrides.enumerated() {
            switch recorded.override.action {
            case .match: if !grouping.appliedMatches.contains(index) { continue }
            case .ignore: break
            case .writeOff: if (reconciliation.writeOffDays[index] ?? Int64.max) > lastDay { continue }
            }
            for tender in reconciliation.targets[index].tenders where grouping.knownTenders[tender] {
                overridesOfTender[tender, default: []].append(index)
            }
            for record in reconciliation.targets[index].records where grouping.knownRecords[record] {
                overridesOfRecord[record, default: []].append(index)
            }
        }

        // Payouts (SEMANTICS §6.4): a PAYOUT record's id, its items, its residual.
        payoutOfRecord = Array(repeating: -1, count: records.count)
        struct PayoutKey: Hashable {
            var processor: Int32
            /// By its bytes (FORMATS §1).
            var id: OpaqueID
        }
        var payoutIndex: [PayoutKey: Int] = [:]
        for index in records.indices where grouping.knownRecords[index] && items.recordType[index] == .payout {
            let record = records[index]
            let key = PayoutKey(processor: items.recordProcessor[index], id: OpaqueID(record.payout ?? record.recordID))
            if let existing = payoutIndex[key] {
                payouts[existing].payoutRecords.append(index)
                payouts[existing].residual += record.net
            } else {
                payoutIndex[key] = payouts.count
                payouts.append(
                    PayoutState(
                        processor: record.processor, payoutID: key.id.text, payoutRecords: [index], items: [], residual: Sum(record.net),
                        itemsNet: Sum(), failed: false))
            }
            payoutOfRecord[index] = Int32(payoutIndex[key] ?? -1)
        }
        if !payoutIndex.isEmpty {
            // A record's payout_id found by the hash of its bytes (no record or string made), then
            // compared byte for byte.
            var payoutsByHash: [UInt32: [(key: PayoutKey, payout: Int)]] = [:]
            for (key, payout) in payoutIndex {
                let hash = ReconciliationItems.keyHash(identifierHash: ReconciliationItems.identifierHash(key.id.text), key.processor, 0)
                payoutsByHash[hash, default: []].append((key, payout))
            }
            func payout(paying index: Int) -> Int? {
                guard let id = items.recordPayoutID(index) else { return nil }
                let processor = items.recordProcessor[index]
                let hash = ReconciliationItems.keyHash(identifierHash: ReconciliationItems.identifierHash(id), processor, 0)
                return payoutsByHash[hash]?.first { $0.key.processor == processor && $0.key.id.text.utf8.elementsEqual(id) }?.payout
            }
            for index in records.indices where grouping.knownRecords[index] && items.recordType[index] != .payout {
                if let payout = payout(paying: index) {
                    payouts[payout].items.append(index)
                    payouts[payout].residual += items.recordNet[index]
                    payouts[payout].itemsNet += items.recordNet[index]
                    payoutOfRecord[index] = Int32(payout)
                }
                if items.recordType[index] == .payoutFailure, let failed = records[index].paymentRef,
                    let payout = payoutIndex[PayoutKey(processor: items.recordProcessor[index], id: OpaqueID(failed))]
                {
                    payouts[payout].failed = true
                }
            }
        }

        paymentOfTender = Array(repeating: -1, count: items.tenders.count)
        paymentOfRecord = Array(repeating: -1, count: records.count)
        tenderStatus = Array(repeating: nil, count: items.tenders.count)
        recordStatus = Array(repeating: nil, count: records.count)
        if balancesOnly { return }

        // Chargebacks (SEMANTICS §6.4): per processor and payment_ref, in record order.
        struct DisputeKey: Hashable {
            var processor: Int32
            /// By its bytes (FORMATS §1).
            var ref: OpaqueID
        }
        var openChargebacks: [DisputeKey: [Int]] = [:]
        var reversedPayments = Set<DisputeKey>()
        for index in records.indices
        where grouping.knownRecords[index] && (items.recordType[index] == .chargeback || items.recordType[index] == .chargebackReversal) {
            let record = records[index]
            guard let ref = record.paymentRef, !ref.isEmpty else { continue }
            let key = DisputeKey(processor: items.recordProcessor[index], ref: OpaqueID(ref))
            if record.type == .chargeback {
                if reversedPayments.contains(key) { secondChargebacks.insert(index) }
                openChargebacks[key, default: []].append(index)
            } else {
                // Only a reversal that reversed a chargeback makes a later one a second chargeback.
                if var open = openChargebacks[key], !open.isEmpty {
                    reversedChargebacks.insert(open.removeFirst())
                    openChargebacks[key] = open
                    reversingReversals.insert(index)
                    reversedPayments.insert(key)
                }
            }
        }

        for index in items.tenders.indices where grouping.knownTenders[index] { tenderStatus[index] = statusOf(tender: index) }
        for index in records.indices where grouping.knownRecords[index] { recordStatus[index] = statusOf(record: index) }
        findPayments()
    }

    // MARK: Statuses (SEMANTICS §6.5)

    var tolerance: UInt64 { UInt64(reconciliation.settings.tolerance) }

    func group(of item: ReconciliationItem) -> Int? {
        let group: Int32
        switch item {
        case .tender(let index): group = grouping.tenderGroup[index]
        case .record(let index): group = grouping.recordGroup[index]
        }
        return group >= 0 ? Int(group) : nil
    }

    /// Whole days from the item's business date to L.
    public func age(of item: ReconciliationItem) -> Int64 {
        switch item {
        case .tender(let index): return grouping.lastDay - reconciliation.items.tenderDays[index]
        case .record(let index): return grouping.lastDay - reconciliation.items.recordDays[index]
        }
    }

    private func statusOf(tender index: Int) -> ReconciliationStatus {
        let group = Int(grouping.tenderGroup[index])
        if overridesOfTender[index] != nil || writeOffsOfGroup[group] != nil { return .overridden }
        if grouping.ambiguousTenders[index] { return .ambiguous }
        let records = grouping.records(of: group)
        if records.isEmpty {
            return age(of: .tender(index)) <= reconciliation.settings.lagDays ? .inTransit : .unsettled
        }
        if records.contains(where: { grouping.secondCaptures[Int($0)] }) { return .duplicateSettlement }
        // Before write-offs: |Σ POS amounts − Σ gross|.
        if (residuals[group] + (writtenOff[group] ?? Sum())).total.magnitude > UInt128(tolerance) { return .amountMismatch }
        return .matched
    }

    private func statusOf(record index: Int) -> ReconciliationStatus {
        let items = reconciliation.items
        let group = Int(grouping.recordGroup[index])
        if overridesOfRecord[index] != nil || (group >= 0 && writeOffsOfGroup[group] != nil) { return .overridden }
        let type = items.recordType[index]
        switch type {
        case .payout:
            let payout = Int(payoutOfRecord[index])
            guard payout >= 0 else { return .payoutMismatch }
            if payouts[payout].failed { return .payoutFailed }
            return payouts[payout].residual.isZero ? .payoutOK : .payoutMismatch
        case .payoutFailure:
            let record = items.records[index]
            let named = record.paymentRef.map { ref in
                payouts.contains { $0.processor == record.processor && $0.payoutID == ref }
            } ?? false
            return named ? .matched : .unmatchedSettlement
        case .fee:
            return .fee
        case .chargeback:
            return reversedChargebacks.contains(index) ? .chargebackReversed : .chargebackOpen
        case .chargebackReversal:
            return reversingReversals.contains(index) ? .chargebackReversed : .unmatchedSettlement
        case .refundFailure:
            return grouping.cancellingFailures[index] ? .refundFailed : .unmatchedSettlement
        case .adjustment:
            return .adjustment
        case .capture, .refund:
            if grouping.cancelledRefunds[index] { return .refundFailed }
            if grouping.ambiguousRecords[index] { return .ambiguous }
            if grouping.secondCaptures[index] { return .duplicateSettlement }
            if group < 0 || grouping.tenders(of: group).isEmpty { return .unmatchedSettlement }
            if type == .capture, let expected = expectedFee(ofRecord: index),
                (Int128(items.recordGross[index]) - Int128(items.recordNet[index]) - expected).magnitude > UInt128(tolerance)
            {
                return .feeVariance
            }
            return .matched
        }
    }

    /// A CAPTURE's expected fee from the schedule, when it has an entry (SEMANTICS §6.5).
    public func expectedFee(ofRecord index: Int) -> Int128? {
        let items = reconciliation.items
        guard items.recordType[index] == .capture, !reconciliation.settings.fees.isEmpty,
            let entry = reconciliation.settings.feeEntry(
                processor: items.processor(ofRecord: index), paymentMethod: items.records[index].paymentMethod)
        else { return nil }
        return entry.expectedFee(gross: items.recordGross[index])
    }

    // MARK: Open items (SEMANTICS §6.7)

    /// Whether an item is open at the end of L: its group's residual is not 0, or (a record) it is
    /// not paid out and its net is not 0, or (a PAYOUT record) its payout's residual is not 0.
    public func isOpen(_ item: ReconciliationItem) -> Bool {
        if let group = group(of: item), !residuals.isZero(group) { return true }
        guard case .record(let index) = item else { return false }
        if reconciliation.items.recordType[index] == .payout {
            let payout = Int(payoutOfRecord[index])
            return payout >= 0 && !payouts[payout].residual.isZero
        }
        return payoutOfRecord[index] < 0 && reconciliation.items.recordNet[index] != 0
    }

    public func isKnown(_ item: ReconciliationItem) -> Bool {
        switch item {
        case .tender(let index): return grouping.knownTenders[index]
        case .record(let index): return grouping.knownRecords[index]
        }
    }

    public func status(of item: ReconciliationItem) -> ReconciliationStatus? {
        switch item {
        case .tender(let index): return tenderStatus[index]
        case .record(let index): return recordStatus[index]
        }
    }

    /// The members of an item's match group (itself alone when it has none), in item order.
    public func groupMembers(of item: ReconciliationItem) -> [ReconciliationItem] {
        guard let group = group(of: item) else { return [item] }
        return grouping.tenders(of: group).map { .tender(Int($0)) } + grouping.records(of: group).map { .record(Int($0)) }
    }

    /// The lead of an item's group (itself when it has none).
    public func lead(of item: ReconciliationItem) -> ReconciliationItem {
        guard let group = group(of: item) else { return item }
        return grouping.lead(of: group)
    }

    public func residual(ofGroupOf item: ReconciliationItem) -> Sum? { group(of: item).map { residuals[$0] } }
    public func writtenOff(ofGroupOf item: ReconciliationItem) -> Sum? {
        guard let group = group(of: item), writeOffsOfGroup[group] != nil else { return nil }
        return writtenOff[group] ?? Sum()
    }
    public func formation(ofGroupOf item: ReconciliationItem) -> MatchFormation? {
        group(of: item).map { grouping.formations[$0] }
    }
    /// The payout a record is paid out in (for a PAYOUT record: its own).
    public func payout(of record: Int) -> PayoutState? {
        let payout = payoutOfRecord[record]
        return payout >= 0 ? payouts[Int(payout)] : nil
    }
    public func isPaidOut(record: Int) -> Bool { payoutOfRecord[record] >= 0 && reconciliation.items.recordType[record] != .payout }

    /// The overrides that apply to an item (by their index in `Reconciliation.overrideList`), and
    /// the write-offs that cleared its group.
    public func overrides(of item: ReconciliationItem) -> [Int] {
        var found: [Int]
        switch item {
        case .tender(let index): found = overridesOfTender[index] ?? []
        case .record(let index): found = overridesOfRecord[index] ?? []
        }
        if let group = group(of: item) { found += writeOffsOfGroup[group] ?? [] }
        return Array(Set(found)).sorted()
    }

    /// Whether step 3 saw candidates for the item and paired it with none.
    public func isAmbiguous(_ item: ReconciliationItem) -> Bool {
        switch item {
        case .tender(let index): return grouping.ambiguousTenders[index]
        case .record(let index): return grouping.ambiguousRecords[index]
        }
    }

    /// Overrides known (as known at T) that name nothing known at L.
    public var overridesNamingNothing: [Int] {
        reconciliation.overrides.indices.filter { index in
            !reconciliation.targets[index].tenders.contains { grouping.knownTenders[$0] }
                && !reconciliation.targets[index].records.contains { grouping.knownRecords[$0] }
        }
    }
    /// MATCH overrides not applied: they name items of two processors.
    public var refusedMatches: [Int] { grouping.refusedMatches.sorted() }

    /// The groups of L with a residual (open card-clearing items), by their lead.
    public var openGroups: [(lead: ReconciliationItem, residual: Sum)] {
        (0..<grouping.count).filter { !residuals.isZero($0) }.map { (grouping.lead(of: $0), residuals[$0]) }
    }

    /// The leads of the groups of L with a residual, as their codes, in the groups' order.
    var openGroupLeads: [Int32] { (0..<grouping.count).filter { !residuals.isZero($0) }.map { grouping.lead(of: $0).code } }

    // MARK: Payments (SEMANTICS §6.8)

    /// Finds the payments: the groups with a PAYMENT tender or a CAPTURE, in the order of their
    /// leads (so a ref shared by two belongs to the first), then what carries one of their refs.
    /// Kept compact (a group per payment, the attached items in one list): a month holds as many
    /// payments as card tenders.
    private mutating func findPayments() {
        let items = reconciliation.items
        let records = items.records
        // The groups in the order of their leads, without sorting: tender-led groups as their lead
        // tenders come (a group's lead is its first tender), then the groups of records alone.
        var order: [Int32] = []
        order.reserveCapacity(grouping.count)
        for (tender, group) in grouping.tenderGroup.enumerated() where group >= 0 && grouping.tenders(of: Int(group)).first == Int32(tender) {
            order.append(group)
        }
        for (record, group) in grouping.recordGroup.enumerated()
        where group >= 0 && grouping.tenders(of: Int(group)).isEmpty && grouping.records(of: Int(group)).first == Int32(record) {
            order.append(group)
        }
        paymentGroups.reserveCapacity(order.count)
        for group in order.lazy.map(Int.init) {
            var isPayment = false
            for tender in grouping.tenders(of: group) where !items.tenderIsRefund[Int(tender)] { isPayment = true }
            for record in grouping.records(of: group) where items.recordType[Int(record)] == .capture { isPayment = true }
            guard isPayment else { continue }
            let payment = Int32(paymentGroups.count)
            // A group's items are all of one processor (§6.2): each one's own is the payment's.
            for tender in grouping.tenders(of: group) { paymentOfTender[Int(tender)] = payment }
            for record in grouping.records(of: group) { paymentOfRecord[Int(record)] = payment }
            paymentGroups.append(Int32(group))
        }
        order = []

        // The items looking for a payment by their ref: refund tenders in none, and the refunds,
        // refund failures, chargebacks and reversals. Few, where the PAYMENT tenders and CAPTUREs
        // carrying a ref are as many as the payments: so the few are chained by the hash of
        // (processor, ref), and the carriers walked once, in the payments' order, each finding the
        // askers of its ref that have no payment yet (so each asker gets its ref's first payment).
        var askers: [ReconciliationItem] = []
        var askerRefs: [ArraySlice<UInt8>] = []
        var askerProcessors: [Int32] = []
        func ask(_ item: ReconciliationItem, _ ref: ArraySlice<UInt8>?, _ processor: Int32) {
            guard let ref, !ref.isEmpty else { return }
            askers.append(item)
            askerRefs.append(ref)
            askerProcessors.append(processor)
        }
        for index in items.tenders.indices where grouping.knownTenders[index] && items.tenderIsRefund[index] && paymentOfTender[index] < 0 {
            ask(.tender(index), items.tenderRef(index), items.tenderProcessor[index])
        }
        for index in records.indices where grouping.knownRecords[index] {
            switch items.recordType[index] {
            case .refund, .refundFailure, .chargeback, .chargebackReversal: ask(.record(index), items.recordRef(index), items.recordProcessor[index])
            default: continue
            }
        }
        var askerPayment = [Int32](repeating: -1, count: askers.count)
        if !askers.isEmpty {
            var chains = HashChains(itemCount: askers.count, expected: askers.count)
            for asker in askers.indices.reversed() {
                chains.insert(
                    asker,
                    hash: ReconciliationItems.keyHash(
                        identifierHash: ReconciliationItems.identifierHash(askerRefs[asker]), askerProcessors[asker], 0))
            }
            func answer(_ payment: Int32, hash: UInt32, ref: ArraySlice<UInt8>?, processor: Int32) {
                chains.forEach(hash: hash) { asker in
                    guard askerPayment[asker] < 0, askerProcessors[asker] == processor,
                        ReconciliationItems.sameIdentifier(askerRefs[asker], ref)
                    else { return }
                    askerPayment[asker] = payment
                }
            }
            // The carriers: each payment's PAYMENT tenders, then its CAPTUREs, with a ref (their
            // hashes, processor and direction 0, were made with the items).
            for (payment, group) in paymentGroups.enumerated() {
                for tender in grouping.tenders(of: Int(group)).lazy.map(Int.init)
                where !items.tenderIsRefund[tender] && items.tenderRefHash[tender] != 0 {
                    answer(Int32(payment), hash: items.tenderRefHash[tender], ref: items.tenderRef(tender), processor: items.tenderProcessor[tender])
                }
                for record in grouping.records(of: Int(group)).lazy.map(Int.init)
                where items.recordType[record] == .capture && items.recordRefHash[record] != 0 {
                    answer(Int32(payment), hash: items.recordRefHash[record], ref: items.recordRef(record), processor: items.recordProcessor[record])
                }
            }
        }
        askerRefs = []
        var answers: [ReconciliationItem: Int32] = [:]
        for (asker, payment) in askerPayment.enumerated() where payment >= 0 { answers[askers[asker]] = payment }
        askers = []
        askerPayment = []
        func payment(carrying item: ReconciliationItem) -> Int32? { answers[item] }
        var attached: [(payment: Int32, item: ReconciliationItem)] = []
        for index in items.tenders.indices where grouping.knownTenders[index] && items.tenderIsRefund[index] && paymentOfTender[index] < 0 {
            guard let payment = payment(carrying: .tender(index)) else { continue }
            attached.append((payment, .tender(index)))
            paymentOfTender[index] = payment
        }
        for index in records.indices where grouping.knownRecords[index] {
            switch items.recordType[index] {
            case .refund, .refundFailure, .chargeback, .chargebackReversal: break
            default: continue
            }
            guard let payment = payment(carrying: .record(index)) else { continue }
            attached.append((payment, .record(index)))
            // A REFUND matched with a POS refund: that refund tender belongs to the payment too.
            if items.recordType[index] == .refund, grouping.recordGroup[index] >= 0 {
                for tender in grouping.tenders(of: Int(grouping.recordGroup[index]))
                where items.tenderIsRefund[Int(tender)] && paymentOfTender[Int(tender)] != payment {
                    attached.append((payment, .tender(Int(tender))))
                    paymentOfTender[Int(tender)] = payment
                }
            }
            if paymentOfRecord[index] < 0 { paymentOfRecord[index] = payment }
        }
        attached.sort { ($0.payment, $0.item) < ($1.payment, $1.item) }
        attachedStart = Array(repeating: 0, count: paymentGroups.count + 1)
        for entry in attached { attachedStart[Int(entry.payment) + 1] += 1 }
        for index in 0..<paymentGroups.count { attachedStart[index + 1] += attachedStart[index] }
        attachedItems = attached.map(\.item.code)
        paymentLives = (0..<paymentGroups.count).map { life(of: $0) }
    }

    /// Payment `index`'s whole story (allocates its lists: for reports and drill-downs).
    func paymentState(_ index: Int) -> PaymentState {
        let items = reconciliation.items
        let records = items.records
        let group = Int(paymentGroups[index])
        let paymentTenders = grouping.tenders(of: group).map(Int.init).filter { items.tenders[$0].type == .payment }
        let captures = grouping.records(of: group).map(Int.init).filter { records[$0].type == .capture }
        var refs: [String] = []
        for tender in paymentTenders { if let ref = items.tenders[tender].paymentRef, !ref.isEmpty, !refs.contains(ref) { refs.append(ref) } }
        for record in captures { if let ref = records[record].paymentRef, !ref.isEmpty, !refs.contains(ref) { refs.append(ref) } }
        var state = PaymentState(
            group: group, processor: reconciliation.processor(of: grouping.lead(of: group)), paymentTenders: paymentTenders,
            captures: captures, refundTenders: [], refunds: [], refundFailures: [], chargebacks: [], chargebackReversals: [],
            paymentRefs: refs, life: paymentLives[index], refundedAmount: Sum(), chargebackAmount: Sum())
        for item in attachedItems[Int(attachedStart[index])..<Int(attachedStart[index + 1])].lazy.map(ReconciliationItem.init(code:)) {
            switch item {
            case .tender(let tender): state.refundTenders.append(tender)
            case .record(let record):
                switch records[record].type {
                case .refund:
                    state.refunds.append(record)
                    if !grouping.cancelledRefunds[record] { state.refundedAmount -= records[record].gross }
                case .refundFailure: state.refundFailures.append(record)
                case .chargeback:
                    state.chargebacks.append(record)
                    if !reversedChargebacks.contains(record) { state.chargebackAmount -= records[record].gross }
                default: state.chargebackReversals.append(record)
                }
            }
        }
        return state
    }

    /// The payment's life (SEMANTICS §6.8).
    private func life(of index: Int) -> PaymentLife {
        let items = reconciliation.items
        var refunded = Sum()
        var hasChargebacks = false
        var unreversed = false
        var lost = false
        for item in attachedItems[Int(attachedStart[index])..<Int(attachedStart[index + 1])].lazy.map(ReconciliationItem.init(code:)) {
            guard case .record(let record) = item else { continue }
            switch items.recordType[record] {
            case .refund where !grouping.cancelledRefunds[record]:
                refunded -= items.recordGross[record]
            case .chargeback:
                hasChargebacks = true
                guard !reversedChargebacks.contains(record) else { continue }
                unreversed = true
                let accepted = (overridesOfRecord[record] ?? []).contains { reconciliation.overrides[$0].override.action != .match }
                if secondChargebacks.contains(record) || accepted { lost = true }
            default:
                break
            }
        }
        if lost { return .disputeLost }
        if unreversed { return .disputed }
        if hasChargebacks { return .disputeWon }
        let group = Int(paymentGroups[index])
        var captured = Sum()
        var captures = 0
        var paidOut = 0
        for record in grouping.records(of: group) where items.recordType[Int(record)] == .capture {
            captured += items.recordGross[Int(record)]
            captures += 1
            if payoutOfRecord[Int(record)] >= 0 { paidOut += 1 }
        }
        if captures == 0 {
            for tender in grouping.tenders(of: group) where !items.tenderIsRefund[Int(tender)] {
                captured += items.tenderAmount[Int(tender)]
            }
        }
        if !refunded.isZero && refunded.total >= captured.total { return .refunded }
        if !refunded.isZero { return .partiallyRefunded }
        if captures > 0 && paidOut == captures { return .paidOut }
        if captures > 0 { return .settled }
        return .captured
    }

    /// The life of the payment an item belongs to (a refund: the payment it refunds).
    public func life(of item: ReconciliationItem) -> PaymentLife? {
        let payment: Int32
        switch item {
        case .tender(let index): payment = paymentOfTender[index]
        case .record(let index): payment = paymentOfRecord[index]
        }
        return payment >= 0 ? paymentLives[Int(payment)] : nil
    }

    /// The payment an item belongs to (a refund tender or record: the payment it refunds).
    public func payment(of item: ReconciliationItem) -> PaymentState? {
        let payment: Int32
        switch item {
        case .tender(let index): payment = paymentOfTender[index]
        case .record(let index): payment = paymentOfRecord[index]
        }
        return payment >= 0 ? paymentState(Int(payment)) : nil
    }

    /// The payment's number (its index among the payments), for listing each payment once.
    public func paymentNumber(of item: ReconciliationItem) -> Int? {
        let payment: Int32
        switch item {
        case .tender(let index): payment = paymentOfTender[index]
        case .record(let index): payment = paymentOfRecord[index]
        }
        return payment >= 0 ? Int(payment) : nil
    }
}
