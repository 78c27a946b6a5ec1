// The reconciliation engine held equal to the naive model (ReconciliationModel.swift) on a few
// hundred random small cases from a fixed seed: every known item's status, its group's members,
// formation and residual, the write-offs' clearings, payouts and what they paid out, at the end of
// every day of the case; and the §6.7 identities per processor on both sides.
//
// The cases are built to collide: few processors, payment_refs, order_ids and amounts, times on and
// around the 15-minute window, refunds and their failures, partial capture reversals, chargebacks
// and reversals, payouts with and without their items, and overrides naming one, several or no
// items (and items of two processors). A failing case is shrunk (items dropped one by one while it
// still fails) and printed as builder calls, ready to become a focused test (the three the model
// first found are in ReconciliationModelDisagreementTests, and the engine now agrees).
//
// Exploring: COUNTINGHOUSE_PROPERTY_SEED, _CASES and _SCALE choose other and larger cases, and
// COUNTINGHOUSE_PROPERTY_TALLY prints how often each status, formation and rule came up.

import Foundation
import Testing

@testable import CountinghouseCore

/// SplitMix64 (Steele, Lea and Flood, 2014), as the sample generator has it, so a seed names the
/// same cases on every machine.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(bound)).high) }

    mutating func between(_ lower: Int64, _ upper: Int64) -> Int64 { lower + Int64(below(Int(upper - lower + 1))) }

    /// True with the given chance in percent.
    mutating func percent(_ chance: Int) -> Bool { below(100) < chance }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

// MARK: - A case, printable as builder calls

struct TenderSpec: Sendable {
    var order: String
    var number: Int64
    var day: Int64
    var second: Int64
    var cents: Int64
    var refund: Bool
    var processor: String?
    var ref: String?
    var kind = "CARD"

    var tender: POSTender {
        Rec.card(
            order, number, at: PropertyCase.at(day, second), cents, refund: refund, processor: processor, ref: ref, tender: kind)
    }

    var code: String {
        var text = "R.card(\"\(order)\", \(number), at: \(PropertyCase.atCode(day, second)), \(cents)"
        if refund { text += ", refund: true" }
        text += ", processor: \(processor.map { "\"\($0)\"" } ?? "nil")"
        if let ref { text += ", ref: \"\(ref)\"" }
        if kind != "CARD" { text += ", tender: \"\(kind)\"" }
        return text + ")"
    }
}

struct RecordSpec: Sendable {
    var id: String
    var type: SettlementType
    var day: Int64
    var second: Int64
    var gross: Int64
    var fee: Int64 = 0
    var processor: String
    var ref: String?
    var order: String?
    var payout: String?
    var method: String?

    var record: SettlementRecord {
        Rec.record(
            id, type, at: PropertyCase.at(day, second), gross: gross, fee: fee, processor: processor, ref: ref, order: order,
            payout: payout, method: method)
    }

    var code: String {
        var text = "R.record(\"\(id)\", .\(PropertyCase.typeCode(type)), at: \(PropertyCase.atCode(day, second)), gross: \(gross)"
        if fee != 0 { text += ", fee: \(fee)" }
        text += ", processor: \"\(processor)\""
        if let ref { text += ", ref: \"\(ref)\"" }
        if let order { text += ", order: \"\(order)\"" }
        if let payout { text += ", payout: \"\(payout)\"" }
        if let method { text += ", method: \"\(method)\"" }
        return text + ")"
    }
}

struct OverrideSpec: Sendable {
    var id: String
    var action: OverrideAction
    var ref: String?
    var order: String?
    var tender: Int64?
    var record: String?
    var processor: String?
    var effectiveOn: Int64?
    var recordedDay: Int64

    var override: RecordedOverride {
        Rec.override(
            id, action, ref: ref, order: order, tender: tender, record: record, processor: processor,
            effectiveOn: effectiveOn.map { Rec.date($0) }, recordedAt: Rec.at(recordedDay, 20))
    }

    var code: String {
        let actionCode = action == .match ? "match" : action == .ignore ? "ignore" : "writeOff"
        var text = "R.override(\"\(id)\", .\(actionCode)"
        if let ref { text += ", ref: \"\(ref)\"" }
        if let order { text += ", order: \"\(order)\"" }
        if let tender { text += ", tender: \(tender)" }
        if let record { text += ", record: \"\(record)\"" }
        if let processor { text += ", processor: \"\(processor)\"" }
        if let effectiveOn { text += ", effectiveOn: R.date(\(effectiveOn))" }
        return text + ", recordedAt: R.at(\(recordedDay), 20))"
    }
}

struct PropertyCase: Sendable {
    var seed: UInt64
    var tenders: [TenderSpec] = []
    var records: [RecordSpec] = []
    var overrides: [OverrideSpec] = []
    var tolerance: Int64 = 0
    var lagDays: Int64 = 3
    var fees: [FeeScheduleEntry] = []
    /// The last days checked (October).
    static let days: [Int64] = Array(1...10)
    /// COUNTINGHOUSE_PROPERTY_SCALE=n draws up to n times as many tenders and captures per case.
    static let scale = Int64(ProcessInfo.processInfo.environment["COUNTINGHOUSE_PROPERTY_SCALE"] ?? "") ?? 1

