// Match groups (SEMANTICS §6.2): which card tenders and card-clearing records belong together at
// the end of a business day, as known at T.
//
// Place in the pipeline: pure, inside `Reconciliation`. The items are numbered once, tenders in
// tender order then records in record order (`ReconciliationItems`, which also hashes their keys
// once); a grouping at the end of day L takes the items whose business date is at most L (those
// that occurred before the first instant of L + 1) and forms the groups in §6.2's order: MATCH
// overrides, failed refunds, the three matching steps, second captures, then everything else alone.
// Invariants: every known card tender and card-clearing record is in exactly one group; a group's
// members are listed in item order; a group's lead is its first tender, else its first record.
// Joins go through `HashChains` (a key's hash, then the key itself compared), never a dictionary of
// arrays per key: a million tenders against a million captures is the bench's case.
// Errors a user can see: none (what cannot be matched is a status, not an error).

/// The items of one reconciliation, sorted and numbered once. A class: every status and join reads
/// it, and a struct of twenty arrays copied into a local retained each of them every time.
final class ReconciliationItems: Sendable {
    /// CARD tenders in tender order (occurred_at, order_id bytes, tender_no).
    let tenders: RowsInOrder<POSTender>
    /// Settlement records in record order (occurred_at, processor bytes, record_id bytes).
    let records: RowsInOrder<SettlementRecord>
    /// Business dates (days since the epoch) of each tender's and record's occurred_at.
    let tenderDays: DayColumn
    let recordDays: DayColumn
    /// Processors numbered (lower-case codes as ingest stores them; "" for a tender without one).
    let processorNames: [String]
    let tenderProcessor: [Int32]
    let recordProcessor: [Int32]
    /// The fields the matching reads for every item, as arrays of their own (a row is ~200 bytes
    /// of strings and optionals; a loop over a million of them reading one field each missed the
    /// cache on every row): a tender's signed amount and instant, a record's type, gross, net and
    /// instant.
    let tenderAmount: [Int64]
    let tenderTime: [Int64]
    let tenderIsRefund: Bits
    let recordType: [SettlementType]
    let recordGross: [Int64]
    let recordNet: [Int64]
    let recordTime: [Int64]
    /// Hashes of (processor, direction, payment_ref) and (processor, direction, order id); 0 when
    /// the identifier is empty. Direction: a PAYMENT tender and a CAPTURE are 0, a REFUND of either
    /// side 1 (only those pair, §6.2 step 3).
    let tenderRefHash: [UInt32]
    let tenderOrderHash: [UInt32]
    let recordRefHash: [UInt32]
    let recordOrderHash: [UInt32]

