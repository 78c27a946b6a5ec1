// `countinghouse-bench reconcile`: the reconciliation's matching (SEMANTICS §6.2) on generated card
// tenders and captures, figures printed, never a pass/fail. COUNTINGHOUSE_BENCH_TENDERS (default
// 1,000,000) card tenders over 30 days and three processors, each settled by one capture the next
// day; in the first case every capture carries its tender's payment_ref (step 1), in the second a
// tenth carry none and no order id (left to step 3, amount and time). Generating the rows is not
// timed; the figure is records/s of building the reconciliation and its state at the end of the
// last day (matching, statuses, payouts, payments).
import CountinghouseCore
import Foundation

func benchReconciliation() throws {
    let count = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_TENDERS"] ?? "") ?? 1_000_000
    let processors = ["adyen", "square", "stripe"]
    let start = Instant(date: CivilDate(year: 2026, month: 10, day: 1)!)
    func tenderRow(_ order: String, _ at: Int64, _ amount: Int64, _ processor: String, _ ref: String) -> LedgerRow {
        LedgerRow(
            kind: .posTenders,
            values: [
                .text(order), .integer(1), .integer(at), .text("S01"), .text("CARD"), .text("PAYMENT"), .integer(amount), .text("USD"),
                .text(processor), .text(ref),
            ], sourceRow: 2)
    }
    func captureRow(_ id: String, _ at: Int64, _ amount: Int64, _ processor: String, _ ref: String?) -> LedgerRow {
        let fee = amount * 29 / 1000 + 30
        return LedgerRow(
            kind: .settlements,
            values: [
                .text(processor), .text(id), .text("CAPTURE"), .integer(at), .text("USD"), .integer(amount), .integer(fee),
                .integer(amount - fee), ref.map(FieldValue.text) ?? .null, .null, .null, .null, .text("charge"), .null,
            ], sourceRow: 2)
    }
    for stepThreeShare in [0, 10] {
        var generator = SplitMix64(state: 42)
        var tenders: [POSTender] = []
        var records: [SettlementRecord] = []
        tenders.reserveCapacity(count)
        records.reserveCapacity(count)
        let span = Int64(30 * 86_400) * Instant.nanosecondsPerSecond
        for index in 0..<count {
            let at = start.nanosecondsSinceEpoch + span / Int64(count) * Int64(index)
            let processor = processors[generator.next(below: processors.count)]
            // Amounts from 1.00 to 500.00: step 3 finds few exact twins inside 15 minutes.
            let amount = Int64(100 + generator.next(below: 49_900))
            let ref = "ch_\(index)"
            tenders.append(POSTender(tenderRow("T\(index)", at, amount, processor, ref)))
            let leftToStepThree = stepThreeShare > 0 && generator.next(below: 100) < stepThreeShare
            let settledAt = at + Int64(60 + generator.next(below: 600)) * Instant.nanosecondsPerSecond
            records.append(SettlementRecord(captureRow("txn_\(index)", settledAt, amount, processor, leftToStepThree ? nil : ref)))
        }
        _ = resetPeakResident()
        let (reconciliation, setUp) = timed {
            Reconciliation(
                ReconciliationInput(tenders: tenders, records: records, overrides: [], settings: ReconciliationSettings(), offset: { _ in 0 }))
        }
        let (state, matching) = timed { reconciliation.state(atEndOf: CivilDate(year: 2026, month: 11, day: 30)!) }
        let seconds = setUp + matching
        var matched = 0
        for index in 0..<count where state.status(of: .tender(index)) == .matched { matched += 1 }
        let label = stepThreeShare == 0 ? "exact references" : "\(stepThreeShare) % left to amount + time"
        print(
            "reconcile \(count) card tenders × \(count) captures, \(label): \(format(seconds, 2)) s "
                + "(sorting and hashing the items \(format(setUp, 2)) s, matching, statuses and payments \(format(matching, 2)) s), "
                + "\(format(Double(count) / seconds / 1e6, 2)) M records/s, \(matched) matched, peak RSS \(peakResidentMiB()) MiB")
    }
}