    var settings: ReconciliationSettings { ReconciliationSettings(tolerance: tolerance, lagDays: lagDays, fees: fees) }

    static func at(_ day: Int64, _ second: Int64) -> Instant { Instant(date: Rec.date(day), secondOfDay: second) }

    static func atCode(_ day: Int64, _ second: Int64) -> String {
        let clock = "\(second / 3600), \(second / 60 % 60)"
        return second % 60 == 0 ? "R.at(\(day), \(clock))" : "Instant(date: R.date(\(day)), secondOfDay: \(second))"
    }

    static func typeCode(_ type: SettlementType) -> String {
        switch type {
        case .capture: return "capture"
        case .refund: return "refund"
        case .refundFailure: return "refundFailure"
        case .chargeback: return "chargeback"
        case .chargebackReversal: return "chargebackReversal"
        case .fee: return "fee"
        case .payout: return "payout"
        case .payoutFailure: return "payoutFailure"
        case .adjustment: return "adjustment"
        }
    }

    /// The case as a test's builder calls.
    var code: String {
        var lines = ["// seed \(seed)"]
        lines.append(
            "let settings = ReconciliationSettings(tolerance: \(tolerance), lagDays: \(lagDays), fees: ["
                + fees.map {
                    "FeeScheduleEntry(processor: \"\($0.processor)\", paymentMethod: \($0.paymentMethod.map { "\"\($0)\"" } ?? "nil"), "
                        + "percentNumerator: \($0.percentNumerator), percentScale: \($0.percentScale), fixed: \($0.fixed))"
                }.joined(separator: ", ") + "])")
        lines.append("let reconciliation = R.reconcile(")
        lines.append("    [" + tenders.map(\.code).joined(separator: ",\n     ") + "],")
        lines.append("    [" + records.map(\.code).joined(separator: ",\n     ") + "],")
        lines.append("    overrides: [" + overrides.map(\.code).joined(separator: ",\n                ") + "],")
        lines.append("    settings: settings)")
        return lines.joined(separator: "\n")
    }

    // MARK: The generator

    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        let all = ["stripe", "adyen", "square"]
        let first = random.below(3)
        let processors = (0..<Int(random.between(1, 3))).map { all[(first + $0) % 3] }
        let refs = ["ch_1", "ch_2", "ch_3"]
        let orders = ["A1", "A2", "A3"]
        let amounts: [Int64] = [1000, 1000, 2000, 995, 1005, 2500]
        // 10:00 and minutes around the 15-minute window.
        let minutes: [Int64] = [0, 5, 14, 15, 16, 30, 120]

        tolerance = random.pick([0, 0, 5, 50])
        lagDays = random.pick([3, 3, 1, 0])
        if random.percent(50) { fees.append(FeeScheduleEntry(processor: "stripe", percentNumerator: 29, percentScale: 1, fixed: 30)) }
        if random.percent(30) {
            fees.append(FeeScheduleEntry(processor: "stripe", paymentMethod: "visa", percentNumerator: 15, percentScale: 1, fixed: 0))
        }
        if random.percent(30) { fees.append(FeeScheduleEntry(processor: "adyen", percentNumerator: 1, percentScale: 0, fixed: 10)) }
        let settings = self.settings

        // Tenders. One case in three is dense: one day, few amounts, few refs, so that step 3 finds
        // several candidates and the window's edges matter.
        let dense = random.percent(35)
        for _ in 0..<random.between(0, (dense ? 6 : 5) * PropertyCase.scale) {
            let order = random.pick(orders)
            let number = Int64(tenders.filter { $0.order == order }.count + 1)
            tenders.append(
                TenderSpec(
                    order: order, number: number, day: dense ? 2 : random.between(1, 5),
                    second: random.percent(8)
                        ? random.pick([0, 86_399, 86_100]) : (600 + random.pick(dense ? [0, 5, 10, 15, 16] : minutes)) * 60 + (random.percent(10) ? 30 : 0),
                    cents: dense ? random.pick([1000, 1000, 2000]) : random.pick(amounts), refund: random.percent(dense ? 10 : 20),
                    processor: random.percent(8) ? nil : random.pick(processors),
                    ref: random.percent(dense ? 25 : 65) ? random.pick(refs) : nil, kind: random.percent(8) ? "CASH" : "CARD"))
        }

        func newID(_ processor: String) -> String {
            // Now and then an id another processor already uses (ids are unique per processor only).
            if random.percent(12), !records.isEmpty {
                let candidate = random.pick(records).id
                if !records.contains(where: { $0.id == candidate && $0.processor == processor }) { return candidate }
            }
            // A fresh id in random byte order, so that records booked at one instant come in any
            // order (record order breaks ties by record_id).
            var id = "t\(random.between(1, 99))"
            while records.contains(where: { $0.id == id }) { id = "t\(random.between(1, 99))" }
            return id
        }
        let payoutCount = random.percent(40) ? 0 : Int(random.between(1, 2))
        let payoutIDs = (0..<payoutCount).map { "po_\($0 + 1)" }
        let payoutPool = payoutIDs + ["po_9"]
        func payout() -> String? { random.percent(40) ? random.pick(payoutPool) : nil }
        func shifted(_ second: Int64, minutes delta: Int64) -> Int64 { max(0, min(86_399, second + delta * 60)) }

        // Captures and refunds, most of them made from a tender (with its ref, order or amount).
        for _ in 0..<random.between(0, (dense ? 6 : 5) * PropertyCase.scale) {
            let type: SettlementType
            let processor: String
            var ref: String?
            var order: String?
            var gross: Int64
            var day: Int64
            var second: Int64
            if !tenders.isEmpty, random.percent(75) {
                let tender = random.pick(tenders)
                type = tender.refund ? .refund : .capture
                processor = random.percent(8) ? random.pick(processors) : tender.processor ?? random.pick(processors)
                ref = random.percent(dense ? 25 : 60) ? tender.ref : random.percent(dense ? 15 : 40) ? random.pick(refs) : nil
                order = random.percent(dense ? 15 : 40) ? tender.order : random.percent(15) ? random.pick(orders) : nil
                let signed = tender.refund ? -tender.cents : tender.cents
                let draw = random.below(100)
                if draw < (dense ? 70 : 55) {
                    gross = signed
                } else if draw < 75 {
                    gross = signed + random.pick([-100, -50, -5, -1, 1, 5, 50])
                } else if draw < 88, type == .capture {
                    gross = -random.pick([5, 200, 1000])  // a partial capture reversal
                } else {
                    gross = tender.refund ? -random.pick(amounts) : random.pick(amounts)
                }
                if random.percent(60) {
                    // Around the tender, across midnight when it is near one.
                    let absolute = max(86_400, tender.day * 86_400 + tender.second + random.pick([-16, -15, -1, 0, 1, 14, 15, 16]) * 60)
                    day = absolute / 86_400
                    second = absolute % 86_400
                } else {
                    day = tender.day + random.between(0, 2)
                    second = (600 + random.pick(minutes)) * 60
                }
            } else {
                type = random.percent(75) ? .capture : .refund
                processor = random.pick(processors)
                ref = random.percent(60) ? random.pick(refs) : nil
                order = random.percent(30) ? random.pick(orders) : nil
                gross = type == .refund ? -random.pick(amounts) : random.pick(amounts)
                day = random.between(1, 6)
                second = (600 + random.pick(minutes)) * 60
            }
            var fee: Int64 = 0
            var method: String?
            if type == .capture {
                method = random.percent(40) ? random.pick(["visa", "mc"]) : nil
                let expected = settings.feeEntry(processor: processor, paymentMethod: method).map { Int64($0.expectedFee(gross: gross)) } ?? 0
                fee = expected + random.pick([0, 0, 0, 1, 5, 51, 100, -expected])
            } else if random.percent(30) {
                fee = -random.pick([5, 30])  // a refund whose fee is returned
            }
            records.append(
                RecordSpec(
                    id: newID(processor), type: type, day: day, second: second, gross: gross, fee: fee, processor: processor, ref: ref,
                    order: order, payout: payout(), method: method))
        }

        // Refund failures, mostly of a refund (minus its gross, at or after it), some of nothing.
        for refund in records where refund.type == .refund && random.percent(45) {
            let processor = random.percent(90) ? refund.processor : random.pick(processors)
            let before = random.percent(15)
            records.append(
                RecordSpec(
                    id: newID(processor), type: .refundFailure, day: before ? refund.day : refund.day + random.between(0, 2),
                    second: before ? shifted(refund.second, minutes: -1) : random.percent(30) ? refund.second : shifted(refund.second, minutes: 10),
                    gross: random.percent(80) ? -refund.gross : -refund.gross + 100, processor: processor,
                    ref: random.percent(85) ? refund.ref : random.pick(refs), payout: payout()))
        }
        if random.percent(10) {
            let processor = random.pick(processors)
            records.append(
                RecordSpec(
                    id: newID(processor), type: .refundFailure, day: random.between(1, 6), second: 36_000, gross: random.pick(amounts),
                    processor: processor, ref: random.pick(refs)))
        }

        // Chargebacks, their reversals (some before them) and second chargebacks.
        if random.percent(40) {
            for _ in 0..<random.between(1, 2) {
                let processor = random.pick(processors)
                let ref = random.percent(90) ? random.pick(refs) : nil
                let amount = random.pick(amounts)
                let day = random.between(2, 6)
                records.append(
                    RecordSpec(
                        id: newID(processor), type: .chargeback, day: day, second: 43_200, gross: -amount, fee: random.percent(50) ? 1500 : 0,
                        processor: processor, ref: ref, payout: payout()))
                if random.percent(55) {
                    let reversalProcessor = random.percent(85) ? processor : random.pick(processors)
                    let reversalDay = random.percent(20) ? day - 1 : day + random.between(0, 2)
                    records.append(
                        RecordSpec(
                            id: newID(reversalProcessor), type: .chargebackReversal, day: reversalDay, second: 50_400,
                            gross: random.percent(80) ? amount : amount / 2, processor: reversalProcessor,
                            ref: random.percent(85) ? ref : random.pick(refs), payout: payout()))
                    if random.percent(25) {
                        records.append(
                            RecordSpec(
                                id: newID(processor), type: .chargeback, day: reversalDay + 1, second: 43_200, gross: -amount, processor: processor,
                                ref: ref, payout: payout()))
                    }
                }
            }
        }

        // Fees and adjustments.
        if random.percent(20) {
            let processor = random.pick(processors)
            records.append(
                RecordSpec(
                    id: newID(processor), type: .fee, day: random.between(1, 6), second: 64_800, gross: 0, fee: random.pick([25, 199]),
                    processor: processor, payout: payout()))
        }
        if random.percent(20) {
            let processor = random.pick(processors)
            records.append(
                RecordSpec(
                    id: newID(processor), type: .adjustment, day: random.between(1, 6), second: 61_200, gross: random.pick([100, -250, 7]),
                    processor: processor, ref: random.percent(30) ? random.pick(refs) : nil, order: random.percent(20) ? random.pick(orders) : nil,
                    payout: payout()))
        }

        // Payouts: the id in payout_id or (empty) as the record id; the gross mostly minus its items' nets.
        for id in payoutIDs {
            let processor = random.pick(processors)
            let items = records.filter { $0.processor == processor && $0.payout == id }
            let nets = items.reduce(Int64(0)) { $0 + $1.gross - $1.fee }
            let inRecordID = random.percent(50) && !records.contains(where: { $0.id == id && $0.processor == processor })
            records.append(
                RecordSpec(
                    id: inRecordID ? id : newID(processor), type: .payout, day: random.between(3, 8), second: 79_200,
                    gross: random.percent(60) ? -nets : -nets + random.pick([1, -100]), processor: processor,
                    payout: inRecordID ? nil : id))
        }
        if random.percent(20) {
            let processor = random.pick(processors)
            records.append(
                RecordSpec(
                    id: newID(processor), type: .payoutFailure, day: random.between(3, 9), second: 36_000, gross: 500, processor: processor,
                    ref: random.pick(payoutPool), payout: random.percent(50) ? random.pick(payoutPool) : nil))
        }

        // Overrides: MATCH, IGNORE and WRITE_OFF naming one or two things, some nothing known,
        // some items of two processors; write-offs on their recording day or an effective day.
        if random.percent(55) {
            var ids: [String] = []
            for _ in 0..<random.between(1, 3) {
                var id = "o\(random.between(10, 99))"
                while ids.contains(id) { id = "o\(random.between(10, 99))" }
                ids.append(id)
                let draw = random.below(100)
                let action: OverrideAction = draw < 35 ? .match : draw < 60 ? .ignore : .writeOff
                var spec = OverrideSpec(id: id, action: action, recordedDay: random.between(1, 9))
                let naming = random.between(1, 2)
                var kinds: [Int] = []
                while kinds.count < naming {
                    let kind = random.below(3)
                    if !kinds.contains(kind) { kinds.append(kind) }
                }
                for kind in kinds {
                    switch kind {
                    case 0: spec.ref = random.pick(refs + ["ch_9"])
                    case 1:
                        spec.order = random.pick(orders)
                        if random.percent(30) { spec.tender = random.between(1, 2) }
                    default: spec.record = !records.isEmpty && random.percent(85) ? random.pick(records).id : "zz"
                    }
                }
                if random.percent(25) { spec.processor = random.pick(all) }
                if action == .writeOff, random.percent(50) { spec.effectiveOn = random.between(1, 8) }
                overrides.append(spec)
            }
        }
        // Now and then two write-offs of one tender's group on different days, with a capture of its
        // payment (or another payment for its ticket) booked between or after them: clearings that
        // follow the lead into a regrouped group, and a group cleared twice.
        if let tender = tenders.first(where: { $0.kind == "CARD" && $0.processor != nil }), random.percent(30) {
            let firstDay = tender.day + random.between(0, 2)
            // Ids in either order, days sometimes equal (then override_id orders them).
            let ids = random.percent(50) ? ["w1", "w2"] : ["w2", "w1"]
            for (number, day) in [firstDay, firstDay + random.between(0, 3)].enumerated() {
                var spec = OverrideSpec(id: ids[number], action: .writeOff, recordedDay: day)
                if random.percent(50), let ref = tender.ref { spec.ref = ref } else { spec.order = tender.order }
                if random.percent(50) { spec.effectiveOn = day } else { spec.recordedDay = day }
                overrides.append(spec)
            }
            let processor = tender.processor!
            records.append(
                RecordSpec(
                    id: newID(processor), type: tender.refund ? .refund : .capture, day: firstDay + random.between(0, 3),
                    second: tender.second, gross: (tender.refund ? -tender.cents : tender.cents) + random.pick([0, -100, 7]),
                    processor: processor, ref: random.percent(70) ? tender.ref : nil, order: tender.order))
        }
    }

    // MARK: Engine against model

    /// Every disagreement between the engine and the model (and every broken §6.7 identity) at the
    /// end of each day.
    func disagreements(_ readings: ModelReadings = ModelReadings(), tally: inout [String: Int]) -> [String] {
        let tenderRows = tenders.map(\.tender)
        let recordRows = records.map(\.record)
        let overrideRows = overrides.map(\.override)
        let engine = Rec.reconcile(tenderRows, recordRows, overrides: overrideRows, settings: settings)
        let model = ReconciliationModel(
            tenders: tenderRows, records: recordRows, overrides: overrideRows, settings: settings, readings: readings)
        var problems: [String] = []

        func key(_ item: ReconciliationItem) -> ModelKey {
            switch item {
            case .tender(let index): return .tender(order: engine.tenders[index].orderID, number: engine.tenders[index].tenderNumber)
            case .record(let index): return .record(processor: engine.records[index].processor, id: engine.records[index].recordID)
            }
        }
        let engineTenders = engine.tenders.indices.map { key(.tender($0)) }
        let modelTenders = model.tenders.indices.map(model.tenderKey)
        if engineTenders != modelTenders { problems.append("tender order: engine \(engineTenders), model \(modelTenders)") }
        let engineRecords = engine.records.indices.map { key(.record($0)) }
        let modelRecords = model.records.indices.map(model.recordKey)
        if engineRecords != modelRecords { problems.append("record order: engine \(engineRecords), model \(modelRecords)") }
        if !problems.isEmpty { return problems }

        let items = engine.tenders.indices.map(ReconciliationItem.tender) + engine.records.indices.map(ReconciliationItem.record)
        for day in PropertyCase.days {
            let date = Rec.date(day)
            let state = engine.state(atEndOf: date)
            let expected = model.state(atEndOf: date.daysSinceEpoch)
            func problem(_ text: String) { problems.append("Oct \(day): \(text)") }

            for name in expected.known {
                tally["status " + expected.status[name]!.rawValue, default: 0] += 1
                if let formation = expected.formation[name] { tally["formation \(formation)", default: 0] += 1 }
            }
            tally["second captures, positive", default: 0] += expected.secondCaptures.filter { $0 > 0 }.count
            tally["second captures, negative", default: 0] += expected.secondCaptures.filter { $0 < 0 }.count
            tally["refused MATCHes", default: 0] += expected.refusedMatches
            tally["clearings on a regrouped group", default: 0] += expected.regroupedClearings
            tally["groups cleared twice", default: 0] += expected.groupsClearedTwice
            tally["clearings", default: 0] += expected.clearings.count
            tally["clearings nonzero", default: 0] += expected.clearings.filter { $0.amount != 0 }.count
            for item in items {
                let name = key(item)
                let known = expected.status[name] != nil
                if state.isKnown(item) != known { problem("\(name) known: engine \(state.isKnown(item)), model \(known)") }
                guard known else { continue }
                let status = state.status(of: item)
                if status != expected.status[name] {
                    problem("\(name) status: engine \(status.map(\.rawValue) ?? "nil"), model \(expected.status[name]!.rawValue)")
                }
                let members = Set(state.groupMembers(of: item).map(key))
                let modelMembers = Set(expected.members[name] ?? [])
                if members != modelMembers {
                    problem("\(name) group: engine \(members.map(\.description).sorted()), model \(modelMembers.map(\.description).sorted())")
                }
                let lead = key(state.lead(of: item))
                if lead != expected.lead[name] { problem("\(name) lead: engine \(lead), model \(expected.lead[name].map(\.description) ?? "nil")") }
                let residual = state.residual(ofGroupOf: item)?.total
                if residual != expected.residual[name] {
                    problem("\(name) residual: engine \(residual.map { "\($0)" } ?? "nil"), model \(expected.residual[name].map { "\($0)" } ?? "nil")")
                }
                let formation = state.formation(ofGroupOf: item)
                if formation != expected.formation[name] {
                    problem("\(name) formation: engine \(formation.map { "\($0)" } ?? "nil"), model \(expected.formation[name].map { "\($0)" } ?? "nil")")
                }
                // The engine's isPaidOut answers for a payout's items; a PAYOUT record is paid out by itself.
                if case .record(let index) = item, engine.records[index].type != .payout {
                    let paid = state.isPaidOut(record: index)
                    if paid != expected.paidOut.contains(name) { problem("\(name) paid out: engine \(paid), model \(!paid)") }
                }
                let open = state.isOpen(item)
                if open != expected.open.contains(name) { problem("\(name) open: engine \(open), model \(!open)") }
            }

            // Overrides refused, and naming nothing known.
            let refused = state.refusedMatches.map { engine.overrideList[$0].override.overrideID }.sorted()
            if refused != expected.refused.sorted() { problem("refused MATCHes: engine \(refused), model \(expected.refused.sorted())") }
            let nothing = state.overridesNamingNothing.map { engine.overrideList[$0].override.overrideID }.sorted()
            if nothing != expected.namingNothing.sorted() { problem("naming nothing: engine \(nothing), model \(expected.namingNothing.sorted())") }

            // Write-offs' clearings.
            let clearings: [ModelClearing]
            do {
                clearings = try engine.writeOffClearings(throughDay: date).map {
                    ModelClearing(
                        overrideID: $0.overrideID, day: $0.day.daysSinceEpoch, processor: $0.processor, amount: Int128($0.amount),
                        lead: key($0.lead))
                }
            } catch {
                problem("writeOffClearings threw \(error)")
                continue
            }
            let engineClearings = clearings.map(\.description).sorted()
            let modelClearings = expected.clearings.map(\.description).sorted()
            if engineClearings != modelClearings { problem("clearings: engine \(engineClearings), model \(modelClearings)") }

            // Payouts.
            let payouts = state.payouts.map { "\($0.processor)/\($0.payoutID) \($0.residual.total)" }.sorted()
            let modelPayouts = expected.payouts.map { "\($0.processor)/\($0.id) \($0.residual)" }.sorted()
            if payouts != modelPayouts { problem("payouts: engine \(payouts), model \(modelPayouts)") }

            // §6.7 per processor, on both sides: card clearing = Σ residuals; processor balance =
            // nets not paid out + payouts' residuals.
            var clearing: [String: Int128] = [:]
            for index in model.tenders.indices where model.tenderKnown(index, date.daysSinceEpoch) {
                clearing[model.processor(ofTender: index), default: 0] += model.signedAmount(index)
            }
            var balance: [String: Int128] = [:]
            for record in model.records where ReconciliationModel.day(record.occurredAt) <= date.daysSinceEpoch {
                if ReconciliationModel.isCardClearing(record.type) { clearing[record.processor, default: 0] -= Int128(record.gross) }
                balance[record.processor, default: 0] += Int128(record.net)
            }
            for side in ["engine", "model"] {
                var journal = clearing
                for cleared in side == "engine" ? clearings : expected.clearings { journal[cleared.processor, default: 0] -= cleared.amount }
                let residuals = side == "engine" ? state.cardClearingByProcessor : expected.residualsByProcessor
                for processor in Set(journal.keys).union(residuals.keys) where (journal[processor] ?? 0) != (residuals[processor] ?? 0) {
                    problem("\(side) §6.7 card clearing \(processor): journal \(journal[processor] ?? 0), Σ residuals \(residuals[processor] ?? 0)")
                }
                var explained: [String: Int128] = [:]
                for (index, record) in model.records.enumerated() where ReconciliationModel.day(record.occurredAt) <= date.daysSinceEpoch {
                    let paid = side == "engine"
                        ? record.type == .payout || state.isPaidOut(record: index) : expected.paidOut.contains(model.recordKey(index))
                    if !paid { explained[record.processor, default: 0] += Int128(record.net) }
                }
                if side == "engine" {
                    for payout in state.payouts { explained[payout.processor, default: 0] += payout.residual.total }
                } else {
                    for payout in expected.payouts { explained[payout.processor, default: 0] += payout.residual }
                }
                for processor in Set(balance.keys).union(explained.keys) where (balance[processor] ?? 0) != (explained[processor] ?? 0) {
                    problem("\(side) §6.7 processor balance \(processor): nets \(balance[processor] ?? 0), explained \(explained[processor] ?? 0)")
                }
            }
        }
        return problems
    }

    func disagreements(_ readings: ModelReadings = ModelReadings()) -> [String] {
        var tally: [String: Int] = [:]
        return disagreements(readings, tally: &tally)
    }

    /// The case with items dropped one by one (and the settings simplified) while it still fails.
    func shrunk(_ readings: ModelReadings = ModelReadings()) -> PropertyCase {
        var smallest = self
        var progress = true
        while progress {
            progress = false
            var candidates: [PropertyCase] = []
            for index in smallest.overrides.indices {
                var candidate = smallest
                candidate.overrides.remove(at: index)
                candidates.append(candidate)
            }
            for index in smallest.records.indices {
                var candidate = smallest
                candidate.records.remove(at: index)
                candidates.append(candidate)
            }
            for index in smallest.tenders.indices {
                var candidate = smallest
                candidate.tenders.remove(at: index)
                candidates.append(candidate)
            }
            if !smallest.fees.isEmpty {
                var candidate = smallest
                candidate.fees = []
                candidates.append(candidate)
            }
            if smallest.tolerance != 0 {
                var candidate = smallest
                candidate.tolerance = 0
                candidates.append(candidate)
            }
            if smallest.lagDays != 3 {
                var candidate = smallest
                candidate.lagDays = 3
                candidates.append(candidate)
            }
            for candidate in candidates where !candidate.disagreements(readings).isEmpty {
                smallest = candidate
                progress = true
                break
            }
        }
        return smallest
    }
}