    /// The tenders (of any kind: the CARD ones are the items) and records, packed in the books'
    /// order, are kept as they are and seen in item order: each row is read once here, for the
    /// fields the matching reads of every item. Each column is read in the input's order, then put
    /// in item order and let go, one at a time (a column in both orders at once, and the
    /// processors' names per item, were the reconciliation's peak: 226 MiB over the rows for a
    /// month of 2M items).
    init(tenders input: PackedRows<POSTender>, records inputRecords: PackedRows<SettlementRecord>, offset: OffsetAtInstant) {
        // Processors numbered as they are first read (`readNames`), renumbered below as they come
        // in item order, tenders first.
        var readNames: [String] = []
        var readNumbers: [OpaqueID: Int32] = [:]
        func readNumber(_ name: String) -> Int32 {
            if readNames.count <= 8 {
                for (index, known) in readNames.enumerated() where CostRuns.sameBytes(known, name) { return Int32(index) }
            } else if let known = readNumbers[OpaqueID(name)] {
                return known
            }
            let new = Int32(readNames.count)
            readNames.append(name)
            readNumbers[OpaqueID(name)] = new
            return new
        }
        /// What one pass over the rows takes of each, in the input's order; the identifiers by the
        /// hash of their bytes (0: none).
        struct Read {
            var time: [Int64] = []
            var day: [Int32] = []
            var processor: [Int32] = []
            var refHash: [UInt64] = []
            var orderHash: [UInt64] = []
            var isRefund: [Bool] = []

            mutating func add(_ instant: Instant, _ offset: OffsetAtInstant, processor number: Int32, ref: String?, order: String?, isRefund refund: Bool) {
                time.append(instant.nanosecondsSinceEpoch)
                day.append(DayColumn.day(instant.civilDate(offsetSeconds: offset(instant))))
                processor.append(number)
                refHash.append(ReconciliationItems.identifierHash(ref))
                orderHash.append(ReconciliationItems.identifierHash(order))
                isRefund.append(refund)
            }
        }
        var card: [Int32] = []
        var readTenders = Read()
        var amounts: [Int64] = []
        for index in input.indices {
            let tender = input[index]
            guard tender.tender == .card else { continue }
            card.append(Int32(index))
            amounts.append(tender.signedAmount)
            readTenders.add(
                tender.occurredAt, offset, processor: readNumber(tender.processor ?? ""), ref: tender.paymentRef, order: tender.orderID,
                isRefund: tender.type == .refund)
        }
        var readRecords = Read()
        var types: [SettlementType] = []
        var grosses: [Int64] = []
        var nets: [Int64] = []
        for record in inputRecords {
            types.append(record.type)
            grosses.append(record.gross)
            nets.append(record.net)
            readRecords.add(
                record.occurredAt, offset, processor: readNumber(record.processor), ref: record.paymentRef, order: record.orderID,
                isRefund: record.type == .refund)
        }
        // Rows usually arrive nearly in time order: sorted only when they are not (nil: they are).
        // Instants are compared first; rows (read again) only when two are equal.
        func inOrder(_ count: Int, _ precedes: (Int, Int) -> Bool) -> [Int32]? {
            for position in (0..<count).dropFirst() where precedes(position, position - 1) {
                return (0..<count).sorted(by: precedes).map(Int32.init)
            }
            return nil
        }
        let tenderPlaces = inOrder(card.count) { [times = readTenders.time] a, b in
            times[a] != times[b] ? times[a] < times[b] : Self.tenderPrecedes(input[Int(card[a])], input[Int(card[b])])
        }
        let recordPlaces = inOrder(inputRecords.count) { [times = readRecords.time] a, b in
            times[a] != times[b] ? times[a] < times[b] : Self.recordPrecedes(inputRecords[a], inputRecords[b])
        }
        /// `column` in item order; the column read is let go.
        func arranged<Value>(_ column: inout [Value], _ places: [Int32]?) -> [Value] {
            defer { column = [] }
            guard let places else { return column }
            return places.map { column[Int($0)] }
        }
        tenders = RowsInOrder(input, order: arranged(&card, tenderPlaces))
        records = RowsInOrder(inputRecords, order: recordPlaces ?? (0..<inputRecords.count).map(Int32.init))
        tenderAmount = arranged(&amounts, tenderPlaces)
        tenderTime = arranged(&readTenders.time, tenderPlaces)
        tenderDays = DayColumn(arranged(&readTenders.day, tenderPlaces))
        let tenderIsRefund = arranged(&readTenders.isRefund, tenderPlaces)
        self.tenderIsRefund = Bits(count: tenderIsRefund.count) { tenderIsRefund[$0] }
        var tenderProcessor = arranged(&readTenders.processor, tenderPlaces)
        recordType = arranged(&types, recordPlaces)
        recordGross = arranged(&grosses, recordPlaces)
        recordNet = arranged(&nets, recordPlaces)
        recordTime = arranged(&readRecords.time, recordPlaces)
        recordDays = DayColumn(arranged(&readRecords.day, recordPlaces))
        let recordIsRefund = arranged(&readRecords.isRefund, recordPlaces)
        var recordProcessor = arranged(&readRecords.processor, recordPlaces)
        // Processors numbered as they come in item order, tenders first.
        var names: [String] = []
        var renumbered = [Int32](repeating: -1, count: readNames.count)
        func numberInItemOrder(_ numbers: [Int32]) {
            for read in numbers.lazy.map(Int.init) where renumbered[read] < 0 {
                renumbered[read] = Int32(names.count)
                names.append(readNames[read])
            }
        }
        numberInItemOrder(tenderProcessor)
        numberInItemOrder(recordProcessor)
        for index in tenderProcessor.indices { tenderProcessor[index] = renumbered[Int(tenderProcessor[index])] }
        for index in recordProcessor.indices { recordProcessor[index] = renumbered[Int(recordProcessor[index])] }
        self.tenderProcessor = tenderProcessor
        self.recordProcessor = recordProcessor
        processorNames = names
        // The identifiers' hashes with their processor and direction.
        func keyed(_ hashes: [UInt64], _ processors: [Int32], _ isRefund: [Bool]) -> [UInt32] {
            hashes.indices.map { Self.keyHash(identifierHash: hashes[$0], processors[$0], isRefund[$0] ? 1 : 0) }
        }
        tenderRefHash = keyed(arranged(&readTenders.refHash, tenderPlaces), tenderProcessor, tenderIsRefund)
        tenderOrderHash = keyed(arranged(&readTenders.orderHash, tenderPlaces), tenderProcessor, tenderIsRefund)
        recordRefHash = keyed(arranged(&readRecords.refHash, recordPlaces), recordProcessor, recordIsRefund)
        recordOrderHash = keyed(arranged(&readRecords.orderHash, recordPlaces), recordProcessor, recordIsRefund)
    }

