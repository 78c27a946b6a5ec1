// A second, slow, deliberately naive reading of the reconciliation's grouping and statuses
// (SEMANTICS §6.1–§6.7), written from the spec alone so that the property tests can hold the real
// engine equal to it. Plain arrays and nested loops, no indexes, everything recomputed from the
// rows for every day asked: each rule is one loop that can be read against the spec's sentence.
//
// Items are named by their natural keys (a tender by order_id and tender_no, a record by processor
// and record_id), never by an index, so nothing here depends on how the engine numbers them.
// Business dates are UTC dates (the tests' reporting time zone).

@testable import CountinghouseCore

/// An item by its natural key.
enum ModelKey: Hashable, CustomStringConvertible {
    case tender(order: String, number: Int64)
    case record(processor: String, id: String)

    var description: String {
        switch self {
        case .tender(let order, let number): return "\(order)#\(number)"
        case .record(let processor, let id): return "\(processor)/\(id)"
        }
    }
}

/// One amount a write-off cleared (§6.3).
struct ModelClearing: Hashable, CustomStringConvertible {
    var overrideID: String
    var day: Int64
    var processor: String
    var amount: Int128
    /// The lead of the group it cleared.
    var lead: ModelKey
    /// The members of the group it cleared, on its day (for the tests' tally only).
    var clearedMembers: [ModelKey] = []

    var description: String { "\(overrideID)@\(CivilDate(daysSinceEpoch: day)) \(processor) \(amount) lead \(lead)" }
}

/// A payout at the end of a day (§6.4).
struct ModelPayout: Hashable {
    var processor: String
    var id: String
    var residual: Int128
}

/// One match group: its members in item order (tenders in tender order, then records in record order).
struct ModelGroup {
    var tenders: [Int]
    var records: [Int]
    var formation: MatchFormation
}

/// The match groups at the end of one day, and what the stages noted on the way.
struct ModelGrouping {
    var groups: [ModelGroup] = []
    var ambiguousTenders: [Int] = []
    var ambiguousRecords: [Int] = []
    /// Second captures (stage 4), whatever the sign of their gross.
    var secondCaptures: [Int] = []
    var cancelledRefunds: [Int] = []
    var cancellingFailures: [Int] = []
    /// MATCH overrides (indices into the model's overrides) that were refused or applied.
    var refusedMatches: [Int] = []
    var appliedMatches: [Int] = []

    func group(ofTender index: Int) -> Int? { groups.indices.first { groups[$0].tenders.contains(index) } }
    func group(ofRecord index: Int) -> Int? { groups.indices.first { groups[$0].records.contains(index) } }
}

/// Everything the model says about the end of one day.
struct ModelState {
    var lastDay: Int64
    /// Card tenders and records known at the end of the day, by key.
    var known: [ModelKey] = []
    var status: [ModelKey: ReconciliationStatus] = [:]
    /// The members of an item's group (itself alone when it has no group), as keys.
    var members: [ModelKey: [ModelKey]] = [:]
    /// The residual of an item's group; absent for records that are in no group.
    var residual: [ModelKey: Int128] = [:]
    var formation: [ModelKey: MatchFormation] = [:]
    /// Records paid out at the end of the day: PAYOUT records themselves and the items of known payouts.
    var paidOut: [ModelKey] = []
    /// Open items (§6.7).
    var open: [ModelKey] = []
    var payouts: [ModelPayout] = []
    var clearings: [ModelClearing] = []
    /// What the stages did, for the tests' tally: second captures (by sign), refused MATCHes.
    var secondCaptures: [Int64] = []
    var refusedMatches = 0
    /// Override ids: MATCHes naming two processors (not applied); overrides naming nothing known.
    var refused: [String] = []
    var namingNothing: [String] = []
    /// The lead of an item's group (itself when it has none).
    var lead: [ModelKey: ModelKey] = [:]
    /// Clearings now subtracted from a group other than the one they cleared; groups with several.
    var regroupedClearings = 0
    var groupsClearedTwice = 0
    /// §6.7 per processor: Σ residuals of its groups (by the lead's processor).
    var residualsByProcessor: [String: Int128] = [:]
}

