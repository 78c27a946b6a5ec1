// Match groups (SEMANTICS §6.2): which card tenders and card-clearing records belong together at
// the end of a business day, as known at T.
//
// Place in the pipeline: pure, inside `Reconciliation`. The items are numbered once, tenders in
// tender order then records in record order (`ReconciliationItems`); a grouping at the end of day
// L takes the items whose business date is at most L (those that occurred before the first instant
// of L + 1) and forms the groups in §6.2's order: MATCH overrides, failed refunds, the three
// matching steps, second captures, then everything else alone.
// Invariants: every known card tender and card-clearing record is in exactly one group; a group's
// members are in item order; a group's lead is its first tender, else its first record.
// Errors a user can see: none (what cannot be matched is a status, not an error).

/// The items of one reconciliation, sorted and numbered once.
struct ReconciliationItems {
    /// CARD tenders in tender order (occurred_at, order_id bytes, tender_no).
    let tenders: [POSTender]
    /// Each tender's index in the input.
    let tenderInputIndex: [Int]
    /// Settlement records in record order (occurred_at, processor bytes, record_id bytes).
    let records: [SettlementRecord]
    let recordInputIndex: [Int]
    /// Business dates (days since the epoch) of each tender's and record's occurred_at.
    let tenderDays: [Int64]
    let recordDays: [Int64]

    init(tenders input: [POSTender], records inputRecords: [SettlementRecord], offset: OffsetAtInstant) {
        let card = input.indices.filter { input[$0].tender == .card }
        let sortedTenders = card.sorted { a, b in Self.tenderPrecedes(input[a], input[b]) }
        tenderInputIndex = sortedTenders
        tenders = sortedTenders.map { input[$0] }
        let sortedRecords = inputRecords.indices.sorted { a, b in Self.recordPrecedes(inputRecords[a], inputRecords[b]) }
        recordInputIndex = sortedRecords
        records = sortedRecords.map { inputRecords[$0] }
        tenderDays = tenders.map { $0.occurredAt.civilDate(offsetSeconds: offset($0.occurredAt)).daysSinceEpoch }
        recordDays = records.map { $0.occurredAt.civilDate(offsetSeconds: offset($0.occurredAt)).daysSinceEpoch }
    }

    /// Tender order: occurred_at, order_id (byte order), tender_no (numerically).
    static func tenderPrecedes(_ a: POSTender, _ b: POSTender) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if a.orderID != b.orderID { return a.orderID.utf8.lexicographicallyPrecedes(b.orderID.utf8) }
        return a.tenderNumber < b.tenderNumber
    }

    /// Record order: occurred_at, processor, record_id (byte order).
    static func recordPrecedes(_ a: SettlementRecord, _ b: SettlementRecord) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if a.processor != b.processor { return a.processor.utf8.lexicographicallyPrecedes(b.processor.utf8) }
        return a.recordID.utf8.lexicographicallyPrecedes(b.recordID.utf8)
    }

    /// A tender's processor as identifiers are compared (empty when the tender has none).
    func processor(ofTender index: Int) -> String { tenders[index].processor ?? "" }
}

/// How a match group was formed (FORMATS §4 `match_step`).
public enum MatchFormation: Sendable, Hashable {
    case matchOverride
    case failedRefund
    /// A matching step, 1 to 3.
    case step(Int)
    case alone

    /// `1`, `2`, `3`, `MATCH`, or empty.
    public var matchStep: String {
        switch self {
        case .matchOverride: return "MATCH"
        case .step(let number): return String(number)
        case .failedRefund, .alone: return ""
        }
    }
}

/// One match group: its tenders and records (indices into `ReconciliationItems`, in order).
struct MatchGroup {
    var tenders: [Int]
    var records: [Int]
    var formation: MatchFormation
    /// The MATCH overrides that formed it (indices into the reconciliation's overrides).
    var overrides: [Int] = []
}