    /// Each tender's index in the input.
    func tenderInputIndex(_ index: Int) -> Int { Int(tenders.order[index]) }
    func recordInputIndex(_ index: Int) -> Int { Int(records.order[index]) }

    /// The hash of an identifier's bytes, 0 when it is absent or empty (never 0 otherwise).
    static func identifierHash(_ value: String?) -> UInt64 {
        guard let value, !value.isEmpty else { return 0 }
        let hash = FastKeyHash.hash(value)
        return hash == 0 ? 1 : hash
    }

    /// The hash of an identifier (already hashed by `identifierHash`) with its processor and
    /// direction (0 for a PAYMENT tender and any record but a REFUND; 1 for REFUNDs): 0 when the
    /// identifier is empty, never 0 otherwise. Folded into 32 bits (four columns of them are held
    /// for every item); the keys are compared wherever hashes are equal.
    static func keyHash(identifierHash: UInt64, _ processor: Int32, _ direction: UInt64) -> UInt32 {
        guard identifierHash != 0 else { return 0 }
        let hash = FastKeyHash.combine(identifierHash, UInt64(processor), direction)
        let folded = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        return folded == 0 ? 1 : folded
    }

    /// Identifiers are equal when their bytes are (FORMATS §1; `==` would call "é" and "e\u{301}"
    /// equal); two absent ones are equal.
    static func sameIdentifier(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return CostRuns.sameBytes(a, b)
        default: return false
        }
    }

    /// Tender order: occurred_at, order_id (byte order), tender_no (numerically).
    static func tenderPrecedes(_ a: POSTender, _ b: POSTender) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if !CostRuns.sameBytes(a.orderID, b.orderID) { return CostRuns.precedesInByteOrder(a.orderID, b.orderID) }
        return a.tenderNumber < b.tenderNumber
    }

    /// Record order: occurred_at, processor, record_id (byte order).
    static func recordPrecedes(_ a: SettlementRecord, _ b: SettlementRecord) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        if !CostRuns.sameBytes(a.processor, b.processor) { return CostRuns.precedesInByteOrder(a.processor, b.processor) }
        return a.recordID.utf8.lexicographicallyPrecedes(b.recordID.utf8)
    }

    // The identifiers the matching compares, as their packed bytes (no row or string is made).
    func tenderRef(_ index: Int) -> ArraySlice<UInt8>? { tenders.textBytes(index, field: POSTender.paymentRefField) }
    func tenderOrder(_ index: Int) -> ArraySlice<UInt8>? { tenders.textBytes(index, field: POSTender.orderIDField) }
    func recordRef(_ index: Int) -> ArraySlice<UInt8>? { records.textBytes(index, field: SettlementRecord.paymentRefField) }
    func recordOrder(_ index: Int) -> ArraySlice<UInt8>? { records.textBytes(index, field: SettlementRecord.orderIDField) }
    func recordPayoutID(_ index: Int) -> ArraySlice<UInt8>? { records.textBytes(index, field: SettlementRecord.payoutIDField) }

    /// Identifiers' bytes are equal; two absent ones are equal.
    static func sameIdentifier(_ a: ArraySlice<UInt8>?, _ b: ArraySlice<UInt8>?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return a.elementsEqual(b)
        default: return false
        }
    }

    /// `identifierHash` of an identifier's bytes.
    static func identifierHash(_ bytes: ArraySlice<UInt8>?) -> UInt64 {
        guard let bytes, !bytes.isEmpty else { return 0 }
        let hash = bytes.withUnsafeBufferPointer { FastKeyHash.hash($0.baseAddress, count: $0.count) }
        return hash == 0 ? 1 : hash
    }

    /// A tender's processor as identifiers are compared (empty when the tender has none).
    func processor(ofTender index: Int) -> String { processorNames[Int(tenderProcessor[index])] }

    /// A record's processor (from its number: no record is made).
    func processor(ofRecord index: Int) -> String { processorNames[Int(recordProcessor[index])] }

    /// An item's processor's number.
    func processorNumber(of item: ReconciliationItem) -> Int32 {
        switch item {
        case .tender(let index): return tenderProcessor[index]
        case .record(let index): return recordProcessor[index]
        }
    }

    /// Each processor number's place among the processors in byte order (what the outputs sort
    /// processors by).
    var processorRanks: [Int32] {
        var ranks = [Int32](repeating: 0, count: processorNames.count)
        let byBytes = processorNames.indices.sorted { CostRuns.precedesInByteOrder(processorNames[$0], processorNames[$1]) }
        for (rank, number) in byBytes.enumerated() { ranks[number] = Int32(rank) }
        return ranks
    }

    /// Whether a tender and a record may pair in a matching step: same processor, and a PAYMENT
    /// with a CAPTURE or a REFUND with a REFUND.
    func pairable(tender: Int, record: Int) -> Bool {
        guard tenderProcessor[tender] == recordProcessor[record] else { return false }
        switch recordType[record] {
        case .capture: return !tenderIsRefund[tender]
        case .refund: return tenderIsRefund[tender]
        default: return false
        }
    }
}