@Suite struct ReconciliationPropertyTests {
    static let seed: UInt64 = UInt64(ProcessInfo.processInfo.environment["COUNTINGHOUSE_PROPERTY_SEED"] ?? "") ?? 0x2026_1206_C0DE
    static let caseCount = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_PROPERTY_CASES"] ?? "") ?? 400

    @Test func engineEqualsTheNaiveModelOnRandomCases() {
        let clock = ContinuousClock()
        let start = clock.now
        var failing: [PropertyCase] = []
        var checkedDays = 0
        var tally: [String: Int] = [:]
        for number in 0..<Self.caseCount {
            let random = PropertyCase(seed: Self.seed &+ UInt64(number))
            checkedDays += PropertyCase.days.count
            if !random.disagreements(tally: &tally).isEmpty { failing.append(random) }
        }
        let elapsed = clock.now - start
        print("reconciliation property: \(Self.caseCount) cases, \(checkedDays) days, \(failing.count) failing, \(elapsed)")
        if ProcessInfo.processInfo.environment["COUNTINGHOUSE_PROPERTY_TALLY"] != nil {
            for (name, count) in tally.sorted(by: { $0.key < $1.key }) { print("  \(name): \(count)") }
        }
        // The first few failing cases, shrunk and printed with what differs.
        for random in failing.prefix(5) {
            let small = random.shrunk()
            let problems = Array(small.disagreements().prefix(12)).joined(separator: "\n")
            Issue.record("engine ≠ model (case seed \(random.seed); shrunk):\n\(small.code)\n\(problems)")
        }
    }
}