/// Where the spec can be read two ways, the reading the model takes; the defaults are the model's
/// reading of the spec, which the engine follows (the other readings stay for exploring).
struct ModelReadings: Sendable {
    /// A write-off also "clears" a group whose residual on its day is 0 (a clearing of 0, and the
    /// group counts as "cleared" for §6.5's OVERRIDDEN). §6.3 can be read either way; the default
    /// is the engine's: nothing to clear, no clearing, and the group's other items keep their status.
    var zeroClearings = false
    /// A MATCH that applies makes OVERRIDDEN every item it names, also the records it cannot put
    /// in a group (CHARGEBACK, FEE, PAYOUT, …), even when it names no tender or card-clearing record.
    var matchOverridesEveryItemItNames = true
    /// "A MATCH naming items of two processors is not applied": every item it names counts (§6.1's
    /// items: card tenders and settlement records of any type), not only those it would group.
    var twoProcessorsCountEveryNamedItem = true
    /// A group without tenders is led by its first record in record order, a failed refund's group
    /// too (the engine lets the REFUND lead it even when the REFUND_FAILURE comes first).
    var failedRefundLedInRecordOrder = true
}

struct ReconciliationModel {
    /// CARD tenders in tender order (§6.1).
    let tenders: [POSTender]
    /// All records in record order (§6.1).
    let records: [SettlementRecord]
    let overrides: [RecordedOverride]
    let settings: ReconciliationSettings
    let readings: ModelReadings

    init(
        tenders allTenders: [POSTender], records allRecords: [SettlementRecord], overrides: [RecordedOverride], settings: ReconciliationSettings,
        readings: ModelReadings = ModelReadings()
    ) {
        self.readings = readings
        tenders = ReconciliationModel.insertionSorted(allTenders.filter { $0.tender == .card }, by: ReconciliationModel.tenderPrecedes)
        records = ReconciliationModel.insertionSorted(allRecords, by: ReconciliationModel.recordPrecedes)
        self.overrides = overrides
        self.settings = settings
    }

    // MARK: Orders and small helpers

    static func bytesPrecede(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    /// Tender order: occurred_at, order_id (byte order), tender_no (numerically).
    static func tenderPrecedes(_ a: POSTender, _ b: POSTender) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if a.orderID != b.orderID { return bytesPrecede(a.orderID, b.orderID) }
        return a.tenderNumber < b.tenderNumber
    }