/// Business dates as days since the epoch, four bytes each (an instant's date is within ±106,752
/// days of 1970), read as the Int64 the reconciliation compares: two such columns of a month of 2M
/// items took 16 MB, now 8.
struct DayColumn: RandomAccessCollection, Sendable {
    private let days: [Int32]

    init(_ days: [Int32]) { self.days = days }

    /// A date as the column holds it.
    static func day(_ date: CivilDate) -> Int32 { Int32(date.daysSinceEpoch) }

    var startIndex: Int { 0 }
    var endIndex: Int { days.count }
    subscript(position: Int) -> Int64 { Int64(days[position]) }
}

/// How a match group was formed (FORMATS §4 `match_step`).
public enum MatchFormation: Sendable, Hashable {
    case matchOverride
    case failedRefund
    /// A matching step, 1 to 3 (a byte: a group each, 1.5 M on three years, 2 bytes where an Int
    /// payload took 16).
    case step(UInt8)
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

/// The groups at the end of one business day. Membership is kept per item (`tenderGroup`,
/// `recordGroup`) and, once formed, listed per group in item order (`tenders(of:)`,
/// `records(of:)`).
struct Grouping: Sendable {
    /// The last business day the grouping includes (days since the epoch).
    let lastDay: Int64
    /// The items whose business date is at most lastDay.
    let knownTenders: Bits
    let knownRecords: Bits
    /// Each item's group, -1 when it has none (unknown yet, or a record that is not card clearing).
    var tenderGroup: [Int32]
    var recordGroup: [Int32]
    var formations: [MatchFormation] = []
    /// The MATCH overrides that formed a group (indices into the reconciliation's overrides).
    var matchOverridesOfGroup: [Int: [Int]] = [:]
    /// Items step 3 found candidates for but paired with none.
    var ambiguousTenders: Bits
    var ambiguousRecords: Bits
    /// CAPTUREs that joined a matched tender's group as a second capture with a positive gross.
    var secondCaptures: Bits
    /// REFUND records cancelled by a REFUND_FAILURE (stage 2), and the failures that cancelled one.
    var cancelledRefunds: Bits
    var cancellingFailures: Bits
    /// The MATCH overrides applied (naming items of one processor) and those naming two processors.
    var appliedMatches: Set<Int> = []
    var refusedMatches: Set<Int> = []
    /// Members per group, in item order: group g's tenders are tenderMembers[tenderStart[g] ..<
    /// tenderStart[g + 1]], likewise its records.
    private var tenderStart: [Int32] = [0]
    private var tenderMembers: [Int32] = []
    private var recordStart: [Int32] = [0]
    private var recordMembers: [Int32] = []

    init(lastDay: Int64, items: ReconciliationItems) {
        self.lastDay = lastDay
        knownTenders = Bits(count: items.tenders.count) { [days = items.tenderDays] in days[$0] <= lastDay }
        knownRecords = Bits(count: items.records.count) { [days = items.recordDays] in days[$0] <= lastDay }
        tenderGroup = Array(repeating: -1, count: items.tenders.count)
        recordGroup = Array(repeating: -1, count: items.records.count)
        ambiguousTenders = Bits(count: items.tenders.count)
        ambiguousRecords = Bits(count: items.records.count)
        secondCaptures = Bits(count: items.records.count)
        cancelledRefunds = Bits(count: items.records.count)
        cancellingFailures = Bits(count: items.records.count)
    }

    var count: Int { formations.count }

    /// A new group of these items.
    mutating func add(tenders: [Int], records: [Int], formation: MatchFormation) {
        let group = Int32(formations.count)
        for tender in tenders { tenderGroup[tender] = group }
        for record in records { recordGroup[record] = group }
        formations.append(formation)
    }