/// The report's rows (marked per item and sorted by the items' columns first) against the rule
/// made the slow, obvious way on the same random cases: every item known at the span's end that
/// is dated in the span, open at its end or open at its start, with the other members of its group,
/// each once, its row made at the end and the rows sorted by reconciliation.csv's whole key.
/// Likewise payments.csv (the payments of the listed items, sorted by the file's whole key) and
/// rollforward.csv's ITEM lines.
@Suite struct ReconciliationReportListingTests {
    @Test func theReportListsTheRuleItemsOnceInTheFilesOrder() throws {
        var checked = 0
        var checkedPayments = 0
        var checkedItemLines = 0
        for number in 0..<200 {
            let random = PropertyCase(seed: ReconciliationPropertyTests.seed &+ UInt64(number))
            let engine = Rec.reconcile(
                random.tenders.map(\.tender), random.records.map(\.record), overrides: random.overrides.map(\.override),
                settings: random.settings)
            for (first, last) in [(1, 10), (1, 3), (2, 2), (4, 10), (6, 7)] {
                let span = try #require(ReportSpan(firstDay: Rec.date(Int64(first)), lastDay: Rec.date(Int64(last))))
                let end = engine.state(atEndOf: span.lastDay)
                let start = engine.state(atEndOf: span.firstDay.adding(days: -1))
                let days = span.firstDay.daysSinceEpoch...span.lastDay.daysSinceEpoch
                var listed = Set<ReconciliationItem>()
                let items = engine.tenders.indices.map { ReconciliationItem.tender($0) } + engine.records.indices.map { .record($0) }
                for item in items where end.isKnown(item) {
                    let day: Int64
                    switch item {
                    case .tender(let index): day = engine.items.tenderDays[index]
                    case .record(let index): day = engine.items.recordDays[index]
                    }
                    if days.contains(day) || end.isOpen(item) || (start.isKnown(item) && start.isOpen(item)) {
                        listed.formUnion(end.groupMembers(of: item))
                    }
                }
                let expected = try listed.map { try engine.row($0, end) }.sorted(by: Reconciliation.rowPrecedesForSummary)
                let report = try engine.report(span)
                #expect(Array(report.rows) == expected, "case \(random.seed), Oct \(first)–\(last)")
                checked += expected.count
                // payments.csv: each payment of a listed item once, sorted by FORMATS §4's key
                // (processor and order_id by their bytes, the first occurred_at, the first tender's
                // number), then by the payment's lead (its number).
                let numbers = Set(listed.compactMap { end.paymentNumber(of: $0) }).sorted()
                let payments = try numbers.map { try engine.paymentRow(end.paymentState($0), end) }
                func firstTender(_ row: PaymentRow) -> Int64 { row.tenderNumbers.split(separator: ";").first.flatMap { Int64($0) } ?? 0 }
                let expectedPayments = payments.indices.sorted { i, j in
                    let (a, b) = (payments[i], payments[j])
                    if a.processor != b.processor { return a.processor.utf8.lexicographicallyPrecedes(b.processor.utf8) }
                    if a.firstOccurredAt != b.firstOccurredAt { return a.firstOccurredAt < b.firstOccurredAt }
                    let (x, y) = (a.orderID ?? "", b.orderID ?? "")
                    if !x.utf8.elementsEqual(y.utf8) { return x.utf8.lexicographicallyPrecedes(y.utf8) }
                    if firstTender(a) != firstTender(b) { return firstTender(a) < firstTender(b) }
                    return i < j
                }.map { payments[$0] }
                #expect(Array(report.payments) == expectedPayments, "payments of case \(random.seed), Oct \(first)–\(last)")
                checkedPayments += expectedPayments.count
                // rollforward.csv's ITEM lines, per account and processor: the open groups' leads
                // (card clearing), the records not paid out and the payouts with a residual
                // (processor balance), each described, in `itemPrecedes` order (a stable sort).
                let lines = Array(report.rollforward)
                var blocks: [(account: RollforwardLine.Account, processor: String)] = []
                for line in lines where !blocks.contains(where: { $0.account == line.account && $0.processor == line.processor }) {
                    blocks.append((line.account, line.processor))
                }
                for (account, processor) in blocks {
                    var expectedItems: [RollforwardLine] = []
                    func item(_ category: String, _ amount: Sum, _ described: ReconciliationItem) throws {
                        var line = RollforwardLine(
                            account: account, processor: processor, line: .item, category: category, amount: try amount.value("test"))
                        engine.describe(&line, described, end)
                        expectedItems.append(line)
                    }
                    if account == .cardClearing {
                        for (lead, residual) in end.openGroups where engine.processor(of: lead) == processor {
                            try item(engine.category(of: lead), residual, lead)
                        }
                    } else {
                        let items = engine.items
                        for index in items.records.indices
                        where items.processor(ofRecord: index) == processor && end.isKnown(.record(index)) && items.recordType[index] != .payout
                            && !end.isPaidOut(record: index) && items.recordNet[index] != 0
                        {
                            try item(items.recordType[index].rawValue, Sum(items.recordNet[index]), .record(index))
                        }
                        for payout in end.payouts where payout.processor == processor && !payout.residual.isZero {
                            try item("PAYOUT", payout.residual, .record(payout.payoutRecords[0]))
                        }
                    }
                    let sortedItems = expectedItems.indices.sorted { i, j in
                        if Reconciliation.itemPrecedes(expectedItems[i], expectedItems[j]) { return true }
                        if Reconciliation.itemPrecedes(expectedItems[j], expectedItems[i]) { return false }
                        return i < j
                    }.map { expectedItems[$0] }
                    let got = lines.filter { $0.account == account && $0.processor == processor && $0.line == .item }
                    #expect(got == sortedItems, "roll-forward of case \(random.seed), Oct \(first)–\(last), \(account) \(processor)")
                    checkedItemLines += got.count
                }
            }
        }
        #expect(checked > 1000)
        #expect(checkedPayments > 500)
        #expect(checkedItemLines > 500)
    }
}