/// The groups at the end of one business day.
struct Grouping {
    /// The last business day the grouping includes (days since the epoch).
    let lastDay: Int64
    /// How many tenders and records are known (the items whose business date is at most lastDay).
    let knownTenders: [Bool]
    let knownRecords: [Bool]
    var groups: [MatchGroup] = []
    /// Each item's group, -1 when it has none (unknown yet, or a record that is not card clearing).
    var tenderGroup: [Int]
    var recordGroup: [Int]
    /// Items step 3 found candidates for but paired with none.
    var ambiguousTenders: Set<Int> = []
    var ambiguousRecords: Set<Int> = []
    /// CAPTUREs that joined a matched tender's group as a second capture (stage 4), by record.
    var secondCaptures: Set<Int> = []
    /// REFUND records cancelled by a REFUND_FAILURE (stage 2), and the failures that cancelled one.
    var cancelledRefunds: Set<Int> = []
    var cancellingFailures: Set<Int> = []
    /// The MATCH overrides applied (naming items of one processor) and those naming two processors.
    var appliedMatches: Set<Int> = []
    var refusedMatches: Set<Int> = []

    init(lastDay: Int64, items: ReconciliationItems) {
        self.lastDay = lastDay
        knownTenders = items.tenderDays.map { $0 <= lastDay }
        knownRecords = items.recordDays.map { $0 <= lastDay }
        tenderGroup = Array(repeating: -1, count: items.tenders.count)
        recordGroup = Array(repeating: -1, count: items.records.count)
    }

    mutating func add(_ group: MatchGroup) {
        let index = groups.count
        for tender in group.tenders { tenderGroup[tender] = index }
        for record in group.records { recordGroup[record] = index }
        groups.append(group)
    }
}

/// What an override names among the items (SEMANTICS §6.6), whatever the day.
struct OverrideTargets {
    var tenders: [Int]
    var records: [Int]
}

extension SettlementType {
    /// The records whose gross the journal posts against card clearing (SEMANTICS §6.1).
    var isCardClearing: Bool {
        switch self {
        case .capture, .refund, .refundFailure, .adjustment: return true
        case .chargeback, .chargebackReversal, .fee, .payout, .payoutFailure: return false
        }
    }
}