    /// A new group of one tender and one record (a matching step's pair), or of one item alone.
    mutating func add(tender: Int?, record: Int?, formation: MatchFormation) {
        let group = Int32(formations.count)
        if let tender { tenderGroup[tender] = group }
        if let record { recordGroup[record] = group }
        formations.append(formation)
    }

    /// Lists each group's members (a counting sort of the items by group, in item order).
    mutating func listMembers() {
        func list(_ groupOf: [Int32]) -> (start: [Int32], members: [Int32]) {
            var start = [Int32](repeating: 0, count: formations.count + 1)
            for group in groupOf where group >= 0 { start[Int(group) + 1] += 1 }
            for index in 0..<formations.count { start[index + 1] += start[index] }
            var fill = start
            var members = [Int32](repeating: 0, count: Int(start[formations.count]))
            for (item, group) in groupOf.enumerated() where group >= 0 {
                members[Int(fill[Int(group)])] = Int32(item)
                fill[Int(group)] += 1
            }
            return (start, members)
        }
        (tenderStart, tenderMembers) = list(tenderGroup)
        (recordStart, recordMembers) = list(recordGroup)
    }

    func tenders(of group: Int) -> ArraySlice<Int32> { tenderMembers[Int(tenderStart[group])..<Int(tenderStart[group + 1])] }
    func records(of group: Int) -> ArraySlice<Int32> { recordMembers[Int(recordStart[group])..<Int(recordStart[group + 1])] }

    /// A group's lead: its first tender, else its first record.
    func lead(of group: Int) -> ReconciliationItem {
        if let tender = tenders(of: group).first { return .tender(Int(tender)) }
        return .record(Int(records(of: group).first ?? 0))
    }
}

/// What an override names among the items (SEMANTICS §6.6), whatever the day.
struct OverrideTargets: Sendable {
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
        var tenderTaken = tenders.indices.map { !grouping.knownTenders[$0] }
        var recordTaken = records.indices.map { !grouping.knownRecords[$0] || !items.recordType[$0].isCardClearing }
        let tolerance = UInt64(settings.tolerance)

        matchOverrideGroups(items, matchOverrides, &grouping, &tenderTaken, &recordTaken)

        // 2. Failed refunds: each REFUND_FAILURE, in record order, cancels the earliest REFUND of the
        // same processor and payment_ref whose gross is minus its gross, booked at or before it.
        let failures = records.indices.filter { !recordTaken[$0] && items.recordType[$0] == .refundFailure && items.recordRefHash[$0] != 0 }
        if !failures.isEmpty {
            var refunds = HashChains(itemCount: records.count, expected: records.count / 8)
            for index in records.indices.reversed() where !recordTaken[index] && items.recordType[index] == .refund && items.recordRefHash[index] != 0 {
                refunds.insert(index, hash: items.recordRefHash[index])
            }
            for failure in failures {
                // A REFUND_FAILURE hashes as direction 0 (it is not a refund); its refunds as 1.
                let hash = refundHash(of: failure, items)
                var cancelled: Int?
                refunds.forEach(hash: hash) { refund in
                    guard cancelled == nil, !recordTaken[refund], items.recordProcessor[refund] == items.recordProcessor[failure],
                        ReconciliationItems.sameIdentifier(records[refund].paymentRef, records[failure].paymentRef), records[refund].gross == -records[failure].gross,
                        records[refund].occurredAt <= records[failure].occurredAt
                    else { return }
                    cancelled = refund
                }
                guard let refund = cancelled else { continue }
                recordTaken[refund] = true
                recordTaken[failure] = true
                grouping.cancelledRefunds[refund] = true
                grouping.cancellingFailures[failure] = true
                grouping.add(tenders: [], records: [refund, failure], formation: .failedRefund)  // rare: an array is fine
            }
        }