/// What a payment gathers by ref (SEMANTICS §6.8), the slow, obvious way on the random cases: each
/// refund, refund failure, chargeback and reversal known at the day's end goes to the first payment
/// (in the payments' order) one of whose PAYMENT tenders or CAPTUREs has its processor and its
/// payment_ref (by its bytes), and to none when none has.
@Suite struct PaymentRefTests {
    @Test func eachRecordGoesToTheFirstPaymentCarryingItsRef() throws {
        var attachedChecked = 0
        for number in 0..<ReconciliationPropertyTests.caseCount {
            let random = PropertyCase(seed: ReconciliationPropertyTests.seed &+ UInt64(number))
            let engine = Rec.reconcile(
                random.tenders.map(\.tender), random.records.map(\.record), overrides: random.overrides.map(\.override),
                settings: random.settings)
            let items = engine.items
            for last in [3, 10] as [Int64] {
                let end = engine.state(atEndOf: Rec.date(last))
                struct Key: Hashable {
                    var processor: Int32
                    var ref: [UInt8]
                }
                var firstCarrier: [Key: Int] = [:]
                var attachedTo: [Int: Int] = [:]
                for payment in 0..<end.paymentGroups.count {
                    let state = end.paymentState(payment)
                    for tender in state.paymentTenders {
                        if let ref = items.tenders[tender].paymentRef, !ref.isEmpty {
                            let key = Key(processor: items.tenderProcessor[tender], ref: Array(ref.utf8))
                            if firstCarrier[key] == nil { firstCarrier[key] = payment }
                        }
                    }
                    for capture in state.captures {
                        if let ref = items.records[capture].paymentRef, !ref.isEmpty {
                            let key = Key(processor: items.recordProcessor[capture], ref: Array(ref.utf8))
                            if firstCarrier[key] == nil { firstCarrier[key] = payment }
                        }
                    }
                    for record in state.refunds + state.refundFailures + state.chargebacks + state.chargebackReversals {
                        #expect(attachedTo[record] == nil, "record \(record) in two payments")
                        attachedTo[record] = payment
                    }
                }
                for record in items.records.indices where end.isKnown(.record(record)) {
                    switch items.recordType[record] {
                    case .refund, .refundFailure, .chargeback, .chargebackReversal: break
                    default: continue
                    }
                    let expected = items.records[record].paymentRef.flatMap { ref in
                        ref.isEmpty ? nil : firstCarrier[Key(processor: items.recordProcessor[record], ref: Array(ref.utf8))]
                    }
                    #expect(attachedTo[record] == expected, "case \(random.seed), record \(record), Oct \(last)")
                    if expected != nil { attachedChecked += 1 }
                }
            }
        }
        #expect(attachedChecked > 100)
    }
}