enum MatchGrouping {
    /// The groups at the end of business day `lastDay` (SEMANTICS §6.2).
    static func group(
        items: ReconciliationItems, lastDay: Int64, matchOverrides: [(index: Int, targets: OverrideTargets)],
        settings: ReconciliationSettings
    ) -> Grouping {
        var grouping = Grouping(lastDay: lastDay, items: items)
        let tenders = items.tenders
        let records = items.records
        var tenderTaken = grouping.knownTenders.map { !$0 }
        var recordTaken = grouping.knownRecords.indices.map { !grouping.knownRecords[$0] || !records[$0].type.isCardClearing }

        // 1. MATCH overrides: items named together (by one override, or linked through several)
        // form one group; an override naming items of two processors is not applied.
        var parent: [Int] = []
        var memberTenders: [[Int]] = []
        var memberRecords: [[Int]] = []
        var overridesOfSet: [[Int]] = []
        var setOfTender: [Int: Int] = [:]
        var setOfRecord: [Int: Int] = [:]
        func root(_ set: Int) -> Int {
            var set = set
            while parent[set] != set { set = parent[set] }
            return set
        }
        for (index, targets) in matchOverrides {
            let named = targets.tenders.filter { grouping.knownTenders[$0] }
            let namedRecords = targets.records.filter { grouping.knownRecords[$0] && records[$0].type.isCardClearing }
            if named.isEmpty && namedRecords.isEmpty { continue }
            let processors = Set(named.map(items.processor(ofTender:)) + namedRecords.map { records[$0].processor })
            if processors.count > 1 {
                grouping.refusedMatches.insert(index)
                continue
            }
            grouping.appliedMatches.insert(index)
            // A new set, joined with every set already holding one of its items.
            let set = parent.count
            parent.append(set)
            memberTenders.append([])
            memberRecords.append([])
            overridesOfSet.append([index])
            for tender in named {
                if let other = setOfTender[tender] { parent[root(other)] = set } else { setOfTender[tender] = set }
            }
            for record in namedRecords {
                if let other = setOfRecord[record] { parent[root(other)] = set } else { setOfRecord[record] = set }
            }
        }
        if !parent.isEmpty {
            for (tender, set) in setOfTender { memberTenders[root(set)].append(tender) }
            for (record, set) in setOfRecord { memberRecords[root(set)].append(record) }
            for set in parent.indices where parent[set] != set { overridesOfSet[root(set)] += overridesOfSet[set] }
            // Linked overrides may name two processors between them: then none of them applies.
            var matchGroups: [MatchGroup] = []
            for set in parent.indices where parent[set] == set {
                let processors = Set(memberTenders[set].map(items.processor(ofTender:)) + memberRecords[set].map { records[$0].processor })
                if processors.count > 1 {
                    for index in overridesOfSet[set] {
                        grouping.appliedMatches.remove(index)
                        grouping.refusedMatches.insert(index)
                    }
                    continue
                }
                matchGroups.append(
                    MatchGroup(
                        tenders: memberTenders[set].sorted(), records: memberRecords[set].sorted(), formation: .matchOverride,
                        overrides: overridesOfSet[set].sorted()))
            }
            matchGroups.sort { leadKey($0) < leadKey($1) }
            for group in matchGroups {
                for tender in group.tenders { tenderTaken[tender] = true }
                for record in group.records { recordTaken[record] = true }
                grouping.add(group)
            }
        }

        // 2. Failed refunds: each REFUND_FAILURE, in record order, cancels the earliest REFUND of the
        // same processor and payment_ref whose gross is minus its gross, booked at or before it.
        struct RefundKey: Hashable {
            var processor: String
            var paymentRef: String
        }
        var refundsByKey: [RefundKey: [Int]] = [:]
        for (index, record) in records.enumerated()
        where !recordTaken[index] && record.type == .refund && !(record.paymentRef ?? "").isEmpty {
            refundsByKey[RefundKey(processor: record.processor, paymentRef: record.paymentRef ?? ""), default: []].append(index)
        }
        for (index, failure) in records.enumerated() where !recordTaken[index] && failure.type == .refundFailure {
            guard let ref = failure.paymentRef, !ref.isEmpty,
                let candidates = refundsByKey[RefundKey(processor: failure.processor, paymentRef: ref)],
                let refund = candidates.first(where: {
                    !recordTaken[$0] && records[$0].gross == -failure.gross && records[$0].occurredAt <= failure.occurredAt
                })
            else { continue }
            recordTaken[refund] = true
            recordTaken[index] = true
            grouping.cancelledRefunds.insert(refund)
            grouping.cancellingFailures.insert(index)
            grouping.add(MatchGroup(tenders: [], records: [refund, index], formation: .failedRefund))
        }

        // 3. The matching steps: a PAYMENT tender with a CAPTURE, a REFUND tender with a REFUND, of
        // the same processor.
        func pairs(_ tender: POSTender, _ record: SettlementRecord) -> Bool {
            switch (tender.type, record.type) {
            case (.payment, .capture), (.refund, .refund): return true
            default: return false
            }
        }
        struct Key: Hashable {
            var processor: String
            var isRefund: Bool
            var value: String
        }
        var stepOfTender: [Int: Int] = [:]
        /// Steps 1 and 2: candidates share a key; pairs smallest |difference| first, then tender
        /// order, then record order.
        func keyedStep(_ step: Int, tenderKey: (POSTender) -> String?, recordKey: (SettlementRecord) -> String?, withinTolerance: Bool) {
            var recordsByKey: [Key: [Int]] = [:]
            for (index, record) in records.enumerated() where !recordTaken[index] && (record.type == .capture || record.type == .refund) {
                guard let value = recordKey(record), !value.isEmpty else { continue }
                recordsByKey[Key(processor: record.processor, isRefund: record.type == .refund, value: value), default: []].append(index)
            }
            var tendersByKey: [Key: [Int]] = [:]
            for (index, tender) in tenders.enumerated() where !tenderTaken[index] {
                guard let value = tenderKey(tender), !value.isEmpty else { continue }
                let key = Key(processor: items.processor(ofTender: index), isRefund: tender.type == .refund, value: value)
                if recordsByKey[key] != nil { tendersByKey[key, default: []].append(index) }
            }
            var made: [(tender: Int, record: Int)] = []
            for (key, keyTenders) in tendersByKey {
                guard let keyRecords = recordsByKey[key] else { continue }
                var candidates: [(difference: UInt64, tender: Int, record: Int)] = []
                for tender in keyTenders {
                    for record in keyRecords {
                        let difference = tenders[tender].signedAmount.subtractingReportingOverflow(records[record].gross)
                        let magnitude = difference.overflow ? UInt64.max : difference.partialValue.magnitude
                        if withinTolerance && (difference.overflow || magnitude > UInt64(settings.tolerance)) { continue }
                        candidates.append((magnitude, tender, record))
                    }
                }
                candidates.sort { ($0.difference, $0.tender, $0.record) < ($1.difference, $1.tender, $1.record) }
                for candidate in candidates where !tenderTaken[candidate.tender] && !recordTaken[candidate.record] {
                    tenderTaken[candidate.tender] = true
                    recordTaken[candidate.record] = true
                    made.append((candidate.tender, candidate.record))
                }
            }
            for pair in made {
                stepOfTender[pair.tender] = step
                grouping.add(MatchGroup(tenders: [pair.tender], records: [pair.record], formation: .step(step)))
            }
        }
        keyedStep(1, tenderKey: { $0.paymentRef }, recordKey: { $0.paymentRef }, withinTolerance: false)
        keyedStep(2, tenderKey: { $0.orderID }, recordKey: { $0.orderID }, withinTolerance: true)

        // Step 3: amount exactly equal, at most the window apart, payment_refs not both present and
        // different; a pair only when each is the other's only candidate, all candidates counted
        // before any pair is made.
        struct AmountKey: Hashable {
            var processor: String
            var isRefund: Bool
            var amount: Int64
        }
        var recordsByAmount: [AmountKey: [Int]] = [:]
        for (index, record) in records.enumerated() where !recordTaken[index] && (record.type == .capture || record.type == .refund) {
            recordsByAmount[AmountKey(processor: record.processor, isRefund: record.type == .refund, amount: record.gross), default: []]
                .append(index)
        }
        let window = settings.windowNanoseconds
        var tenderCandidates: [Int: [Int]] = [:]
        var recordCandidateCount: [Int: Int] = [:]
        for (index, tender) in tenders.enumerated() where !tenderTaken[index] {
            let key = AmountKey(processor: items.processor(ofTender: index), isRefund: tender.type == .refund, amount: tender.signedAmount)
            guard let bucket = recordsByAmount[key] else { continue }
            // The bucket is in record order, so by occurred_at: find the window's start by bisection.
            let earliest = tender.occurredAt.nanosecondsSinceEpoch.subtractingReportingOverflow(window)
            var low = 0
            var high = bucket.count
            while low < high {
                let middle = (low + high) / 2
                if !earliest.overflow && records[bucket[middle]].occurredAt.nanosecondsSinceEpoch < earliest.partialValue {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            var found: [Int] = []
            for position in low..<bucket.count {
                let record = records[bucket[position]]
                let (gap, overflow) = record.occurredAt.nanosecondsSinceEpoch.subtractingReportingOverflow(tender.occurredAt.nanosecondsSinceEpoch)
                if overflow || gap > window { break }
                if let mine = tender.paymentRef, !mine.isEmpty, let theirs = record.paymentRef, !theirs.isEmpty, mine != theirs { continue }
                found.append(bucket[position])
            }
            if found.isEmpty { continue }
            tenderCandidates[index] = found
            for record in found { recordCandidateCount[record, default: 0] += 1 }
        }
        var stepThree: [(tender: Int, record: Int)] = []
        for (tender, found) in tenderCandidates {
            if found.count == 1, recordCandidateCount[found[0]] == 1 {
                stepThree.append((tender, found[0]))
            } else {
                grouping.ambiguousTenders.insert(tender)
            }
        }
        let pairedRecords = Set(stepThree.map(\.record))
        for record in recordCandidateCount.keys where !pairedRecords.contains(record) {
            grouping.ambiguousRecords.insert(record)
        }
        stepThree.sort { $0.tender < $1.tender }
        for pair in stepThree {
            tenderTaken[pair.tender] = true
            recordTaken[pair.record] = true
            stepOfTender[pair.tender] = 3
            grouping.add(MatchGroup(tenders: [pair.tender], records: [pair.record], formation: .step(3)))
        }

        // 4. Second captures: a CAPTURE left over (not ambiguous) with the payment_ref of a PAYMENT
        // tender a step matched, or its order_id with the gross within tolerance of that tender's
        // amount, joins the first such tender's group.
        var matchedByRef: [Key: [Int]] = [:]
        var matchedByOrder: [Key: [Int]] = [:]
        for tender in stepOfTender.keys.sorted() where tenders[tender].type == .payment {
            let processor = items.processor(ofTender: tender)
            if let ref = tenders[tender].paymentRef, !ref.isEmpty {
                matchedByRef[Key(processor: processor, isRefund: false, value: ref), default: []].append(tender)
            }
            if !tenders[tender].orderID.isEmpty {
                matchedByOrder[Key(processor: processor, isRefund: false, value: tenders[tender].orderID), default: []].append(tender)
            }
        }
        if !stepOfTender.isEmpty {
            for (index, record) in records.enumerated()
            where !recordTaken[index] && record.type == .capture && !grouping.ambiguousRecords.contains(index) {
                var joined: Int?
                if let ref = record.paymentRef, !ref.isEmpty {
                    joined = matchedByRef[Key(processor: record.processor, isRefund: false, value: ref)]?.first
                }
                if let order = record.orderID, !order.isEmpty,
                    let byOrder = matchedByOrder[Key(processor: record.processor, isRefund: false, value: order)]?.first(where: {
                        let difference = tenders[$0].signedAmount.subtractingReportingOverflow(record.gross)
                        return !difference.overflow && difference.partialValue.magnitude <= UInt64(settings.tolerance)
                    })
                {
                    joined = min(joined ?? byOrder, byOrder)
                }
                guard let tender = joined else { continue }
                let group = grouping.tenderGroup[tender]
                recordTaken[index] = true
                grouping.groups[group].records.append(index)
                grouping.groups[group].records.sort()
                grouping.recordGroup[index] = group
                if record.gross > 0 { grouping.secondCaptures.insert(index) }
            }
        }

        // 5. Everything else stands alone.
        for index in tenders.indices where !tenderTaken[index] {
            grouping.add(MatchGroup(tenders: [index], records: [], formation: .alone))
        }
        for index in records.indices where !recordTaken[index] {
            grouping.add(MatchGroup(tenders: [], records: [index], formation: .alone))
        }
        return grouping
    }

    /// Orders MATCH groups by their lead (tenders before records, each in item order).
    private static func leadKey(_ group: MatchGroup) -> (Int, Int) {
        if let tender = group.tenders.first { return (0, tender) }
        return (1, group.records.first ?? 0)
    }
}