        // 3. The matching steps: a PAYMENT tender with a CAPTURE, a REFUND tender with a REFUND, of
        // the same processor.
        var matchedByStep = [Bool](repeating: false, count: tenders.count)
        func isStepRecord(_ index: Int) -> Bool { !recordTaken[index] && (items.recordType[index] == .capture || items.recordType[index] == .refund) }
        /// Steps 1 and 2: candidates share a key; pairs smallest |difference| first, then tender
        /// order, then record order.
        func keyedStep(_ step: Int, tenderHashes: [UInt32], recordHashes: [UInt32], sameKey: (Int, Int) -> Bool, withinTolerance: Bool) {
            var chains = HashChains(itemCount: records.count, expected: records.count)
            for index in records.indices.reversed() where recordHashes[index] != 0 && isStepRecord(index) {
                chains.insert(index, hash: recordHashes[index])
            }
            func difference(_ tender: Int, _ record: Int) -> UInt64? {
                let (difference, overflow) = items.tenderAmount[tender].subtractingReportingOverflow(items.recordGross[record])
                if overflow { return withinTolerance ? nil : UInt64.max }
                if withinTolerance && difference.magnitude > tolerance { return nil }
                return difference.magnitude
            }
            func candidates(_ tender: Int, _ body: (Int, UInt64) -> Void) {
                chains.forEach(hash: tenderHashes[tender]) { record in
                    guard !recordTaken[record], items.pairable(tender: tender, record: record), sameKey(tender, record),
                        let difference = difference(tender, record)
                    else { return }
                    body(record, difference)
                }
            }
            // (Tenders and records as Int32: these lists hold a month's card tenders.)
            let stepTenders = [Int32](tenders.indices.lazy.filter { !tenderTaken[$0] && tenderHashes[$0] != 0 }.map(Int32.init))
            var candidateCount = [Int32](repeating: 0, count: records.count)
            for tender in stepTenders.lazy.map(Int.init) { candidates(tender) { record, _ in candidateCount[record] += 1 } }
            // A tender with one candidate that has no other candidate pairs at once (the greedy
            // order cannot change it); the rest go through the greedy order together.
            var contested: [(difference: UInt64, tender: Int32, record: Int32)] = []
            var pairs: [(tender: Int32, record: Int32)] = []
            pairs.reserveCapacity(stepTenders.count)
            for tender in stepTenders.lazy.map(Int.init) {
                var count = 0
                var only = 0
                candidates(tender) { record, _ in
                    count += 1
                    only = record
                }
                if count == 1 && candidateCount[only] == 1 {
                    pairs.append((Int32(tender), Int32(only)))
                } else if count > 0 {
                    candidates(tender) { record, difference in contested.append((difference, Int32(tender), Int32(record))) }
                }
            }
            for (tender, record) in pairs {
                tenderTaken[Int(tender)] = true
                recordTaken[Int(record)] = true
            }
            contested.sort { ($0.difference, $0.tender, $0.record) < ($1.difference, $1.tender, $1.record) }
            for candidate in contested where !tenderTaken[Int(candidate.tender)] && !recordTaken[Int(candidate.record)] {
                tenderTaken[Int(candidate.tender)] = true
                recordTaken[Int(candidate.record)] = true
                pairs.append((candidate.tender, candidate.record))
            }
            pairs.sort { $0.tender < $1.tender }
            for pair in pairs {
                matchedByStep[Int(pair.tender)] = true
                grouping.add(tender: Int(pair.tender), record: Int(pair.record), formation: .step(UInt8(step)))
            }
        }
        keyedStep(
            1, tenderHashes: items.tenderRefHash, recordHashes: items.recordRefHash,
            sameKey: { ReconciliationItems.sameIdentifier(items.tenderRef($0), items.recordRef($1)) }, withinTolerance: false)
        keyedStep(
            2, tenderHashes: items.tenderOrderHash, recordHashes: items.recordOrderHash,
            sameKey: { ReconciliationItems.sameIdentifier(items.tenderOrder($0), items.recordOrder($1)) }, withinTolerance: true)
        stepThree(items, settings, &grouping, &tenderTaken, &recordTaken, &matchedByStep)

        // 4. Second captures: a CAPTURE left over (not ambiguous) with the payment_ref of a PAYMENT
        // tender a step matched, or its order_id with the gross within tolerance of that tender's
        // amount, joins the first such tender's group.
        let leftCaptures = records.indices.filter {
            !recordTaken[$0] && items.recordType[$0] == .capture && !grouping.ambiguousRecords[$0]
        }
        if !leftCaptures.isEmpty {
            var byRef = HashChains(itemCount: tenders.count, expected: tenders.count)
            var byOrder = HashChains(itemCount: tenders.count, expected: tenders.count)
            for tender in tenders.indices.reversed() where matchedByStep[tender] && !items.tenderIsRefund[tender] {
                if items.tenderRefHash[tender] != 0 { byRef.insert(tender, hash: items.tenderRefHash[tender]) }
                if items.tenderOrderHash[tender] != 0 { byOrder.insert(tender, hash: items.tenderOrderHash[tender]) }
            }
            for index in leftCaptures {
                var joined: Int?
                byRef.forEach(hash: items.recordRefHash[index]) { tender in
                    guard items.tenderProcessor[tender] == items.recordProcessor[index], ReconciliationItems.sameIdentifier(items.tenderRef(tender), items.recordRef(index))
                    else { return }
                    joined = min(joined ?? tender, tender)
                }
                byOrder.forEach(hash: items.recordOrderHash[index]) { tender in
                    guard items.tenderProcessor[tender] == items.recordProcessor[index], ReconciliationItems.sameIdentifier(items.tenderOrder(tender), items.recordOrder(index))
                    else { return }
                    let (difference, overflow) = items.tenderAmount[tender].subtractingReportingOverflow(items.recordGross[index])
                    guard !overflow, difference.magnitude <= tolerance else { return }
                    joined = min(joined ?? tender, tender)
                }
                guard let tender = joined else { continue }
                recordTaken[index] = true
                grouping.recordGroup[index] = grouping.tenderGroup[tender]
                if items.recordGross[index] > 0 { grouping.secondCaptures[index] = true }
            }
        }