    /// Record order: occurred_at, processor, record_id (byte order).
    static func recordPrecedes(_ a: SettlementRecord, _ b: SettlementRecord) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if a.processor != b.processor { return bytesPrecede(a.processor, b.processor) }
        return bytesPrecede(a.recordID, b.recordID)
    }

    static func insertionSorted<T>(_ values: [T], by precedes: (T, T) -> Bool) -> [T] {
        var sorted: [T] = []
        for value in values {
            var position = sorted.count
            while position > 0 && precedes(value, sorted[position - 1]) { position -= 1 }
            sorted.insert(value, at: position)
        }
        return sorted
    }

    static func day(_ instant: Instant) -> Int64 { instant.civilDate(offsetSeconds: 0).daysSinceEpoch }

    /// An identifier, or nil when it is missing or empty.
    static func present(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    func tenderKey(_ index: Int) -> ModelKey { .tender(order: tenders[index].orderID, number: tenders[index].tenderNumber) }
    func recordKey(_ index: Int) -> ModelKey { .record(processor: records[index].processor, id: records[index].recordID) }

    /// A tender's processor; "" when it has none (a code of its own, matching no record).
    func processor(ofTender index: Int) -> String { (tenders[index].processor ?? "").lowercased() }

    /// A POS amount as card clearing sees it: PAYMENT +, REFUND −.
    func signedAmount(_ index: Int) -> Int128 {
        tenders[index].type == .payment ? Int128(tenders[index].amount) : -Int128(tenders[index].amount)
    }

    func tenderKnown(_ index: Int, _ lastDay: Int64) -> Bool { ReconciliationModel.day(tenders[index].occurredAt) <= lastDay }
    func recordKnown(_ index: Int, _ lastDay: Int64) -> Bool { ReconciliationModel.day(records[index].occurredAt) <= lastDay }

    static func isCardClearing(_ type: SettlementType) -> Bool {
        type == .capture || type == .refund || type == .refundFailure || type == .adjustment
    }

    static func distance(_ a: Int128, _ b: Int128) -> Int128 { a > b ? a - b : b - a }

    /// The day of an override: effective_on, else the business date of its recorded_at.
    func day(ofOverride index: Int) -> Int64 {
        if let effective = overrides[index].override.effectiveOn { return effective.daysSinceEpoch }
        return ReconciliationModel.day(overrides[index].recordedAt)
    }

    // MARK: §6.6 what an override names

    /// The known tenders and records an override names (§6.6): order_id the card tenders of that
    /// ticket (with tender_no, that one); payment_ref the card tenders and the CAPTURE and REFUND
    /// records with it; record_id any record with that id; processor narrows all three.
    func named(by index: Int, _ lastDay: Int64) -> (tenders: [Int], records: [Int]) {
        let decision = overrides[index].override
        let narrowing = decision.processor.map { $0.lowercased() }
        var namedTenders: [Int] = []
        var namedRecords: [Int] = []
        for tender in tenders.indices where tenderKnown(tender, lastDay) {
            if let narrowing, processor(ofTender: tender) != narrowing { continue }
            var names = false
            if let order = ReconciliationModel.present(decision.orderID), tenders[tender].orderID == order {
                if decision.tenderNumber == nil || decision.tenderNumber == tenders[tender].tenderNumber { names = true }
            }
            if let ref = ReconciliationModel.present(decision.paymentRef), ReconciliationModel.present(tenders[tender].paymentRef) == ref {
                names = true
            }
            if names { namedTenders.append(tender) }
        }
        for record in records.indices where recordKnown(record, lastDay) {
            if let narrowing, records[record].processor.lowercased() != narrowing { continue }
            var names = false
            if let ref = ReconciliationModel.present(decision.paymentRef), ReconciliationModel.present(records[record].paymentRef) == ref,
                records[record].type == .capture || records[record].type == .refund
            {
                names = true
            }
            if let id = ReconciliationModel.present(decision.recordID), records[record].recordID == id { names = true }
            if names { namedRecords.append(record) }
        }
        return (namedTenders, namedRecords)
    }

    // MARK: §6.2 match groups

    func grouping(_ lastDay: Int64) -> ModelGrouping {
        var result = ModelGrouping()
        var tenderTaken = Array(repeating: false, count: tenders.count)
        var recordTaken = Array(repeating: false, count: records.count)
        func freeTender(_ index: Int) -> Bool { tenderKnown(index, lastDay) && !tenderTaken[index] }
        func freeRecord(_ index: Int) -> Bool {
            recordKnown(index, lastDay) && !recordTaken[index] && ReconciliationModel.isCardClearing(records[index].type)
        }

        // 1. MATCH overrides: each that names items of one processor only; the tenders and
        // card-clearing records they name, merged when they share an item.
        var sets: [(tenders: [Int], records: [Int])] = []
        for index in overrides.indices where overrides[index].override.action == .match {
            let named = named(by: index, lastDay)
            if named.tenders.isEmpty && named.records.isEmpty { continue }
            var processors: [String] = []
            for tender in named.tenders where !processors.contains(processor(ofTender: tender)) { processors.append(processor(ofTender: tender)) }
            for record in named.records where !processors.contains(records[record].processor.lowercased()) {
                if !readings.twoProcessorsCountEveryNamedItem && !ReconciliationModel.isCardClearing(records[record].type) { continue }
                processors.append(records[record].processor.lowercased())
            }
            if processors.count > 1 {
                result.refusedMatches.append(index)
                continue
            }
            result.appliedMatches.append(index)
            let clearing = named.records.filter { ReconciliationModel.isCardClearing(records[$0].type) }
            if named.tenders.isEmpty && clearing.isEmpty { continue }
            sets.append((named.tenders, clearing))
        }
        var merged = true
        while merged {
            merged = false
            search: for first in sets.indices {
                for second in sets.indices where second > first {
                    let shares = sets[first].tenders.contains { sets[second].tenders.contains($0) }
                        || sets[first].records.contains { sets[second].records.contains($0) }
                    if shares {
                        for tender in sets[second].tenders where !sets[first].tenders.contains(tender) { sets[first].tenders.append(tender) }
                        for record in sets[second].records where !sets[first].records.contains(record) { sets[first].records.append(record) }
                        sets.remove(at: second)
                        merged = true
                        break search
                    }
                }
            }
        }
        for set in sets {
            for tender in set.tenders { tenderTaken[tender] = true }
            for record in set.records { recordTaken[record] = true }
            result.groups.append(ModelGroup(tenders: set.tenders.sorted(), records: set.records.sorted(), formation: .matchOverride))
        }

        // 2. Failed refunds, each REFUND_FAILURE in record order.
        for failure in records.indices where freeRecord(failure) && records[failure].type == .refundFailure {
            guard let ref = ReconciliationModel.present(records[failure].paymentRef) else { continue }
            for refund in records.indices where freeRecord(refund) && records[refund].type == .refund {
                if records[refund].processor != records[failure].processor { continue }
                if ReconciliationModel.present(records[refund].paymentRef) != ref { continue }
                if Int128(records[refund].gross) != -Int128(records[failure].gross) { continue }
                if records[refund].occurredAt > records[failure].occurredAt { continue }
                recordTaken[refund] = true
                recordTaken[failure] = true
                result.cancelledRefunds.append(refund)
                result.cancellingFailures.append(failure)
                result.groups.append(ModelGroup(tenders: [], records: [refund, failure].sorted(), formation: .failedRefund))
                break
            }
        }

        // 3. The matching steps: a PAYMENT with a CAPTURE or a REFUND with a REFUND, one processor.
        func pairable(_ tender: Int, _ record: Int) -> Bool {
            guard tenders[tender].processor != nil, processor(ofTender: tender) == records[record].processor.lowercased() else { return false }
            switch tenders[tender].type {
            case .payment: return records[record].type == .capture
            case .refund: return records[record].type == .refund
            }
        }
        func greedy(step: Int, _ candidate: (Int, Int) -> Bool) {
            var pairs: [(tender: Int, record: Int, difference: Int128)] = []
            for tender in tenders.indices where freeTender(tender) {
                for record in records.indices where freeRecord(record) && pairable(tender, record) && candidate(tender, record) {
                    pairs.append((tender, record, ReconciliationModel.distance(signedAmount(tender), Int128(records[record].gross))))
                }
            }
            let ordered = ReconciliationModel.insertionSorted(pairs) { a, b in
                if a.difference != b.difference { return a.difference < b.difference }
                if a.tender != b.tender { return a.tender < b.tender }
                return a.record < b.record
            }
            for pair in ordered where freeTender(pair.tender) && freeRecord(pair.record) {
                tenderTaken[pair.tender] = true
                recordTaken[pair.record] = true
                result.groups.append(ModelGroup(tenders: [pair.tender], records: [pair.record], formation: .step(UInt8(step))))
            }
        }
        // Step 1: payment_ref equal and not empty, any amount.
        greedy(step: 1) { tender, record in
            guard let ref = ReconciliationModel.present(tenders[tender].paymentRef) else { return false }
            return ReconciliationModel.present(records[record].paymentRef) == ref
        }
        // Step 2: order_id equal and not empty, amount within tolerance.
        greedy(step: 2) { tender, record in
            guard let order = ReconciliationModel.present(records[record].orderID), order == tenders[tender].orderID else { return false }
            return ReconciliationModel.distance(signedAmount(tender), Int128(records[record].gross)) <= Int128(settings.tolerance)
        }
        // Step 3: amount exactly equal, within the window, refs not both present and different;
        // only mutual unique candidates pair, all candidates counted before any pair is made.
        func stepThreeCandidate(_ tender: Int, _ record: Int) -> Bool {
            guard freeTender(tender), freeRecord(record), pairable(tender, record) else { return false }
            if signedAmount(tender) != Int128(records[record].gross) { return false }
            let apart = ReconciliationModel.distance(
                Int128(tenders[tender].occurredAt.nanosecondsSinceEpoch), Int128(records[record].occurredAt.nanosecondsSinceEpoch))
            if apart > Int128(settings.windowMinutes) * 60 * 1_000_000_000 { return false }
            if let tenderRef = ReconciliationModel.present(tenders[tender].paymentRef),
                let recordRef = ReconciliationModel.present(records[record].paymentRef), tenderRef != recordRef
            {
                return false
            }
            return true
        }
        var stepThreePairs: [(Int, Int)] = []
        var hadCandidateTenders: [Int] = []
        var hadCandidateRecords: [Int] = []
        for tender in tenders.indices {
            let candidates = records.indices.filter { stepThreeCandidate(tender, $0) }
            if candidates.isEmpty { continue }
            hadCandidateTenders.append(tender)
            if candidates.count == 1 {
                let record = candidates[0]
                let back = tenders.indices.filter { stepThreeCandidate($0, record) }
                if back == [tender] { stepThreePairs.append((tender, record)) }
            }
        }
        for record in records.indices where tenders.indices.contains(where: { stepThreeCandidate($0, record) }) {
            hadCandidateRecords.append(record)
        }
        for (tender, record) in stepThreePairs {
            tenderTaken[tender] = true
            recordTaken[record] = true
            result.groups.append(ModelGroup(tenders: [tender], records: [record], formation: .step(3)))
        }
        result.ambiguousTenders = hadCandidateTenders.filter { !tenderTaken[$0] }
        result.ambiguousRecords = hadCandidateRecords.filter { !recordTaken[$0] }

        // 4. Second captures: a CAPTURE left, not ambiguous, with the payment_ref of a PAYMENT
        // tender a step matched, or its order_id and a gross within tolerance of its amount, joins
        // the group of the first such tender.
        for record in records.indices where freeRecord(record) && records[record].type == .capture {
            if result.ambiguousRecords.contains(record) { continue }
            for tender in tenders.indices where tenderKnown(tender, lastDay) && tenders[tender].type == .payment {
                guard let group = result.group(ofTender: tender), case .step = result.groups[group].formation else { continue }
                if tenders[tender].processor == nil || processor(ofTender: tender) != records[record].processor.lowercased() { continue }
                var same = false
                if let ref = ReconciliationModel.present(records[record].paymentRef), ReconciliationModel.present(tenders[tender].paymentRef) == ref {
                    same = true
                }
                if let order = ReconciliationModel.present(records[record].orderID), order == tenders[tender].orderID,
                    ReconciliationModel.distance(Int128(records[record].gross), Int128(tenders[tender].amount)) <= Int128(settings.tolerance)
                {
                    same = true
                }
                if !same { continue }
                recordTaken[record] = true
                result.groups[group].records.append(record)
                result.groups[group].records.sort()
                result.secondCaptures.append(record)
                break
            }
        }

        // 5. Everything else alone.
        for tender in tenders.indices where freeTender(tender) {
            tenderTaken[tender] = true
            result.groups.append(ModelGroup(tenders: [tender], records: [], formation: .alone))
        }
        for record in records.indices where freeRecord(record) {
            recordTaken[record] = true
            result.groups.append(ModelGroup(tenders: [], records: [record], formation: .alone))
        }
        return result
    }

    func lead(_ group: ModelGroup) -> ModelKey {
        if let first = group.tenders.min() { return tenderKey(first) }
        if group.formation == .failedRefund, !readings.failedRefundLedInRecordOrder,
            let refund = group.records.first(where: { records[$0].type == .refund })
        {
            return recordKey(refund)
        }
        return recordKey(group.records.min()!)
    }

    func members(_ group: ModelGroup) -> [ModelKey] { group.tenders.map(tenderKey) + group.records.map(recordKey) }

    func processor(of key: ModelKey) -> String {
        switch key {
        case .tender(let order, let number):
            let index = tenders.indices.first { tenders[$0].orderID == order && tenders[$0].tenderNumber == number }!
            return processor(ofTender: index)
        case .record(let processor, _): return processor.lowercased()
        }
    }

    /// Σ POS amounts of its tenders − Σ gross of its records.
    func baseResidual(_ group: ModelGroup) -> Int128 {
        var residual: Int128 = 0
        for tender in group.tenders { residual += signedAmount(tender) }
        for record in group.records { residual -= Int128(records[record].gross) }
        return residual
    }

    // MARK: §6.3 write-offs

    /// The amounts the write-offs of days up to `lastDay` cleared, in the order they were made:
    /// by day, then override_id; each the residual at the end of its day after the earlier ones.
    func clearings(through lastDay: Int64) -> [ModelClearing] {
        var writeOffs: [Int] = []
        for index in overrides.indices where overrides[index].override.action == .writeOff && day(ofOverride: index) <= lastDay {
            writeOffs.append(index)
        }
        writeOffs = ReconciliationModel.insertionSorted(writeOffs) { a, b in
            if day(ofOverride: a) != day(ofOverride: b) { return day(ofOverride: a) < day(ofOverride: b) }
            return ReconciliationModel.bytesPrecede(overrides[a].override.overrideID, overrides[b].override.overrideID)
        }
        var done: [ModelClearing] = []
        for writeOff in writeOffs {
            let day = day(ofOverride: writeOff)
            let grouping = grouping(day)
            let named = named(by: writeOff, day)
            for group in grouping.groups {
                let holds = group.tenders.contains { named.tenders.contains($0) } || group.records.contains { named.records.contains($0) }
                if !holds { continue }
                let groupMembers = members(group)
                var residual = baseResidual(group)
                for earlier in done where groupMembers.contains(earlier.lead) { residual -= earlier.amount }
                let lead = lead(group)
                // Reading of §6.3 where the spec leaves it open: a group whose residual is already
                // 0 on the write-off's day has nothing cleared, so no clearing (and the group is not
                // "cleared" for §6.5's OVERRIDDEN).
                if residual == 0 && !readings.zeroClearings { continue }
                done.append(ModelClearing(
                    overrideID: overrides[writeOff].override.overrideID, day: day, processor: processor(of: lead), amount: residual,
                    lead: lead, clearedMembers: groupMembers))
            }
        }
        return done
    }

    // MARK: §6.4, §6.5 the state at the end of a day

    func expectedFee(_ record: SettlementRecord) -> Int128? {
        var entry: FeeScheduleEntry?
        if let method = record.paymentMethod {
            for candidate in settings.fees where entry == nil && candidate.processor == record.processor && candidate.paymentMethod == method {
                entry = candidate
            }
        }
        for candidate in settings.fees where entry == nil && candidate.processor == record.processor && candidate.paymentMethod == nil {
            entry = candidate
        }
        guard let entry else { return nil }
        var denominator: Int128 = 100
        for _ in 0..<entry.percentScale { denominator *= 10 }
        let numerator = Int128(record.gross) * Int128(entry.percentNumerator)
        let magnitude = numerator < 0 ? -numerator : numerator
        var quotient = magnitude / denominator
        if (magnitude % denominator) * 2 >= denominator { quotient += 1 }
        return (numerator < 0 ? -quotient : quotient) + Int128(entry.fixed)
    }

    func state(atEndOf lastDay: Int64) -> ModelState {
        var state = ModelState(lastDay: lastDay)
        let grouping = grouping(lastDay)
        state.clearings = clearings(through: lastDay)
        state.secondCaptures = grouping.secondCaptures.map { records[$0].gross }
        state.refusedMatches = grouping.refusedMatches.count
        state.refused = grouping.refusedMatches.map { overrides[$0].override.overrideID }
        for index in overrides.indices {
            let named = named(by: index, lastDay)
            if named.tenders.isEmpty && named.records.isEmpty { state.namingNothing.append(overrides[index].override.overrideID) }
        }

        // Residuals: the base, less every clearing whose lead this group now holds.
        var residuals: [Int128] = []
        var cleared: [Bool] = []
        for group in grouping.groups {
            var residual = baseResidual(group)
            var wasCleared = false
            var count = 0
            for clearing in state.clearings where members(group).contains(clearing.lead) {
                residual -= clearing.amount
                wasCleared = true
                count += 1
                if Set(clearing.clearedMembers) != Set(members(group)) { state.regroupedClearings += 1 }
            }
            if count > 1 { state.groupsClearedTwice += 1 }
            residuals.append(residual)
            cleared.append(wasCleared)
            state.residualsByProcessor[processor(of: lead(group)), default: 0] += residual
        }

        // Overrides that apply: MATCH not refused, IGNORE, WRITE_OFF from its day on.
        var overriddenTenders: [Int] = []
        var overriddenRecords: [Int] = []
        for index in overrides.indices {
            switch overrides[index].override.action {
            case .match: if grouping.refusedMatches.contains(index) { continue }
            case .ignore: break
            case .writeOff: if day(ofOverride: index) > lastDay { continue }
            }
            let named = named(by: index, lastDay)
            if overrides[index].override.action == .match, !readings.matchOverridesEveryItemItNames, named.tenders.isEmpty,
                !named.records.contains(where: { ReconciliationModel.isCardClearing(records[$0].type) })
            {
                continue
            }
            overriddenTenders += named.tenders
            overriddenRecords += named.records
        }

        // Payouts (§6.4): known PAYOUT records, by processor and payout_id (else record_id).
        func payoutID(_ record: Int) -> String { ReconciliationModel.present(records[record].payoutID) ?? records[record].recordID }
        var payoutRecords: [Int] = []
        for record in records.indices where recordKnown(record, lastDay) && records[record].type == .payout { payoutRecords.append(record) }
        var paidOut: [Int] = []
        for record in records.indices where recordKnown(record, lastDay) {
            if records[record].type == .payout {
                paidOut.append(record)
                continue
            }
            guard let named = ReconciliationModel.present(records[record].payoutID) else { continue }
            if payoutRecords.contains(where: { records[$0].processor == records[record].processor && payoutID($0) == named }) {
                paidOut.append(record)
            }
        }
        var payoutResidual: [Int: Int128] = [:]
        for payout in payoutRecords {
            var residual = Int128(records[payout].net)
            for record in records.indices where recordKnown(record, lastDay) && record != payout && records[record].type != .payout {
                if records[record].processor == records[payout].processor && ReconciliationModel.present(records[record].payoutID) == payoutID(payout) {
                    residual += Int128(records[record].net)
                }
            }
            payoutResidual[payout] = residual
            state.payouts.append(ModelPayout(processor: records[payout].processor, id: payoutID(payout), residual: residual))
        }
        state.paidOut = paidOut.map(recordKey)

        // Chargebacks: per processor and payment_ref, in record order, each reversal reverses the
        // earliest chargeback before it not reversed yet.
        var reversedChargebacks: [Int] = []
        var reversingReversals: [Int] = []
        for reversal in records.indices where recordKnown(reversal, lastDay) && records[reversal].type == .chargebackReversal {
            guard let ref = ReconciliationModel.present(records[reversal].paymentRef) else { continue }
            for chargeback in records.indices where chargeback < reversal && recordKnown(chargeback, lastDay) {
                if records[chargeback].type != .chargeback || reversedChargebacks.contains(chargeback) { continue }
                if records[chargeback].processor != records[reversal].processor { continue }
                if ReconciliationModel.present(records[chargeback].paymentRef) != ref { continue }
                reversedChargebacks.append(chargeback)
                reversingReversals.append(reversal)
                break
            }
        }

        // Tenders.
        for tender in tenders.indices where tenderKnown(tender, lastDay) {
            let key = tenderKey(tender)
            state.known.append(key)
            let groupIndex = grouping.group(ofTender: tender)!
            let group = grouping.groups[groupIndex]
            state.members[key] = members(group)
            state.lead[key] = lead(group)
            state.residual[key] = residuals[groupIndex]
            state.formation[key] = group.formation
            let status: ReconciliationStatus
            if overriddenTenders.contains(tender) || cleared[groupIndex] {
                status = .overridden
            } else if grouping.ambiguousTenders.contains(tender) {
                status = .ambiguous
            } else if group.records.isEmpty {
                let age = lastDay - ReconciliationModel.day(tenders[tender].occurredAt)
                status = age <= settings.lagDays ? .inTransit : .unsettled
            } else if group.records.contains(where: { grouping.secondCaptures.contains($0) && records[$0].gross > 0 }) {
                status = .duplicateSettlement
            } else if ReconciliationModel.distance(baseResidual(group), 0) > Int128(settings.tolerance) {
                status = .amountMismatch
            } else {
                status = .matched
            }
            state.status[key] = status
            if residuals[groupIndex] != 0 { state.open.append(key) }
        }

        // Records.
        for record in records.indices where recordKnown(record, lastDay) {
            let key = recordKey(record)
            state.known.append(key)
            let groupIndex = grouping.group(ofRecord: record)
            if let groupIndex {
                state.members[key] = members(grouping.groups[groupIndex])
                state.lead[key] = lead(grouping.groups[groupIndex])
                state.residual[key] = residuals[groupIndex]
                state.formation[key] = grouping.groups[groupIndex].formation
            } else {
                state.members[key] = [key]
                state.lead[key] = key
            }
            let value = records[record]
            let status: ReconciliationStatus
            if overriddenRecords.contains(record) || (groupIndex.map { cleared[$0] } ?? false) {
                status = .overridden
            } else {
                switch value.type {
                case .payout:
                    let failed = records.indices.contains {
                        recordKnown($0, lastDay) && records[$0].type == .payoutFailure && records[$0].processor == value.processor
                            && ReconciliationModel.present(records[$0].paymentRef) == payoutID(record)
                    }
                    status = failed ? .payoutFailed : payoutResidual[record]! == 0 ? .payoutOK : .payoutMismatch
                case .payoutFailure:
                    let names = payoutRecords.contains {
                        records[$0].processor == value.processor && ReconciliationModel.present(value.paymentRef) == payoutID($0)
                    }
                    status = names ? .matched : .unmatchedSettlement
                case .fee: status = .fee
                case .chargeback: status = reversedChargebacks.contains(record) ? .chargebackReversed : .chargebackOpen
                case .chargebackReversal: status = reversingReversals.contains(record) ? .chargebackReversed : .unmatchedSettlement
                case .refundFailure: status = grouping.cancellingFailures.contains(record) ? .refundFailed : .unmatchedSettlement
                case .adjustment: status = .adjustment
                case .capture, .refund:
                    let group = grouping.groups[groupIndex!]
                    if grouping.cancelledRefunds.contains(record) {
                        status = .refundFailed
                    } else if grouping.ambiguousRecords.contains(record) {
                        status = .ambiguous
                    } else if grouping.secondCaptures.contains(record) && value.gross > 0 {
                        status = .duplicateSettlement
                    } else if group.tenders.isEmpty {
                        status = .unmatchedSettlement
                    } else if value.type == .capture, let expected = expectedFee(value),
                        ReconciliationModel.distance(Int128(value.fee), expected) > Int128(settings.tolerance)
                    {
                        status = .feeVariance
                    } else {
                        status = .matched
                    }
                }
            }
            state.status[key] = status
            // Open (§6.7): its group's residual is not 0, or it is not paid out and its net is
            // not 0, or (a PAYOUT) its payout's residual is not 0.
            if (groupIndex.map { residuals[$0] != 0 } ?? false) || (!paidOut.contains(record) && value.net != 0)
                || (value.type == .payout && payoutResidual[record]! != 0)
            {
                state.open.append(key)
            }
        }
        return state
    }
}