        // 5. Everything else stands alone.
        for index in tenders.indices where !tenderTaken[index] {
            grouping.add(tender: index, record: nil, formation: .alone)
        }
        for index in records.indices where !recordTaken[index] {
            grouping.add(tender: nil, record: index, formation: .alone)
        }
        grouping.listMembers()
        return grouping
    }

    /// The hash a REFUND_FAILURE's refunds carry: its payment_ref, its processor, direction 1.
    private static func refundHash(of failure: Int, _ items: ReconciliationItems) -> UInt32 {
        ReconciliationItems.keyHash(
            identifierHash: ReconciliationItems.identifierHash(items.records[failure].paymentRef), items.recordProcessor[failure], 1)
    }

    /// Stage 1: the items named together by MATCH overrides (by one, or linked through several)
    /// form one group; an override naming items of two processors is not applied, nor are those
    /// linked with it.
    private static func matchOverrideGroups(
        _ items: ReconciliationItems, _ matchOverrides: [(index: Int, targets: OverrideTargets)], _ grouping: inout Grouping,
        _ tenderTaken: inout [Bool], _ recordTaken: inout [Bool]
    ) {
        guard !matchOverrides.isEmpty else { return }
        let records = items.records
        var parent: [Int] = []
        var overridesOfSet: [[Int]] = []
        var setOfTender: [Int: Int] = [:]
        var setOfRecord: [Int: Int] = [:]
        func root(_ set: Int) -> Int {
            var set = set
            while parent[set] != set { set = parent[set] }
            return set
        }
        // The processors each override names, over every known item it names (SEMANTICS §6.1: the
        // items are all card tenders and all settlement records), and those of linked overrides.
        var processorsOfSet: [Set<Int32>] = []
        for (index, targets) in matchOverrides {
            let named = targets.tenders.filter { grouping.knownTenders[$0] }
            let namedAnyRecords = targets.records.filter { grouping.knownRecords[$0] }
            if named.isEmpty && namedAnyRecords.isEmpty { continue }
            let processors = Set(named.map { items.tenderProcessor[$0] } + namedAnyRecords.map { items.recordProcessor[$0] })
            if processors.count > 1 {
                grouping.refusedMatches.insert(index)
                continue
            }
            // It applies (as soon as known), also when it names no item a group can hold (a
            // chargeback, a fee): those items are then only OVERRIDDEN.
            grouping.appliedMatches.insert(index)
            let namedRecords = namedAnyRecords.filter { records[$0].type.isCardClearing }
            let set = parent.count
            parent.append(set)
            overridesOfSet.append([index])
            processorsOfSet.append(processors)
            for tender in named {
                if let other = setOfTender[tender] { parent[root(other)] = set } else { setOfTender[tender] = set }
            }
            for record in namedRecords {
                if let other = setOfRecord[record] { parent[root(other)] = set } else { setOfRecord[record] = set }
            }
        }
        guard !parent.isEmpty else { return }
        var memberTenders = [[Int]](repeating: [], count: parent.count)
        var memberRecords = [[Int]](repeating: [], count: parent.count)
        for (tender, set) in setOfTender { memberTenders[root(set)].append(tender) }
        for (record, set) in setOfRecord { memberRecords[root(set)].append(record) }
        for set in parent.indices where parent[set] != set {
            overridesOfSet[root(set)] += overridesOfSet[set]
            processorsOfSet[root(set)].formUnion(processorsOfSet[set])
        }
        var groups: [(tenders: [Int], records: [Int], overrides: [Int])] = []
        for set in parent.indices where parent[set] == set {
            if processorsOfSet[set].count > 1 {
                for index in overridesOfSet[set] {
                    grouping.appliedMatches.remove(index)
                    grouping.refusedMatches.insert(index)
                }
                continue
            }
            if memberTenders[set].isEmpty && memberRecords[set].isEmpty { continue }
            groups.append((memberTenders[set].sorted(), memberRecords[set].sorted(), overridesOfSet[set].sorted()))
        }
        // In the order of their leads (tenders before records, each in item order).
        groups.sort { a, b in
            let first = a.tenders.first.map { (0, $0) } ?? (1, a.records.first ?? 0)
            let second = b.tenders.first.map { (0, $0) } ?? (1, b.records.first ?? 0)
            return first < second
        }
        for group in groups {
            for tender in group.tenders { tenderTaken[tender] = true }
            for record in group.records { recordTaken[record] = true }
            grouping.matchOverridesOfGroup[grouping.count] = group.overrides
            grouping.add(tenders: group.tenders, records: group.records, formation: .matchOverride)
        }
    }

    /// Step 3: amount exactly equal, at most the window apart, payment_refs not both present and
    /// different; a pair only when each is the other's only candidate, every candidate counted
    /// before any pair is made. An item that had a candidate and paired with none is ambiguous.
    private static func stepThree(
        _ items: ReconciliationItems, _ settings: ReconciliationSettings, _ grouping: inout Grouping, _ tenderTaken: inout [Bool],
        _ recordTaken: inout [Bool], _ matchedByStep: inout [Bool]
    ) {
        let tenders = items.tenders
        let records = items.records
        func amountHash(_ processor: Int32, _ direction: UInt64, _ amount: Int64) -> UInt64 {
            FastKeyHash.combine(UInt64(bitPattern: amount), UInt64(processor), direction)
        }
        // The leftover records sorted by (hash, index): a hash's records are one run, in record
        // order, so by occurred_at (a run mixing two keys is still in time order; keys are compared).
        var sorted: [(hash: UInt64, record: Int32)] = []
        for index in records.indices where !recordTaken[index] && (items.recordType[index] == .capture || items.recordType[index] == .refund) {
            sorted.append((amountHash(items.recordProcessor[index], items.recordType[index] == .refund ? 1 : 0, items.recordGross[index]), Int32(index)))
        }
        guard !sorted.isEmpty else { return }
        sorted.sort { ($0.hash, $0.record) < ($1.hash, $1.record) }
        let window = settings.windowNanoseconds
        var candidatesOfTender: [(tender: Int, records: [Int])] = []
        var recordCandidateCount = [Int32](repeating: 0, count: records.count)
        for tender in tenders.indices where !tenderTaken[tender] {
            let amount = items.tenderAmount[tender]
            let time = items.tenderTime[tender]
            let hash = amountHash(items.tenderProcessor[tender], items.tenderIsRefund[tender] ? 1 : 0, amount)
            // The run of this hash, from the first record at or after the window's start.
            let earliest = time.subtractingReportingOverflow(window)
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                let entry = sorted[middle]
                let before =
                    entry.hash < hash
                    || (entry.hash == hash && !earliest.overflow
                        && items.recordTime[Int(entry.record)] < earliest.partialValue)
                if before { low = middle + 1 } else { high = middle }
            }
            var found: [Int] = []
            var position = low
            while position < sorted.count && sorted[position].hash == hash {
                let index = Int(sorted[position].record)
                position += 1
                let (gap, overflow) = items.recordTime[index].subtractingReportingOverflow(time)
                if overflow || gap > window { break }
                guard items.pairable(tender: tender, record: index), items.recordGross[index] == amount else { continue }
                if let mine = items.tenderRef(tender), !mine.isEmpty, let theirs = items.recordRef(index), !theirs.isEmpty, !mine.elementsEqual(theirs) {
                    continue
                }
                found.append(index)
            }
            if found.isEmpty { continue }
            candidatesOfTender.append((tender, found))
            for record in found { recordCandidateCount[record] += 1 }
        }
        var paired = [Bool](repeating: false, count: records.count)
        for (tender, found) in candidatesOfTender {
            if found.count == 1 && recordCandidateCount[found[0]] == 1 {
                tenderTaken[tender] = true
                recordTaken[found[0]] = true
                paired[found[0]] = true
                matchedByStep[tender] = true
                grouping.add(tender: tender, record: found[0], formation: .step(3))
            } else {
                grouping.ambiguousTenders[tender] = true
            }
        }
        for record in records.indices where recordCandidateCount[record] > 0 && !paired[record] {
            grouping.ambiguousRecords[record] = true
        }
    }
}
